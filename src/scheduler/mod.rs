//! Everything that happens later: the jobs worker, and the scheduled jobs it runs.

pub mod worker;

use crate::app::App;
use crate::app::delivery::JobError;
use crate::store::jobs::Job;

impl App {
    /// Runs a scheduled (non-chat) job; None when the kind is not a scheduled one.
    pub async fn run_scheduled(&self, _job: &Job) -> Option<Result<(), JobError>> {
        None
    }
}

impl App {
    /// Starts the recurring schedules (digests, watchers); none are configured yet.
    pub fn spawn_schedules(
        self: std::sync::Arc<Self>,
        _stop: tokio::sync::watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        Vec::new()
    }
}
