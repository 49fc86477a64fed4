//! Money budgets, judged like AWS Budgets does: thresholds on actual spend (50%, 80%,
//! 100%) and on the forecast for the period (100%), each told once per period; the
//! forecast from the source, or from the period's run rate when it gives none.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;

use crate::domain::finding::{DeclareAs, Finding, Level};

pub const WATCHER: &str = "budgets";

/// A budget period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Monthly,
    Quarterly,
    Yearly,
}

impl Period {
    /// From AWS Budgets' TimeUnit.
    pub fn from_aws(unit: &str) -> Period {
        match unit {
            "QUARTERLY" => Period::Quarterly,
            "ANNUALLY" => Period::Yearly,
            _ => Period::Monthly,
        }
    }

    /// First day of the period containing `now`, and the first day after it.
    pub fn bounds(self, now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
        let d = now.date_naive();
        let first = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d);
        let (start, months) = match self {
            Period::Monthly => (first(d.year(), d.month()), 1),
            Period::Quarterly => (first(d.year(), (d.month0() / 3) * 3 + 1), 3),
            Period::Yearly => (first(d.year(), 1), 12),
        };
        let end = start
            .checked_add_months(chrono::Months::new(months))
            .unwrap_or(start);
        (start, end)
    }

    /// A name for the period containing `now`: `2026-11`, `2026-Q4`, `2026`.
    pub fn id(self, now: DateTime<Utc>) -> String {
        let d = now.date_naive();
        match self {
            Period::Monthly => format!("{}-{:02}", d.year(), d.month()),
            Period::Quarterly => format!("{}-Q{}", d.year(), d.month0() / 3 + 1),
            Period::Yearly => d.year().to_string(),
        }
    }

    fn label(self, now: DateTime<Utc>) -> String {
        let d = now.date_naive();
        match self {
            Period::Monthly => now.format("%B %Y").to_string(),
            Period::Quarterly => format!("Q{} {}", d.month0() / 3 + 1, d.year()),
            Period::Yearly => d.year().to_string(),
        }
    }
}

/// Where a number came from, and what is known of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Spend {
    /// Key part and display name.
    pub name: String,
    /// `AWS Budgets`, `Cost Explorer`, `FOCUS export`, `JSON endpoint`.
    pub source: String,
    pub currency: String,
    pub limit: f64,
    pub spent: f64,
    /// The source's own forecast for the period, if it gives one.
    pub forecast: Option<f64>,
    pub period: Period,
    /// Spend by service, largest first.
    pub drivers: Vec<(String, f64)>,
    pub runbook: Option<String>,
}

/// The thresholds, in percent of the budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub info: f64,
    pub warning: f64,
    pub critical: f64,
    pub forecast: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            info: 50.0,
            warning: 80.0,
            critical: 100.0,
            forecast: 100.0,
        }
    }
}

/// Month-end (period-end) spend at the rate so far.
pub fn run_rate(spent: f64, start: NaiveDate, end: NaiveDate, now: DateTime<Utc>) -> f64 {
    let start_t = start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end_t = end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let elapsed = (now - start_t).num_seconds().max(3600) as f64;
    let total = (end_t - start_t).num_seconds().max(1) as f64;
    spent / elapsed * total
}

/// `1,234.56 USD`
pub fn money(v: f64, currency: &str) -> String {
    let cents = (v * 100.0).round() as i64;
    let (neg, cents) = (cents < 0, cents.abs());
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!(
        "{}{grouped}.{:02} {currency}",
        if neg { "-" } else { "" },
        cents % 100
    )
}

/// Where a budget stands at a moment: spent and forecast in percent of the limit, and
/// the days of its period.
struct Standing {
    /// Percent spent.
    actual: f64,
    /// The forecast amount for the period, and whether the source gave it.
    forecast: f64,
    from_source: bool,
    forecast_pct: f64,
    days_left: f64,
    total_days: i64,
}

impl Standing {
    fn of(s: &Spend, now: DateTime<Utc>) -> Standing {
        let (start, end) = s.period.bounds(now);
        let pct = |v: f64| {
            if s.limit > 0.0 {
                v / s.limit * 100.0
            } else {
                0.0
            }
        };
        let (forecast, from_source) = match s.forecast {
            Some(f) => (f, true),
            None => (run_rate(s.spent, start, end, now), false),
        };
        let end_t = end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        Standing {
            actual: pct(s.spent),
            forecast,
            from_source,
            forecast_pct: pct(forecast),
            days_left: ((end_t - now).num_hours() as f64 / 24.0).max(0.0),
            total_days: (end - start).num_days(),
        }
    }

