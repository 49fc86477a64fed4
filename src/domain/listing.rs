//! What the pages and commands ask for when they list incidents or read a stored
//! postmortem draft: the filter of a listing and a draft's stored version.

use chrono::{DateTime, Utc};

use super::{Severity, Status};

/// Filters for listings.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub open_only: bool,
    pub status: Option<Status>,
    pub severity: Option<Severity>,
    /// Only incidents carrying this tag.
    pub tag: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
    /// Leave out private incidents, except the one whose channel this is.
    pub public_or_channel: Option<String>,
}

/// A postmortem draft as stored: its number, its Markdown and when it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftVersion {
    pub version: i64,
    pub markdown: String,
    pub created_at: DateTime<Utc>,
}
