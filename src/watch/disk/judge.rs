//! Judging one filesystem: its usage and fill rate against the limits, with the level
//! before (hysteresis), into a finding whose facts tell the next run each cause's level;
//! and the finding for a source that did not answer.

use chrono::{DateTime, Duration, Utc};

use super::WATCHER;
use super::estimate::{self, Growth, Limits, Prior, bytes, count};
use crate::domain::duration::human;
use crate::domain::finding::{DeclareAs, Finding, Level};

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

impl Kind {
    /// How a message names it, and the verb that goes with that.
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Kind::Space => ("Disk", "is"),
            Kind::Inodes => ("Inodes of", "are"),
        }
    }

    /// An amount of it, for people.
    fn amount(self, n: f64) -> String {
        match self {
            Kind::Space => bytes(n),
            Kind::Inodes => format!("{} inodes", count(n)),
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

/// One filesystem's usage of one kind, as measured and projected.
struct Usage {
    percent: f64,
    free: f64,
    total: f64,
    to_full: Option<Duration>,
    growth: Growth,
}

impl Usage {
    fn of(fs: &Fs, kind: Kind, growth: Growth) -> Usage {
        let (used, total) = fs.usage(kind);
        let free = (total - used).max(0.0);
        let percent = if total > 0.0 {
            used / total * 100.0
        } else {
            0.0
        };
        Usage {
            percent,
            free,
            total,
            to_full: growth.time_to_full(free),
            growth,
        }
    }
}

/// Judges one filesystem.
pub fn evaluate(fs: &Fs, kind: Kind, growth: Growth, j: &Judging) -> Finding {
    let u = Usage::of(fs, kind, growth);
    let (level, step, causes) = estimate::judge_causes(u.percent, u.to_full, j.before, &j.limits);
    let subject = format!("{} on {}", fs.mount, fs.host);
    let summary = summary(kind, &subject, level, &u, &j.limits);
    let mut f = Finding::new(WATCHER, fs.key(kind), subject, level, summary.clone());
    f.step = step;
    f.runbook = j.runbook.clone();
    f.details.extend(details(fs, kind, &u, j));
    record_facts(&mut f, &u, causes, fs.prometheus);
    f.incident_title = summary;
    f.incident_severity = if level == Level::Critical {
        DeclareAs::Critical
    } else {
        DeclareAs::Warning
    };
    f
}

/// The one line: how full, and when full if that is what the warning is about.
fn summary(kind: Kind, subject: &str, level: Level, u: &Usage, limits: &Limits) -> String {
    let (what, is) = kind.words();
    let percent = u.percent;
    match (level, u.to_full) {
        (Level::Ok, _) => format!("{what} {subject} {is} {percent:.0}% used"),
        (_, Some(t)) if t <= limits.fill_warning => format!(
            "{what} {subject} {is} {percent:.0}% used and will be full in about {}",
            human(t)
        ),
        _ => format!("{what} {subject} {is} {percent:.0}% full"),
    }
}

/// Where it is, how full, how fast it grows, and what is largest on it.
fn details(fs: &Fs, kind: Kind, u: &Usage, j: &Judging) -> Vec<String> {
    let mut out = vec![
        format!(
            "Host *{}* · mount point `{}` ({}, `{}`)",
            fs.host, fs.mount, fs.fstype, fs.device
        ),
        format!(
            "Used *{:.1}%*: {} free of {}",
            u.percent,
            kind.amount(u.free),
            kind.amount(u.total)
        ),
        growth_line(kind, u, j.window, j.now),
    ];
    if !j.top.is_empty() {
        out.push(format!("Largest here: {}", j.top.join(", ")));
    }
    out
}

/// The fill rate over the sample window, and when that makes it full.
fn growth_line(kind: Kind, u: &Usage, window: Duration, now: DateTime<Utc>) -> String {
    let window_h = window.num_minutes() as f64 / 60.0;
    match u.growth {
        Growth::Growing { per_hour } => match u.to_full {
            Some(t) => format!(
                "Growing {}/h over the last {window_h:.0} h: full in about {} (around {})",
                kind.amount(per_hour),
                human(t),
                (now + t).format("%Y-%m-%d %H:%M UTC")
            ),
            None => format!("Growing {}/h", kind.amount(per_hour)),
        },
        Growth::NotGrowing { .. } => format!("Not growing (over the last {window_h:.0} h)"),
        Growth::Unknown => "Growth not known yet: too few samples".to_string(),
    }
}

/// The numbers auto-declare rules test, and each cause's level for the next run's
/// hysteresis.
fn record_facts(f: &mut Finding, u: &Usage, causes: Prior, prometheus: bool) {
    f.facts
        .insert("percent_used".into(), (u.percent * 10.0).round() / 10.0);
    f.facts
        .insert("percent_level".into(), f64::from(causes.percent.rank()));
    f.facts
        .insert("rate_level".into(), f64::from(causes.rate.rank()));
    f.facts.insert("free".into(), u.free);
    if let Some(t) = u.to_full {
        f.facts.insert(
            "hours_to_full".into(),
            (t.num_minutes() as f64 / 6.0).round() / 10.0,
        );
    }
    if prometheus {
        f.facts.insert("prometheus".into(), 1.0);
    }
}

/// A source that did not answer.
pub(super) fn blind(key: String, subject: String, why: String) -> Finding {
    let mut f = Finding::new(WATCHER, key, subject, Level::Unknown, why);
    f.details
        .push("The disk watcher is blind here: a disk may fill unnoticed.".into());
    f
}
