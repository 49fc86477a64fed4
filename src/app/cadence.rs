//! Hooks where the update cadence (reminders, escalation, postmortem follow-up) joins
//! the incident use cases. Each runs inside the use case's transaction.

use chrono::{DateTime, Utc};

use super::{App, AppError};
use crate::domain::{Incident, IncidentId};
use crate::store::Tx;

impl App {
    /// After a declaration.
    pub async fn after_declare(&self, _tx: &mut Tx, _id: IncidentId) -> Result<(), AppError> {
        Ok(())
    }

    /// After a change of status, severity or commander.
    pub async fn after_change(&self, _tx: &mut Tx, _inc: &Incident) -> Result<(), AppError> {
        Ok(())
    }

    /// After an update was posted; returns when the next one is due, if a cadence
    /// applies.
    pub async fn after_update(
        &self,
        _tx: &mut Tx,
        _inc: &Incident,
    ) -> Result<Option<DateTime<Utc>>, AppError> {
        Ok(None)
    }

    /// After resolution.
    pub async fn after_resolve(&self, _tx: &mut Tx, _inc: &Incident) -> Result<(), AppError> {
        Ok(())
    }
}

impl App {
    /// The text the "Post update" form starts with.
    pub async fn update_draft(&self, _tx: &mut Tx, inc: &Incident) -> Result<String, AppError> {
        Ok(format!(
            "Status: {}. Impact: {}.\nCurrent actions:\n- ",
            inc.status,
            inc.impact.as_deref().unwrap_or("not yet assessed")
        ))
    }

    /// A click on a warning's button; None when the action is not a warning's.
    pub async fn warning_action(
        &self,
        _actor: &super::Actor,
        _action_id: &str,
        _value: &str,
    ) -> Result<Option<super::Reply>, AppError> {
        Ok(None)
    }

    /// `/incident postmortem [done]`.
    pub async fn postmortem_command(
        &self,
        actor: &super::Actor,
        named: Option<IncidentId>,
        done: bool,
    ) -> Result<super::Reply, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "postmortem").await?;
        if !done {
            drop(tx);
            return Err(super::refuse(
                "Postmortem drafts are not available yet.",
                "postmortem",
            ));
        }
        if inc.postmortem_done_at.is_some() {
            return Err(super::refuse(
                format!("The postmortem of {} is already marked complete.", inc.id),
                "postmortem",
            ));
        }
        inc.postmortem_done_at = Some(self.now());
        crate::store::incidents::save(&mut tx, &inc).await?;
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            crate::domain::timeline::EntryKind::Postmortem,
            "Postmortem marked complete".into(),
        )
        .await?;
        tx.commit().await?;
        Ok(super::Reply::Ephemeral(crate::chat::Message::text(
            format!(
                ":white_check_mark: Postmortem of {} marked complete.",
                inc.id
            ),
        )))
    }
}
