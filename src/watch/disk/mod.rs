//! The disk watcher: space and inodes of this machine's filesystems (statvfs, with
//! warroom's own samples for the fill rate) and of many machines through Prometheus
//! and node_exporter (query_range for the fill rate). A filesystem is identified by host
//! and device, so bind mounts warn once; a source that stops answering is a finding.
//!
//! `config` holds the settings, `judge` turns one measured filesystem into a finding,
//! `local_check` and `prometheus_check` measure, and `history` is the port through
//! which earlier runs are remembered.

mod config;
pub mod estimate;
mod history;
mod judge;
pub mod local;
mod local_check;
mod prometheus_check;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::domain::finding::{Finding, Level};
use estimate::Prior;

pub use config::{DiskConfig, MountOverride, PromDisk};
pub use history::History;
pub use judge::{Fs, Judging, Kind, evaluate};

pub const WATCHER: &str = "disk";

/// What every check of one run shares.
struct Run<'a> {
    cfg: &'a DiskConfig,
    /// Each key's levels in the last run, for hysteresis.
    before: BTreeMap<String, Prior>,
    runbook: Option<String>,
    window: Duration,
    now: DateTime<Utc>,
}

impl Run<'_> {
    /// How the filesystem at `mount` is judged under `key`, naming `top` as largest.
    fn judging<'t>(&self, key: &str, mount: &str, top: &'t [String]) -> Judging<'t> {
        Judging {
            before: self
                .before
                .get(key)
                .copied()
                .unwrap_or(Prior::from(Level::Ok)),
            limits: self.cfg.limits(mount),
            runbook: self.runbook.clone(),
            top,
            window: self.window,
            now: self.now,
        }
    }
}

/// Runs every check once. With a history, local samples are kept and earlier levels
/// inform hysteresis and blind spots.
pub async fn run<H: History>(
    cfg: &DiskConfig,
    store: Option<&H>,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let window = Duration::from_std(cfg.sample_window.0).unwrap_or(Duration::hours(6));
    let earlier = match store {
        Some(s) => history::remembered(s).await,
        None => history::Remembered::default(),
    };
    let r = Run {
        cfg,
        before: earlier.before,
        runbook: (!cfg.runbook.is_empty()).then(|| cfg.runbook.clone()),
        window,
        now,
    };
    let mut out = Vec::new();
    if cfg.local {
        out.extend(local_check::run(&r, store).await);
    }
    if !cfg.prometheus.access.url.is_empty() {
        out.extend(prometheus_check::run(&r, &earlier.known_remote).await);
    }
    out.sort_by(|a, b| b.level.rank().cmp(&a.level.rank()).then(a.key.cmp(&b.key)));
    out
}
