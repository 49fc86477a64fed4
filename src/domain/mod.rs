//! The pure core: incident rules, the command grammar, names and durations, watchers'
//! findings and the policy for them, schedules, and the value types configuration is
//! made of. No async, no I/O, no database or Slack types: everything here is
//! unit-tested directly.

pub mod action;
pub mod cadence;
pub mod channel_name;
pub mod command;
pub mod duration;
pub mod error_budget;
pub mod facts;
pub mod fields;
pub mod finding;
pub mod ids;
pub mod incident;
pub mod incident_type;
pub mod keys;
pub mod listing;
pub mod policy;
pub mod public;
pub mod role;
pub mod schedule;
pub mod secret;
pub mod severity;
pub mod status;
pub mod tags;
pub mod text;
pub mod timeline;

pub use action::ActionItem;
pub use ids::{IncidentId, UserRef};
pub use incident::{Incident, Roles};
pub use role::Role;
pub use severity::Severity;
pub use status::Status;
pub use text::UserText;
