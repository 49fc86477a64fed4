//! Scheduled work: which use case runs a scheduled job, and the recurring schedules
//! (the weekly digest, the watchers) kept in the jobs table.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::app::Cadence;
use crate::app::cadence::updates::{ACK_CHECK, POSTMORTEM_REMINDER, UPDATE_REMINDER};
use crate::app::delivery::JobError;
use crate::store::jobs::Job;

impl Cadence<'_> {
    /// Runs a scheduled (non-chat) job; None when the kind is not a scheduled one.
    pub(crate) async fn run_scheduled(&self, job: &Job) -> Option<Result<(), JobError>> {
        Some(match job.kind.as_str() {
            UPDATE_REMINDER => self.fire_update_reminder(job).await,
            ACK_CHECK => self.fire_ack_check(job).await,
            POSTMORTEM_REMINDER => self.fire_postmortem_reminder(job).await,
            crate::app::cadence::digest::DIGEST => self.fire_digest(job).await,
            crate::app::reports::postmortems::DRAFT_JOB => {
                self.reports().fire_postmortem_draft(job).await
            }
            crate::app::warnings::watchers::WATCH => self.warnings().fire_watch(job).await,
            crate::app::paging::oncall::ONCALL => self.paging().fire_oncall(job).await,
            crate::app::comms::reminders::EXTERNAL_REMINDER => {
                self.comms().fire_external_reminder(job).await
            }
            crate::app::comms::publish::STATUSPAGE_PUBLISH => {
                self.comms().fire_statuspage(job).await
            }
            crate::paging::page_to::PAGE_TO => self.paging().fire_page_to(job).await,
            crate::paging::page_to::PAGE_CLOSE => self.paging().fire_page_close(job).await,
            crate::paging::acks::PAGE_WATCH => self.paging().fire_page_watch(job).await,
            kind => {
                let provider = crate::paging::Provider::from_job_kind(kind)?;
                self.paging().fire_page(job, provider).await
            }
        })
    }

    /// The incident a job's payload names (`{"incident": n}`); Skip when it is gone.
    pub(crate) async fn job_incident(
        &self,
        job: &Job,
    ) -> Result<crate::domain::Incident, JobError> {
        let id = job.payload["incident"]
            .as_i64()
            .map(crate::domain::IncidentId)
            .ok_or_else(|| JobError::Fatal(format!("{} job without an incident", job.kind)))?;
        let mut conn = self.store.conn().await?;
        crate::store::incidents::get(&mut conn, id)
            .await?
            .ok_or_else(|| JobError::Skip(format!("no incident {id}")))
    }

    /// A job about one incident, queued now on `queue`.
    pub(crate) fn incident_job(
        &self,
        kind: &str,
        queue: String,
        inc: &crate::domain::Incident,
        priority: crate::store::jobs::Priority,
    ) -> crate::store::jobs::NewJob {
        crate::store::jobs::NewJob {
            kind: kind.into(),
            queue: Some(queue),
            payload: serde_json::json!({"incident": inc.id.0}),
            run_at: self.now(),
            dedupe_key: None,
            priority,
        }
    }

    /// Keeps exactly one pending run of a recurring job, matching `schedule`: a run of
    /// another schedule is replaced, and none is kept when `schedule` is None. A new
    /// run is due at the next occurrence, or now with `start_now`.
    pub(crate) async fn ensure_recurring(
        &self,
        dedupe: &str,
        kind: &str,
        payload: serde_json::Value,
        schedule: Option<&crate::domain::schedule::Schedule>,
        start_now: bool,
    ) -> Result<(), crate::store::StoreError> {
        use crate::store::jobs::{self, NewJob};
        let now = self.now();
        let mut tx = self.store.begin_background().await?;
        let pending = jobs::pending_payload(&mut tx, dedupe).await?;
        let wanted = schedule.map(|s| s.source());
        let current = pending
            .as_ref()
            .and_then(|p| p.get("schedule"))
            .and_then(|s| s.as_str())
            .map(str::to_string);
        if pending.is_none() || current != wanted {
            jobs::cancel(&mut tx, dedupe, now).await?;
            if let Some(s) = schedule {
                let at = if start_now {
                    Some(now)
                } else {
                    s.next_after(now, self.tz)
                };
                if let Some(at) = at {
                    let mut payload = payload;
                    payload["schedule"] = serde_json::Value::String(s.source());
                    let job = NewJob {
                        kind: kind.into(),
                        queue: None,
                        payload,
                        run_at: at,
                        dedupe_key: Some(dedupe.into()),
                        priority: crate::store::jobs::Priority::Normal,
                    };
                    jobs::enqueue(&mut tx, &job, now).await?;
                    tracing::info!(job = kind, next = %at, schedule = %s.source(), "scheduled");
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

impl App {
    /// Queues the recurring schedules at start (the jobs table keeps them from then
    /// on). Returns the tasks it started.
    pub(crate) fn spawn_schedules(
        self: Arc<Self>,
        _stop: watch::Receiver<bool>,
    ) -> Vec<JoinHandle<()>> {
        let app = self.clone();
        vec![tokio::spawn(async move {
            if let Err(e) = app.cadence().ensure_digest_scheduled().await {
                tracing::error!(error = %e, "could not schedule the weekly digest");
            }
            if let Err(e) = app.warnings().ensure_watchers_scheduled().await {
                tracing::error!(error = %e, "could not schedule the watchers");
            }
            app.kick();
        })]
    }
}
