//! The jobs worker: claims due jobs, runs them (at most one per queue at a time, so a
//! channel's messages keep their order), and retries failures with exponential backoff
//! (or Slack's `Retry-After`) until `jobs.max_attempts`, after which a job is kept as
//! failed and counted in /metrics.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::join_all;
use tokio::sync::watch;

use crate::app::App;
use crate::app::delivery::slack_refusals::GaveUp;
use crate::app::delivery::{JobError, in_batch};
use crate::store::Store;
use crate::store::jobs::{self, Job};

/// How often a worker says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// A worker silent this long is taken for dead and its claims are released.
pub const STALE: Duration = Duration::from_secs(3);

/// One worker; several may run against one database.
pub struct Worker {
    app: Arc<App>,
    /// The jobs table's database (the app's own pool, or one of the worker's own).
    store: Store,
    id: String,
    /// Claimed jobs waiting in memory for a rate slot, with when to run them again.
    parked: std::sync::Mutex<Vec<(std::time::Instant, Job)>>,
    /// Jobs run and done that wrote nothing else: marked done with the next claim.
    done: std::sync::Mutex<Vec<i64>>,
}

/// A write or read of the jobs table that did not go through is never dropped:
/// it is logged with the job (if any) and counted in `/metrics`. The job itself is
/// safe: its claim lapses and it runs again.
fn noted<T>(
    app: &App,
    op: &'static str,
    job: Option<&Job>,
    r: crate::store::Result<T>,
) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            app.metrics().worker_store_error(op);
            match job {
                Some(j) => {
                    tracing::error!(op, job = j.id, kind = %j.kind, error = %e, "the jobs table did not take the worker's write")
                }
                // The heartbeat's round trips fail every second while the database is
                // down: counted, and logged without flooding the log.
                None if matches!(op, "heartbeat" | "live_workers" | "release_stale") => {
                    tracing::debug!(op, error = %e, "the jobs table did not answer the worker")
                }
                None => tracing::warn!(op, error = %e, "the jobs table did not answer the worker"),
            }
            None
        }
    }
}

/// Backoff before attempt `attempt + 1`: `base * 2^(attempt-1)`, capped, with up to
/// 20% jitter so that many failed jobs do not retry in lockstep.
pub fn backoff(base: Duration, max: Duration, attempt: i64) -> Duration {
    let exp = attempt.clamp(1, 30) as u32 - 1;
    let d = base.saturating_mul(2u32.saturating_pow(exp)).min(max);
    let jitter = d.mul_f64(rand::random::<f64>() * 0.2);
    (d + jitter).min(max.max(base))
}

