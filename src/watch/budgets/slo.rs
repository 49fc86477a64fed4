//! SLO error budgets, watched with the SRE Workbook's multi-window, multi-burn-rate
//! rules: 14.4× over 1 h and 5 min is critical, 6× over 6 h and 30 min a warning, 3×
//! over 3 days and 6 h worth a quiet note; both windows of a rule must breach. The
//! remaining budget over the SLO's window maps to the seed's error budget policy.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use serde::Deserialize;

use crate::domain::duration::Dur;
use crate::domain::duration::human;
use crate::domain::error_budget::{PolicyLevel, burn_rate, time_to_exhaust};
use crate::domain::finding::{DeclareAs, Finding, Level};
use crate::watch::prometheus::Prometheus;

use super::spend::WATCHER;

/// A service level objective: the SLO watcher checks its error budget burn.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloConfig {
    pub name: String,
    pub service: String,
    /// Percent, e.g. 99.9.
    pub target: f64,
    pub window: Dur,
    /// PromQL giving the error ratio (0..1), for the SLO watcher.
    #[serde(default)]
    pub error_ratio: String,
    /// PromQL for good and total events, instead of `error_ratio`.
    #[serde(default)]
    pub good: String,
    #[serde(default)]
    pub total: String,
}

/// A burn-rate rule: level, factor, long and short window.
pub struct Rule {
    pub level: Level,
    pub factor: f64,
    pub long: &'static str,
    pub short: &'static str,
}

pub const RULES: [Rule; 3] = [
    Rule {
        level: Level::Critical,
        factor: 14.4,
        long: "1h",
        short: "5m",
    },
    Rule {
        level: Level::Warning,
        factor: 6.0,
        long: "6h",
        short: "30m",
    },
    Rule {
        level: Level::Info,
        factor: 3.0,
        long: "3d",
        short: "6h",
    },
];

/// The windows the rules need.
pub const WINDOWS: [&str; 5] = ["5m", "30m", "1h", "6h", "3d"];

fn label(w: &str) -> String {
    match w {
        "5m" => "5 min".into(),
        "30m" => "30 min".into(),
        "1h" => "1 h".into(),
        "6h" => "6 h".into(),
        "3d" => "3 days".into(),
        o => o.into(),
    }
}

/// The first rule whose two windows both breach.
pub fn firing(burns: &BTreeMap<String, f64>) -> Option<&'static Rule> {
    RULES.iter().find(|r| {
        burns.get(r.long).is_some_and(|b| *b >= r.factor)
            && burns.get(r.short).is_some_and(|b| *b >= r.factor)
    })
}

/// A Prometheus duration for a window (`30d` stays, `720h`...).
pub fn prom_window(d: Duration) -> String {
    if d.num_seconds() % 86_400 == 0 {
        format!("{}d", d.num_days())
    } else if d.num_seconds() % 3600 == 0 {
        format!("{}h", d.num_hours())
    } else {
        format!("{}m", d.num_minutes().max(1))
    }
}

/// The error-ratio query of an SLO for a window.
pub fn query(s: &SloConfig, window: &str) -> String {
    if !s.error_ratio.is_empty() {
        s.error_ratio.replace("$window", window)
    } else {
        format!(
            "1 - (({}) / ({}))",
            s.good.replace("$window", window),
            s.total.replace("$window", window)
        )
    }
}

/// Judges an SLO from its error ratios (per window) and over its whole window.
pub fn evaluate(
    s: &SloConfig,
    ratios: &BTreeMap<String, f64>,
    over_window: Option<f64>,
    runbook: Option<String>,
) -> Finding {
    let burns: BTreeMap<String, f64> = ratios
        .iter()
        .map(|(w, r)| (w.clone(), burn_rate(*r, s.target)))
        .collect();
    let rule = firing(&burns);
    let level = rule.map(|r| r.level).unwrap_or(Level::Ok);
    let window = Duration::from_std(s.window.0).unwrap_or(Duration::days(30));
    let b = |w: &str| burns.get(w).copied().unwrap_or(0.0);
    let mut f = Finding::new(
        WATCHER,
        format!("slo:{}", s.name),
        format!("SLO {}", s.name),
        level,
        summary(s, &burns, rule, window),
    );
    f.step = match level {
        Level::Critical => 3,
        Level::Warning => 2,
        Level::Info => 1,
        _ => 0,
    };
    f.runbook = runbook;
    f.details.extend(burn_details(&burns, rule, window));
    add_remaining_budget(&mut f, s, over_window, window);
    for (w, v) in &burns {
        f.facts
            .insert(format!("burn_{w}"), (v * 100.0).round() / 100.0);
    }
    f.incident_title = format!(
        "SLO {} burning its error budget at {:.0}×",
        s.name,
        rule.map(|r| b(r.long)).unwrap_or(b("1h"))
    );
    f.incident_severity = if level == Level::Critical {
        DeclareAs::Critical
    } else {
        DeclareAs::Warning
    };
    f
}

