//! What a watcher reports: one finding per watched thing and problem, under a stable
//! key, with a level, a one-line summary, the facts behind it, and what an incident
//! declared from it would be called.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad. `Unknown` means the watcher could not check: it is blind, which is news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    /// Posted without mentioning anyone (e.g. a slow SLO burn).
    Info,
    Unknown,
    Warning,
    Critical,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Ok,
        Level::Info,
        Level::Unknown,
        Level::Warning,
        Level::Critical,
    ];

    /// Order for "rising": ok < info < unknown < warning < critical.
    pub fn rank(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Info => 1,
            Level::Unknown => 2,
            Level::Warning => 3,
            Level::Critical => 4,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Info => "info",
            Level::Unknown => "unknown",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.key() == s)
    }

    pub fn is_bad(self) -> bool {
        self != Level::Ok
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Level::Ok => ":white_check_mark:",
            Level::Info => ":information_source:",
            Level::Unknown => ":grey_question:",
            Level::Warning => ":warning:",
            Level::Critical => ":red_circle:",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One thing a watcher saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// `certs`, `disk`, `budgets`.
    pub watcher: String,
    /// Stable across runs, e.g. `cert:api.example.com:443`.
    pub key: String,
    /// What is watched, for people: `api.example.com:443`.
    pub subject: String,
    pub level: Level,
    /// How many thresholds are crossed: a higher step at the same level is news too.
    pub step: i32,
    /// One line: what is wrong (or that all is well).
    pub summary: String,
    /// The facts behind it, one per line.
    pub details: Vec<String>,
    /// Numbers auto-declare rules can test (`days_left`, `hours_to_full`...).
    pub facts: BTreeMap<String, f64>,
    /// Identity of the watched object (a certificate's fingerprint): when it changes,
    /// the warning starts afresh.
    pub fingerprint: Option<String>,
    pub runbook: Option<String>,
    /// Title of an incident declared from it, and how grave such an incident is
    /// (the configured severities say which level that is).
    pub incident_title: String,
    pub incident_severity: DeclareAs,
    /// Reminders while it stays bad (budget thresholds fire once per period instead).
    #[serde(default = "yes")]
    pub remind: bool,
    /// A message when it is fine again (not for a budget's new period).
    #[serde(default = "yes")]
    pub announce_recovery: bool,
    /// Labels an alert carried (those shared by all its firing alerts): what routes
    /// and auto-declare matchers test. Empty for warroom's own watchers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

/// How grave an incident declared from a warning is: `[[severities]]` entries name
/// the kinds they take (`for_warnings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeclareAs {
    /// Already down (a certificate that has expired).
    // Findings stored before severities were configurable name the seed's levels.
    #[serde(alias = "sev1")]
    Outage,
    #[serde(alias = "sev2")]
    Critical,
    #[serde(alias = "sev3", alias = "sev4")]
    Warning,
}

impl DeclareAs {
    pub fn key(self) -> &'static str {
        match self {
            DeclareAs::Outage => "outage",
            DeclareAs::Critical => "critical",
            DeclareAs::Warning => "warning",
        }
    }

    pub const ALL: [DeclareAs; 3] = [DeclareAs::Outage, DeclareAs::Critical, DeclareAs::Warning];
}

impl Finding {
    /// A finding with the common fields set; watchers fill in the rest.
    pub fn new(
        watcher: &str,
        key: String,
        subject: String,
        level: Level,
        summary: String,
    ) -> Finding {
        Finding {
            watcher: watcher.to_string(),
            incident_title: summary.clone(),
            key,
            subject,
            level,
            step: 0,
            summary,
            details: vec![],
            facts: BTreeMap::new(),
            fingerprint: None,
            runbook: None,
            incident_severity: match level {
                Level::Critical => DeclareAs::Critical,
                _ => DeclareAs::Warning,
            },
            remind: true,
            announce_recovery: true,
            labels: BTreeMap::new(),
        }
    }
}

/// One usage sample of a filesystem: bytes (or inodes) used and the total, at a time
/// (the disk watcher's own history, for the fill rate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at: chrono::DateTime<chrono::Utc>,
    pub used: i64,
    pub size: i64,
}
