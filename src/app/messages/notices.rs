//! One-line change notices for the incident channel: status, severity, notes,
//! impact, action items and the resolution; and the checklist told to whoever takes a
//! role.

use super::format::quote;
use super::listings::action_line;
use crate::chat::Message;
use crate::domain::ActionItem;
use crate::domain::ids::mention;
use crate::domain::role::RoleInfo;
use crate::domain::text::escape;
use crate::domain::{IncidentId, Severity, Status, UserText};

/// A one-line change notice for the incident channel.
pub(crate) fn notice(emoji: &str, text: String) -> Message {
    Message::text(format!("{emoji} {text}"))
}

/// Status change notice.
pub(crate) fn status_notice(to: Status, by: &str) -> Message {
    notice(to.emoji(), format!("Status → *{to}* (by {})", mention(by)))
}

/// Severity change notice.
pub(crate) fn severity_notice(from: Severity, to: Severity, by: &str) -> Message {
    let verb = if to < from { "raised" } else { "lowered" };
    notice(
        to.emoji(),
        format!(
            "Severity {verb} to *{to} — {}* (was {from}; by {})",
            crate::domain::command::escape(to.label()),
            mention(by)
        ),
    )
}

/// A note, under its postmortem heading.
pub(crate) fn note_notice(label: &str, by: &str, text: &UserText) -> Message {
    notice(
        ":memo:",
        format!("*{label}* from {}: {}", mention(by), text.mrkdwn()),
    )
}

/// Recorded user impact (`entry` is the timeline's text of it).
pub(crate) fn impact_notice(by: &str, entry: &UserText) -> Message {
    notice(
        ":chart_with_downwards_trend:",
        format!("*Impact* ({}): {}", mention(by), entry.mrkdwn()),
    )
}

/// A new action item.
pub(crate) fn action_notice(item: &ActionItem) -> Message {
    notice(
        ":clipboard:",
        format!("Action item added: {}", action_line(item)),
    )
}

/// The resolution, in the incident channel.
pub(crate) fn resolved_notice(by: &str, dur: &str, summary: &UserText) -> Message {
    notice(
        ":white_check_mark:",
        format!(
            "*Resolved* by {} after {dur}.\n{}",
            mention(by),
            quote(&summary.mrkdwn())
        ),
    )
}

/// What whoever takes a role is told: what it does and its checklist (config text,
/// escaped). None when the configuration says neither.
pub(crate) fn role_checklist(info: &RoleInfo, id: IncidentId) -> Option<Message> {
    let description = info.description.trim();
    if description.is_empty() && info.checklist.is_empty() {
        return None;
    }
    let mut text = format!(":clipboard: You are the *{}* of {id}.", escape(&info.name));
    if !description.is_empty() {
        text.push(' ');
        text.push_str(&escape(description));
    }
    for item in &info.checklist {
        text.push_str("\n• ");
        text.push_str(&escape(item));
    }
    Some(Message::text(text))
}
