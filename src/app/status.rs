//! Changing an incident's status or severity.

use super::ops::capital;
use super::outbox::{self, ChatOp};
use super::views;
use super::{Actor, App, AppError, refuse};
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, Severity, Status};
use crate::store::incidents;

impl App {
    pub async fn set_status(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        to: Status,
    ) -> Result<String, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "status").await?;
        let from = inc.status;
        inc.status = from
            .transition(to)
            .map_err(|e| refuse(format!("{}.", capital(&e.to_string())), "status"))?;
        let now = self.now();
        match to {
            Status::Identified if inc.identified_at.is_none() => inc.identified_at = Some(now),
            Status::Monitoring if inc.mitigated_at.is_none() => inc.mitigated_at = Some(now),
            _ => {}
        }
        incidents::save(&mut tx, &inc).await?;
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Status,
            format!("{from} → {to}"),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            views::status_notice(to, &actor.user_id),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, true, now).await?;
        self.after_change(&mut tx, &inc).await?;
        self.commit(tx).await?;
        Ok(format!("{} is now *{to}*.", inc.id))
    }

    pub async fn set_severity(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        to: Severity,
    ) -> Result<String, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "sev").await?;
        if !self.may_command(&inc, &actor.user_id) {
            return Err(refuse(self.not_allowed(&inc, "change the severity"), "sev"));
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
        inc.severity = to;
        incidents::save(&mut tx, &inc).await?;
        let now = self.now();
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Severity,
            format!("{from} → {to}"),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            views::severity_notice(from, to, &actor.user_id),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, true, now).await?;
        // People on call for the new severity join the channel.
        let responders = self.cfg.responders(to);
        if !responders.is_empty() && to < from {
            outbox::to_incident(
                &mut tx,
                inc.id,
                &ChatOp::Invite {
                    incident: inc.id.0,
                    users: responders,
                },
                now,
            )
            .await?;
        }
        self.after_change(&mut tx, &inc).await?;
        self.commit(tx).await?;
        Ok(format!("{} is now *{to}*.", inc.id))
    }
}
