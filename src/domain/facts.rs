//! What one incident contributes to the insights across incidents: its times, counts
//! and the error budget it consumed. Read by the store, computed on by `insights`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Severity, Status};

/// What one incident contributes.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentFacts {
    pub id: i64,
    /// Its severity now (after any change mid-incident).
    pub severity: Severity,
    pub status: Status,
    pub private: bool,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    /// Custom field values by key.
    pub fields: super::fields::Values,
    /// The incident type's key.
    pub kind: Option<String>,
    pub declared_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub identified_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    /// The last resolution (a reopened incident counts once, to its final end).
    pub resolved_at: Option<DateTime<Utc>>,
    pub reopened: bool,
    pub postmortem_required: bool,
    pub postmortem_done_at: Option<DateTime<Utc>>,
    /// Formal updates posted.
    pub updates: u32,
    /// Reminders of a late update.
    pub reminders: u32,
    pub escalations: u32,
    /// Error budget consumed, per SLO of an affected service.
    pub budget: Vec<BudgetUse>,
}

/// One incident's use of one SLO's budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetUse {
    pub slo: String,
    /// Equivalent minutes of full downtime.
    pub consumed_minutes: f64,
    /// The SLO's whole budget over its window, in minutes.
    pub budget_minutes: f64,
}
