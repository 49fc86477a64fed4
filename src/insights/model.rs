//! The insights' inputs (facts per incident and per action item) and their output
//! (the [`Report`]), shared by the computation, the page, the exports and the CLI.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::{Severity, Status};

/// Which incidents count: declared within `[since, until)`, and matching the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub severity: Option<Severity>,
    pub service: Option<String>,
    /// Only incidents carrying this tag.
    pub tag: Option<String>,
    pub status: Option<Status>,
    /// Private incidents count only for viewers who may see them.
    pub include_private: bool,
}

/// One action item.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionFacts {
    pub incident: i64,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    /// It has a ticket in the team's tracker.
    pub ticketed: bool,
}

/// A response phase, measured from the declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Acknowledge,
    Identify,
    Mitigate,
    Resolve,
}

impl Phase {
    pub const ALL: [Phase; 4] = [
        Phase::Acknowledge,
        Phase::Identify,
        Phase::Mitigate,
        Phase::Resolve,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Phase::Acknowledge => "Time to acknowledge",
            Phase::Identify => "Time to identify",
            Phase::Mitigate => "Time to mitigate",
            Phase::Resolve => "Time to resolve",
        }
    }
}

/// Incidents counted in one week or month, per severity (the most severe first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// `2026-W47` or `2026-11`, in the display time zone.
    pub label: String,
    pub start: NaiveDate,
    /// One per severity of [`Report::severities`], in its order.
    pub counts: Vec<u32>,
}

impl Bucket {
    pub fn total(&self) -> u32 {
        self.counts.iter().sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceCount {
    pub service: String,
    pub incidents: u32,
}

/// One phase's times for one severity in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    /// `2026-11`.
    pub month: String,
    pub severity: Severity,
    pub phase: Phase,
    /// Incidents that reached the phase.
    pub n: u32,
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<f64>,
    /// The seed's response-time target (acknowledge: SEV1 5 min, SEV2 15, SEV3 60).
    pub target_minutes: Option<f64>,
    /// Share of those within the target, percent.
    pub within_target_percent: Option<f64>,
}

/// Budget consumed of one SLO in one month, and the policy level it reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetRow {
    pub slo: String,
    pub month: String,
    pub consumed_minutes: f64,
    pub budget_minutes: f64,
    pub percent: f64,
    /// The error budget policy's level (e.g. "normal", "caution", "freeze").
    pub policy: String,
    pub incidents: u32,
    /// What the SLO watcher measured in Prometheus for the month (the error ratio over
    /// it, as a percent of the budget), when configured and reachable.
    pub measured_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerStats {
    /// A Slack user ID, or "unassigned".
    pub owner: String,
    pub opened: u32,
    pub closed: u32,
    pub overdue: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ActionStats {
    pub opened: u32,
    pub closed: u32,
    /// Open past their due date.
    pub overdue: u32,
    /// Of the closed items with a due date, the share closed by it, percent.
    pub closed_on_time_percent: Option<f64>,
    pub by_owner: Vec<OwnerStats>,
    /// Incidents declared while an action item of an earlier incident on one of their
    /// services was still open: the follow-ups that came back.
    pub repeat_incidents: u32,
    /// Items with a ticket in the team's tracker.
    pub in_tracker: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PostmortemStats {
    /// Resolved incidents whose severity requires one.
    pub owed: u32,
    pub done: u32,
    /// From resolution to the postmortem marked done, median, days.
    pub median_days_to_done: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Discipline {
    pub updates: u32,
    pub reminders: u32,
    pub escalations: u32,
    /// Incidents with at least one late update (a reminder sent).
    pub incidents_with_late_updates: u32,
}

/// Everything the insights show for one period and filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub timezone: String,
    /// The configured severities, most severe first: the buckets' columns.
    pub severities: Vec<Severity>,
    /// The number and select fields: sums and incidents per option.
    pub fields: Vec<super::fields::FieldStat>,
    pub incidents: u32,
    pub by_week: Vec<Bucket>,
    pub by_month: Vec<Bucket>,
    pub by_service: Vec<ServiceCount>,
    pub timings: Vec<Timing>,
    pub budgets: Vec<BudgetRow>,
    pub actions: ActionStats,
    pub postmortems: PostmortemStats,
    pub discipline: Discipline,
    /// Median time from declaration to final resolution, all severities, minutes.
    pub resolve_median_minutes: Option<f64>,
}

impl Report {
    /// Median time to resolve across severities, in minutes, estimated from the
    /// monthly medians per severity (the report keeps no single durations): the
    /// median of those medians, each weighted by the incidents it covers.
    pub fn median_resolve_minutes(&self) -> Option<f64> {
        if self.resolve_median_minutes.is_some() {
            return self.resolve_median_minutes;
        }
        let mut medians: Vec<(f64, u32)> = self
            .timings
            .iter()
            .filter(|t| t.phase == Phase::Resolve && t.n > 0)
            .filter_map(|t| t.median_minutes.filter(|m| m.is_finite()).map(|m| (m, t.n)))
            .collect();
        medians.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: u64 = medians.iter().map(|(_, n)| u64::from(*n)).sum();
        let mut seen = 0u64;
        for (m, n) in medians {
            seen += u64::from(n);
            if seen * 2 >= total {
                return Some(m);
            }
        }
        None
    }

    /// The percent of its budget each SLO consumed over the period (the sum of its
    /// monthly percents), the worst first.
    pub fn budget_by_slo(&self) -> Vec<(String, f64)> {
        let mut sums: std::collections::BTreeMap<&str, f64> = Default::default();
        for b in &self.budgets {
            let p = if b.percent.is_finite() {
                b.percent
            } else {
                0.0
            };
            *sums.entry(b.slo.as_str()).or_default() += p;
        }
        let mut v: Vec<(String, f64)> = sums.into_iter().map(|(s, p)| (s.to_string(), p)).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }
}
