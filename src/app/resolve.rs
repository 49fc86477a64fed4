//! Resolving an incident and reopening it.

use super::ops::capital;
use super::outbox::{self, Announcement};
use super::views::{self, notice};
use super::{Actor, App, AppError, refuse};
use crate::domain::ids::mention;
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, UserText};
use crate::store::incidents;

impl App {
    pub async fn resolve(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        summary: &UserText,
    ) -> Result<String, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "resolve").await?;
        if !self.may_command(&inc, &actor.user_id) {
            return Err(refuse(self.not_allowed(&inc, "resolve it"), "resolve"));
        }
        inc.status = inc
            .status
            .resolve()
            .map_err(|e| refuse(format!("{}.", capital(&e.to_string())), "resolve"))?;
        let now = self.now();
        inc.resolved_at = Some(now);
        inc.summary = Some(summary.clone());
        incidents::save(&mut tx, &inc).await?;
        let dur = crate::domain::duration::human(now - inc.declared_at);
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Resolved,
            format!("Resolved after {dur}: {}", summary.mrkdwn()),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            views::resolved_notice(&actor.user_id, &dur, summary),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, true, now).await?;
        self.announce(&mut tx, &inc, Announcement::Resolved).await?;
        self.after_change(&mut tx, &inc).await?;
        self.after_resolve(&mut tx, &inc).await?;
        self.commit(tx).await?;
        tracing::info!(incident = %inc.id, "incident resolved");
        Ok(format!("{} is resolved after {dur}.", inc.id))
    }

    pub async fn reopen(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
    ) -> Result<String, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "reopen").await?;
        if !self.may_command(&inc, &actor.user_id) {
            return Err(refuse(self.not_allowed(&inc, "reopen it"), "reopen"));
        }
        inc.status = inc
            .status
            .reopen()
            .map_err(|e| refuse(format!("{}.", capital(&e.to_string())), "reopen"))?;
        inc.resolved_at = None;
        incidents::save(&mut tx, &inc).await?;
        let now = self.now();
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Reopened,
            "Reopened; back to Investigating".into(),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            notice(
                ":rotating_light:",
                format!(
                    "*Reopened* by {}: back to Investigating.",
                    mention(&actor.user_id)
                ),
            ),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, true, now).await?;
        self.announce(&mut tx, &inc, Announcement::Reopened).await?;
        self.after_reopen(&mut tx, &inc).await?;
        self.commit(tx).await?;
        Ok(format!("{} is open again (Investigating).", inc.id))
    }
}
