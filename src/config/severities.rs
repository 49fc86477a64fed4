//! `[[severities]]` as the file writes them, and the scale built from them once: the
//! levels, and what the other sections say per severity (responders, postmortems, the
//! cadence) read through it.

use serde::Deserialize;

use super::{Config, Dur};
use crate::domain::Severity;
use crate::domain::severity::{Level, Scale};

/// One `[[severities]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityConfig {
    pub key: String,
    /// As messages show it; default: the key in capitals.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub emoji: String,
    #[serde(default)]
    pub colour: String,
    /// The expected response time in words (`< 5 minutes`).
    #[serde(default)]
    pub response: String,
    /// The response target insights compare acknowledgements with ("0": none).
    #[serde(default = "zero")]
    pub respond_within: Dur,
    /// How often an update is owed ("0": never).
    #[serde(default = "zero")]
    pub update_every: Dur,
    /// `declare` without a severity takes this one.
    #[serde(default)]
    pub default: bool,
    /// Paged (PagerDuty, Opsgenie) unless their `severities` lists say otherwise.
    #[serde(default)]
    pub page: bool,
    /// Its Comms Lead is reminded to publish to the status page.
    #[serde(default)]
    pub status_page: bool,
    /// Owes a postmortem (unless its incident type says otherwise).
    #[serde(default)]
    pub postmortem: bool,
    /// A commander who has not acted on it is escalated (`reminders.ack_timeout`).
    #[serde(default)]
    pub escalate_silent_commander: bool,
    /// Warnings of these kinds (outage, critical, warning) are declared as this level.
    #[serde(default)]
    pub for_warnings: Vec<String>,
    #[serde(default = "pd_error")]
    pub pagerduty_severity: String,
    #[serde(default = "high")]
    pub pagerduty_urgency: String,
    #[serde(default = "p3")]
    pub opsgenie_priority: String,
    #[serde(default = "minor")]
    pub statuspage_impact: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

fn zero() -> Dur {
    Dur(std::time::Duration::ZERO)
}
fn pd_error() -> String {
    "error".into()
}
fn high() -> String {
    "high".into()
}
fn p3() -> String {
    "P3".into()
}
fn minor() -> String {
    "minor".into()
}

/// A `[reminders] <severity> = "20m"` value, when it is a duration.
pub(super) fn cadence(v: &figment::value::Value) -> Option<Dur> {
    v.as_str()
        .and_then(|s| crate::domain::duration::parse(s).ok())
        .map(Dur)
}

/// A configured duration, or None for "0".
fn some(d: &Dur) -> Option<chrono::Duration> {
    (!d.0.is_zero()).then(|| chrono::Duration::from_std(d.0).unwrap_or(chrono::Duration::hours(1)))
}

impl SeverityConfig {
    /// The level as configured (its rank is its place, set by [`Scale::leak`]).
    pub(super) fn level(&self) -> Level {
        Level {
            rank: 0,
            key: self.key.clone(),
            name: if self.name.is_empty() {
                self.key.to_ascii_uppercase()
            } else {
                self.name.clone()
            },
            label: self.label.clone(),
            description: self.description.clone(),
            emoji: self.emoji.clone(),
            colour: self.colour.clone(),
            response: self.response.clone(),
            respond_within: some(&self.respond_within),
            update_every: some(&self.update_every),
            escalate_silent_commander: self.escalate_silent_commander,
            page: self.page,
            status_page: self.status_page,
            postmortem: self.postmortem,
            pagerduty_severity: self.pagerduty_severity.clone(),
            pagerduty_urgency: self.pagerduty_urgency.clone(),
            opsgenie_priority: self.opsgenie_priority.clone(),
            statuspage_impact: self.statuspage_impact.clone(),
            aliases: self
                .aliases
                .iter()
                .map(|a| a.to_ascii_lowercase())
                .collect(),
        }
    }
}

