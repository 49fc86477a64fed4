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
    /// Its ticket in the team's tracker, once it has one.
    pub ticket: Option<TicketRef>,
}

/// A ticket in the team's tracker, as people see it: `OPS-12` or `acme/api#7`, and
/// where it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRef {
    pub name: String,
    pub url: String,
}

impl TicketRef {
    /// The link when it is a web address (a tracker's answer is not trusted to be).
    pub fn web_url(&self) -> Option<&str> {
        let u = self.url.as_str();
        (u.starts_with("https://") || u.starts_with("http://"))
            .then_some(u)
            .filter(|u| !u.chars().any(|c| c.is_whitespace() || c.is_control()))
    }
}
