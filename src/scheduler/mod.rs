//! Everything that happens later: the jobs worker, cron and interval schedules, the
//! incident reminders and the weekly digest.

pub mod digest;
pub mod reminders;
pub mod schedule;
pub mod worker;

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::app::cadence::{ACK_CHECK, POSTMORTEM_REMINDER, UPDATE_REMINDER};
use crate::app::delivery::JobError;
use crate::store::jobs::Job;

impl App {
    /// Runs a scheduled (non-chat) job; None when the kind is not a scheduled one.
    pub async fn run_scheduled(&self, job: &Job) -> Option<Result<(), JobError>> {
        Some(match job.kind.as_str() {
            UPDATE_REMINDER => self.fire_update_reminder(job).await,
            ACK_CHECK => self.fire_ack_check(job).await,
            POSTMORTEM_REMINDER => self.fire_postmortem_reminder(job).await,
            digest::DIGEST => self.fire_digest(job).await,
            crate::app::postmortems::DRAFT_JOB => self.fire_postmortem_draft(job).await,
            _ => return None,
        })
    }

    /// Queues the recurring schedules at start (the jobs table keeps them from then
    /// on). Returns the tasks it started.
    pub fn spawn_schedules(self: Arc<Self>, _stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        let app = self.clone();
        vec![tokio::spawn(async move {
            if let Err(e) = app.ensure_digest_scheduled().await {
                tracing::error!(error = %e, "could not schedule the weekly digest");
            }
        })]
    }
}
