//! Answers to the read-only commands: the list of open incidents, an incident's
//! roles, its timeline and its action items.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::format::{channel_link, who};
use crate::app::entry::controls::Action;
use crate::chat::{Block, Button, Message};
use crate::domain::ActionItem;
use crate::domain::Incident;
use crate::domain::duration::human;
use crate::domain::ids::mention;
use crate::domain::role::RoleBook;
use crate::domain::text::escape;
use crate::domain::timeline::Entry;

/// One line per incident for `list`.
pub(crate) fn incident_line(inc: &Incident, now: DateTime<Utc>) -> String {
    format!(
        "{} *{}* {} · {} · {} · IC {} · {} · {}",
        inc.severity.emoji(),
        inc.id,
        inc.title.mrkdwn(),
        inc.severity,
        inc.status,
        who(inc.commander()),
        human(inc.duration(now)),
        channel_link(inc)
    )
}

pub(crate) fn incident_list(incs: &[Incident], total: i64, now: DateTime<Utc>) -> Message {
    if incs.is_empty() {
        return Message::text(":sunny: No open incidents.");
    }
    let mut text = format!(
        "*{total} open incident{}*\n",
        if total == 1 { "" } else { "s" }
    );
    for i in incs {
        text.push_str(&incident_line(i, now));
        text.push('\n');
    }
    let more = total - incs.len() as i64;
    if more > 0 {
        text.push_str(&format!("_… and {more} older_\n"));
    }
    Message::text(text.trim_end().to_string())
}

/// Who holds which role, every configured role listed.
pub(crate) fn roles_text(inc: &Incident, book: &RoleBook) -> String {
    let mut out = format!("*Roles in {}*\n", inc.id);
    for info in &book.roles {
        let holders = inc.roles.get(info.role);
        let v = if holders.is_empty() {
            "—".to_string()
        } else {
            holders
                .iter()
                .map(|u| mention(u))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!("• {}: {v}\n", escape(&info.name)));
    }
    if !inc.roles.on_call.is_empty() {
        let who: Vec<String> = inc.roles.on_call.iter().map(|u| mention(u)).collect();
        out.push_str(&format!("• On call (pager): {}\n", who.join(", ")));
    }
    out.trim_end().to_string()
}

/// A timeline, newest last. Long timelines show their last `max` entries.
pub(crate) fn timeline_text(inc: &Incident, entries: &[Entry], tz: Tz, max: usize) -> String {
    let mut out = format!(
        "*Timeline of {}: {}* (times {})\n",
        inc.id,
        inc.title.mrkdwn(),
        tz.name()
    );
    let skip = entries.len().saturating_sub(max);
    if skip > 0 {
        out.push_str(&format!("_… {skip} earlier entries_\n"));
    }
    for e in &entries[skip..] {
        let actor = if e.actor == crate::domain::timeline::BOT_ACTOR {
            "warroom".to_string()
        } else {
            mention(&e.actor)
        };
        out.push_str(&format!(
            "`{}` {} *{}* {}\n",
            e.at.with_timezone(&tz).format("%m-%d %H:%M"),
            actor,
            e.kind.label(),
            e.text.mrkdwn()
        ));
    }
    out.trim_end().to_string()
}

pub(crate) fn action_line(a: &ActionItem) -> String {
    let mut s = format!(
        "{} *#{}* {}",
        if a.done {
            ":white_check_mark:"
        } else {
            ":white_square:"
        },
        a.seq,
        a.text.mrkdwn()
    );
    if let Some(o) = &a.owner {
        s.push_str(&format!(" · {}", mention(o)));
    }
    if let Some(p) = a.priority {
        s.push_str(&format!(" · {}", p.key()));
    }
    if let Some(d) = a.due {
        s.push_str(&format!(" · due {d}"));
    }
    if let Some(t) = &a.ticket {
        s.push_str(&format!(" · :ticket: {}", super::format::ticket_link(t)));
    }
    s
}

/// The items of `inc`, each with its ticket's link.
pub(crate) fn actions_text(inc: &Incident, items: &[ActionItem]) -> String {
    if items.is_empty() {
        return format!(
            "{} has no action items yet: add one with `/incident action <text> [@owner] [due YYYY-MM-DD]`.",
            inc.id
        );
    }
    let mut out = format!("*Action items of {}*\n", inc.id);
    for a in items {
        out.push_str(&action_line(a));
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// The most "Create ticket" buttons under one listing (Slack: 25 per actions block).
const MAX_TICKET_BUTTONS: usize = 20;

/// The listing, and (`offer`: a route exports them) a "Create ticket" button for
/// each item that has none yet.
pub(crate) fn actions_message(inc: &Incident, items: &[ActionItem], offer: bool) -> Message {
    let mut msg = Message::text(actions_text(inc, items));
    let buttons: Vec<Button> = items
        .iter()
        .filter(|a| offer && a.ticket.is_none())
        .take(MAX_TICKET_BUTTONS)
        .map(|a| {
            Button::new(
                &Action::Ticket.numbered(a.seq as usize),
                &format!("Create ticket #{}", a.seq),
                format!("{}:action:{}", inc.id.0, a.seq),
            )
        })
        .collect();
    if !buttons.is_empty() {
        msg.blocks.push(Block::Actions { buttons });
    }
    msg
}
