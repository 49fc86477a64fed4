//! A change to one incident in progress: the locked incident and the transaction that
//! writes it, with the tail every use case shares (its timeline entry, the messages
//! for its channel, the cadence hooks, the commit that wakes the worker) in one place.
//! [`App::open_change`] opens one; dropping it without [`Change::done`] rolls back.

use chrono::{DateTime, Utc};

use super::delivery::outbox::{self, Announcement, ChatOp};
use super::{Actor, App, AppError, refuse};
use crate::chat::Message;
use crate::domain::timeline::EntryKind;
use crate::domain::{Incident, IncidentId};
use crate::store::{StoreError, Tx, incidents};

/// One incident, locked in its own transaction, being changed by a use case.
pub(crate) struct Change<'a> {
    app: &'a App,
    tx: Tx,
    /// The incident as the use case changes it; [`Change::save`] writes it back.
    pub inc: Incident,
}

impl App {
    /// Starts a transaction holding the incident a command is about: the one named, or
    /// the one whose channel the command was typed in. Marks the incident
    /// acknowledged when its commander acts on it for the first time.
    pub(crate) async fn open_change(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        spec: &str,
    ) -> Result<Change<'_>, AppError> {
        let mut tx = self.store.begin().await?;
        let mut inc = self.locked_incident(&mut tx, actor, named, spec).await?;
        self.check_private(&inc, actor, spec)?;
        // Slack refused its channel earlier: any command on it starts the set-up again
        // (whoever fixed the permission is likely the one asking).
        if inc.channel_id.is_none() && inc.channel_error.is_some() {
            self.delivery().retry_setup(&mut tx, &inc).await?;
            inc.channel_error = None;
        }
        if inc.commander() == Some(actor.user_id.as_str())
            && (inc.acknowledged_at.is_none() || inc.ic_ack_pending_since.is_some())
        {
            let first = inc.acknowledged_at.is_none();
            inc.acknowledged_at.get_or_insert(self.now());
            inc.ic_ack_pending_since = None;
            incidents::save(&mut tx, &inc).await?;
            if first {
                self.paging()
                    .queue_page(&mut tx, &inc, crate::paging::PageAction::Acknowledge)
                    .await?;
            }
        }
        Ok(Change { app: self, tx, inc })
    }

    /// Finds and locks the incident named, or the one of the channel `actor` is in.
    async fn locked_incident(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        named: Option<IncidentId>,
        spec: &str,
    ) -> Result<Incident, AppError> {
        let found = match named {
            Some(id) => {
                if !incidents::lock(tx, id).await? {
                    return Err(refuse(format!("There is no incident {id}."), spec));
                }
                incidents::get(tx, id).await?
            }
            None => match incidents::by_channel(tx, &actor.channel_id).await? {
                Some(i) => {
                    incidents::lock(tx, i.id).await?;
                    incidents::get(tx, i.id).await?
                }
                None => {
                    return Err(refuse(
                        format!(
                            "This channel is not an incident channel: name the incident, e.g. `{} INC-4 {spec}`.",
                            self.cmd()
                        ),
                        spec,
                    ));
                }
            },
        };
        found.ok_or_else(|| refuse("That incident vanished; try again.", spec))
    }

    /// A private incident is dealt with in its own channel (Slack keeps who is in
    /// it), or by admins. Forms carry no channel: warroom opened them, with the
    /// incident in their metadata, for someone who was allowed.
    fn check_private(&self, inc: &Incident, actor: &Actor, spec: &str) -> Result<(), AppError> {
        if inc.private
            && !actor.channel_id.is_empty()
            && inc.channel_id.as_deref() != Some(actor.channel_id.as_str())
            && !self.cfg.slack.admins.contains(&actor.user_id)
        {
            return Err(refuse(
                format!("{} is private: run the command in its channel.", inc.id),
                spec,
            ));
        }
        Ok(())
    }
}

impl<'a> Change<'a> {
    /// The incident's number.
    pub(crate) fn id(&self) -> IncidentId {
        self.inc.id
    }

    /// The transaction, for the rarer store calls a use case makes itself.
    pub(crate) fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// Writes the incident's changed fields.
    pub(crate) async fn save(&mut self) -> Result<(), AppError> {
        incidents::save(&mut self.tx, &self.inc).await?;
        Ok(())
    }