/// The one line: the firing rule's two burn rates, or the last hour's.
fn summary(
    s: &SloConfig,
    burns: &BTreeMap<String, f64>,
    rule: Option<&Rule>,
    window: Duration,
) -> String {
    let b = |w: &str| burns.get(w).copied().unwrap_or(0.0);
    match rule {
        Some(r) => format!(
            "SLO {} ({}% over {}) is burning its error budget at {:.1}× ({} ) and {:.1}× ({})",
            s.name,
            s.target,
            human(window),
            b(r.long),
            label(r.long),
            b(r.short),
            label(r.short)
        )
        .replace(" )", ")"),
        None => format!(
            "SLO {} ({}% over {}) burns its error budget at {:.1}× (1 h)",
            s.name,
            s.target,
            human(window),
            b("1h")
        ),
    }
}

/// The burn rate over every window, and the firing rule with how long the budget
/// lasts at its rate.
fn burn_details(
    burns: &BTreeMap<String, f64>,
    rule: Option<&Rule>,
    window: Duration,
) -> Vec<String> {
    let b = |w: &str| burns.get(w).copied().unwrap_or(0.0);
    let line: Vec<String> = WINDOWS
        .iter()
        .filter(|w| burns.contains_key(**w))
        .map(|w| format!("{:.1}× over {}", b(w), label(w)))
        .collect();
    let mut details = vec![format!("Burn rates: {}", line.join(", "))];
    if let Some(r) = rule {
        details.push(format!(
            "Rule: {}× over {} and {} ({})",
            r.factor,
            label(r.long),
            label(r.short),
            r.level
        ));
        if let Some(t) = time_to_exhaust(window, b(r.long)) {
            details.push(format!(
                "At {:.1}× the whole {} budget lasts {}",
                b(r.long),
                human(window),
                human(t)
            ));
        }
    }
    details
}

/// The error budget left over the SLO's window, against the error budget policy.
fn add_remaining_budget(
    f: &mut Finding,
    s: &SloConfig,
    over_window: Option<f64>,
    window: Duration,
) {
    let Some(ratio) = over_window else {
        f.details
            .push("Error budget left: not known (no data over the SLO's window)".into());
        return;
    };
    let allowed = (100.0 - s.target) / 100.0;
    let remaining = if allowed > 0.0 {
        (1.0 - ratio / allowed) * 100.0
    } else {
        0.0
    };
    let policy = PolicyLevel::from_remaining(remaining);
    f.details.push(format!(
        "Error budget left over the last {}: *{:.0}%* ({}). {}",
        human(window),
        remaining.max(0.0),
        policy.label(),
        policy.meaning()
    ));
    f.facts.insert(
        "budget_remaining_percent".into(),
        (remaining * 10.0).round() / 10.0,
    );
}

