//! Changing an incident's status or severity.

use crate::app::incident::ops::capital;
use crate::app::messages;
use crate::app::{Actor, AppError, Incidents, refuse};
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, Severity, Status};

impl Incidents<'_> {
    pub(crate) async fn set_status(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        to: Status,
        at: Option<crate::domain::command::ImpactStart>,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "status").await?;
        let when = self.when_typed(change.inc.declared_at, at, "status", "time of the change")?;
        let inc = &mut change.inc;
        let from = inc.status;
        inc.status = from
            .transition(to)
            .map_err(|e| refuse(format!("{}.", capital(&e.to_string())), "status"))?;
        let now = when.unwrap_or_else(|| self.now());
        // A time typed says when it happened: the milestone takes it.
        match to {
            Status::Identified if inc.identified_at.is_none() || when.is_some() => {
                inc.identified_at = Some(now)
            }
            Status::Monitoring if inc.mitigated_at.is_none() || when.is_some() => {
                inc.mitigated_at = Some(now)
            }
            _ => {}
        }
        change.save().await?;
        let entry = crate::domain::timeline::Entry {
            at: now,
            ..self.entry(&actor.user_id, EntryKind::Status, format!("{from} → {to}"))
        };
        let id = change.inc.id;
        crate::store::timeline::add(change.tx(), id, &entry, None, self.now()).await?;
        change
            .notice(messages::status_notice(to, &actor.user_id))
            .await?;
        change.refresh(true).await?;
        change.after_change().await?;
        let inc = change.done().await?;
        Ok(match when {
            Some(t) => format!(
                "{} is now *{to}*, as of {}.",
                inc.id,
                messages::datetime(t, self.tz)
            ),
            None => format!("{} is now *{to}*.", inc.id),
        })
    }

    pub(crate) async fn set_severity(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        to: Severity,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "sev").await?;
        let inc = &change.inc;
        if !self.may_command(inc, &actor.user_id) {
            return Err(refuse(self.not_allowed(inc, "change the severity"), "sev"));
        }
        if !inc.is_open() {
            return Err(refuse(
                format!("{} is resolved: reopen it first.", inc.id),
                "sev",
            ));
        }
        let from = inc.severity;
        if from == to {
            return Err(refuse(format!("{} is already {to}.", inc.id), "sev"));
        }
        change.inc.severity = to;
        change.save().await?;
        change
            .record(
                &actor.user_id,
                EntryKind::Severity,
                format!("{from} → {to}"),
            )
            .await?;
        change
            .notice(messages::severity_notice(from, to, &actor.user_id))
            .await?;
        change.refresh(true).await?;
        // People on call for the new severity join the channel.
        let responders = self.cfg.responders(to);
        if !responders.is_empty() && to < from {
            change.invite(responders).await?;
        }
        change.after_change().await?;
        if to < from {
            change.after_severity_raised(from).await?;
        }
        let inc = change.done().await?;
        Ok(format!("{} is now *{to}*.", inc.id))
    }
}

impl Incidents<'_> {
    /// `milestone identified 14:20 <reason>`: when a milestone happened, corrected by
    /// the IC or an admin; the old and new times and the reason go on the timeline,
    /// and the postmortem's durations and the insights read the corrected one.
    pub(crate) async fn correct_milestone(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        which: crate::domain::command::Milestone,
        at: crate::domain::command::ImpactStart,
        reason: &crate::domain::UserText,
    ) -> Result<String, AppError> {
        use crate::domain::command::Milestone;
        let mut change = self.open_change(actor, named, "milestone").await?;
        if !self.may_command(&change.inc, &actor.user_id) {
            return Err(refuse(
                self.not_allowed(&change.inc, "correct a milestone"),
                "milestone",
            ));
        }
        let when = self
            .when_typed(
                change.inc.declared_at,
                Some(at),
                "milestone",
                "milestone's time",
            )?
            .unwrap_or_else(|| self.now());
        let inc = &mut change.inc;
        let slot = match which {
            Milestone::Acknowledged => &mut inc.acknowledged_at,
            Milestone::Identified => &mut inc.identified_at,
            Milestone::Mitigated => &mut inc.mitigated_at,
            Milestone::Resolved => &mut inc.resolved_at,
        };
        let Some(was) = *slot else {
            return Err(refuse(
                format!(
                    "{} has no {} time yet to correct.",
                    inc.id,
                    which.label().to_lowercase()
                ),
                "milestone",
            ));
        };
        *slot = Some(when);
        change.save().await?;
        let text = format!(
            "{} time corrected: {} (was {}). Reason: {}",
            which.label(),
            messages::datetime(when, self.tz),
            messages::datetime(was, self.tz),
            reason.mrkdwn()
        );
        change
            .record(&actor.user_id, EntryKind::Status, text.clone())
            .await?;
        change.notice(messages::notice(":clock3:", text)).await?;
        let inc = change.done().await?;
        Ok(format!(
            "{} of {} is now {}.",
            which.label(),
            inc.id,
            messages::datetime(when, self.tz)
        ))
    }
}
