//! The recurring schedules (the weekly digest, the watchers), kept in the jobs table:
//! one pending run each, replaced when its schedule changes.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::app::Cadence;
use crate::app::jobs::JobKind;

impl Cadence<'_> {
    /// Keeps exactly one pending run of a recurring job, matching `schedule`: a run of
    /// another schedule is replaced, and none is kept when `schedule` is None. A new
    /// run is due at the next occurrence, or now with `start_now`.
    pub(crate) async fn ensure_recurring(
        &self,
        dedupe: &str,
        job: impl Fn(String) -> JobKind,
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
                    let job = NewJob {
                        dedupe_key: Some(dedupe.into()),
                        ..job(s.source()).at(None, at)
                    };
                    jobs::enqueue(&mut tx, &job, now).await?;
                    tracing::info!(job = %job.kind, next = %at, schedule = %s.source(), "scheduled");
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
            if let Err(e) = app.tickets().ensure_poll_scheduled().await {
                tracing::error!(error = %e, "could not schedule the tickets' poll");
            }
            app.kick();
        })]
    }
}