    /// Writes a timeline entry at the current time.
    pub(crate) async fn record(
        &mut self,
        actor: &str,
        kind: EntryKind,
        text: String,
    ) -> Result<(), AppError> {
        self.app
            .incidents()
            .log(&mut self.tx, self.inc.id, actor, kind, text)
            .await
    }

    /// Posts a message in the incident's channel.
    pub(crate) async fn notice(&mut self, message: Message) -> Result<(), AppError> {
        outbox::post_in_incident(&mut self.tx, self.inc.id, message, self.app.now()).await?;
        Ok(())
    }

    /// Queues any chat call on the incident's queue.
    pub(crate) async fn send(&mut self, op: &ChatOp) -> Result<(), AppError> {
        outbox::to_incident(&mut self.tx, self.inc.id, op, self.app.now()).await?;
        Ok(())
    }

    /// Invites `users` to the incident's channel.
    pub(crate) async fn invite(&mut self, users: Vec<String>) -> Result<(), AppError> {
        let op = ChatOp::Invite {
            incident: self.inc.id.0,
            users,
        };
        self.send(&op).await
    }

    /// The headline (and the topic when `topic_too`) follow the incident's state.
    pub(crate) async fn refresh(&mut self, topic_too: bool) -> Result<(), AppError> {
        outbox::refresh(&mut self.tx, &self.inc, topic_too, self.app.now()).await?;
        Ok(())
    }

    /// The hooks after a raised severity ([`App::after_severity_raised`]).
    pub(crate) async fn after_severity_raised(
        &mut self,
        from: crate::domain::Severity,
    ) -> Result<(), AppError> {
        self.app
            .after_severity_raised(&mut self.tx, &self.inc, from)
            .await
    }

    /// The hooks after the first acknowledgement, with `inc` as it now stands
    /// ([`App::after_acknowledged`]).
    pub(crate) async fn after_acknowledged(&mut self, inc: &Incident) -> Result<(), AppError> {
        self.app.after_acknowledged(&mut self.tx, inc).await
    }

    /// Announces in the announcements channel (public incidents only).
    pub(crate) async fn announce(&mut self, what: Announcement) -> Result<(), AppError> {
        self.app
            .incidents()
            .announce(&mut self.tx, &self.inc, what)
            .await
    }

    /// After a change of status, severity or commander: the cadence may differ now.
    pub(crate) async fn after_change(&mut self) -> Result<(), AppError> {
        self.app.after_change(&mut self.tx, &self.inc).await
    }

    /// After an update was posted: the clock starts again. Returns when the next one
    /// is due.
    pub(crate) async fn after_update(&mut self) -> Result<Option<DateTime<Utc>>, AppError> {
        self.app.after_update(&mut self.tx, &self.inc).await
    }

    /// After resolution: no more update reminders; the postmortem's clock starts.
    pub(crate) async fn after_resolve(&mut self) -> Result<(), AppError> {
        self.app.after_resolve(&mut self.tx, &self.inc).await
    }

    /// After a reopening: updates are owed again, counted from now.
    pub(crate) async fn after_reopen(&mut self) -> Result<(), AppError> {
        self.app.after_reopen(&mut self.tx, &self.inc).await
    }

    /// Ends the use case: commits the state, its timeline entries and the chat calls
    /// it queued together, and wakes the worker to deliver them ([`App::commit`]).
    pub(crate) async fn done(mut self) -> Result<Incident, StoreError> {
        // The incident's ticket follows every change (one pending sync absorbs many).
        self.app
            .tickets()
            .queue(&mut self.tx, &self.inc, crate::tickets::Subject::Incident)
            .await?;
        self.app.commit(self.tx).await?;
        Ok(self.inc)
    }

    /// The text the "Post update" form starts with ([`App::update_draft`]).
    pub(crate) async fn update_draft(&mut self) -> Result<String, AppError> {
        self.app
            .cadence()
            .update_draft(&mut self.tx, &self.inc)
            .await
    }

    /// Ends a look that changes nothing: rolls back, and keeps the incident as read.
    pub(crate) fn abandon(self) -> Incident {
        drop(self.tx);
        self.inc
    }

    /// Commits without waking the worker (the use case queued nothing itself).
    pub(crate) async fn close(self) -> Result<Incident, StoreError> {
        self.tx.commit().await?;
        Ok(self.inc)
    }
}