impl Worker {
    pub fn new(app: Arc<App>, store: Store) -> Worker {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "warroom".into());
        let id = format!(
            "{host}-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        Worker {
            app,
            store,
            id,
            parked: std::sync::Mutex::new(Vec::new()),
            done: std::sync::Mutex::new(Vec::new()),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims and runs every job due now, repeatedly, until none is left; returns how
    /// many ran. The shell and the tests drive time with this.
    pub async fn run_until_idle(&self) -> usize {
        // Beats once: a serving replica on the same database must not take this
        // worker for dead while it works.
        noted(
            &self.app,
            "heartbeat",
            None,
            jobs::heartbeat(&self.store, &self.id).await,
        );
        let mut total = 0;
        loop {
            let n = self.run_once().await;
            if n == 0 {
                return total;
            }
            total += n;
        }
    }

    /// Parked jobs whose slot has come.
    fn unpark(&self, now: std::time::Instant) -> Vec<Job> {
        let mut parked = self.parked.lock().unwrap_or_else(|p| p.into_inner());
        let (ready, waiting): (Vec<_>, Vec<_>) = parked.drain(..).partition(|(at, _)| *at <= now);
        *parked = waiting;
        ready.into_iter().map(|(_, j)| j).collect()
    }

    /// When the next parked job's slot comes.
    fn next_unpark(&self) -> Option<std::time::Instant> {
        let parked = self.parked.lock().unwrap_or_else(|p| p.into_inner());
        parked.iter().map(|(at, _)| *at).min()
    }

    fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.app.cfg().jobs.lease.0)
            .unwrap_or(chrono::Duration::seconds(30))
    }

    /// One round: marks the last round's finished jobs done and claims due jobs (one
    /// transaction), then runs those with the parked jobs whose slot has come. Returns
    /// how many jobs it ran or marked done.
    pub async fn run_once(&self) -> usize {
        let cfg = &self.app.cfg().jobs;
        let done = std::mem::take(&mut *self.done.lock().unwrap_or_else(|p| p.into_inner()));
        let mut run = self.unpark(std::time::Instant::now());
        let room = cfg.concurrency.saturating_sub(run.len());
        if room > 0 || !done.is_empty() {
            match jobs::complete_and_claim(
                &self.store,
                &self.id,
                &done,
                self.app.now(),
                self.lease(),
                room as i64,
            )
            .await
            {
                Ok(j) => run.extend(j),
                Err(e) => {
                    // Done is done: try marking them again next round.
                    self.done
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend(&done);
                    noted::<()>(&self.app, "claim", None, Err(e));
                    return 0;
                }
            }
        }
        let n = run.len() + done.len();
        join_all(run.into_iter().map(|j| self.run_job(j))).await;
        n
    }

    /// Marks the finished jobs done now (before stopping or going idle).
    async fn flush(&self) {
        let done = std::mem::take(&mut *self.done.lock().unwrap_or_else(|p| p.into_inner()));
        if done.is_empty() {
            return;
        }
        let now = self.app.now();
        if let Err(e) =
            jobs::complete_and_claim(&self.store, &self.id, &done, now, self.lease(), 0).await
        {
            // They run again after their lease.
            noted::<()>(&self.app, "complete", None, Err(e));
        }
    }

    async fn run_job(&self, job: Job) {
        let kind = job.kind.clone();
        let ((result, left), calls) =
            crate::chat::as_job(job.id, in_batch(self.dispatch(&job))).await;
        let app = &self.app;
        let now = app.now();
        let outcome = match result {
            Ok(()) => {
                if left {
                    self.done
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(job.id);
                }
                "done"
            }
            Err(JobError::Later { after, reason }) => {
                self.park(job, after, &reason, calls, now).await;
                "later"
            }
            Err(JobError::Skip(reason)) => {
                tracing::info!(job = job.id, kind = %kind, reason = %reason, "job stood down");
                if let Err(e) = app.delivery().finish(&job).await {
                    tracing::warn!(job = job.id, error = %e, "could not mark a skipped job done");
                }
                "skipped"
            }
            Err(JobError::Refused(code)) => {
                // Told (and the channel's error recorded) before the job is marked
                // failed, so the next job of its queue already sees it.
                app.delivery()
                    .job_failed(&job, &GaveUp::Refused(code.clone()))
                    .await;
                noted(
                    app,
                    "fail",
                    Some(&job),
                    jobs::fail(&self.store, &job, now, &format!("Slack: {code}")).await,
                );
                "failed"
            }
            Err(JobError::Retry { after, reason }) => {
                self.retry_or_give_up(&job, after, &reason, now).await
            }
            Err(JobError::Fatal(reason)) => {
                tracing::error!(job = job.id, kind = %kind, reason = %reason, "job failed");
                noted(
                    app,
                    "fail",
                    Some(&job),
                    jobs::fail(&self.store, &job, now, &reason).await,
                );
                "failed"
            }
        };
        app.metrics()
            .jobs_run
            .with_label_values(&[&kind, outcome])
            .inc();
    }

    /// Keeps a job that must wait `after` for a rate slot in memory, its claim held.
    /// Parked here rather than rescheduled in the table: the wait is real time
    /// (Slack's), the job keeps its queue, and the claim is held for the wait plus a
    /// lease, so no other worker takes it meanwhile. `calls`: Slack calls the run made.
    async fn park(
        &self,
        mut job: Job,
        after: Duration,
        reason: &str,
        calls: u32,
        now: DateTime<Utc>,
    ) {
        tracing::debug!(job = job.id, kind = %job.kind, wait_ms = after.as_millis() as u64, reason = %reason, "job parked");
        let hold = chrono::Duration::from_std(after).unwrap_or(chrono::Duration::seconds(1))
            + self.lease();
        match jobs::park(&self.store, &job, now + hold, calls > 0).await {
            Ok(true) => {
                if calls == 0 {
                    job.attempts -= 1;
                }
                self.parked
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((std::time::Instant::now() + after, job));
            }
            Ok(false) => {
                tracing::info!(job = job.id, "lease lost while waiting for a rate slot")
            }
            Err(e) => {
                // The claim runs out and the job is claimed again then.
                noted::<()>(&self.app, "park", Some(&job), Err(e));
            }
        }
    }

    /// A failed attempt: retried after Slack's `Retry-After` or a backoff, or, after
    /// the last attempt, given up (people told when it was a Slack call). Returns the
    /// outcome counted in the metrics.
    async fn retry_or_give_up(
        &self,
        job: &Job,
        after: Option<Duration>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> &'static str {
        let app = &self.app;
        let kind = &job.kind;
        if job.attempts >= i64::from(app.cfg().jobs.max_attempts) {
            tracing::error!(job = job.id, kind = %kind, attempts = job.attempts, reason = %reason, "job gave up after its last attempt");
            if kind.starts_with("chat.") {
                app.delivery()
                    .job_failed(job, &GaveUp::Unreachable(reason.to_string()))
                    .await;
            } else {
                app.delivery().outside_call_failed(job, reason).await;
            }
            noted(
                app,
                "fail",
                Some(job),
                jobs::fail(&self.store, job, now, reason).await,
            );
            return "failed";
        }
        let wait = after.unwrap_or_else(|| {
            backoff(
                app.cfg().jobs.retry_base.0,
                app.cfg().jobs.retry_max.0,
                job.attempts,
            )
        });
        tracing::warn!(job = job.id, kind = %kind, attempt = job.attempts, retry_in_ms = wait.as_millis() as u64, reason = %reason, "job will be retried");
        let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(1));
        noted(
            app,
            "retry",
            Some(job),
            jobs::retry_at(&self.store, job, at, reason).await,
        );
        "retry"
    }

    async fn dispatch(&self, job: &Job) -> Result<(), JobError> {
        self.app.run_job(job).await
    }

    /// Beats every [`HEARTBEAT`] until `stop`, and releases the claims of workers
    /// whose beat stopped (a crashed process), so their jobs run again within seconds
    /// rather than after their lease. Its own task: a worker busy with a slow job still
    /// beats, so its claims are never taken from it while it works.
    async fn beat(app: Arc<App>, store: Store, id: String, mut stop: watch::Receiver<bool>) {
        let stale = chrono::Duration::from_std(STALE).unwrap_or(chrono::Duration::seconds(3));
        loop {
            let beat = jobs::heartbeat(&store, &id).await;
            if beat.is_ok()
                && let Some(n) = noted(
                    &app,
                    "live_workers",
                    None,
                    jobs::live_workers(&store, stale).await,
                )
            {
                app.share_rate_limits(n.clamp(1, 1000) as u32);
            }
            match beat {
                Ok(()) => match jobs::release_stale(&store, stale).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::warn!(jobs = n, "released the claims of a worker that stopped");
                        app.kick();
                    }
                    Err(e) => {
                        noted::<()>(&app, "release_stale", None, Err(e));
                    }
                },
                Err(e) => {
                    noted::<()>(&app, "heartbeat", None, Err(e));
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(HEARTBEAT) => {}
                _ = stop.changed() => break,
            }
        }
        noted(&app, "retire", None, jobs::retire(&store, &id).await);
    }

    /// Runs until `stop` turns true: work when woken or when the next job falls due,
    /// otherwise look again every `jobs.poll_interval` (other replicas add jobs too).
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let beat = tokio::spawn(Worker::beat(
            self.app.clone(),
            self.store.clone(),
            self.id.clone(),
            stop.clone(),
        ));
        let poll = self.app.cfg().jobs.poll_interval.0;
        let keep = chrono::Duration::from_std(self.app.cfg().jobs.keep_done.0)
            .unwrap_or(chrono::Duration::days(7));
        let mut last_prune = std::time::Instant::now();
        tracing::info!(worker = %self.id, "jobs worker started");
        loop {
            if *stop.borrow() {
                break;
            }
            let ran = self.run_once().await;
            if ran > 0 {
                continue;
            }
            if last_prune.elapsed() > Duration::from_secs(3600) {
                last_prune = std::time::Instant::now();
                let before = self.app.now() - keep;
                noted(
                    &self.app,
                    "prune",
                    None,
                    jobs::prune(&self.store, before).await,
                );
                let events = crate::store::events::prune(
                    &self.store,
                    self.app.now() - chrono::Duration::days(2),
                )
                .await;
                noted(&self.app, "prune_events", None, events);
            }
            let mut wait = poll;
            if let Some(at) = self.next_unpark() {
                wait = wait.min(at.saturating_duration_since(std::time::Instant::now()));
            }
            let next = noted(
                &self.app,
                "next_run_at",
                None,
                jobs::next_run_at(&self.store).await,
            );
            if let Some(Some(next)) = next {
                // Due already (it fell due between the claim and now): look again at once.
                let until = (next - self.app.now()).to_std().unwrap_or(Duration::ZERO);
                wait = wait.min(until.max(Duration::from_millis(1)));
            }
            tokio::select! {
                _ = self.app.woken() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
        self.flush().await;
        let _ = beat.await;
        tracing::info!(worker = %self.id, "jobs worker stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let base = Duration::from_secs(2);
        let max = Duration::from_secs(300);
        let b1 = backoff(base, max, 1);
        assert!(b1 >= base && b1 <= base.mul_f64(1.2));
        let b3 = backoff(base, max, 3);
        assert!(b3 >= Duration::from_secs(8) && b3 <= Duration::from_secs(10));
        assert!(backoff(base, max, 40) <= max);
        assert!(backoff(base, max, 40) >= Duration::from_secs(240));
    }
}
