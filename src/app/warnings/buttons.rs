//! A warning's buttons: Declare incident (opens the declare form, pre-filled from the
//! finding), Snooze and Acknowledge.

use chrono::{DateTime, Utc};

use super::message::refresh_shown;
use crate::app::entry::controls::Action;
use crate::app::messages;
use crate::app::{Actor, AppError, Reply, Warnings};
use crate::chat::{InputKind, Message, Modal};
use crate::domain::UserText;
use crate::domain::incident::truncate_chars;
use crate::domain::text::sanitize;
use crate::store::Tx;
use crate::store::warnings::{self, Warning};

impl Warnings<'_> {
    /// The Declare / Snooze / Acknowledge buttons of a warning. None when the action
    /// is not a warning's.
    pub(crate) async fn warning_action(
        &self,
        actor: &Actor,
        action: Action,
        key: &str,
    ) -> Result<Option<Reply>, AppError> {
        if !action.is_warning() {
            return Ok(None);
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let Some(mut w) = warnings::get_locked(&mut tx, key).await? else {
            return Ok(Some(Reply::Ephemeral(Message::text(
                "That warning no longer exists.",
            ))));
        };
        let text = match action {
            Action::WarningDeclare => return self.declare_form(&mut tx, &w, key).await.map(Some),
            Action::WarningSnooze => self.snooze(&mut w, actor, now),
            Action::WarningAck => acknowledge(&mut w, actor, now),
            _ => return Ok(Some(Reply::None)),
        };
        warnings::save(&mut tx, &w).await?;
        refresh_shown(&mut tx, &w, now).await?;
        self.commit(tx).await?;
        Ok(Some(Reply::Ephemeral(Message::text(text))))
    }

    /// Declare incident: the declare form, unless an incident is already open for it.
    async fn declare_form(&self, tx: &mut Tx, w: &Warning, key: &str) -> Result<Reply, AppError> {
        if let Some((id, true)) = self.incident_open(tx, w.incident).await? {
            return Ok(Reply::Ephemeral(Message::text(format!(
                "This warning is already being handled as *{id}*."
            ))));
        }
        Ok(Reply::Modal(prefilled_declare_modal(w, key, &self.cfg)))
    }

    /// Snooze: no messages until the configured snooze is over, unless it recovers.
    fn snooze(&self, w: &mut Warning, actor: &Actor, now: DateTime<Utc>) -> String {
        let until = now
            + chrono::Duration::from_std(self.cfg.watch.snooze.0)
                .unwrap_or(chrono::Duration::hours(24));
        w.snoozed_until = Some(until);
        w.snoozed_by = Some(actor.user_id.clone());
        format!(
            ":zzz: Snoozed until {}: no messages about it until then, unless it recovers.",
            messages::datetime(until, self.tz)
        )
    }
}

/// Acknowledge: no more reminders, unless it gets worse.
fn acknowledge(w: &mut Warning, actor: &Actor, now: DateTime<Utc>) -> String {
    w.acked_by = Some(actor.user_id.clone());
    w.acked_at = Some(now);
    ":ok_hand: Acknowledged: no more reminders, unless it gets worse.".to_string()
}

/// The declare form with the finding's title and facts filled in, its origin the
/// warning.
fn prefilled_declare_modal(w: &Warning, key: &str, cfg: &crate::config::Config) -> Modal {
    let mut modal = messages::declare_modal(
        cfg.severity_for_warning(w.finding.incident_severity.key()),
        &format!("warning:{key}"),
        cfg.type_book(),
        None,
        (cfg.severities(), cfg.field_book()),
    );
    for i in &mut modal.inputs {
        match (i.id.as_str(), &mut i.kind) {
            ("title", InputKind::Text { initial, .. }) => {
                // Form fields are plain text.
                *initial = Some(truncate_chars(
                    &UserText::from_mrkdwn(&w.finding.incident_title).plain(),
                    crate::domain::command::MAX_TITLE,
                ));
            }
            ("description", InputKind::Text { initial, .. }) => {
                *initial = Some(truncate_chars(
                    &UserText::from_mrkdwn(&format!(
                        "{}\n{}",
                        w.finding.summary,
                        w.finding.details.join("\n")
                    ))
                    .plain(),
                    crate::domain::command::MAX_TEXT,
                ));
            }
            _ => {}
        }
    }
    modal.intro = Some(sanitize(&format!(
        "From the warning `{key}`; it will be linked on the incident's timeline."
    )));
    modal
}
