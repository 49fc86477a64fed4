//! The `/incident` entry point: parse, check who may act, dispatch to a use case, and
//! turn the outcome (or the refusal) into a short ephemeral reply.

use crate::domain::fields::Ask;
use crate::domain::text::escape;
use std::time::Instant;

use crate::app::incident::declare::{Declaration, Declared};
use crate::app::incident::kind::known_type;
use crate::app::messages;
use crate::app::{ANSWER_WITHIN, Actor, AppError, Inbound, Reply, TIMED_OUT, store_trouble};
use crate::chat::{Message, Modal};
use crate::domain::command::{self, Command, MAX_TEXT, check_text, check_title};
use crate::domain::incident_type::{NO_TYPE, TypeBook};
use crate::domain::public::PublicStatus;
use crate::domain::{IncidentId, Severity, Status, UserText};

impl Inbound<'_> {
    /// True when the workspace may use this bot.
    pub(crate) fn team_allowed(&self, team_id: Option<&str>) -> bool {
        let allowed = &self.cfg.slack.allowed_team_ids;
        allowed.is_empty() || team_id.is_some_and(|t| allowed.iter().any(|a| a == t))
    }

    /// Handles the text typed after the slash command. Never fails: every problem
    /// becomes an ephemeral explanation with the usage, and the answer comes within
    /// `ANSWER_WITHIN` whatever the database does.
    pub async fn handle_command(&self, actor: &Actor, text: &str) -> Reply {
        match tokio::time::timeout(ANSWER_WITHIN, self.command_reply(actor, text)).await {
            Ok(r) => r,
            Err(_) => {
                tracing::error!(
                    user = %actor.user_id,
                    "command not answered in time: the database is slow or away"
                );
                self.metrics.observe_command("timed_out", ANSWER_WITHIN);
                Reply::Ephemeral(Message::text(TIMED_OUT))
            }
        }
    }

    async fn command_reply(&self, actor: &Actor, text: &str) -> Reply {
        let started = Instant::now();
        let actor = &actor.cleaned();
        let text = &crate::domain::text::clean(text);
        let parsed = command::parse(text, self.cfg.severities());
        let name = match &parsed {
            Ok(p) => p.command.name(),
            Err(_) => "invalid",
        };
        let reply = if !self.team_allowed(actor.team_id.as_deref()) {
            tracing::warn!(team = ?actor.team_id, "command from a workspace that is not allowed");
            Reply::Ephemeral(Message::text(
                "This workspace is not allowed to use warroom (see `slack.allowed_team_ids`).",
            ))
        } else {
            match parsed {
                Err(e) => Reply::Ephemeral(Message::text(e.render(self.cmd()))),
                Ok(p) => match self.dispatch(actor, p.incident, p.command).await {
                    Ok(r) => r,
                    Err(AppError::User(e)) => Reply::Ephemeral(Message::text(e.render(self.cmd()))),
                    Err(AppError::Store(e)) => {
                        tracing::error!(error = %e, subcommand = name, "command failed");
                        Reply::Ephemeral(Message::text(store_trouble(&e)))
                    }
                },
            }
        };
        self.metrics.observe_command(name, started.elapsed());
        reply
    }

    async fn dispatch(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        cmd: Command,
    ) -> Result<Reply, AppError> {
        let ok = |s: String| Ok(confirmed(s));
        match cmd {
            declare @ Command::Declare { .. } => self.declare_command(actor, declare).await,
            Command::SetType(key) => ok(self.incidents().set_type(actor, named, &key).await?),
            Command::Status { to, at } => {
                ok(self.incidents().set_status(actor, named, to, at).await?)
            }
            Command::Sev(s) => ok(self.incidents().set_severity(actor, named, s).await?),
            Command::Milestone { which, at, reason } => ok(self
                .incidents()
                .correct_milestone(actor, named, which, at, &reason)
                .await?),
            Command::AssignRole { role, user } => ok(self
                .incidents()
                .assign_role(actor, named, role, &user)
                .await?),
            Command::RemoveRole { role, user } => ok(self
                .incidents()
                .remove_role(actor, named, role, user.as_ref())
                .await?),
            written @ (Command::Note { .. }
            | Command::Update(_)
            | Command::Impact { .. }
            | Command::Services(_)
            | Command::Tag { .. }
            | Command::SetField { .. }) => ok(self.write_command(actor, named, written).await?),
            Command::StatusUpdate { status, text } => {
                self.status_update_command(actor, named, status, text).await
            }
            Command::Page { who, message } => ok(self
                .paging()
                .page_command(actor, named, &who, message.as_ref())
                .await?),
            Command::Action {
                text,
                owner,
                due,
                priority,
            } => ok(self
                .incidents()
                .add_action(actor, named, &text, owner.as_ref(), due, priority)
                .await?),
            Command::ActionDone(seq) => ok(self.incidents().action_done(actor, named, seq).await?),
            Command::Resolve(Some(summary)) => ok(self
                .incidents()
                .resolve(actor, named, &summary, None)
                .await?),
            Command::Resolve(None) => self.resolve_form(actor, named).await,
            Command::Reopen => ok(self.incidents().reopen(actor, named).await?),
            Command::Postmortem { done } => {
                self.reports().postmortem_command(actor, named, done).await
            }
            read @ (Command::Roles
            | Command::Timeline
            | Command::Actions
            | Command::List
            | Command::Show
            | Command::Help(_)) => self.read_command(actor, named, read).await,
        }
    }

    /// The commands that write down what is known: note, update, impact, services,
    /// tags and fields. Answers the confirmation.
    async fn write_command(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        cmd: Command,
    ) -> Result<String, AppError> {
        let i = self.incidents();
        match cmd {
            Command::Note { kind, text, at } => i.add_note(actor, named, kind, &text, at).await,
            Command::Update(text) => i.post_update(actor, named, &text).await,
            Command::Impact {
                text,
                percent,
                since,
            } => i.set_impact(actor, named, &text, percent, since).await,
            Command::Services(names) => i.set_services(actor, named, &names).await,
            Command::Tag { add, tags } => i.tag(actor, named, add, &tags).await,
            Command::SetField { key, value } => {
                i.set_field(actor, named, &key, value.as_deref()).await
            }
            // `dispatch` sends only these here.
            _ => Ok(String::new()),
        }
    }

    /// The commands that only read: roles, timeline, actions, list, show, help.
    async fn read_command(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        cmd: Command,
    ) -> Result<Reply, AppError> {
        match cmd {
            Command::Roles => self.incidents().show_roles(actor, named).await,
            Command::Timeline => self.incidents().show_timeline(actor, named).await,
            Command::Actions => self.incidents().show_actions(actor, named).await,
            Command::List => self.incidents().show_list(actor).await,
            Command::Show => self.incidents().show_incident(actor, named).await,
            Command::Help(topic) => Ok(Reply::Ephemeral(Message::text(command::help(
                self.cmd(),
                topic.as_deref(),
                self.cfg.severities(),
            )))),
            // `dispatch` sends only the reading commands here.
            _ => Ok(Reply::None),
        }
    }

    /// `/incident statusupdate`: with text, publishes it; without, opens the form.
    async fn status_update_command(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        status: Option<PublicStatus>,
        text: Option<UserText>,
    ) -> Result<Reply, AppError> {
        let Some(text) = text else {
            return self.comms().status_update_form(actor, named, status).await;
        };
        let p = crate::app::comms::publish::Publish {
            status,
            text: text.plain(),
            ..Default::default()
        };
        Ok(confirmed(
            self.comms().publish_external(actor, named, p).await?,
        ))
    }

    /// `/incident declare`: with a title, declares (or asks before declaring the same
    /// again); without one, opens the declare form.
    async fn declare_command(&self, actor: &Actor, declare: Command) -> Result<Reply, AppError> {
        let Command::Declare {
            severity,
            title,
            private,
            kind,
            started,
        } = declare
        else {
            return Ok(Reply::None);
        };
        let types = self.cfg.type_book();
        let info = match &kind {
            Some(k) => Some(known_type(types, k, "declare")?.clone()),
            None => None,
        };
        // A type brings its defaults; what was typed wins.
        let severity = severity
            .or(info.as_ref().and_then(|t| t.severity))
            .unwrap_or_else(|| self.cfg.default_severity());
        let private = private || info.as_ref().is_some_and(|t| t.private);
        // No title, or a type whose required fields are asked at declaration: the form.
        let book = self.cfg.field_book();
        let asks_fields = info.as_ref().is_some_and(|t| {
            !crate::domain::fields::missing(
                book,
                (Some(t.key.as_str()), Ask::Declare),
                &t.required_fields,
                &Default::default(),
            )
            .is_empty()
        });
        if title.is_none() || asks_fields {
            let mut modal = declare_form(
                severity,
                &actor.channel_id,
                private,
                (types, self.cfg.severities(), book),
                kind.as_deref(),
            );
            prefill_title(&mut modal, title.as_ref());
            return Ok(Reply::Modal(modal));
        }
        let Some(title) = title else {
            return Ok(Reply::None);
        };
        let d = Declaration {
            kind: kind.clone(),
            started: self
                .incidents()
                .when_typed(self.now(), started, "declare", "impact start")?,
            ..Declaration::typed(title.clone(), severity, private)
        };
        match self.incidents().declare_once(actor, d).await? {
            Declared::New(inc) => Ok(confirmed(format!(
                "{}{}",
                messages::declared_reply(&inc),
                needed_roles(info.as_ref(), self.cfg.role_book())
            ))),
            Declared::Repeat { earlier, at } => {
                let ago = crate::domain::duration::human(self.now() - at);
                Ok(Reply::Ephemeral(messages::declare_again(
                    earlier,
                    &ago,
                    &title,
                    severity,
                    private,
                    kind.as_deref(),
                )))
            }
        }
    }

    /// `/incident resolve` without a summary: the resolve form, for who may resolve.
    async fn resolve_form(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
    ) -> Result<Reply, AppError> {
        let inc = self.open_change(actor, named, "resolve").await?.abandon();
        if inc.status == Status::Resolved {
            return Err(crate::app::refuse(
                format!("{} is already resolved.", inc.id),
                "resolve",
            ));
        }
        if !self.may_command(&inc, &actor.user_id) {
            return Err(crate::app::refuse(
                "Only the Incident Commander or an admin can resolve it.",
                "resolve",
            ));
        }
        Ok(Reply::Modal(messages::resolve_modal(
            &inc,
            self.cfg.field_book(),
            &self.cfg.required_fields(inc.kind.as_deref()),
        )))
    }

    /// Declares from the form.
    pub(crate) async fn declare_from_form(
        &self,
        actor: &Actor,
        form: DeclareForm<'_>,
        warning: Option<&str>,
    ) -> Result<crate::domain::Incident, Vec<(String, String)>> {
        let title = check_title(&UserText::from_plain(form.title))
            .map_err(|e| vec![("title".to_string(), e.message)])?;
        let severity = self
            .cfg
            .severities()
            .parse(form.severity)
            .map_err(|e| vec![("severity".to_string(), e.to_string())])?;
        let types = self.cfg.type_book();
        let kind = match form.kind.filter(|k| !k.is_empty() && *k != NO_TYPE) {
            Some(k) => Some(
                known_type(types, k, "declare")
                    .map_err(|e| vec![("type".to_string(), e.to_string())])?,
            ),
            None => None,
        };
        let private = form.private || kind.is_some_and(|t| t.private);
        let description = match form.description.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(
                check_text("declare", "description", UserText::from_plain(d), MAX_TEXT)
                    .map_err(|e| vec![("description".to_string(), e.message)])?,
            ),
            None => None,
        };
        let fields = crate::domain::fields::from_form(
            self.cfg.field_book(),
            (kind.map(|t| t.key.as_str()), Ask::Declare),
            kind.map_or(&[][..], |t| &t.required_fields),
            form.sent,
            &Default::default(),
        )?;
        let d = Declaration {
            title,
            severity,
            description,
            private,
            source: warning.map(str::to_string),
            kind: kind.map(|t| t.key.clone()),
            fields,
            started: None,
        };
        let result = match warning {
            Some(key) => self.warnings().declare_from_warning(actor, key, d).await,
            None => match self.incidents().declare_once(actor, d).await {
                Ok(Declared::New(inc)) => Ok(*inc),
                Ok(Declared::Repeat { earlier, at }) => {
                    let ago = crate::domain::duration::human(self.now() - at);
                    return Err(vec![(
                        "title".to_string(),
                        format!(
                            "You declared {earlier} with this title {ago} ago: change the title to open another."
                        ),
                    )]);
                }
                Err(e) => Err(e),
            },
        };
        result.map_err(|e| vec![("title".to_string(), e.to_string())])
    }
}

