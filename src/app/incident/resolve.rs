//! Resolving an incident and reopening it.

use crate::app::delivery::outbox::Announcement;
use crate::app::incident::ops::capital;
use crate::app::messages::{self, notice};
use crate::app::{Actor, AppError, Incidents, refuse};
use crate::domain::fields::{self, Ask, Values};
use crate::domain::ids::mention;
use crate::domain::text::escape;
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, UserText};

impl Incidents<'_> {
    pub(crate) async fn resolve(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        summary: &UserText,
        fields: Option<Values>,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "resolve").await?;
        let inc = &mut change.inc;
        if !self.may_command(inc, &actor.user_id) {
            return Err(refuse(self.not_allowed(inc, "resolve it"), "resolve"));
        }
        // The fields its type requires at resolution: from the form, or set before.
        let book = self.cfg.field_book();
        let required = self.cfg.required_fields(inc.kind.as_deref());
        let fields = fields.unwrap_or_else(|| inc.fields.clone());
        let missing = fields::missing(
            book,
            (inc.kind.as_deref(), Ask::Resolve),
            &required,
            &fields,
        );
        if let Some(f) = missing.first() {
            return Err(refuse(
                format!(
                    "Set the {} first: `/incident set {} <value>` (or resolve without a summary, and the form asks).",
                    f.label, f.key
                ),
                "resolve",
            ));
        }
        let changed: Vec<String> = book
            .fields
            .iter()
            .filter(|f| fields.get(&f.key) != inc.fields.get(&f.key))
            .filter_map(|f| {
                Some(format!(
                    "{} set to {}",
                    escape(&f.label),
                    f.mrkdwn(fields.get(&f.key)?)
                ))
            })
            .collect();
        inc.fields = fields;
        inc.status = inc
            .status
            .resolve()
            .map_err(|e| refuse(format!("{}.", capital(&e.to_string())), "resolve"))?;
        let now = self.now();
        inc.resolved_at = Some(now);
        inc.summary = Some(summary.clone());
        let dur = crate::domain::duration::human(now - inc.declared_at);
        change.save().await?;
        for text in changed {
            change
                .record(&actor.user_id, EntryKind::Field, text)
                .await?;
        }
        change
            .record(
                &actor.user_id,
                EntryKind::Resolved,
                format!("Resolved after {dur}: {}", summary.mrkdwn()),
            )
            .await?;
        change
            .notice(messages::resolved_notice(&actor.user_id, &dur, summary))
            .await?;
        change.refresh(true).await?;
        change.announce(Announcement::Resolved).await?;
        change.after_change().await?;
        change.after_resolve().await?;
        let inc = change.done().await?;
        tracing::info!(incident = %inc.id, "incident resolved");
        Ok(format!("{} is resolved after {dur}.", inc.id))
    }

    pub(crate) async fn reopen(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "reopen").await?;
        let inc = &mut change.inc;
        if !self.may_command(inc, &actor.user_id) {
            return Err(refuse(self.not_allowed(inc, "reopen it"), "reopen"));
        }
        inc.status = inc
            .status
            .reopen()
            .map_err(|e| refuse(format!("{}.", capital(&e.to_string())), "reopen"))?;
        inc.resolved_at = None;
        change.save().await?;
        change
            .record(
                &actor.user_id,
                EntryKind::Reopened,
                "Reopened; back to Investigating".into(),
            )
            .await?;
        change
            .notice(notice(
                ":rotating_light:",
                format!(
                    "*Reopened* by {}: back to Investigating.",
                    mention(&actor.user_id)
                ),
            ))
            .await?;
        change.refresh(true).await?;
        change.announce(Announcement::Reopened).await?;
        change.after_reopen().await?;
        let inc = change.done().await?;
        Ok(format!("{} is open again (Investigating).", inc.id))
    }
}
