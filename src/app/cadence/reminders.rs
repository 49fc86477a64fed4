//! The incident reminders, run by the jobs worker when they fall due: update
//! reminders (with escalation after unanswered ones), the silent-commander check (SEV1s by default),
//! and postmortem reminders. Each completes its job, records what it did and queues the
//! Slack calls and its own successor in one transaction, so however many workers run
//! it fires once; and since the successor is counted from when it fired, a reminder
//! that fell due during downtime fires once, not once per missed slot.

use crate::app::cadence::updates::postmortem_key;
use crate::app::delivery::JobError;
use crate::app::jobs::JobKind;
use crate::app::{Cadence, delivery::outbox, messages};
use crate::domain::cadence::escalates;
use crate::domain::timeline::{BOT_ACTOR, Entry, EntryKind};
use crate::domain::{Incident, IncidentId, UserText};
use crate::store::jobs::{self, Job, NewJob};
use crate::store::{Tx, incidents, timeline};

impl Cadence<'_> {
    /// Opens the transaction of a scheduled job and marks the job done in it first, so
    /// that the job can queue its own successor (same dedupe key).
    pub(crate) async fn begin_scheduled(&self, job: &Job) -> Result<Tx, JobError> {
        let mut tx = self.store.begin_background().await?;
        if !jobs::complete(&mut tx, job, self.now()).await? {
            tx.rollback().await?;
            return Err(JobError::Fatal("lease lost to another worker".into()));
        }
        Ok(tx)
    }

    /// The job's transaction with its incident locked; None (the job done) when the
    /// incident is gone.
    async fn scheduled_on(
        &self,
        job: &Job,
        id: IncidentId,
    ) -> Result<Option<(Tx, Incident)>, JobError> {
        let mut tx = self.begin_scheduled(job).await?;
        match self.locked(&mut tx, id).await? {
            Some(inc) => Ok(Some((tx, inc))),
            None => {
                tx.commit().await?;
                Ok(None)
            }
        }
    }

    async fn locked(&self, tx: &mut Tx, id: IncidentId) -> Result<Option<Incident>, JobError> {
        incidents::lock(tx, id).await?;
        Ok(incidents::get(tx, id).await?)
    }

    async fn note(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        kind: EntryKind,
        text: String,
    ) -> Result<(), JobError> {
        let now = self.now();
        let e = Entry {
            at: now,
            actor: BOT_ACTOR.into(),
            kind,
            text: UserText::from_mrkdwn(&text),
        };
        timeline::add(tx, inc.id, &e, None, now).await?;
        Ok(())
    }

    /// An update is due: post the reminder with a draft, count it, escalate when
    /// enough went unanswered, and schedule the next one.
    pub(crate) async fn fire_update_reminder(
        &self,
        job: &Job,
        id: IncidentId,
    ) -> Result<(), JobError> {
        let Some((mut tx, mut inc)) = self.scheduled_on(job, id).await? else {
            return Ok(());
        };
        let now = self.now();
        let Some(interval) = self.cfg.cadence().interval(inc.severity, inc.status) else {
            tx.commit().await?;
            return Ok(());
        };
        inc.unanswered_reminders += 1;
        // The next one keeps the cadence of the slot that fell due; after a downtime
        // that missed slots, it counts from now, so there is no burst.
        let anchor = if job.run_at + interval > now {
            job.run_at
        } else {
            now
        };
        inc.last_reminder_at = Some(anchor);
        incidents::save(&mut tx, &inc).await?;
        let entries = timeline::list(&mut tx, id).await?;
        let draft = messages::current_actions(&entries, inc.update_anchor(), self.tz);
        let next_due = if job.run_at + interval > now {
            job.run_at + interval
        } else {
            now + interval
        };
        let since = match inc.last_update_at {
            Some(t) => format!("no update since {}", messages::hm(t, self.tz)),
            None => "no update since the declaration".to_string(),
        };
        self.note(
            &mut tx,
            &inc,
            EntryKind::Reminder,
            format!("Update reminder {}: {since}", inc.unanswered_reminders),
        )
        .await?;
        let msg = messages::update_reminder(
            &inc,
            &draft,
            inc.unanswered_reminders,
            now,
            Some(next_due),
            self.tz,
        );
        outbox::post_in_incident(&mut tx, id, msg, now).await?;
        if escalates(inc.unanswered_reminders, self.cfg.reminders.escalate_after) {
            let reason = format!(
                "{} update reminders went unanswered ({since})",
                inc.unanswered_reminders
            );
            self.escalate(&mut tx, &inc, &reason).await?;
        }
        self.schedule_update_reminder(&mut tx, &inc, anchor).await?;
        self.commit(tx).await?;
        tracing::info!(incident = %id, reminder = inc.unanswered_reminders, late_ms = (now - job.run_at).num_milliseconds(), "update reminder sent");
        Ok(())
    }

    /// A commander of a severity with `escalate_silent_commander` (the seed's SEV1) who
    /// has not acted within `ack_timeout` gets help.
    pub(crate) async fn fire_ack_check(&self, job: &Job, id: IncidentId) -> Result<(), JobError> {
        let mut tx = self.begin_scheduled(job).await?;
        if let Some(mut inc) = self.locked(&mut tx, id).await?
            && inc.is_open()
            && inc.severity.level().escalate_silent_commander
            && let Some(since) = inc.ic_ack_pending_since
        {
            let who = inc
                .commander()
                .map(crate::domain::ids::mention)
                .unwrap_or_else(|| "nobody".into());
            let reason = format!(
                "no acknowledgement from the Incident Commander ({who}) since {}",
                messages::hm(since, self.tz)
            );
            self.escalate(&mut tx, &inc, &reason).await?;
            // Escalated once for this commander: a later change of role or status must
            // not arm the check again (a new commander arms it afresh).
            inc.ic_ack_pending_since = None;
            incidents::save(&mut tx, &inc).await?;
        }
        self.commit(tx).await?;
        Ok(())
    }

    /// The postmortem is late: remind the commander, up to `max_reminders` times.
    pub(crate) async fn fire_postmortem_reminder(
        &self,
        job: &Job,
        id: IncidentId,
    ) -> Result<(), JobError> {
        let Some((mut tx, mut inc)) = self.scheduled_on(job, id).await? else {
            return Ok(());
        };
        if inc.is_open() || inc.postmortem_done_at.is_some() {
            tx.commit().await?;
            return Ok(());
        }
        let now = self.now();
        let max = self.cfg.postmortem.max_reminders;
        inc.postmortem_reminders += 1;
        incidents::save(&mut tx, &inc).await?;
        let n = inc.postmortem_reminders;
        self.note(
            &mut tx,
            &inc,
            EntryKind::Reminder,
            format!("Postmortem reminder {n} of {max}"),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            id,
            messages::postmortem_reminder(&inc, n, max, self.tz),
            now,
        )
        .await?;
        if n < max {
            let every = chrono::Duration::from_std(self.cfg.postmortem.reminder_interval.0)
                .unwrap_or(chrono::Duration::days(1));
            let next = NewJob {
                dedupe_key: Some(postmortem_key(id)),
                priority: crate::store::jobs::Priority::People,
                ..JobKind::PostmortemReminder { incident: id }.at(None, now + every)
            };
            jobs::enqueue(&mut tx, &next, now).await?;
        }
        self.commit(tx).await?;
        Ok(())
    }
}
