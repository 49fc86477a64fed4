//! Auto-declare rules (`[[auto_declare]]`): which findings declare an incident by
//! themselves, and at what severity. The watcher and level are typed when the
//! configuration is read and the severity checked against `[[severities]]` when it is
//! validated, so a bad one fails at start naming its key (`auto_declare[0].severity`).

use serde::{Deserialize, Deserializer};

use crate::alerts::Matchers;
use crate::domain::finding::{Finding, Level};

/// Declare an incident by itself when a finding matches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoDeclareRule {
    /// `certs`, `disk`, `budgets`, `alerts`, or `*`.
    #[serde(deserialize_with = "watcher")]
    pub watcher: RuleWatcher,
    /// The lowest level that matches (default critical).
    #[serde(default = "default_rule_level", deserialize_with = "rule_level")]
    pub level: Level,
    /// A numeric fact of the finding to test, e.g. `days_left`.
    #[serde(default)]
    pub fact: String,
    #[serde(default)]
    pub at_most: Option<f64>,
    #[serde(default)]
    pub at_least: Option<f64>,
    /// Severity of the incident, as `[[severities]]` names it.
    pub severity: String,
    /// Label matchers an alert's finding must meet (`severity="critical", service="api"`):
    /// tested against the labels its firing alerts share. Empty: no condition.
    #[serde(default, rename = "match")]
    pub labels: Matchers,
}

/// Whose findings a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleWatcher {
    /// `*`: every watcher's.
    Any,
    Certs,
    Disk,
    Budgets,
    /// Alerts from Alertmanager, Grafana and Events v2 senders.
    Alerts,
}

impl RuleWatcher {
    /// `certs`, `disk`, `budgets`, `alerts` or `*`, exactly.
    pub fn parse(s: &str) -> Option<RuleWatcher> {
        match s {
            "*" => Some(RuleWatcher::Any),
            "certs" => Some(RuleWatcher::Certs),
            "disk" => Some(RuleWatcher::Disk),
            "budgets" => Some(RuleWatcher::Budgets),
            "alerts" => Some(RuleWatcher::Alerts),
            _ => None,
        }
    }

    /// True when findings of `watcher` are this rule's.
    pub fn covers(self, watcher: &str) -> bool {
        match self {
            RuleWatcher::Any => true,
            RuleWatcher::Certs => watcher == "certs",
            RuleWatcher::Disk => watcher == "disk",
            RuleWatcher::Budgets => watcher == "budgets",
            RuleWatcher::Alerts => watcher == crate::alerts::finding::WATCHER,
        }
    }
}

fn default_rule_level() -> Level {
    Level::Critical
}

fn watcher<'de, D: Deserializer<'de>>(d: D) -> Result<RuleWatcher, D::Error> {
    let s = String::deserialize(d)?;
    RuleWatcher::parse(&s).ok_or_else(|| {
        serde::de::Error::custom(format!("`{s}`: expected certs, disk, budgets, alerts or *"))
    })
}

/// A level a finding can rise to: `ok` is never one.
fn rule_level<'de, D: Deserializer<'de>>(d: D) -> Result<Level, D::Error> {
    let s = String::deserialize(d)?;
    Level::parse(&s)
        .filter(|l| *l != Level::Ok)
        .ok_or_else(|| serde::de::Error::custom(format!("`{s}`: expected warning or critical")))
}

/// True when an auto-declare rule matches a finding.
pub fn rule_matches(rule: &AutoDeclareRule, f: &Finding) -> bool {
    if !rule.watcher.covers(&f.watcher) {
        return false;
    }
    if f.level.rank() < rule.level.rank() || !rule.labels.matches(&f.labels) {
        return false;
    }
    if rule.fact.is_empty() {
        return true;
    }
    let Some(v) = f.facts.get(&rule.fact) else {
        return false;
    };
    rule.at_most.is_none_or(|m| *v <= m) && rule.at_least.is_none_or(|m| *v >= m)
}