impl Config {
    /// The configured severities, most severe first; built on first use and kept for
    /// the life of the process.
    pub fn severities(&self) -> &'static Scale {
        self.scale.get_or_init(|| {
            Scale::leak(
                self.severities
                    .iter()
                    .map(|s| {
                        let mut level = s.level();
                        // `[reminders] <key> = "20m"` (the older spelling) wins.
                        if let Some(d) = self.reminders.every.get(&s.key).and_then(cadence) {
                            level.update_every = some(&d);
                        }
                        level
                    })
                    .collect(),
            )
        })
    }

    /// What `declare` without a severity gets: `incidents.default_severity` when set,
    /// else the level marked `default`, else the least severe.
    pub fn default_severity(&self) -> Severity {
        let scale = self.severities();
        let named = Some(self.incidents.default_severity.trim())
            .filter(|s| !s.is_empty())
            .and_then(|s| scale.parse(s).ok());
        let marked = || {
            self.severities
                .iter()
                .find(|s| s.default)
                .and_then(|s| scale.get(&s.key))
        };
        named
            .or_else(marked)
            .or_else(|| scale.least())
            .expect("validated: at least one severity is configured")
    }

    /// The level warnings of `kind` (outage, critical, warning) are declared as: the
    /// one whose `for_warnings` names it, else the default severity.
    pub fn severity_for_warning(&self, kind: &str) -> Severity {
        self.severities
            .iter()
            .find(|s| s.for_warnings.iter().any(|w| w == kind))
            .and_then(|s| self.severities().get(&s.key))
            .unwrap_or_else(|| self.default_severity())
    }

    /// User IDs to invite for a severity.
    pub fn responders(&self, sev: Severity) -> Vec<String> {
        self.incidents
            .responders
            .iter()
            .filter(|(k, _)| sev.matches(k))
            .flat_map(|(_, v)| v.iter().cloned())
            .collect()
    }

    /// True when incidents of this severity owe a postmortem: `postmortem.required_for`
    /// when set, else the level's `postmortem`.
    pub fn postmortem_required(&self, sev: Severity) -> bool {
        sev.chosen(self.postmortem.required_for.as_deref(), |l| l.postmortem)
    }

    /// True when the Comms Lead of an incident of this severity is reminded to publish:
    /// `status.severities` when set, else the level's `status_page`.
    pub fn status_page_owed(&self, sev: Severity) -> bool {
        sev.chosen(self.status.severities.as_deref(), |l| l.status_page)
    }

    /// The update cadence.
    pub fn cadence(&self) -> crate::domain::cadence::Cadence {
        let scale = self.severities();
        crate::domain::cadence::Cadence {
            every: scale.all().map(|s| (s, s.level().update_every)).collect(),
            monitoring_factor: self.reminders.monitoring_factor,
            overrides: self
                .reminders
                .overrides
                .iter()
                .filter_map(|(k, v)| {
                    crate::domain::cadence::override_key(scale, k)
                        .map(|(sev, st)| (sev, st, some(v)))
                })
                .collect(),
        }
    }
}

impl Config {
    /// What start-up says when stored incidents keep a severity, type or field key the
    /// configuration no longer has (each key with its count of incidents); None when
    /// every one is configured.
    pub fn dropped_keys(&self, stored: &crate::domain::keys::StoredKeys) -> Option<String> {
        let (severities, kinds) = (&stored.severities, &stored.kinds);
        let incidents = |n: i64| match n {
            1 => "1 stored incident has".to_string(),
            n => format!("{n} stored incidents have"),
        };
        let mut problems: Vec<String> = severities
            .iter()
            .filter(|(k, _)| self.severities().stored(k).is_none())
            .map(|(k, n)| {
                format!(
                    "{} severity `{k}`, which [[severities]] no longer lists (it has {})",
                    incidents(*n),
                    self.severities().expected()
                )
            })
            .collect();
        problems.extend(
            kinds
                .iter()
                .filter(|(k, _)| !k.is_empty() && !self.incident_types.contains_key(k))
                .map(|(k, n)| {
                    format!(
                        "{} type `{k}`, which [incident_types] no longer lists",
                        incidents(*n)
                    )
                }),
        );
        problems.extend(
            stored
                .fields
                .iter()
                .filter(|(k, _)| self.field_book().get(k).is_none())
                .map(|(k, n)| {
                    format!(
                        "{} a value for field `{k}`, which [[fields]] no longer lists",
                        incidents(*n)
                    )
                }),
        );
        let severity_dropped = problems.iter().any(|p| p.contains("[[severities]]"));
        (!problems.is_empty()).then(|| {
            format!(
                "configuration: {}. Incidents keep the key they were declared with: put the key back \
                 (its name, label and rules may change freely){}.",
                problems.join("; "),
                if severity_dropped {
                    ", or list a dropped severity in the `aliases` of the level its incidents now belong to"
                } else {
                    ""
                }
            )
        })
    }
}
