//! Follow-through in the team's tracker: each incident's ticket and each action
//! item's, created after the change that calls for them (never before the answer to
//! the person, never holding the incident), kept current, moved through the
//! tracker's workflow, and followed back when people change them there.
//!
//! - `sync`: the one job per ticket (`ticket.sync`), which finds or creates the
//!   ticket and brings it to what warroom wants; any change queues it again, and a
//!   pending one absorbs the next (its dedupe key).
//! - `back`: a ticket closed, reopened, reassigned or rescheduled in the tracker
//!   (a verified webhook, or a poll) changes the action item.
//! - `told`: a refusal told in the incident's channel with what to fix and a Retry
//!   button.

pub(crate) mod back;
pub(crate) mod current;
pub(crate) mod sync;
pub(crate) mod told;

use crate::app::jobs::JobKind;
use crate::app::{Actor, AppError, Tickets, refuse};
use crate::domain::{Incident, IncidentId};
use crate::store::jobs::{self, NewJob};
use crate::store::{StoreError, Tx, tickets};
use crate::tickets::Subject;

/// The dedupe key of `subject`'s pending sync: one waits at a time.
fn sync_key(id: IncidentId, subject: Subject) -> String {
    format!("ticket.sync:{}:{}", id.0, subject.key())
}

/// The sync job of `subject`'s ticket, on a queue of its own (in order for one
/// ticket; tickets apart do not wait for each other).
pub(crate) fn sync_job(
    id: IncidentId,
    subject: Subject,
    now: chrono::DateTime<chrono::Utc>,
) -> NewJob {
    let kind = JobKind::TicketSync {
        incident: id,
        subject: subject.key(),
    };
    NewJob {
        dedupe_key: Some(sync_key(id, subject)),
        ..kind.at(Some(format!("ticket:{}:{}", id.0, subject.key())), now)
    }
}

impl Tickets<'_> {
    /// True when `subject` of `inc` has, or should have, a ticket.
    pub(crate) fn wanted(&self, inc: &Incident, subject: Subject) -> bool {
        self.cfg
            .tickets
            .route_for(inc, subject)
            .is_some_and(|(_, r)| r.private || !inc.private)
    }

    /// The jobs a new incident starts with: its own ticket, where a route asks.
    pub(crate) fn declare_jobs(&self, inc: &Incident) -> Vec<NewJob> {
        if self.wanted(inc, Subject::Incident) {
            vec![sync_job(inc.id, Subject::Incident, self.now())]
        } else {
            vec![]
        }
    }

    /// Queues a sync of `subject`'s ticket when it has one or a route wants one.
    pub(crate) async fn queue(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        subject: Subject,
    ) -> Result<(), StoreError> {
        if !self.cfg.tickets.any() {
            return Ok(());
        }
        let has = tickets::get(tx, inc.id, &subject.key()).await?.is_some();
        if has || self.wanted(inc, subject) {
            jobs::enqueue(tx, &sync_job(inc.id, subject, self.now()), self.now()).await?;
        }
        Ok(())
    }

    /// The incident's own ticket, linked, once it has one.
    pub(crate) async fn link_of(&self, id: IncidentId) -> Result<Option<String>, StoreError> {
        if !self.cfg.tickets.any() {
            return Ok(None);
        }
        let mut conn = self.store.conn().await?;
        let t = tickets::get(&mut conn, id, &Subject::Incident.key()).await?;
        Ok(t.filter(|t| t.key.is_some()).map(|t| told::link(&t)))
    }

    /// The Retry and Create ticket buttons (`value`: `42:action:3`): a sync queued
    /// now, whatever tried before.
    pub(crate) async fn button(&self, actor: &Actor, value: &str) -> Result<String, AppError> {
        let parsed = value.split_once(':').and_then(|(id, s)| {
            Some((
                IncidentId(id.parse().ok().filter(|n| *n > 0)?),
                Subject::parse(s)?,
            ))
        });
        let Some((id, subject)) = parsed else {
            return Err(refuse("That button no longer applies.", "actions"));
        };
        let mut change = self.open_change(actor, Some(id), "actions").await?;
        let inc = change.inc.clone();
        if !self.cfg.tickets.any() {
            return Err(refuse(
                "No tracker is configured: see `[tickets]` in the configuration.",
                "actions",
            ));
        }
        let has = tickets::get(change.tx(), id, &subject.key())
            .await?
            .is_some();
        if !has && !self.wanted(&inc, subject) {
            return Err(refuse(
                format!(
                    "No `[[tickets.routes]]` takes {} of {id}: add one for its service, type or severity.",
                    subject.describe()
                ),
                "actions",
            ));
        }
        let now = self.now();
        jobs::enqueue(change.tx(), &sync_job(id, subject, now), now).await?;
        change.done().await?;
        Ok(format!("On its way: {} of {id}.", subject.describe()))
    }
}
