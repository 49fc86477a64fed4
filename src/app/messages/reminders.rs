//! Nudges from the cadence: the escalation when updates go unanswered (in the
//! incident channel and in the announcements) and the postmortem reminders.

use chrono_tz::Tz;

use super::format::{channel_link, contact_mentions, datetime, who};
use super::notices::notice;
use crate::chat::Message;
use crate::domain::Incident;

/// The escalation notice in the incident channel, calling the contacts in.
pub(crate) fn escalation(inc: &Incident, reason: &str, contacts: &[String]) -> Message {
    let who = if contacts.is_empty() {
        "Escalation contacts are not configured (`reminders.escalation_contacts`).".to_string()
    } else {
        format!("{} please step in.", contact_mentions(contacts))
    };
    notice(
        ":sos:",
        format!("*Escalation* — {}: {reason}. {who}", inc.id),
    )
}

/// The escalation in the announcements channel, for everyone to see.
pub(crate) fn escalation_announcement(
    inc: &Incident,
    reason: &str,
    contacts: &[String],
) -> Message {
    Message::text(format!(
        ":sos: *{}: {}* ({}) needs attention: {reason}. {} {}",
        inc.id,
        inc.title.mrkdwn(),
        inc.severity,
        channel_link(inc),
        contact_mentions(contacts)
    ))
}

/// The newest of several escalations of one incident that waited for a free slot in a
/// busy channel, saying how many earlier ones it stands for.
pub(crate) fn merged_repeats(mut msg: Message, merged: usize, inc: &Incident) -> Message {
    if merged > 0 {
        let s = if merged == 1 { "" } else { "s" };
        msg.blocks.push(crate::chat::Block::Context {
            items: vec![format!(
                "{merged} earlier escalation{s} of {} waited in a busy channel and {} merged into this one.",
                inc.id,
                if merged == 1 { "is" } else { "are" }
            )],
        });
    }
    msg
}

/// The reminder that a resolved incident still owes its postmortem.
pub(crate) fn postmortem_reminder(inc: &Incident, n: i64, max: i64, tz: Tz) -> Message {
    let resolved = inc.resolved_at.map(|t| datetime(t, tz)).unwrap_or_default();
    notice(
        ":page_facing_up:",
        format!(
            "{} the postmortem of *{}* ({}) is due: resolved {resolved}. Draft it with `/incident postmortem`, and mark it complete with `/incident postmortem done`. (Reminder {n} of {max}.)",
            who(inc.commander()),
            inc.id,
            inc.severity
        ),
    )
}
