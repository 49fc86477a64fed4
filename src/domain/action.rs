//! Follow-up action items: what the team commits to doing after an incident, with an
//! owner, a priority and a due date, numbered within their incident.

use chrono::{DateTime, NaiveDate, Utc};

use super::command::Priority;
use super::{IncidentId, UserText};

/// One action item.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionItem {
    pub incident: IncidentId,
    /// Number within its incident (1, 2, ...), as users refer to it.
    pub seq: i64,
    pub text: UserText,
    pub owner: Option<String>,
    pub priority: Option<Priority>,
    pub due: Option<NaiveDate>,
    pub done: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
}