/// The first matching rule's severity, as configured.
pub fn auto_declare<'a>(rules: &'a [AutoDeclareRule], f: &Finding) -> Option<&'a str> {
    rules
        .iter()
        .find(|r| rule_matches(r, f))
        .map(|r| r.severity.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn rule(watcher: &str, level: Level, fact: &str, at_most: Option<f64>) -> AutoDeclareRule {
        AutoDeclareRule {
            watcher: RuleWatcher::parse(watcher).unwrap(),
            level,
            fact: fact.into(),
            at_most,
            at_least: None,
            severity: "sev1".into(),
            labels: Matchers::default(),
        }
    }

    #[test]
    fn alert_rules_match_labels() {
        let c = Config::from_toml(
            "[[auto_declare]]\nwatcher = \"alerts\"\nmatch = 'severity=\"critical\", service=~\"api|web\"'\nseverity = \"sev1\"",
        )
        .unwrap();
        let mut f = Finding::new(
            "alerts",
            "alert:x".into(),
            "x".into(),
            Level::Critical,
            "s".into(),
        );
        assert_eq!(auto_declare(&c.auto_declare, &f), None, "no labels");
        f.labels.insert("severity".into(), "critical".into());
        f.labels.insert("service".into(), "web".into());
        assert_eq!(auto_declare(&c.auto_declare, &f), Some("sev1"));
        f.watcher = "disk".into();
        assert_eq!(auto_declare(&c.auto_declare, &f), None, "alerts only");
        let err = Config::from_toml(
            "[[auto_declare]]\nwatcher = \"alerts\"\nmatch = 'severity=~\"(\"'\nseverity = \"sev1\"",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("auto_declare[0].match"), "{err}");
    }

    #[test]
    fn rules_match_watcher_level_and_fact() {
        let mut f = Finding::new(
            "certs",
            "cert:x".into(),
            "x".into(),
            Level::Critical,
            "s".into(),
        );
        f.facts.insert("days_left".into(), 0.5);
        assert!(rule_matches(
            &rule("certs", Level::Critical, "days_left", Some(1.0)),
            &f
        ));
        assert!(rule_matches(&rule("*", Level::Warning, "", None), &f));
        assert!(!rule_matches(&rule("disk", Level::Critical, "", None), &f));
        f.facts.insert("days_left".into(), 3.0);
        assert!(!rule_matches(
            &rule("certs", Level::Critical, "days_left", Some(1.0)),
            &f
        ));
        assert!(!rule_matches(
            &rule("certs", Level::Critical, "missing", Some(1.0)),
            &f
        ));
        f.level = Level::Warning;
        assert!(!rule_matches(&rule("certs", Level::Critical, "", None), &f));
        assert_eq!(
            auto_declare(&[rule("certs", Level::Warning, "", None)], &f),
            Some("sev1")
        );
    }

    #[test]
    fn rules_are_typed_when_read() {
        let c = Config::from_toml("[[auto_declare]]\nwatcher = \"disk\"\nseverity = \"SEV-2\"")
            .unwrap();
        let r = &c.auto_declare[0];
        assert_eq!(
            (r.watcher, r.level, r.severity.as_str()),
            (RuleWatcher::Disk, Level::Critical, "SEV-2")
        );
        assert_eq!(
            c.severities().parse(&r.severity).map(|s| s.key()),
            Ok("sev2")
        );
        for (toml, message) in [
            (
                "[[auto_declare]]\nwatcher = \"certs\"\nseverity = \"sev7\"",
                "configuration key `auto_declare[0].severity`: unknown severity `sev7`: expected sev1, sev2, sev3 or sev4",
            ),
            (
                "[[auto_declare]]\nwatcher = \"dns\"\nseverity = \"sev1\"",
                "configuration key `auto_declare[0].watcher`: `dns`: expected certs, disk, budgets, alerts or *",
            ),
            (
                "[[auto_declare]]\nwatcher = \"*\"\nseverity = \"sev1\"\n[[auto_declare]]\nwatcher = \"*\"\nlevel = \"ok\"\nseverity = \"sev1\"",
                "configuration key `auto_declare[1].level`: `ok`: expected warning or critical",
            ),
        ] {
            let err = Config::from_toml(toml).unwrap_err().to_string();
            assert_eq!(err, message, "{toml}");
        }
    }
}
