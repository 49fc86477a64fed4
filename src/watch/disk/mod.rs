//! The disk watcher: space and inodes of this machine's filesystems (statvfs, with
//! warroom's own samples for the fill rate) and of many machines through Prometheus
//! and node_exporter (query_range for the fill rate). A filesystem is identified by host
//! and device, so bind mounts warn once; a source that stops answering is a finding.

pub mod estimate;
pub mod local;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::domain::Severity;
use crate::domain::duration::Dur;
use crate::domain::finding::Sample;
use crate::domain::finding::{Finding, Level};
use crate::watch::prometheus::{PromAccess, Prometheus, Series};
use estimate::{Growth, Limits, Prior, bytes, count};

pub const WATCHER: &str = "disk";

/// `[watch.disk]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskConfig {
    pub schedule: String,
    pub channel: String,
    pub mention: Vec<String>,
    pub local: bool,
    pub mounts: Vec<String>,
    pub exclude_mounts: Vec<String>,
    pub exclude_types: Vec<String>,
    pub include_readonly: bool,
    pub warning_percent: f64,
    pub critical_percent: f64,
    pub clear_percent: f64,
    pub fill_warning: Dur,
    pub fill_critical: Dur,
    pub sample_window: Dur,
    pub overrides: Vec<MountOverride>,
    pub top_paths: Vec<String>,
    pub top_entries: usize,
    pub runbook: String,
    pub prometheus: PromDisk,
}

/// Other percentages for one mount point.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MountOverride {
    pub mount: String,
    #[serde(default)]
    pub warning_percent: Option<f64>,
    #[serde(default)]
    pub critical_percent: Option<f64>,
    #[serde(default)]
    pub clear_percent: Option<f64>,
}

/// `[watch.disk.prometheus]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromDisk {
    #[serde(flatten)]
    pub access: PromAccess,
    pub avail: String,
    pub size: String,
    pub files_free: String,
    pub files: String,
    pub readonly: String,
}

impl DiskConfig {
    pub fn is_empty(&self) -> bool {
        !self.local && self.prometheus.access.url.is_empty()
    }

    pub fn validate(&self, prefix: &str) -> Result<(), (String, String)> {
        let pct = |k: &str, v: f64| {
            if (0.0..=100.0).contains(&v) {
                Ok(())
            } else {
                Err((
                    format!("{prefix}.{k}"),
                    format!("{v}: expected a percentage 0-100"),
                ))
            }
        };
        pct("warning_percent", self.warning_percent)?;
        pct("critical_percent", self.critical_percent)?;
        pct("clear_percent", self.clear_percent)?;
        if self.critical_percent < self.warning_percent || self.clear_percent > self.warning_percent
        {
            return Err((
                format!("{prefix}.clear_percent"),
                "expected clear_percent <= warning_percent <= critical_percent".into(),
            ));
        }
        crate::domain::schedule::Schedule::parse(&self.schedule)
            .map_err(|e| (format!("{prefix}.schedule"), e.to_string()))?;
        let url = &self.prometheus.access.url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err((
                format!("{prefix}.prometheus.url"),
                format!("`{url}`: expected http(s)://host:port"),
            ));
        }
        for (i, o) in self.overrides.iter().enumerate() {
            for (k, v) in [
                ("warning_percent", o.warning_percent),
                ("critical_percent", o.critical_percent),
                ("clear_percent", o.clear_percent),
            ] {
                if let Some(v) = v {
                    pct(&format!("overrides[{i}].{k}"), v)?;
                }
            }
        }
        Ok(())
    }

    /// The limits for a mount point.
    pub fn limits(&self, mount: &str) -> Limits {
        let d = |x: &Dur| Duration::from_std(x.0).unwrap_or(Duration::hours(24));
        let mut l = Limits {
            warning: self.warning_percent,
            critical: self.critical_percent,
            clear: self.clear_percent,
            fill_warning: d(&self.fill_warning),
            fill_critical: d(&self.fill_critical),
        };
        if let Some(o) = self.overrides.iter().find(|o| o.mount == mount) {
            l.warning = o.warning_percent.unwrap_or(l.warning);
            l.critical = o.critical_percent.unwrap_or(l.critical);
            l.clear = o.clear_percent.unwrap_or(l.clear.min(l.warning));
        }
        l
    }
}