    /// How many thresholds are crossed: each is news once per period.
    fn step(&self, th: &Thresholds) -> i32 {
        let crossed = [
            self.actual >= th.info,
            self.actual >= th.warning,
            self.forecast_pct >= th.forecast,
            self.actual >= th.critical,
        ];
        crossed.iter().filter(|b| **b).count() as i32
    }

    fn level(&self, th: &Thresholds) -> Level {
        if self.actual >= th.critical {
            Level::Critical
        } else if self.actual >= th.warning || self.forecast_pct >= th.forecast {
            Level::Warning
        } else if self.actual >= th.info {
            Level::Info
        } else {
            Level::Ok
        }
    }
}

/// The one line: exhausted, forecast to run out, or where it is.
fn summary(s: &Spend, st: &Standing, th: &Thresholds, now: DateTime<Utc>) -> String {
    if st.actual >= th.critical {
        format!(
            "Budget {} is exhausted: {:.0}% spent ({} of {})",
            s.name,
            st.actual,
            money(s.spent, &s.currency),
            money(s.limit, &s.currency)
        )
    } else if st.forecast_pct >= th.forecast && st.actual < th.warning {
        format!(
            "Budget {} is forecast to reach {:.0}% by the end of {} ({:.0}% spent so far)",
            s.name,
            st.forecast_pct,
            s.period.label(now),
            st.actual
        )
    } else {
        format!(
            "Budget {} is at {:.0}% ({} of {}) with {:.0} days left",
            s.name,
            st.actual,
            money(s.spent, &s.currency),
            money(s.limit, &s.currency),
            st.days_left.ceil()
        )
    }
}

/// Spent so far, the forecast and where it comes from, the top cost drivers, the source.
fn details(s: &Spend, st: &Standing, now: DateTime<Utc>) -> Vec<String> {
    let (actual, forecast_pct, total_days) = (st.actual, st.forecast_pct, st.total_days);
    let mut details = vec![
        format!(
            "Spent *{}* of {} ({actual:.1}%) in {}: {} of {total_days} days gone, {:.0} left",
            money(s.spent, &s.currency),
            money(s.limit, &s.currency),
            s.period.label(now),
            total_days - st.days_left.ceil() as i64,
            st.days_left.ceil()
        ),
        format!(
            "Forecast for the period: *{}* ({forecast_pct:.0}%) — {}",
            money(st.forecast, &s.currency),
            if st.from_source {
                format!("from {}", s.source)
            } else {
                format!("from the run rate so far ({} gives no forecast)", s.source)
            }
        ),
    ];
    if !s.drivers.is_empty() {
        let top: Vec<String> = s
            .drivers
            .iter()
            .take(5)
            .map(|(k, v)| format!("{k} {}", money(*v, &s.currency)))
            .collect();
        details.push(format!("Top cost drivers: {}", top.join(", ")));
    }
    details.push(format!("Source: {}", s.source));
    details
}

