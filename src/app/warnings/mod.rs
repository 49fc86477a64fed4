//! Warnings as use cases: applying a watcher run's findings (state, messages,
//! auto-declared incidents), rendering warning messages with their buttons, and the
//! buttons themselves: Declare incident, Snooze, Acknowledge.
//!
//! Messages: a notification (first warning, worse, reminder, recovery) is a new
//! message, because only new messages notify people; everything else (the facts moving
//! within the same level, an acknowledgement, a snooze, a declared incident) edits the
//! warning's latest message in place.

pub mod alerts;
mod buttons;
mod findings;
mod incidents;
mod message;
pub mod rehearsal;
mod routing;
pub mod watchers;

use chrono::{DateTime, Utc};

pub use findings::Applied;
pub(crate) use message::queue_refresh;
pub use message::{notice_key, render};

/// Age for people, e.g. in the shell's table.
pub fn since(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    crate::domain::duration::human(now - t)
}