/// A filesystem as measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Fs {
    pub host: String,
    pub device: String,
    pub mount: String,
    pub fstype: String,
    pub size: f64,
    pub avail: f64,
    pub files: f64,
    pub files_free: f64,
    pub prometheus: bool,
}

/// Space or inodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Space,
    Inodes,
}

impl Fs {
    pub fn key(&self, kind: Kind) -> String {
        match kind {
            Kind::Space => format!("disk:{}:{}", self.host, self.device),
            Kind::Inodes => format!("inodes:{}:{}", self.host, self.device),
        }
    }

    /// (used, total) for a kind.
    pub fn usage(&self, kind: Kind) -> (f64, f64) {
        match kind {
            Kind::Space => (self.size - self.avail, self.size),
            Kind::Inodes => (self.files - self.files_free, self.files),
        }
    }
}

/// How a filesystem is judged: the level before (hysteresis), the limits, and what the
/// message adds.
pub struct Judging<'a> {
    pub before: Prior,
    pub limits: Limits,
    pub runbook: Option<String>,
    pub top: &'a [String],
    pub window: Duration,
    pub now: DateTime<Utc>,
}

/// Judges one filesystem.
pub fn evaluate(fs: &Fs, kind: Kind, growth: Growth, j: &Judging) -> Finding {
    let (before, limits, top, window, now) = (j.before, &j.limits, j.top, j.window, j.now);
    let runbook = j.runbook.clone();
    let (used, total) = fs.usage(kind);
    let free = (total - used).max(0.0);
    let percent = if total > 0.0 {
        used / total * 100.0
    } else {
        0.0
    };
    let to_full = growth.time_to_full(free);
    let (level, step, causes) = estimate::judge_causes(percent, to_full, before, limits);
    let (what, is) = match kind {
        Kind::Space => ("Disk", "is"),
        Kind::Inodes => ("Inodes of", "are"),
    };
    let amount = |n: f64| match kind {
        Kind::Space => bytes(n),
        Kind::Inodes => format!("{} inodes", count(n)),
    };
    let subject = format!("{} on {}", fs.mount, fs.host);
    let summary = match (level, to_full) {
        (Level::Ok, _) => format!("{what} {subject} {is} {percent:.0}% used"),
        (_, Some(t)) if t <= limits.fill_warning => format!(
            "{what} {subject} {is} {percent:.0}% used and will be full in about {}",
            crate::domain::duration::human(t)
        ),
        _ => format!("{what} {subject} {is} {percent:.0}% full"),
    };
    let mut f = Finding::new(
        WATCHER,
        fs.key(kind),
        subject.clone(),
        level,
        summary.clone(),
    );
    f.step = step;
    f.runbook = runbook;
    f.details.push(format!(
        "Host *{}* · mount point `{}` ({}, `{}`)",
        fs.host, fs.mount, fs.fstype, fs.device
    ));
    f.details.push(format!(
        "Used *{percent:.1}%*: {} free of {}",
        amount(free),
        amount(total)
    ));
    let window_h = window.num_minutes() as f64 / 60.0;
    f.details.push(match growth {
        Growth::Growing { per_hour } => match to_full {
            Some(t) => format!(
                "Growing {}/h over the last {window_h:.0} h: full in about {} (around {})",
                amount(per_hour),
                crate::domain::duration::human(t),
                (now + t).format("%Y-%m-%d %H:%M UTC")
            ),
            None => format!("Growing {}/h", amount(per_hour)),
        },
        Growth::NotGrowing { .. } => format!("Not growing (over the last {window_h:.0} h)"),
        Growth::Unknown => "Growth not known yet: too few samples".to_string(),
    });
    if !top.is_empty() {
        f.details.push(format!("Largest here: {}", top.join(", ")));
    }
    f.facts
        .insert("percent_used".into(), (percent * 10.0).round() / 10.0);
    // Each cause's level, for the next run's hysteresis.
    f.facts
        .insert("percent_level".into(), f64::from(causes.percent.rank()));
    f.facts
        .insert("rate_level".into(), f64::from(causes.rate.rank()));
    f.facts.insert("free".into(), free);
    if let Some(t) = to_full {
        f.facts.insert(
            "hours_to_full".into(),
            (t.num_minutes() as f64 / 6.0).round() / 10.0,
        );
    }
    if fs.prometheus {
        f.facts.insert("prometheus".into(), 1.0);
    }
    f.incident_title = summary;
    f.incident_severity = if level == Level::Critical {
        Severity::Sev2
    } else {
        Severity::Sev3
    };
    f
}

