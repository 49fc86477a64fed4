//! What the disk watcher remembers between runs, through a port: the levels of its
//! earlier findings (for hysteresis) and which filesystems Prometheus reported (so one
//! that goes quiet is a finding), plus its own usage samples of this machine.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::estimate::Prior;
use crate::domain::finding::{Finding, Level, Sample};

/// What the disk watcher remembers between runs: its earlier findings and its own
/// usage samples. warroom's database provides it (the app wires it in); the watcher
/// does not know where it is kept.
pub trait History: Sync {
    /// The findings of earlier runs still standing: (key, finding, level).
    fn earlier(&self) -> impl Future<Output = Vec<(String, Finding, Level)>> + Send;
    fn add_sample(&self, key: &str, s: Sample) -> impl Future<Output = ()> + Send;
    /// Samples of `key` since `since`, oldest first.
    fn samples_since(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Vec<Sample>> + Send;
    fn prune_samples(&self, before: DateTime<Utc>) -> impl Future<Output = ()> + Send;
}

/// What earlier runs left: each key's prior levels, and the keys Prometheus reported.
#[derive(Debug, Default)]
pub(super) struct Remembered {
    pub before: BTreeMap<String, Prior>,
    pub known_remote: BTreeSet<String>,
}

/// Reads the standing findings of earlier runs.
pub(super) async fn remembered<H: History>(store: &H) -> Remembered {
    let mut r = Remembered::default();
    for (key, finding, level) in store.earlier().await {
        r.before.insert(key.clone(), prior_of(&finding, level));
        if finding.facts.contains_key("prometheus") {
            r.known_remote.insert(key);
        }
    }
    r
}

/// The levels of each cause a stored finding had (both its level when it predates them).
fn prior_of(f: &Finding, level: Level) -> Prior {
    let of = |k: &str| {
        f.facts.get(k).map(|r| match *r as u8 {
            4 => Level::Critical,
            3 => Level::Warning,
            _ => Level::Ok,
        })
    };
    match (of("percent_level"), of("rate_level")) {
        (Some(percent), Some(rate)) => Prior { percent, rate },
        _ => Prior::from(level),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::watch::disk::estimate::{Growth, Limits};
    use crate::watch::disk::{Fs, Judging, Kind, WATCHER, evaluate};

    #[test]
    fn each_cause_is_remembered_from_the_stored_finding() {
        let mut f = Finding::new(
            WATCHER,
            "disk:h:/dev/x".into(),
            "x".into(),
            Level::Warning,
            "s".into(),
        );
        assert_eq!(
            prior_of(&f, Level::Warning),
            Prior::from(Level::Warning),
            "older findings"
        );
        f.facts.insert("percent_level".into(), 0.0);
        f.facts.insert("rate_level".into(), 3.0);
        assert_eq!(
            prior_of(&f, Level::Warning),
            Prior {
                percent: Level::Ok,
                rate: Level::Warning
            }
        );
        // What evaluate writes is what prior_of reads.
        let fs = Fs {
            host: "h".into(),
            device: "/dev/x".into(),
            mount: "/x".into(),
            fstype: "ext4".into(),
            size: 100.0,
            avail: 10.0,
            files: 0.0,
            files_free: 0.0,
            prometheus: false,
        };
        let j = Judging {
            before: Prior::from(Level::Ok),
            limits: Limits::default(),
            runbook: None,
            top: &[],
            window: Duration::hours(6),
            now: Utc::now(),
        };
        let judged = evaluate(&fs, Kind::Space, Growth::NotGrowing { per_hour: 0.0 }, &j);
        assert_eq!(
            prior_of(&judged, judged.level),
            Prior {
                percent: Level::Warning,
                rate: Level::Ok
            }
        );
    }
}
