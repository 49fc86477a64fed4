//! Proactive warnings: watchers (certificates, disks, budgets) that run on their own
//! schedules and produce findings, and the rules shared by all of them for when a
//! finding is worth a message and when it declares an incident by itself.

pub mod budgets;
pub mod certs;
pub mod disk;
pub mod prometheus;

use serde::Deserialize;

use crate::domain::Severity;
use crate::domain::duration::Dur;
pub use crate::domain::finding::{Finding, Level};

/// The proactive warnings, and each watcher's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    pub warning_reminder: Dur,
    pub critical_reminder: Dur,
    pub snooze: Dur,
    pub certs: certs::CertsConfig,
    pub disk: disk::DiskConfig,
    pub budgets: budgets::BudgetsConfig,
}

/// Declare an incident by itself when a finding matches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoDeclareRule {
    /// `certs`, `disk`, `budgets`, or `*`.
    pub watcher: String,
    /// The lowest level that matches (default critical).
    #[serde(default = "default_rule_level")]
    pub level: String,
    /// A numeric fact of the finding to test, e.g. `days_left`.
    #[serde(default)]
    pub fact: String,
    #[serde(default)]
    pub at_most: Option<f64>,
    #[serde(default)]
    pub at_least: Option<f64>,
    /// Severity of the incident.
    pub severity: String,
}

fn default_rule_level() -> String {
    "critical".into()
}

/// Findings as a plain-text table (for `warroom check`).
pub fn table(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "nothing to check: configure targets for this watcher (see config/default.toml)\n"
            .into();
    }
    let w = findings
        .iter()
        .map(|f| f.subject.chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, 48);
    let mut out = format!("{:<9} {:<w$}  {}\n", "LEVEL", "WHAT", "FINDING");
    for f in findings {
        let subject: String = f.subject.chars().take(w).collect();
        out.push_str(&format!(
            "{:<9} {:<w$}  {}\n",
            f.level.key().to_uppercase(),
            subject,
            f.summary
        ));
    }
    let count = |l: Level| findings.iter().filter(|f| f.level == l).count();
    out.push_str(&format!(
        "\n{} findings: {} critical, {} warning, {} unknown, {} ok\n",
        findings.len(),
        count(Level::Critical),
        count(Level::Warning),
        count(Level::Unknown),
        count(Level::Ok)
    ));
    out
}

/// True when an auto-declare rule matches a finding.
pub fn rule_matches(rule: &AutoDeclareRule, f: &Finding) -> bool {
    if rule.watcher != "*" && rule.watcher != f.watcher {
        return false;
    }
    let min = Level::parse(&rule.level).unwrap_or(Level::Critical);
    if f.level.rank() < min.rank() {
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

/// The first matching rule's severity.
pub fn auto_declare(rules: &[AutoDeclareRule], f: &Finding) -> Option<Severity> {
    rules
        .iter()
        .find(|r| rule_matches(r, f))
        .and_then(|r| Severity::parse(&r.severity).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(watcher: &str, level: &str, fact: &str, at_most: Option<f64>) -> AutoDeclareRule {
        AutoDeclareRule {
            watcher: watcher.into(),
            level: level.into(),
            fact: fact.into(),
            at_most,
            at_least: None,
            severity: "sev1".into(),
        }
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
            &rule("certs", "critical", "days_left", Some(1.0)),
            &f
        ));
        assert!(rule_matches(&rule("*", "warning", "", None), &f));
        assert!(!rule_matches(&rule("disk", "critical", "", None), &f));
        f.facts.insert("days_left".into(), 3.0);
        assert!(!rule_matches(
            &rule("certs", "critical", "days_left", Some(1.0)),
            &f
        ));
        assert!(!rule_matches(
            &rule("certs", "critical", "missing", Some(1.0)),
            &f
        ));
        f.level = Level::Warning;
        assert!(!rule_matches(&rule("certs", "critical", "", None), &f));
        assert_eq!(
            auto_declare(&[rule("certs", "warning", "", None)], &f),
            Some(Severity::Sev1)
        );
    }
}
