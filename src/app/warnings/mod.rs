//! Warnings as use cases: applying a watcher run's findings (state, messages,
//! auto-declared incidents), rendering warning messages with their buttons, and the
//! buttons themselves: Declare incident, Snooze, Acknowledge.
//!
//! Messages: a notification (first warning, worse, reminder, recovery) is a new
//! message, because only new messages notify people; everything else (the facts moving
//! within the same level, an acknowledgement, a snooze, a declared incident) edits the
//! warning's latest message in place. In a storm (the channel's posts backed up),
//! notices are gathered into one rollup message per channel instead (`rollup.rs`).

pub(crate) mod alerts;
mod buttons;
mod findings;
mod incidents;
mod message;
pub mod rehearsal;
mod rollup;
mod rollup_message;
mod routing;
pub mod watchers;

pub(crate) use findings::Applied;
pub(crate) use message::refresh_shown;
pub(crate) use message::render;