/// Queries every window of every SLO at `now`.
pub async fn run(
    slos: &[SloConfig],
    prom: &Prometheus,
    runbook: Option<String>,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in slos
        .iter()
        .filter(|s| !s.error_ratio.is_empty() || !s.good.is_empty())
    {
        let mut ratios = BTreeMap::new();
        let mut failure = None;
        for w in WINDOWS {
            match prom.query(&query(s, w), now).await {
                Ok(series) => {
                    // No requests at all in a window is no errors.
                    if let Some(v) = series.iter().filter_map(|x| x.value()).next() {
                        ratios.insert(w.to_string(), if v.is_finite() { v } else { 0.0 });
                    }
                }
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        if let Some(e) = failure {
            let mut f = Finding::new(
                WATCHER,
                format!("slo:{}", s.name),
                format!("SLO {}", s.name),
                Level::Unknown,
                format!("Could not evaluate SLO {}: {e}", s.name),
            );
            f.details
                .push("An SLO that cannot be read may be burning unnoticed.".into());
            out.push(f);
            continue;
        }
        if ratios.is_empty() {
            let f = Finding::new(
                WATCHER,
                format!("slo:{}", s.name),
                format!("SLO {}", s.name),
                Level::Unknown,
                format!("No data for SLO {}: its query returns nothing", s.name),
            );
            out.push(f);
            continue;
        }
        let window = Duration::from_std(s.window.0).unwrap_or(Duration::days(30));
        let over = prom
            .query(&query(s, &prom_window(window)), now)
            .await
            .ok()
            .and_then(|series| {
                series
                    .iter()
                    .filter_map(|x| x.value())
                    .find(|v| v.is_finite())
            });
        out.push(evaluate(s, &ratios, over, runbook.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::duration::Dur;

    fn slo() -> SloConfig {
        SloConfig {
            name: "api-availability".into(),
            service: "api".into(),
            target: 99.9,
            window: Dur(std::time::Duration::from_secs(30 * 86_400)),
            error_ratio: "sum(rate(errors[$window])) / sum(rate(requests[$window]))".into(),
            good: String::new(),
            total: String::new(),
        }
    }

    fn ratios(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(w, v)| (w.to_string(), *v)).collect()
    }

    #[test]
    fn both_windows_must_breach() {
        // 2% errors against 99.9% is 20x.
        let r = ratios(&[
            ("5m", 0.02),
            ("30m", 0.02),
            ("1h", 0.02),
            ("6h", 0.007),
            ("3d", 0.001),
        ]);
        let f = evaluate(&slo(), &r, Some(0.0002), None);
        assert_eq!(f.level, Level::Critical);
        assert!(
            f.summary.contains("at 20.0× (1 h) and 20.0× (5 min)"),
            "{}",
            f.summary
        );
        assert!(
            f.details
                .iter()
                .any(|d| d.contains("the whole 30 d budget lasts 1 d 12 h")),
            "{:?}",
            f.details
        );
        // The long window still high but the short one quiet: the burn is over.
        let r = ratios(&[
            ("5m", 0.0005),
            ("30m", 0.0134),
            ("1h", 0.0166),
            ("6h", 0.007),
            ("3d", 0.001),
        ]);
        assert_eq!(
            evaluate(&slo(), &r, None, None).level,
            Level::Warning,
            "6x over 6 h and 30 min still holds"
        );
        let r = ratios(&[
            ("5m", 0.0005),
            ("30m", 0.0005),
            ("1h", 0.0166),
            ("6h", 0.007),
            ("3d", 0.0035),
        ]);
        assert_eq!(evaluate(&slo(), &r, None, None).level, Level::Info);
        let r = ratios(&[
            ("5m", 0.0005),
            ("30m", 0.0005),
            ("1h", 0.0005),
            ("6h", 0.0005),
            ("3d", 0.0005),
        ]);
        assert_eq!(evaluate(&slo(), &r, None, None).level, Level::Ok);
    }

    #[test]
    fn remaining_budget_and_policy() {
        let r = ratios(&[("5m", 0.0), ("1h", 0.0)]);
        let f = evaluate(&slo(), &r, Some(0.0008), None);
        assert_eq!(f.facts["budget_remaining_percent"], 20.0);
        assert!(
            f.details
                .iter()
                .any(|d| d.contains("*20%* (10-25% remaining). Slow down significantly")),
            "{:?}",
            f.details
        );
        let f = evaluate(&slo(), &r, Some(0.002), None);
        assert!(
            f.details.iter().any(|d| d.contains("(exhausted)")
                && d.contains("Executive escalation")
                || d.contains("executive escalation")),
            "{:?}",
            f.details
        );
    }

    #[test]
    fn queries_fill_in_the_window() {
        assert_eq!(
            query(&slo(), "1h"),
            "sum(rate(errors[1h])) / sum(rate(requests[1h]))"
        );
        let mut s = slo();
        s.error_ratio.clear();
        s.good = "sum(rate(ok[$window]))".into();
        s.total = "sum(rate(all[$window]))".into();
        assert_eq!(
            query(&s, "5m"),
            "1 - ((sum(rate(ok[5m]))) / (sum(rate(all[5m]))))"
        );
        assert_eq!(prom_window(Duration::days(30)), "30d");
        assert_eq!(prom_window(Duration::hours(36)), "36h");
    }
}
