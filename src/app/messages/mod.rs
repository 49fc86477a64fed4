//! What incidents look like in chat: the pinned headline, announcements, notices,
//! listings and the forms. Pure functions of the state they are given.
//!
//! One module per kind of view; everything is re-exported here, so callers say
//! `messages::headline`, `messages::notice` and so on.

mod announce;
mod format;
mod forms;
mod headline;
mod listings;
mod notices;
mod reminders;
mod replies;
mod updates;

pub(crate) use announce::{announce_declared, announce_reopened, announce_resolved};
pub(crate) use format::{channel_link, contact_mentions, datetime, hm, ticket_link};
pub(crate) use forms::{declare_modal, resolve_modal, update_modal};
pub(crate) use headline::headline;
pub(crate) use listings::{actions_message, incident_list, roles_text, timeline_text};
pub(crate) use notices::{
    action_notice, impact_notice, note_notice, notice, resolved_notice, role_checklist,
    severity_notice, status_notice,
};
pub(crate) use reminders::{
    escalation, escalation_announcement, merged_repeats, postmortem_reminder,
};
pub(crate) use replies::{declare_again, declared_reply};
pub(crate) use updates::{current_actions, formal_update, update_reminder};