/// A source that did not answer.
fn blind(key: String, subject: String, why: String) -> Finding {
    let mut f = Finding::new(WATCHER, key, subject, Level::Unknown, why);
    f.details
        .push("The disk watcher is blind here: a disk may fill unnoticed.".into());
    f
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

/// Runs every check once. With a history, local samples are kept and earlier levels
/// inform hysteresis and blind spots.
pub async fn run<H: History>(
    cfg: &DiskConfig,
    store: Option<&H>,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let window = Duration::from_std(cfg.sample_window.0).unwrap_or(Duration::hours(6));
    let mut before: BTreeMap<String, Prior> = BTreeMap::new();
    let mut known_remote: BTreeSet<String> = BTreeSet::new();
    if let Some(s) = store {
        for (key, finding, level) in s.earlier().await {
            before.insert(key.clone(), prior_of(&finding, level));
            if finding.facts.contains_key("prometheus") {
                known_remote.insert(key);
            }
        }
    }
    let runbook = (!cfg.runbook.is_empty()).then(|| cfg.runbook.clone());
    let mut out = Vec::new();
    if cfg.local {
        out.extend(run_local(cfg, store, &before, runbook.clone(), window, now).await);
    }
    if !cfg.prometheus.access.url.is_empty() {
        out.extend(run_prometheus(cfg, &before, &known_remote, runbook, window, now).await);
    }
    out.sort_by(|a, b| b.level.rank().cmp(&a.level.rank()).then(a.key.cmp(&b.key)));
    out
}

async fn run_local<H: History>(
    cfg: &DiskConfig,
    store: Option<&H>,
    before: &BTreeMap<String, Prior>,
    runbook: Option<String>,
    window: Duration,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let host = local::hostname();
    let text = match std::fs::read_to_string("/proc/self/mountinfo") {
        Ok(t) => t,
        Err(e) => {
            return vec![blind(
                format!("disk:{host}:mounts"),
                host.clone(),
                format!("Cannot read the mount table of {host}: {e}"),
            )];
        }
    };
    let sel = local::Selection {
        only: &cfg.mounts,
        exclude_mounts: &cfg.exclude_mounts,
        exclude_types: &cfg.exclude_types,
        include_readonly: cfg.include_readonly,
    };
    let mounts = local::select(local::parse_mountinfo(&text), &sel);
    let mut out = Vec::new();
    for m in mounts {
        let fs = match local::stat(&m, &host) {
            Ok(fs) => fs,
            Err(e) => {
                out.push(blind(
                    format!("disk:{host}:{}", m.dev),
                    format!("{} on {host}", m.mount),
                    format!("Cannot measure {} on {host}: {e}", m.mount),
                ));
                continue;
            }
        };
        for kind in [Kind::Space, Kind::Inodes] {
            let (used, total) = fs.usage(kind);
            if total <= 0.0 {
                continue;
            }
            let key = fs.key(kind);
            let mut points = Vec::new();
            if let Some(s) = store {
                s.add_sample(
                    &key,
                    Sample {
                        at: now,
                        used: used as i64,
                        size: total as i64,
                    },
                )
                .await;
                let h = s.samples_since(&key, now - window).await;
                points = h.iter().map(|x| (x.at, x.used as f64)).collect();
            }
            let growth = estimate::fill_rate(&points, total);
            let prior = before.get(&key).copied().unwrap_or(Prior::from(Level::Ok));
            let limits = cfg.limits(&fs.mount);
            let mut f = evaluate(
                &fs,
                kind,
                growth,
                &Judging {
                    before: prior,
                    limits,
                    runbook: runbook.clone(),
                    top: &[],
                    window,
                    now,
                },
            );
            if f.level.is_bad() && kind == Kind::Space {
                // A bounded walk, but still blocking file system calls: off the runtime.
                let (c, x) = (cfg.clone(), fs.clone());
                let top = tokio::task::spawn_blocking(move || top_dirs(&c, &x))
                    .await
                    .unwrap_or_default();
                if !top.is_empty() {
                    f = evaluate(
                        &fs,
                        kind,
                        growth,
                        &Judging {
                            before: prior,
                            limits,
                            runbook: runbook.clone(),
                            top: &top,
                            window,
                            now,
                        },
                    );
                }
            }
            out.push(f);
        }
    }
    if let Some(s) = store {
        s.prune_samples(now - window * 2).await;
    }
    out
}

/// The largest directories under the configured paths that live on this filesystem.
fn top_dirs(cfg: &DiskConfig, fs: &Fs) -> Vec<String> {
    let mut out = Vec::new();
    use std::os::unix::fs::MetadataExt;
    let Ok(this) = std::fs::metadata(&fs.mount).map(|m| m.dev()) else {
        return out;
    };
    for p in &cfg.top_paths {
        let path = std::path::Path::new(p);
        // Only paths on this filesystem (the same device): `/var/lib/docker` on a
        // volume of its own says nothing about what fills `/`.
        if std::fs::metadata(path).map(|m| m.dev()).ok() != Some(this) {
            continue;
        }
        let (sizes, partial) = local::largest(path, cfg.top_entries.max(100));
        let listed: Vec<String> = sizes
            .iter()
            .map(|(p, s)| format!("`{}` {}", p.display(), bytes(*s as f64)))
            .collect();
        if !listed.is_empty() {
            out.push(format!(
                "{}{}",
                listed.join(", "),
                if partial { " (partial walk)" } else { "" }
            ));
        }
    }
    out
}

fn key_of(s: &Series) -> (String, String) {
    (
        s.label("instance").to_string(),
        s.label("device").to_string(),
    )
}

/// Latest value per (instance, device), keeping the shortest mount point of each.
fn latest(series: &[Series]) -> BTreeMap<(String, String), (String, String, f64)> {
    let mut out: BTreeMap<(String, String), (String, String, f64)> = BTreeMap::new();
    for s in series {
        let Some(v) = s.value() else { continue };
        let mount = s.label("mountpoint").to_string();
        let e = out
            .entry(key_of(s))
            .or_insert((mount.clone(), s.label("fstype").to_string(), v));
        if mount.len() < e.0.len() {
            *e = (mount, s.label("fstype").to_string(), v);
        }
    }
    out
}

async fn run_prometheus(
    cfg: &DiskConfig,
    before: &BTreeMap<String, Prior>,
    known: &BTreeSet<String>,
    runbook: Option<String>,
    window: Duration,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let p = &cfg.prometheus;
    let url = p.access.url.clone();
    let prom = match Prometheus::new(&p.access) {
        Ok(c) => c,
        Err(e) => {
            return vec![blind(
                format!("disk:prometheus:{url}"),
                format!("Prometheus at {url}"),
                e,
            )];
        }
    };
    let fetched = async {
        let avail = prom.query(&p.avail, now).await?;
        let size = prom.query(&p.size, now).await?;
        let files_free = if p.files_free.is_empty() {
            vec![]
        } else {
            prom.query(&p.files_free, now).await?
        };
        let files = if p.files.is_empty() {
            vec![]
        } else {
            prom.query(&p.files, now).await?
        };
        let readonly = if p.readonly.is_empty() {
            vec![]
        } else {
            prom.query(&p.readonly, now).await?
        };
        let step = (window / 60).max(Duration::seconds(15));
        let avail_hist = prom.query_range(&p.avail, now - window, now, step).await?;
        let files_hist = if p.files_free.is_empty() {
            vec![]
        } else {
            prom.query_range(&p.files_free, now - window, now, step)
                .await?
        };
        Ok::<_, crate::watch::prometheus::PromError>((
            avail, size, files_free, files, readonly, avail_hist, files_hist,
        ))
    }
    .await;
    let (avail, size, files_free, files, readonly, avail_hist, files_hist) = match fetched {
        Ok(v) => v,
        Err(e) => {
            let mut f = blind(
                format!("disk:prometheus:{url}"),
                format!("Prometheus at {url}"),
                e.to_string(),
            );
            f.facts.insert("prometheus".into(), 1.0);
            return vec![f];
        }
    };
    let mut source_ok = Finding::new(
        WATCHER,
        format!("disk:prometheus:{url}"),
        format!("Prometheus at {url}"),
        Level::Ok,
        format!("Prometheus at {url} answers"),
    );
    source_ok.facts.insert("prometheus".into(), 1.0);
    let mut out = vec![source_ok];
    let (avail, size, files_free, files) = (
        latest(&avail),
        latest(&size),
        latest(&files_free),
        latest(&files),
    );
    let ro: BTreeSet<(String, String)> = readonly
        .iter()
        .filter(|s| s.value() == Some(1.0))
        .map(key_of)
        .collect();
    let hist = |series: &[Series], k: &(String, String)| -> Vec<(DateTime<Utc>, f64)> {
        series
            .iter()
            .filter(|s| &key_of(s) == k)
            .max_by_key(|s| s.samples.len())
            .map(|s| s.samples.clone())
            .unwrap_or_default()
    };
    let mut seen = BTreeSet::new();
    for (k, (mount, fstype, av)) in &avail {
        if ro.contains(k) && !cfg.include_readonly {
            continue;
        }
        let Some((_, _, sz)) = size.get(k) else {
            continue;
        };
        let fs = Fs {
            host: k.0.clone(),
            device: k.1.clone(),
            mount: mount.clone(),
            fstype: fstype.clone(),
            size: *sz,
            avail: *av,
            files: files.get(k).map(|x| x.2).unwrap_or(0.0),
            files_free: files_free.get(k).map(|x| x.2).unwrap_or(0.0),
            prometheus: true,
        };
        let limits = cfg.limits(&fs.mount);
        // Space, and inodes where the exporter reports them: used(t) = total - free(t).
        let kinds = [
            (Kind::Space, &avail_hist, fs.size),
            (Kind::Inodes, &files_hist, fs.files),
        ];
        for (kind, free_hist, total) in kinds {
            if kind == Kind::Inodes && total <= 0.0 {
                continue;
            }
            let used: Vec<_> = hist(free_hist, k)
                .into_iter()
                .filter(|(_, v)| v.is_finite())
                .map(|(t, v)| (t, total - v))
                .collect();
            let key = fs.key(kind);
            out.push(evaluate(
                &fs,
                kind,
                estimate::fill_rate(&used, total),
                &Judging {
                    before: before.get(&key).copied().unwrap_or(Prior::from(Level::Ok)),
                    limits,
                    runbook: runbook.clone(),
                    top: &[],
                    window,
                    now,
                },
            ));
            seen.insert(key);
        }
    }
    // A filesystem that had data and has none now: the host is down or its exporter is.
    for k in known
        .iter()
        .filter(|k| !seen.contains(*k) && !k.starts_with("disk:prometheus:"))
    {
        let mut f = blind(
            k.clone(),
            k.split_once(':').map(|(_, r)| r).unwrap_or(k).to_string(),
            format!(
                "No data from Prometheus any more for {k}: the host or its exporter may be down"
            ),
        );
        f.facts.insert("prometheus".into(), 1.0);
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_device(a: &str, b: &str) -> bool {
        use std::os::unix::fs::MetadataExt;
        let dev = |p: &str| std::fs::metadata(p).map(|m| m.dev()).ok();
        dev(a).is_some() && dev(a) == dev(b)
    }

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

    #[test]
    fn largest_directories_come_only_from_the_same_filesystem() {
        let here = env!("CARGO_MANIFEST_DIR");
        let mut cfg = crate::config::Config::from_toml("").unwrap().watch.disk;
        cfg.top_paths = vec![format!("{here}/src"), "/proc".into()];
        let fs = Fs {
            host: "test".into(),
            device: "/dev/test".into(),
            // `/` when the project lives on it: every path starts with it, so only
            // the device tells /proc apart.
            mount: if same_device("/", here) {
                "/".into()
            } else {
                here.into()
            },
            fstype: "ext4".into(),
            size: 1.0,
            avail: 0.0,
            files: 1.0,
            files_free: 0.0,
            prometheus: false,
        };
        let top = top_dirs(&cfg, &fs);
        assert_eq!(top.len(), 1, "{top:?}");
        assert!(top[0].contains(&format!("`{here}/src/")), "{top:?}");
        assert!(
            !top[0].contains("/proc"),
            "another filesystem is not listed: {top:?}"
        );
    }
}
