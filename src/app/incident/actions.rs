//! Action items: adding them and marking them done.

use crate::app::messages;
use crate::app::{Actor, AppError, Incidents, refuse};
use crate::domain::command::Priority;
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, UserRef, UserText};
use crate::store::actions;
use crate::tickets::Subject;
use chrono::NaiveDate;

impl Incidents<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn add_action(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        text: &UserText,
        owner: Option<&UserRef>,
        due: Option<NaiveDate>,
        priority: Option<Priority>,
    ) -> Result<String, AppError> {
        let owner = match owner {
            Some(o) => Some(self.user_id(o, "action")?),
            None => None,
        };
        let now = self.now();
        if let Some(d) = due {
            let today = now.with_timezone(&self.tz).date_naive();
            crate::domain::incident::check_due(today, d).map_err(|e| refuse(e, "action"))?;
        }
        let mut change = self.open_change(actor, named, "action").await?;
        let id = change.id();
        let seq = actions::add(
            change.tx(),
            id,
            text,
            owner.as_deref(),
            priority,
            due,
            &actor.user_id,
            now,
        )
        .await?;
        let item = crate::domain::ActionItem {
            incident: id,
            seq,
            text: text.clone(),
            owner,
            priority,
            due,
            done: false,
            created_by: actor.user_id.clone(),
            created_at: now,
            done_at: None,
            ticket: None,
        };
        // Its owner is told when it falls due, then weekly while it stays open.
        if let Some(job) = crate::app::cadence::action_due::job(&item, self.tz, now) {
            crate::store::jobs::enqueue(change.tx(), &job, now).await?;
        }
        change
            .record(
                &actor.user_id,
                EntryKind::Action,
                format!("#{seq} {}", text.mrkdwn()),
            )
            .await?;
        change.notice(messages::action_notice(&item)).await?;
        // Its ticket, where a route exports action items.
        let inc = change.inc.clone();
        self.tickets()
            .queue(change.tx(), &inc, Subject::Action(seq))
            .await?;
        let inc = change.done().await?;
        Ok(format!("Action item #{seq} recorded on {}.", inc.id))
    }

    pub(crate) async fn action_done(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        seq: i64,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "action").await?;
        let id = change.id();
        let now = self.now();
        match actions::mark_done(change.tx(), id, seq, now).await? {
            None => Err(refuse(
                format!(
                    "{id} has no action item #{seq}: see `{} actions`.",
                    self.cmd()
                ),
                "action",
            )),
            Some((_, false)) => Err(refuse(
                format!("Action item #{seq} is already done."),
                "action",
            )),
            Some((text, true)) => {
                let chase = crate::app::cadence::action_due::key(id, seq);
                crate::store::jobs::cancel(change.tx(), &chase, now).await?;
                change
                    .record(
                        &actor.user_id,
                        EntryKind::ActionDone,
                        format!("#{seq} {}", text.mrkdwn()),
                    )
                    .await?;
                let inc = change.inc.clone();
                self.tickets()
                    .queue(change.tx(), &inc, Subject::Action(seq))
                    .await?;
                change.done().await?;
                Ok(format!("Action item #{seq} of {id} is done."))
            }
        }
    }
}