/// What a command that did its work answers.
/// The title typed with `declare`, in the form it opened.
fn prefill_title(modal: &mut Modal, title: Option<&UserText>) {
    let Some(t) = title else { return };
    for i in &mut modal.inputs {
        if let (true, crate::chat::InputKind::Text { initial, .. }) = (i.id == "title", &mut i.kind)
        {
            *initial = Some(t.plain());
        }
    }
}

/// " This type needs a Communications Lead: `/incident role comms @user`." for the
/// roles the type requires.
fn needed_roles(
    info: Option<&crate::domain::incident_type::TypeInfo>,
    roles: &crate::domain::role::RoleBook,
) -> String {
    let Some(t) = info.filter(|t| !t.required_roles.is_empty()) else {
        return String::new();
    };
    let names: Vec<String> = t
        .required_roles
        .iter()
        .map(|r| {
            let name = roles
                .roles
                .iter()
                .find(|x| x.role == *r)
                .map_or_else(|| r.to_string(), |x| x.name.clone());
            format!("{} (`role {} @user`)", escape(&name), r.key())
        })
        .collect();
    format!(
        " A {} incident needs: {}.",
        escape(&t.name),
        names.join(", ")
    )
}

fn confirmed(s: String) -> Reply {
    Reply::Ephemeral(Message::text(format!(":white_check_mark: {s}")))
}

/// The declare form, its "private" box ticked when the command asked for it.
/// What the declare form sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeclareForm<'a> {
    pub title: &'a str,
    pub severity: &'a str,
    pub description: Option<&'a str>,
    pub private: bool,
    /// The type select's value (`NO_TYPE` for none).
    pub kind: Option<&'a str>,
    /// Everything the form sent, by input ID: the fields' inputs are read from it.
    pub sent: &'a std::collections::BTreeMap<String, String>,
}

fn declare_form(
    severity: Severity,
    channel_id: &str,
    private: bool,
    words: (
        &TypeBook,
        &crate::domain::severity::Scale,
        &crate::domain::fields::FieldBook,
    ),
    kind: Option<&str>,
) -> Modal {
    let mut modal =
        messages::declare_modal(severity, channel_id, words.0, kind, (words.1, words.2));
    if private {
        for i in &mut modal.inputs {
            if let crate::chat::InputKind::Checkbox { initial, .. } = &mut i.kind {
                *initial = true;
            }
        }
    }
    modal
}
