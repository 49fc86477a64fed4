//! Buttons and forms: the headline's Take IC / Post update / Resolve / Reopen, and
//! the declare, resolve and update forms.

use std::collections::BTreeMap;

use crate::app::delivery::outbox::{self, ChatOp};
use crate::app::entry::controls::{Action, Form};
use crate::app::messages;
use crate::app::{
    ANSWER_WITHIN, Actor, AppError, Inbound, Reply, Submitted, TIMED_OUT, store_trouble,
};
use crate::chat::Message;
use crate::domain::command::{MAX_TEXT, check_text, check_title};
use crate::domain::{Incident, IncidentId, UserText};

/// The field of a form that shows what went wrong with it as a whole.
fn form_field(callback_id: &str) -> &'static str {
    Form::parse(callback_id).map_or("title", Form::main_field)
}

impl Inbound<'_> {
    /// A click on a button, answered within [`ANSWER_WITHIN`].
    pub(crate) async fn handle_action(&self, actor: &Actor, action_id: &str, value: &str) -> Reply {
        match tokio::time::timeout(ANSWER_WITHIN, self.click_reply(actor, action_id, value)).await {
            Ok(r) => r,
            Err(_) => {
                tracing::error!(action = action_id, "button not answered in time");
                Reply::Ephemeral(Message::text(TIMED_OUT))
            }
        }
    }

    async fn click_reply(&self, actor: &Actor, action_id: &str, value: &str) -> Reply {
        let actor = &actor.cleaned();
        let value = &crate::domain::text::clean(value);
        if !self.team_allowed(actor.team_id.as_deref()) {
            return Reply::Ephemeral(Message::text(
                "This workspace is not allowed to use warroom.",
            ));
        }
        let result = self.action(actor, action_id, value).await;
        match result {
            Ok(r) => r,
            Err(AppError::User(e)) => Reply::Ephemeral(Message::text(e.message)),
            Err(AppError::Store(e)) => {
                tracing::error!(error = %e, action = action_id, "button failed");
                Reply::Ephemeral(Message::text(store_trouble(&e)))
            }
        }
    }

    async fn action(&self, actor: &Actor, action_id: &str, value: &str) -> Result<Reply, AppError> {
        let id = value.parse::<i64>().ok().filter(|n| *n > 0).map(IncidentId);
        let Some(action) = Action::parse(action_id) else {
            tracing::debug!(action = action_id, "unknown action ignored");
            return Ok(Reply::None);
        };
        match action {
            Action::DeclareAgain => return self.declare_again(actor, value).await,
            Action::Ticket => return self.ticket_button(actor, value).await,
            Action::DeclareCancel => {
                return Ok(Reply::Ephemeral(Message::text(format!(
                    "Nothing new was opened; {} it is.",
                    id.map(|i| i.to_string())
                        .unwrap_or_else(|| "the earlier one".into())
                ))));
            }
            _ => {}
        }
        // Warning buttons carry their own values; incident buttons carry the number.
        if let Some(reply) = self.warnings().warning_action(actor, action, value).await? {
            return Ok(reply);
        }
        let Some(id) = id else {
            return Ok(Reply::Ephemeral(Message::text(
                "That button no longer applies.",
            )));
        };
        let ok = |s: String| {
            Ok(Reply::Ephemeral(Message::text(format!(
                ":white_check_mark: {s}"
            ))))
        };
        match action {
            Action::TakeIc => ok(self.incidents().take_command(actor, id).await?),
            Action::PostUpdate => {
                let mut change = self.open_change(actor, Some(id), "update").await?;
                let draft = change.update_draft().await?;
                let inc = change.close().await?;
                Ok(Reply::Modal(messages::update_modal(
                    &inc,
                    draft,
                    self.now(),
                    self.tz,
                )))
            }
            Action::Resolve => {
                let inc = self
                    .open_change(actor, Some(id), "resolve")
                    .await?
                    .abandon();
                if !inc.is_open() {
                    return Ok(Reply::Ephemeral(Message::text(format!(
                        "{} is already resolved.",
                        inc.id
                    ))));
                }
                if !self.may_command(&inc, &actor.user_id) {
                    return Ok(Reply::Ephemeral(Message::text(
                        "Only the Incident Commander or an admin can resolve it.",
                    )));
                }
                Ok(Reply::Modal(messages::resolve_modal(
                    &inc,
                    self.cfg.field_book(),
                    &self.cfg.required_fields(inc.kind.as_deref()),
                )))
            }
            Action::StatusUpdate => self.comms().status_update_form(actor, Some(id), None).await,
            Action::Reopen => ok(self.incidents().reopen(actor, Some(id)).await?),
            Action::PostmortemRetry => ok(self.reports().retry_documents(actor, id).await?),
            // Handled above: confirmations and the warnings' own buttons.
            Action::DeclareAgain
            | Action::DeclareCancel
            | Action::WarningDeclare
            | Action::WarningSnooze
            | Action::WarningAck
            | Action::Ticket => Ok(Reply::None),
        }
    }

    /// Retry or Create ticket: the ticket's sync queued again.
    async fn ticket_button(&self, actor: &Actor, value: &str) -> Result<Reply, AppError> {
        let done = self.tickets().button(actor, value).await?;
        Ok(Reply::Ephemeral(Message::text(format!(
            ":white_check_mark: {done}"
        ))))
    }

    /// "Yes, open another": the declaration the person confirmed.
    async fn declare_again(&self, actor: &Actor, value: &str) -> Result<Reply, AppError> {
        let v: serde_json::Value = serde_json::from_str(value).unwrap_or_default();
        let title = check_title(&UserText::from_mrkdwn(
            v.get("t").and_then(serde_json::Value::as_str).unwrap_or(""),
        ))?;
        let severity = v
            .get("s")
            .and_then(serde_json::Value::as_str)
            .and_then(|s| self.cfg.severities().parse(s).ok())
            .unwrap_or_else(|| self.cfg.default_severity());
        let private = v.get("p").and_then(serde_json::Value::as_bool) == Some(true);
        // A type no longer configured is dropped rather than refused: the person
        // already confirmed.
        let kind = v
            .get("k")
            .and_then(serde_json::Value::as_str)
            .filter(|k| self.cfg.type_book().get(k).is_some())
            .map(str::to_string);
        let d = crate::app::incident::declare::Declaration {
            kind,
            ..crate::app::incident::declare::Declaration::typed(title, severity, private)
        };
        let inc = self.incidents().declare(actor, d).await?;
        Ok(Reply::Ephemeral(Message::text(format!(
            ":white_check_mark: {}",
            messages::declared_reply(&inc)
        ))))
    }

    /// A submitted form (`metadata`: the form's private metadata), answered within
    /// [`ANSWER_WITHIN`]: on time out the form stays open and says so.
    pub(crate) async fn handle_submission(
        &self,
        actor: &Actor,
        callback_id: &str,
        metadata: &str,
        values: &BTreeMap<String, String>,
    ) -> Submitted {
        let work = self.submission_reply(actor, callback_id, metadata, values);
        match tokio::time::timeout(ANSWER_WITHIN, work).await {
            Ok(s) => s,
            Err(_) => {
                tracing::error!(callback_id, "form not answered in time");
                Submitted::Errors(vec![(form_field(callback_id).into(), TIMED_OUT.into())])
            }
        }
    }

    async fn submission_reply(
        &self,
        actor: &Actor,
        callback_id: &str,
        metadata: &str,
        values: &BTreeMap<String, String>,
    ) -> Submitted {
        let actor = &actor.cleaned();
        let metadata = &crate::domain::text::clean(metadata);
        if !self.team_allowed(actor.team_id.as_deref()) {
            return Submitted::Close;
        }
        let form = Fields(values);
        let incident = metadata
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(IncidentId);
        let result = match (Form::parse(callback_id), incident) {
            (Some(Form::Declare), _) => self.submit_declare(actor, metadata, &form).await,
            (Some(Form::Resolve), Some(id)) => self.submit_resolve(actor, id, &form).await,
            (Some(Form::Update), Some(id)) => self.submit_update(actor, id, &form).await,
            (Some(Form::StatusUpdate), Some(id)) => {
                self.comms().submit_status_update(actor, id, form.0).await
            }
            (None, _) | (Some(Form::Resolve | Form::Update | Form::StatusUpdate), None) => {
                tracing::warn!(callback_id, "submission of an unknown form");
                Ok(Submitted::Close)
            }
        };
        match result {
            Ok(s) => s,
            Err(AppError::User(e)) => {
                Submitted::Errors(vec![(form_field(callback_id).to_string(), e.message)])
            }
            Err(AppError::Store(e)) => {
                tracing::error!(error = %e, callback_id, "form failed");
                Submitted::Errors(vec![(
                    form_field(callback_id).into(),
                    store_trouble(&e).into(),
                )])
            }
        }
    }

    /// The declare form: declares where it was opened and tells the declarer where
    /// the incident went.
    async fn submit_declare(
        &self,
        actor: &Actor,
        metadata: &str,
        form: &Fields<'_>,
    ) -> Result<Submitted, AppError> {
        let warning = metadata.strip_prefix("warning:");
        let Some(a) = self.declaring_actor(actor, metadata, warning).await else {
            return Ok(Submitted::Errors(vec![(
                "title".into(),
                "warroom could not save this; try again.".into(),
            )]));
        };
        let (title, severity) = (form.get("title"), form.get("severity"));
        let (description, kind) = (form.get("description"), form.get("type"));
        let typed = super::commands::DeclareForm {
            title: &title,
            severity: &severity,
            description: Some(&description),
            private: form.get("private") == "true",
            kind: Some(&kind),
            sent: form.0,
        };
        let declared = self.declare_from_form(&a, typed, warning).await;
        match declared {
            Ok(inc) => {
                self.confirm_declared(&a, &inc).await;
                Ok(Submitted::Close)
            }
            Err(errors) => Ok(Submitted::Errors(errors)),
        }
    }

    /// The declarer, in the channel the form counts as declared in: the one it was
    /// opened from (`metadata`), or where the warning it came from was posted. None
    /// when the database cannot be reached to find that.
    async fn declaring_actor(
        &self,
        actor: &Actor,
        metadata: &str,
        warning: Option<&str>,
    ) -> Option<Actor> {
        let mut a = actor.clone();
        if let Some(key) = warning {
            let mut conn = self.store.conn().await.ok()?;
            if let Ok(Some(w)) = crate::store::warnings::get(&mut conn, key).await
                && let Some(ch) = w.channel
            {
                a.channel_id = ch;
            }
        } else if !metadata.is_empty() {
            a.channel_id = metadata.to_string();
        }
        Some(a)
    }

    /// Tells the declarer where it went, in the channel they were in; a failure to
    /// queue that is only logged (the incident is declared).
    async fn confirm_declared(&self, a: &Actor, inc: &Incident) {
        let msg = Message::text(format!(
            ":white_check_mark: {}",
            messages::declared_reply(inc)
        ));
        let op = ChatOp::Ephemeral {
            channel: a.channel_id.clone(),
            user: a.user_id.clone(),
            message: msg,
        };
        let sent = async {
            let mut tx = self.store.begin().await?;
            outbox::send(
                &mut tx,
                outbox::channel_queue(&a.channel_id),
                &op,
                self.now(),
            )
            .await?;
            self.commit(tx).await?;
            Ok::<(), AppError>(())
        };
        if let Err(e) = sent.await {
            tracing::warn!(error = %e, "could not queue the declare confirmation");
        }
    }

    /// The resolve form: resolves with its summary.
    async fn submit_resolve(
        &self,
        actor: &Actor,
        id: IncidentId,
        form: &Fields<'_>,
    ) -> Result<Submitted, AppError> {
        let summary =
            match form.required_text("summary", ("resolve", "summary"), "Say what fixed it.") {
                Ok(s) => s,
                Err(refused) => return Ok(refused),
            };
        // The fields the form asked: checked before anything changes.
        let inc = self
            .incidents()
            .open_change(actor, Some(id), "resolve")
            .await?
            .abandon();
        let required = self.cfg.required_fields(inc.kind.as_deref());
        let fields = match crate::domain::fields::from_form(
            self.cfg.field_book(),
            (inc.kind.as_deref(), crate::domain::fields::Ask::Resolve),
            &required,
            form.0,
            &inc.fields,
        ) {
            Ok(f) => f,
            Err(errors) => return Ok(Submitted::Errors(errors)),
        };
        self.incidents()
            .resolve(actor, Some(id), &summary, Some(fields))
            .await
            .map(|_| Submitted::Close)
    }

    /// The update form: posts the update.
    async fn submit_update(
        &self,
        actor: &Actor,
        id: IncidentId,
        form: &Fields<'_>,
    ) -> Result<Submitted, AppError> {
        let text = match form.required_text("text", ("update", "update"), "The update is empty.") {
            Ok(t) => t,
            Err(refused) => return Ok(refused),
        };
        self.incidents()
            .post_update(actor, Some(id), &text)
            .await
            .map(|_| Submitted::Close)
    }
}

/// A submitted form's values, by input ID.
struct Fields<'a>(&'a BTreeMap<String, String>);

impl Fields<'_> {
    /// The text of required input `k`, checked as `/incident <spec>` checks its
    /// `what`; Err: the form's answer naming the input (`empty` when nothing was typed).
    fn required_text(
        &self,
        k: &str,
        (spec, what): (&str, &str),
        empty: &str,
    ) -> Result<UserText, Submitted> {
        let v = self.get(k);
        if v.is_empty() {
            return Err(Submitted::Errors(vec![(k.into(), empty.into())]));
        }
        check_text(spec, what, UserText::from_plain(&v), MAX_TEXT)
            .map_err(|e| Submitted::Errors(vec![(k.into(), e.message)]))
    }

    /// The trimmed value of input `k` (empty when absent).
    fn get(&self, k: &str) -> String {
        self.0
            .get(k)
            .map(String::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    }
}
