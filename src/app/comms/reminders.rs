//! The status page's cadence: for severities whose row asks for status page updates
//! (`status_page` in `[[severities]]`, or `status.severities`) the Communications Lead (or the IC)
//! is reminded when nothing was published `status.first_after` after declaring, then
//! every `status.every` after the last external update while the incident is open;
//! at resolution they are nudged to publish the resolution. Each reminder is one
//! keyed job per incident, so restarts and retries never double it.

use chrono::{DateTime, Utc};

use crate::app::delivery::JobError;
use crate::app::jobs::JobKind;
use crate::app::{AppError, Comms, delivery::outbox, messages};
use crate::domain::ids::mention;
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::public::PublicStatus;
use crate::store::jobs::{self, Job, NewJob, Priority};
use crate::store::{Tx, external, incidents, timeline};

fn key(id: IncidentId) -> String {
    format!("status-reminder:{}", id.0)
}

impl Comms<'_> {
    /// True when the incident's severity asks for status page updates and there is a
    /// status page to update.
    pub(crate) fn owes_external_updates(&self, inc: &Incident) -> bool {
        let s = &self.cfg.status;
        !inc.private
            && self.cfg.status_page_owed(inc.severity)
            && (!s.components.is_empty() || s.statuspage.enabled())
    }

    /// (Re)schedules the next reminder: after the last external update (`last`), or
    /// after the declaration when nothing was published yet. None when not owed.
    pub(crate) async fn schedule_external_reminder(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        last: Option<DateTime<Utc>>,
        status: PublicStatus,
    ) -> Result<(), AppError> {
        let now = self.now();
        jobs::cancel(tx, &key(inc.id), now).await?;
        if status == PublicStatus::Resolved {
            return Ok(());
        }
        if let Some(job) = self.external_reminder_job(inc, last) {
            jobs::enqueue(tx, &job, now).await?;
        }
        Ok(())
    }

    /// The next reminder's job, when one is owed.
    pub(crate) fn external_reminder_job(
        &self,
        inc: &Incident,
        last: Option<DateTime<Utc>>,
    ) -> Option<NewJob> {
        if !inc.is_open() || !self.owes_external_updates(inc) {
            return None;
        }
        let s = &self.cfg.status;
        let (from, after) = match last {
            Some(t) => (t, s.every.0),
            None => (inc.declared_at, s.first_after.0),
        };
        let due = from + chrono::Duration::from_std(after).unwrap_or(chrono::Duration::minutes(30));
        Some(NewJob {
            dedupe_key: Some(key(inc.id)),
            priority: Priority::People,
            ..JobKind::ExternalReminder { incident: inc.id }.at(None, due.max(self.now()))
        })
    }

    /// After a declaration or a change of severity: the reminder follows, from the
    /// last external update.
    pub(crate) async fn external_after_change(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), AppError> {
        let published = external::of_incident(tx, inc.id).await?;
        let last = published.last();
        let status = last.map_or(PublicStatus::Investigating, |u| u.status);
        self.schedule_external_reminder(tx, inc, last.map(|u| u.posted_at), status)
            .await
    }

    /// After a reopening: customers may have been told it was over; reminders start
    /// again from now, whatever was last published.
    pub(crate) async fn external_after_reopen(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), AppError> {
        self.schedule_external_reminder(tx, inc, Some(self.now()), PublicStatus::Investigating)
            .await
    }

    /// At resolution: no more reminders, and a nudge to publish the resolution when
    /// customers were told about it (or its severity asks for it) and not yet told
    /// it is over.
    pub(crate) async fn external_after_resolve(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), AppError> {
        let now = self.now();
        jobs::cancel(tx, &key(inc.id), now).await?;
        let published = external::of_incident(tx, inc.id).await?;
        let told_over = published
            .last()
            .is_some_and(|u| u.status == PublicStatus::Resolved);
        if inc.private || told_over || (published.is_empty() && !self.owes_external_updates(inc)) {
            return Ok(());
        }
        let text = format!(
            "{} please publish the resolution for customers: `/incident statusupdate resolved This incident has been resolved…` or the *Post status update* button.",
            who_publishes(inc)
        );
        outbox::post_in_incident(tx, inc.id, messages::notice(":mega:", text), now).await?;
        Ok(())
    }

    /// A reminder is due: ask for an external update, and schedule the next.
    pub(crate) async fn fire_external_reminder(
        &self,
        job: &Job,
        incident: IncidentId,
    ) -> Result<(), JobError> {
        let inc = self.job_incident(incident).await?;
        let mut tx = self.cadence().begin_scheduled(job).await?;
        incidents::lock(&mut tx, inc.id).await?;
        let Some(inc) = incidents::get(&mut tx, inc.id).await? else {
            return Err(JobError::Skip("the incident is gone".into()));
        };
        if !inc.is_open() || !self.owes_external_updates(&inc) {
            tx.commit().await?;
            return Ok(());
        }
        let published = external::of_incident(&mut tx, inc.id).await?;
        let since = match published.last() {
            Some(u) => format!(
                "the last external update at {}",
                messages::hm(u.posted_at, self.tz)
            ),
            None => "the incident was declared".into(),
        };
        let text = format!(
            "{} customers have heard nothing since {since}: publish an update with `/incident statusupdate …` or the *Post status update* button.",
            who_publishes(&inc)
        );
        let now = self.now();
        let entry = self.incidents().entry(
            BOT_ACTOR,
            EntryKind::Reminder,
            "Status page update reminder".into(),
        );
        timeline::add(
            &mut tx,
            inc.id,
            &entry,
            Some(&format!("status-reminder:{}", job.id)),
            now,
        )
        .await?;
        outbox::post_in_incident(&mut tx, inc.id, messages::notice(":mega:", text), now).await?;
        // The next one follows this reminder, not the last update: one per interval.
        let status = published
            .last()
            .map_or(PublicStatus::Investigating, |u| u.status);
        self.schedule_external_reminder(&mut tx, &inc, Some(now), status)
            .await?;
        self.commit(tx).await?;
        Ok(())
    }
}

/// Whom the status page reminders mention: the Comms Lead, else the IC.
fn who_publishes(inc: &Incident) -> String {
    inc.roles
        .communications
        .as_deref()
        .or(inc.commander())
        .map(mention)
        .unwrap_or_else(|| "Communications Lead:".into())
}