/// Judges a budget at `now`.
pub fn evaluate(s: &Spend, th: &Thresholds, now: DateTime<Utc>) -> Finding {
    let st = Standing::of(s, now);
    let summary = summary(s, &st, th, now);
    let mut f = Finding::new(
        WATCHER,
        format!("budget:{}", s.name),
        format!("budget {}", s.name),
        st.level(th),
        summary.clone(),
    );
    f.step = st.step(th);
    f.remind = false;
    f.announce_recovery = false;
    f.fingerprint = Some(s.period.id(now));
    f.runbook = s.runbook.clone();
    f.details.extend(details(s, &st, now));
    f.facts
        .insert("percent_actual".into(), (st.actual * 10.0).round() / 10.0);
    f.facts.insert(
        "percent_forecast".into(),
        (st.forecast_pct * 10.0).round() / 10.0,
    );
    f.facts.insert("days_left".into(), st.days_left);
    f.incident_title = summary;
    f.incident_severity = DeclareAs::Warning;
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    fn spend(spent: f64, forecast: Option<f64>) -> Spend {
        Spend {
            name: "aws-monthly".into(),
            source: "Cost Explorer".into(),
            currency: "USD".into(),
            limit: 1000.0,
            spent,
            forecast,
            period: Period::Monthly,
            drivers: vec![("Amazon EC2".into(), 600.0), ("Amazon S3".into(), 120.0)],
            runbook: None,
        }
    }

    #[test]
    fn periods() {
        let now = at(2026, 11, 23);
        assert_eq!(
            Period::Monthly.bounds(now),
            (
                NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
            )
        );
        assert_eq!(
            Period::Quarterly.bounds(now).0,
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
        );
        assert_eq!(
            Period::Yearly.bounds(now).1,
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(
            Period::Monthly.bounds(at(2026, 12, 5)).1,
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(
            (
                Period::Monthly.id(now),
                Period::Quarterly.id(now),
                Period::Yearly.id(now)
            ),
            (
                "2026-11".to_string(),
                "2026-Q4".to_string(),
                "2026".to_string()
            )
        );
    }

    #[test]
    fn forecast_from_the_run_rate() {
        // 300 spent in the first 10 days of a 30-day month: 900 by its end.
        let now = Utc.with_ymd_and_hms(2026, 11, 11, 0, 0, 0).unwrap();
        let (s, e) = Period::Monthly.bounds(now);
        assert!((run_rate(300.0, s, e, now) - 900.0).abs() < 1e-6);
        let f = evaluate(&spend(300.0, None), &Thresholds::default(), now);
        assert!(
            f.details[1].contains(
                "*900.00 USD* (90%) — from the run rate so far (Cost Explorer gives no forecast)"
            ),
            "{:?}",
            f.details
        );
    }

    #[test]
    fn thresholds_and_levels() {
        let th = Thresholds::default();
        let now = at(2026, 11, 23);
        let cases = [
            (400.0, Some(700.0), Level::Ok, 0),
            (550.0, Some(800.0), Level::Info, 1),
            (600.0, Some(1050.0), Level::Warning, 2),
            (850.0, Some(990.0), Level::Warning, 2),
            (850.0, Some(1100.0), Level::Warning, 3),
            (1020.0, Some(1300.0), Level::Critical, 4),
        ];
        for (spent, fc, level, step) in cases {
            let f = evaluate(&spend(spent, fc), &th, now);
            assert_eq!((f.level, f.step), (level, step), "{spent} / {fc:?}");
        }
        let f = evaluate(&spend(850.0, Some(1100.0)), &th, now);
        assert_eq!(
            f.summary,
            "Budget aws-monthly is at 85% (850.00 USD of 1,000.00 USD) with 8 days left"
        );
        assert!(
            f.details
                .iter()
                .any(|d| d == "Top cost drivers: Amazon EC2 600.00 USD, Amazon S3 120.00 USD")
        );
        assert!(!f.remind && !f.announce_recovery);
        assert_eq!(f.fingerprint.as_deref(), Some("2026-11"));
    }

    #[test]
    fn each_threshold_once_per_period_including_a_rollover() {
        use crate::domain::policy::{Cadence, Notice, Prior, decide};
        let cad = Cadence {
            warning: chrono::Duration::days(1),
            critical: chrono::Duration::hours(1),
        };
        let th = Thresholds::default();
        let mut prior: Option<Prior> = None;
        let mut told = Vec::new();
        // Daily runs through November and into December.
        for (day, spent, fc) in [
            (5, 200.0, 600.0),
            (12, 520.0, 950.0),
            (13, 540.0, 960.0),
            (20, 820.0, 1100.0),
            (21, 830.0, 1110.0),
            (22, 835.0, 990.0),
            (23, 840.0, 1020.0),
            (25, 1005.0, 1150.0),
            (28, 1100.0, 1180.0),
        ] {
            let now = at(2026, 11, day);
            let f = evaluate(&spend(spent, Some(fc)), &th, now);
            let d = decide(prior.as_ref(), &f, now, cad);
            if let Some(n) = d.notice {
                told.push((day, n, f.level));
            }
            let (nl, ns, na) = match (d.notice, &prior) {
                (Some(_), _) => (Some(f.level), f.step, Some(now)),
                (None, Some(p)) if !d.fresh => (p.notified_level, p.notified_step, p.notified_at),
                _ => (None, 0, None),
            };
            prior = Some(Prior {
                level: f.level,
                step: f.step,
                fingerprint: f.fingerprint.clone(),
                summary: f.summary.clone(),
                notified_level: nl,
                notified_step: ns,
                notified_at: na,
                snoozed_until: None,
                acked: false,
            });
        }
        assert_eq!(
            told,
            vec![
                (12, Notice::First, Level::Info),
                (20, Notice::Rose, Level::Warning),
                (25, Notice::Rose, Level::Critical)
            ],
            "50%, then 80% with the forecast over (dipping and rising again is not news), then 100%: once each"
        );
        // December: a new period, quiet until a threshold is crossed again.
        let now = at(2026, 12, 2);
        let f = evaluate(&spend(10.0, Some(150.0)), &th, now);
        let d = decide(prior.as_ref(), &f, now, cad);
        assert_eq!(d.notice, None);
        assert!(d.fresh);
    }

    #[test]
    fn money_formatting() {
        assert_eq!(money(1234567.891, "EUR"), "1,234,567.89 EUR");
        assert_eq!(money(0.5, "USD"), "0.50 USD");
        assert_eq!(money(-12.0, "USD"), "-12.00 USD");
    }
}
