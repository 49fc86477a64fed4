//! The pace of an incident and of the team: update reminders and their escalation,
//! the acknowledgement and postmortem reminders, the weekly digest, and the recurring
//! schedules kept in the jobs table.

pub(crate) mod action_due;
pub(crate) mod digest;
pub(crate) mod recurring;
pub(crate) mod reminders;
pub(crate) mod updates;
