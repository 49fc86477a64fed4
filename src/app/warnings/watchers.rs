//! Watcher runs as recurring jobs: each configured watcher has one pending run in the
//! jobs table; a run checks (outside any transaction), then applies its findings,
//! marks itself done and queues the next run in one transaction, and finally declares
//! whatever the auto-declare rules ask for.

use crate::app::Warnings;
use crate::app::delivery::JobError;
use crate::app::jobs::JobKind;
use crate::domain::schedule::Schedule;
use crate::store::StoreError;
use crate::store::jobs::{self, Job, NewJob};
use crate::watch::{Finding, Level, certs};

/// The watchers warroom knows.
pub(crate) const WATCHERS: [&str; 3] = ["certs", "disk", "budgets"];

pub(crate) fn dedupe_key(watcher: &str) -> String {
    format!("watch:{watcher}")
}

/// Runs a watcher's checks once (what `warroom check` prints, and what a scheduled
/// run applies). A watcher that cannot run at all reports that as an unknown finding.
pub async fn check(
    cfg: &crate::config::Config,
    store: Option<&crate::store::Store>,
    watcher: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<Finding> {
    let result = match watcher {
        "certs" => certs::run(&cfg.watch.certs, now)
            .await
            .map_err(|e| e.to_string()),
        "disk" => Ok(crate::watch::disk::run(&cfg.watch.disk, store, now).await),
        "budgets" => Ok(crate::watch::budgets::run(&cfg.watch.budgets, &cfg.slos, now).await),
        other => Err(format!("there is no watcher `{other}`")),
    };
    result.unwrap_or_else(|e| {
        vec![Finding::new(
            watcher,
            format!("watch:{watcher}"),
            format!("the {watcher} watcher"),
            Level::Unknown,
            format!("The {watcher} watcher could not run: {e}"),
        )]
    })
}

impl Warnings<'_> {
    /// A watcher's schedule, when it has anything to watch.
    pub(crate) fn watcher_schedule(&self, watcher: &str) -> Option<Schedule> {
        let (configured, expr) = match watcher {
            "certs" => (
                !self.cfg.watch.certs.is_empty(),
                &self.cfg.watch.certs.schedule,
            ),
            "disk" => (
                !self.cfg.watch.disk.is_empty(),
                &self.cfg.watch.disk.schedule,
            ),
            "budgets" => (
                !crate::watch::budgets::idle(&self.cfg.watch.budgets, &self.cfg.slos),
                &self.cfg.watch.budgets.schedule,
            ),
            _ => (false, &String::new()),
        };
        if !configured {
            return None;
        }
        Schedule::parse(expr).ok()
    }

    /// Queues every configured watcher's first run (now), replacing runs of a schedule
    /// that changed and cancelling those of watchers no longer configured.
    pub(crate) async fn ensure_watchers_scheduled(&self) -> Result<(), StoreError> {
        for w in WATCHERS {
            let schedule = self.watcher_schedule(w);
            self.cadence()
                .ensure_recurring(
                    &dedupe_key(w),
                    |schedule| JobKind::Watch {
                        watcher: w.to_string(),
                        schedule,
                    },
                    schedule.as_ref(),
                    true,
                )
                .await?;
        }
        Ok(())
    }

    /// One scheduled run.
    pub(crate) async fn fire_watch(&self, job: &Job, watcher: &str) -> Result<(), JobError> {
        let watcher = watcher.to_string();
        let now = self.now();
        let findings = check(&self.cfg, Some(&self.store), &watcher, now).await;
        let m = &self.metrics;
        m.watcher_runs.with_label_values(&[&watcher]).inc();
        let blind = findings
            .iter()
            .filter(|f| f.level == Level::Unknown)
            .count() as u64;
        if blind > 0 {
            m.watcher_errors
                .with_label_values(&[&watcher])
                .inc_by(blind);
        }
        for l in Level::ALL {
            let n = findings.iter().filter(|f| f.level == l).count() as i64;
            m.findings.with_label_values(&[&watcher, l.key()]).set(n);
        }
        let mut tx = self.cadence().begin_scheduled(job).await?;
        let applied = self.apply_findings(&mut tx, &findings).await?;
        if let Some(s) = self.watcher_schedule(&watcher)
            && let Some(at) = s.next_after(now, self.tz)
        {
            let next = NewJob {
                dedupe_key: Some(dedupe_key(&watcher)),
                ..JobKind::Watch {
                    watcher: watcher.clone(),
                    schedule: s.source(),
                }
                .at(None, at)
            };
            jobs::enqueue(&mut tx, &next, now).await?;
        }
        self.commit(tx).await?;
        tracing::info!(watcher = %watcher, findings = findings.len(), notices = applied.notices.len(), "watcher ran");
        self.auto_declare(&applied.to_declare).await;
        Ok(())
    }
}

/// The disk watcher's memory is warroom's database: its earlier warnings and the
/// samples table. A failed read is an empty history (the watcher then judges afresh).
impl crate::watch::disk::History for crate::store::Store {
    async fn earlier(&self) -> Vec<(String, crate::watch::Finding, crate::watch::Level)> {
        crate::store::warnings::of_watcher(self, crate::watch::disk::WATCHER)
            .await
            .map(|ws| {
                ws.into_iter()
                    .map(|w| (w.key, w.finding, w.level))
                    .collect()
            })
            .unwrap_or_default()
    }

    async fn add_sample(&self, key: &str, s: crate::domain::finding::Sample) {
        if let Err(e) = crate::store::samples::add(self, key, s).await {
            tracing::debug!(error = %e, key, "disk sample not kept");
        }
    }

    async fn samples_since(
        &self,
        key: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Vec<crate::domain::finding::Sample> {
        crate::store::samples::since(self, key, since)
            .await
            .unwrap_or_default()
    }

    async fn prune_samples(&self, before: chrono::DateTime<chrono::Utc>) {
        let _ = crate::store::samples::prune(self, before).await;
    }
}
