//! External updates: what the Communications Lead (or the IC, or an admin) tells
//! customers. Published from `/incident statusupdate` or the "Post status update"
//! form, stored exactly as customers read it, recorded on the timeline (so the
//! postmortem lists it), shown in the channel, queued for Statuspage when configured,
//! and the status page's cadence follows it. Private incidents are never published.

use chrono::{DateTime, Utc};

use crate::app::jobs::JobKind;
use crate::app::{Actor, AppError, Comms, messages, refuse};
use crate::domain::timeline::EntryKind;
use crate::domain::{Incident, IncidentId, Status, UserText};
use crate::public::{ComponentState, PublicStatus};
use crate::store::external::{self, NewExternal};
use crate::store::jobs::{self, Priority};

/// Longest public title, in characters (Statuspage's bound).
pub(crate) const MAX_PUBLIC_TITLE: usize = 255;

/// What a person asked to publish; what they left out is filled in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Publish {
    pub status: Option<PublicStatus>,
    pub title: Option<String>,
    pub text: String,
    pub components: Option<Vec<(String, ComponentState)>>,
}

impl Comms<'_> {
    /// True when `user` may publish for `inc`: its Comms Lead, its IC, an admin (or
    /// anyone while neither role is held).
    pub(crate) fn may_publish(&self, inc: &Incident, user: &str) -> bool {
        let r = &inc.roles;
        if r.commander.is_none() && r.communications.is_none() {
            return true;
        }
        r.communications.as_deref() == Some(user)
            || r.commander.as_deref() == Some(user)
            || self.cfg.slack.admins.iter().any(|a| a == user)
    }

    /// Refuses what must not be published, with the reason.
    pub(in crate::app) fn check_publishable(
        &self,
        inc: &Incident,
        user: &str,
    ) -> Result<(), AppError> {
        if inc.private {
            return Err(refuse(
                format!("{} is private: nothing about it is published.", inc.id),
                "statusupdate",
            ));
        }
        if !self.may_publish(inc, user) {
            return Err(refuse(
                "Only the Communications Lead, the Incident Commander or an admin publishes for customers.",
                "statusupdate",
            ));
        }
        Ok(())
    }

    /// The components an incident affects (by its services), in the state its
    /// severity suggests; operational again once resolved.
    pub(crate) fn affected_components(
        &self,
        inc: &Incident,
        status: PublicStatus,
    ) -> Vec<(String, ComponentState)> {
        let state = if status == PublicStatus::Resolved {
            ComponentState::Operational
        } else {
            ComponentState::for_severity(inc.severity)
        };
        self.cfg
            .status
            .components
            .iter()
            .filter(|c| {
                c.services
                    .iter()
                    .any(|s| inc.services.iter().any(|x| x.eq_ignore_ascii_case(s)))
            })
            .map(|c| (c.name.clone(), state))
            .collect()
    }

    /// Publishes one external update.
    pub(crate) async fn publish_external(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        p: Publish,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "statusupdate").await?;
        let inc = change.inc.clone();
        self.check_publishable(&inc, &actor.user_id)?;
        let prior = external::of_incident(change.tx(), inc.id).await?;
        let status = p.status.unwrap_or(PublicStatus::of(inc.status));
        let components = p
            .components
            .unwrap_or_else(|| self.affected_components(&inc, status));
        // The incident's own title is internal: never published unless typed.
        let title: String = p
            .title
            .filter(|t| !t.trim().is_empty())
            .or_else(|| prior.last().map(|u| u.title.clone()))
            .unwrap_or_else(|| public_title(&components))
            .trim()
            .chars()
            .take(MAX_PUBLIC_TITLE)
            .collect();
        let body = p.text.trim().to_string();
        let now = self.now();
        let id = external::add(
            change.tx(),
            &NewExternal {
                incident: inc.id,
                status,
                title: &title,
                body: &body,
                components: &components,
                posted_by: &actor.user_id,
                at: now,
            },
        )
        .await?;
        let line = UserText::from_plain(&published_line(now, self.tz, status, &body)).mrkdwn();
        change
            .record(
                &actor.user_id,
                EntryKind::External,
                format!("Published for customers: {line}"),
            )
            .await?;
        change
            .notice(messages::notice(
                ":mega:",
                format!("Published for customers: {line}"),
            ))
            .await?;
        if self.cfg.status.statuspage.enabled() {
            let publish = JobKind::StatuspagePublish {
                incident: inc.id,
                update: id,
            };
            let job = publish
                .at(Some(format!("{}:{}", publish.name(), inc.id.0)), now)
                .with_priority(Priority::People);
            jobs::enqueue(change.tx(), &job, now).await?;
        }
        self.schedule_external_reminder(change.tx(), &inc, Some(now), status)
            .await?;
        change.done().await?;
        tracing::info!(incident = %inc.id, status = status.key(), "external update published");
        Ok(format!("Published on the status page: {line}"))
    }
}

/// `[14:05 UTC] Investigating — We are investigating…`, the seed's external template.
pub(crate) fn published_line(
    at: DateTime<Utc>,
    tz: chrono_tz::Tz,
    status: PublicStatus,
    body: &str,
) -> String {
    format!("[{}] {} — {body}", messages::hm(at, tz), status.label())
}

/// The public title until someone writes one: what is affected, in customers' words.
pub(crate) fn public_title(components: &[(String, ComponentState)]) -> String {
    if components.is_empty() {
        return "Service disruption".into();
    }
    let names: Vec<&str> = components.iter().map(|(n, _)| n.as_str()).collect();
    format!("Issue affecting {}", names.join(", "))
}

/// The text the form starts with, from the seed's external template: about the
/// affected components only, never the internal title.
pub(crate) fn draft(status: PublicStatus, components: &[(String, ComponentState)]) -> String {
    let what = if components.is_empty() {
        "some of our services".to_string()
    } else {
        components
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match status {
        PublicStatus::Investigating => format!(
            "We are investigating an issue affecting {what}. Some users may experience errors or timeouts."
        ),
        PublicStatus::Identified => {
            format!(
                "The cause of the issue affecting {what} has been identified and we are working on a fix."
            )
        }
        PublicStatus::Monitoring => format!(
            "A fix has been applied and {what} are returning to normal. We are monitoring for stability."
        ),
        PublicStatus::Resolved => {
            "This incident has been resolved. All services are operating normally.".into()
        }
    }
}

/// The public status that follows warroom's own, for the form's first choice.
pub(crate) fn suggested(status: Status) -> PublicStatus {
    PublicStatus::of(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_follows_the_seed_template() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T14:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            published_line(
                at,
                chrono_tz::Tz::UTC,
                PublicStatus::Investigating,
                "We are investigating."
            ),
            "[14:05 UTC] Investigating — We are investigating."
        );
        let comps = [("API".to_string(), ComponentState::PartialOutage)];
        assert!(draft(PublicStatus::Investigating, &comps).contains("affecting API"));
        assert!(
            draft(PublicStatus::Resolved, &comps).starts_with("This incident has been resolved")
        );
        assert!(draft(PublicStatus::Identified, &[]).contains("some of our services"));
        assert_eq!(public_title(&comps), "Issue affecting API");
        assert_eq!(public_title(&[]), "Service disruption");
    }
}
