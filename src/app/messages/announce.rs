//! Announcements in the announcements channel: an incident declared, resolved or
//! reopened.

use super::format::{channel_link, quote, who};
use crate::chat::Message;
use crate::domain::Incident;
use crate::domain::duration::human;

/// The announcement of a new incident.
pub(crate) fn announce_declared(inc: &Incident) -> Message {
    let text = format!(
        "{} *{} incident declared: {}: {}*\nJoin {} · IC {}",
        inc.severity.emoji(),
        inc.severity,
        inc.id,
        inc.title.mrkdwn(),
        channel_link(inc),
        who(inc.commander())
    );
    Message::text(text)
}

pub(crate) fn announce_resolved(inc: &Incident) -> Message {
    let dur = inc
        .resolved_at
        .map(|r| human(r - inc.declared_at))
        .unwrap_or_default();
    let mut text = format!(
        ":white_check_mark: *{}: {} is resolved* after {dur} ({}) · {}",
        inc.id,
        inc.title.mrkdwn(),
        inc.severity,
        channel_link(inc)
    );
    if let Some(s) = &inc.summary {
        text.push('\n');
        text.push_str(&quote(&s.mrkdwn()));
    }
    Message::text(text)
}

pub(crate) fn announce_reopened(inc: &Incident) -> Message {
    Message::text(format!(
        ":rotating_light: *{}: {} was reopened* ({}) · {}",
        inc.id,
        inc.title.mrkdwn(),
        inc.severity,
        channel_link(inc)
    ))
}
