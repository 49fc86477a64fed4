//! Alerts from outside: Prometheus Alertmanager and Grafana webhooks and PagerDuty
//! Events v2 senders. Each notification is read into a [`Group`] (bounded and
//! validated: a bad body gets a 400 with the reason) and becomes a [`Finding`] like
//! the watchers' ones, so it gets the same warning, buttons, reminders and
//! auto-declare rules. Routes pick the channel by label matchers.

pub mod events_v2;
pub mod finding;
pub mod matchers;
pub mod routes;
pub mod webhook;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub use matchers::{MatcherError, Matchers};
pub use routes::{AlertsConfig, Destination, Route};

use crate::domain::finding::Finding;

/// Which sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Alertmanager,
    Grafana,
    EventsV2,
}

impl Source {
    pub fn key(self) -> &'static str {
        match self {
            Source::Alertmanager => "alertmanager",
            Source::Grafana => "grafana",
            Source::EventsV2 => "events-v2",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Source::Alertmanager => "Alertmanager",
            Source::Grafana => "Grafana",
            Source::EventsV2 => "Events API v2",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Why a body was refused (HTTP 400, with this text).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlertError {
    #[error("the body is not valid JSON: {0}")]
    Json(String),
    #[error("{0}")]
    Invalid(String),
    /// PagerDuty answers with a list of errors.
    #[error("Event object is invalid: {}", .0.join("; "))]
    Events(Vec<String>),
}

/// One notification: a group of alerts under the sender's key.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub source: Source,
    /// Alertmanager's `groupKey`, or the Events v2 `dedup_key`.
    pub key: String,
    pub group_labels: BTreeMap<String, String>,
    pub common_annotations: BTreeMap<String, String>,
    pub alerts: Vec<GroupAlert>,
    /// Alerts the sender left out (`max_alerts`).
    pub truncated: u64,
    pub external_url: String,
    /// Grafana's rendered title.
    pub title: Option<String>,
}

/// One alert of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupAlert {
    pub firing: bool,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub generator_url: String,
    /// Stable per alert (a hash of its labels).
    pub fingerprint: String,
}

impl Group {
    pub fn firing(&self) -> impl Iterator<Item = &GroupAlert> {
        self.alerts.iter().filter(|a| a.firing)
    }

    /// The warning's key: stable for the group, short whatever the sender's key is.
    pub fn warning_key(&self) -> String {
        warning_key(self.source, &self.key)
    }

    /// Grafana's Test button: shown, never declared from.
    pub fn is_test(&self) -> bool {
        self.alerts.iter().all(|a| {
            a.labels.get("alertname").map(String::as_str) == Some("TestAlert")
                && a.labels.get("instance").map(String::as_str) == Some("Grafana")
        }) && !self.alerts.is_empty()
    }

    pub fn finding(&self, now: DateTime<Utc>) -> Finding {
        finding::of_group(self, now)
    }
}

/// `alert:<source>:<first 24 hex digits of SHA-256(key)>`.
pub fn warning_key(source: Source, key: &str) -> String {
    let h = hex::encode(Sha256::digest(key.as_bytes()));
    format!("alert:{}:{}", source.key(), &h[..24])
}

/// Bounds on labels and annotations: counts and sizes.
pub const MAX_LABELS: usize = 64;
pub const MAX_LABEL_NAME: usize = 128;
pub const MAX_LABEL_VALUE: usize = 8 * 1024;

pub(crate) fn bounded_labels(
    what: &str,
    m: BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, AlertError> {
    if m.len() > MAX_LABELS {
        return Err(AlertError::Invalid(format!(
            "{what} has {} entries (at most {MAX_LABELS})",
            m.len()
        )));
    }
    if let Some(k) = m.keys().find(|k| k.chars().count() > MAX_LABEL_NAME) {
        return Err(AlertError::Invalid(format!(
            "{what} has a name longer than {MAX_LABEL_NAME} characters: {}…",
            clip(k, 40)
        )));
    }
    Ok(m.into_iter()
        .map(|(k, v)| (k, clip(&v, MAX_LABEL_VALUE)))
        .collect())
}

/// At most `max` characters, cut on a character boundary.
pub(crate) fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A stable hash of a label set (for alerts that came without a fingerprint).
pub(crate) fn label_hash(labels: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (k, v) in labels {
        h.update(k.as_bytes());
        h.update([0xff]);
        h.update(v.as_bytes());
        h.update([0xfe]);
    }
    hex::encode(h.finalize())[..16].to_string()
}
