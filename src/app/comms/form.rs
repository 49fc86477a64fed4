//! The "Post status update" form: exactly what customers will read (public title,
//! status, message, the state of each component), pre-filled from the seed's
//! external template and the incident's services, and its submission.

use std::collections::BTreeMap;

use crate::app::comms::publish::{MAX_PUBLIC_TITLE, Publish, draft, public_title, suggested};
use crate::app::entry::controls::Form;
use crate::app::{Actor, AppError, Comms, Reply, Submitted};
use crate::chat::{Input, InputKind, Modal};
use crate::domain::command::{MAX_EXTERNAL, check_text};
use crate::domain::{Incident, IncidentId, UserText};
use crate::public::{ComponentState, ExternalUpdate, PublicStatus};
use crate::store::external;

/// Components a form lists at most (Slack's modal holds 100 blocks).
pub(crate) const MAX_FORM_COMPONENTS: usize = 20;
/// The "not part of this incident" choice of a component.
const UNAFFECTED: &str = "unaffected";

impl Comms<'_> {
    /// Opens the form for who may publish.
    pub(crate) async fn status_update_form(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        status: Option<PublicStatus>,
    ) -> Result<Reply, AppError> {
        let mut change = self.open_change(actor, named, "statusupdate").await?;
        let id = change.id();
        let prior = external::of_incident(change.tx(), id).await?;
        let inc = change.abandon();
        self.check_publishable(&inc, &actor.user_id)?;
        let status = status.unwrap_or(suggested(inc.status));
        Ok(Reply::Modal(self.status_modal(&inc, prior.last(), status)))
    }

    fn status_modal(
        &self,
        inc: &Incident,
        last: Option<&ExternalUpdate>,
        status: PublicStatus,
    ) -> Modal {
        let affected = self.affected_components(inc, status);
        let title = last.map_or_else(|| public_title(&affected), |u| u.title.clone());
        let mut inputs = vec![
            Input {
                id: "status".into(),
                label: "Status".into(),
                kind: InputKind::Select {
                    options: PublicStatus::ALL
                        .iter()
                        .map(|s| (s.key().to_string(), s.label().to_string()))
                        .collect(),
                    initial: Some(status.key().into()),
                },
                optional: false,
                hint: None,
            },
            Input {
                id: "title".into(),
                label: "Public title".into(),
                kind: InputKind::Text {
                    multiline: false,
                    initial: Some(title.chars().take(MAX_PUBLIC_TITLE).collect()),
                    max_length: Some(MAX_PUBLIC_TITLE),
                },
                optional: false,
                hint: Some(
                    "Customers see this title; the incident's own title stays internal.".into(),
                ),
            },
            Input {
                id: "body".into(),
                label: "Message".into(),
                kind: InputKind::Text {
                    multiline: true,
                    initial: Some(draft(status, &affected)),
                    max_length: Some(MAX_EXTERNAL),
                },
                optional: false,
                hint: Some("Published as written, after the time and the status.".into()),
            },
        ];
        for (i, c) in self.form_components() {
            let now = affected.iter().find(|(n, _)| *n == c.name).map(|(_, s)| *s);
            inputs.push(component_input(i, &c.name, now));
        }
        Modal {
            callback_id: Form::StatusUpdate.id().into(),
            title: format!("Status page {}", inc.id).chars().take(24).collect(),
            submit: "Publish".into(),
            private_metadata: inc.id.0.to_string(),
            intro: Some(
                "*What customers will read* on the status page: the public title, then `[HH:MM] Status — message`, and the components' states. Internal notes and the timeline are never published."
                    .into(),
            ),
            inputs,
        }
    }

    /// The components a form lists, numbered.
    fn form_components(&self) -> impl Iterator<Item = (usize, &crate::public::ComponentConfig)> {
        self.cfg
            .status
            .components
            .iter()
            .take(MAX_FORM_COMPONENTS)
            .enumerate()
    }

    /// The form's submission: publishes, or keeps it open with what is wrong.
    pub(in crate::app) async fn submit_status_update(
        &self,
        actor: &Actor,
        id: IncidentId,
        form: &BTreeMap<String, String>,
    ) -> Result<Submitted, AppError> {
        let get = |k: &str| form.get(k).map_or("", |v| v.trim()).to_string();
        let Some(status) = PublicStatus::parse(&get("status")) else {
            return Ok(Submitted::Errors(vec![(
                "status".into(),
                "Choose a status.".into(),
            )]));
        };
        let title = get("title");
        if title.is_empty() {
            return Ok(Submitted::Errors(vec![(
                "title".into(),
                "Give the incident a public title.".into(),
            )]));
        }
        let body = match check_text(
            "statusupdate",
            "message",
            UserText::from_plain(&get("body")),
            MAX_EXTERNAL,
        ) {
            Ok(t) => t.plain(),
            Err(e) => return Ok(Submitted::Errors(vec![("body".into(), e.message)])),
        };
        let mut components = Vec::new();
        for (i, c) in self.form_components() {
            let v = get(&format!("c{i}"));
            if v.is_empty() || v == UNAFFECTED {
                continue;
            }
            match ComponentState::parse(&v) {
                Some(s) => components.push((c.name.clone(), s)),
                None => {
                    return Ok(Submitted::Errors(vec![(
                        format!("c{i}"),
                        "Choose a state.".into(),
                    )]));
                }
            }
        }
        let p = Publish {
            status: Some(status),
            title: Some(title),
            text: body,
            components: Some(components),
        };
        self.publish_external(actor, Some(id), p)
            .await
            .map(|_| Submitted::Close)
    }
}

/// One component's choice: unaffected, or one of Statuspage's states.
fn component_input(i: usize, name: &str, now: Option<ComponentState>) -> Input {
    let mut options = vec![(UNAFFECTED.to_string(), "Not affected".to_string())];
    options.extend(
        ComponentState::ALL
            .iter()
            .map(|s| (s.key().to_string(), s.label().to_string())),
    );
    Input {
        id: format!("c{i}"),
        label: name.chars().take(60).collect(),
        kind: InputKind::Select {
            options,
            initial: Some(now.map_or(UNAFFECTED, |s| s.key()).into()),
        },
        optional: true,
        hint: None,
    }
}
