//! Proactive warnings: watchers (certificates, disks, budgets) that run on their own
//! schedules and produce findings, and the rules shared by all of them for when a
//! finding is worth a message and when it declares an incident by itself.

pub mod budgets;
pub mod certs;
pub mod disk;
pub mod prometheus;
mod rules;

use serde::Deserialize;

use crate::domain::duration::Dur;
pub use crate::domain::finding::{Finding, Level};
pub use rules::{AutoDeclareRule, RuleWatcher, auto_declare, rule_matches};

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
