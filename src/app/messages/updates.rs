//! Incident updates: the seed's formal update template filled in, the draft of its
//! "current actions" taken from the timeline, and the reminder that offers that draft
//! when an update is due.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::format::{hm, quote, who};
use crate::app::entry::controls::Action;
use crate::chat::{Block, Button, ButtonStyle, Message};
use crate::domain::ids::mention;
use crate::domain::timeline::Entry;
use crate::domain::{Incident, UserText};

/// The seed's internal update template, filled in: header, status, impact, IC,
/// current actions, next update.
pub(crate) fn formal_update(
    inc: &Incident,
    current_actions: &UserText,
    by: Option<&str>,
    now: DateTime<Utc>,
    next_due: Option<DateTime<Utc>>,
    tz: Tz,
) -> Message {
    let mut body = format!(
        "*Status*: {}\n*Impact*: {}\n*IC*: {}\n*Current actions*:\n{}",
        inc.status,
        impact(inc),
        who(inc.commander()),
        current_actions.mrkdwn().trim_end()
    );
    if let Some(n) = next_due {
        body.push_str(&format!("\n*Next update*: {}", hm(n, tz)));
    }
    let title = update_title(inc, now, tz);
    let mut blocks = vec![
        Block::Header {
            text: title.clone(),
        },
        Block::Section {
            text: body.clone(),
            fields: vec![],
        },
    ];
    if let Some(by) = by {
        blocks.push(Block::Context {
            items: vec![format!("Posted by {}", mention(by))],
        });
    }
    Message {
        text: format!("{}\n{body}", crate::domain::text::escape(&title)),
        blocks,
    }
}

/// The recorded impact, or that nobody has assessed it yet.
pub(super) fn impact(inc: &Incident) -> String {
    inc.impact
        .as_ref()
        .map(UserText::mrkdwn)
        .unwrap_or_else(|| "not yet assessed".to_string())
}

/// `Incident Update — <title> — SEV2 — 14:30 UTC`, as plain text (a header).
pub(crate) fn update_title(inc: &Incident, now: DateTime<Utc>, tz: Tz) -> String {
    format!(
        "Incident Update — {} — {} — {}",
        inc.title.plain(),
        inc.severity,
        hm(now, tz)
    )
}

/// "Current actions" for a draft: what happened since the last update, newest last.
pub(crate) fn current_actions(entries: &[Entry], since: DateTime<Utc>, tz: Tz) -> UserText {
    use crate::domain::timeline::EntryKind as K;
    let recent: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.at > since)
        .filter(|e| {
            matches!(
                e.kind,
                K::Note(_) | K::Message | K::Action | K::Role | K::Status | K::Severity | K::Impact
            )
        })
        .collect();
    let skip = recent.len().saturating_sub(8);
    let lines: Vec<String> = recent[skip..]
        .iter()
        .map(|e| {
            let who = if e.actor == crate::domain::timeline::BOT_ACTOR {
                "warroom".to_string()
            } else {
                mention(&e.actor)
            };
            // One line each: a long pinned message must not swamp the draft.
            let text = e.text.shortened(300).mrkdwn().replace('\n', " ");
            let what = match e.kind {
                K::Status => format!("status {text}"),
                K::Severity => format!("severity {text}"),
                _ => text,
            };
            format!(
                "- {} {who}: {what}",
                e.at.with_timezone(&tz).format("%H:%M")
            )
        })
        .collect();
    UserText::from_mrkdwn(&if lines.is_empty() {
        "- ".to_string()
    } else {
        lines.join("\n")
    })
}

/// The reminder posted when an update is due, with the draft and its button.
pub(crate) fn update_reminder(
    inc: &Incident,
    draft_actions: &UserText,
    reminder: i64,
    now: DateTime<Utc>,
    next_due: Option<DateTime<Utc>>,
    tz: Tz,
) -> Message {
    let mut to: Vec<String> = inc.commander().map(mention).into_iter().collect();
    if let Some(c) = inc
        .roles
        .communications
        .as_deref()
        .filter(|c| Some(*c) != inc.commander())
    {
        to.push(mention(c));
    }
    let since = match inc.last_update_at {
        Some(t) => format!("the last one was at {}", hm(t, tz)),
        None => format!(
            "none yet since the declaration at {}",
            hm(inc.declared_at, tz)
        ),
    };
    let head = format!(
        ":alarm_clock: {} an update on *{}* is due ({since}; reminder {reminder}). Here is a draft:",
        if to.is_empty() {
            "Incident Commander:".to_string()
        } else {
            to.join(" ")
        },
        inc.id
    );
    let draft = formal_update(inc, draft_actions, None, now, next_due, tz);
    let quoted = quote(&draft.text);
    Message {
        text: format!("{head}\n{quoted}"),
        blocks: vec![
            Block::Section {
                text: head,
                fields: vec![],
            },
            Block::Section {
                text: quoted,
                fields: vec![],
            },
            Block::Actions {
                buttons: vec![
                    Button::new(
                        Action::PostUpdate.id(),
                        "Edit and post this update",
                        inc.id.0.to_string(),
                    )
                    .styled(ButtonStyle::Primary),
                ],
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::fixtures::incident;

    #[test]
    fn formal_update_follows_the_seed_template() {
        let i = incident();
        let m = formal_update(
            &i,
            &"- @bob is rolling back".into(),
            Some("U1"),
            i.declared_at,
            Some(i.declared_at + chrono::Duration::minutes(30)),
            Tz::UTC,
        );
        assert!(
            m.text
                .starts_with("Incident Update — API error rate at 12% — SEV2 — 14:00 UTC")
        );
        let lines: Vec<&str> = m.text.lines().collect();
        assert_eq!(
            &lines[1..],
            [
                "*Status*: Investigating",
                "*Impact*: not yet assessed",
                "*IC*: <@U1>",
                "*Current actions*:",
                "- @bob is rolling back",
                "*Next update*: 14:30 UTC"
            ]
        );
    }

    #[test]
    fn drafts_list_what_happened_since_the_last_update() {
        use crate::domain::command::NoteKind;
        use crate::domain::timeline::EntryKind;
        let i = incident();
        let e = |m: i64, kind, text: &str| Entry {
            at: i.declared_at + chrono::Duration::minutes(m),
            actor: "U2".into(),
            kind,
            text: text.into(),
        };
        let entries = vec![
            e(1, EntryKind::Note(NoteKind::Plain), "old news"),
            e(20, EntryKind::Status, "Investigating → Identified"),
            e(
                21,
                EntryKind::Note(NoteKind::Plain),
                "rolling back the 13:50 deploy",
            ),
            e(22, EntryKind::Reminder, "not an action"),
        ];
        let a = current_actions(
            &entries,
            i.declared_at + chrono::Duration::minutes(10),
            Tz::UTC,
        );
        assert_eq!(
            a,
            "- 14:20 <@U2>: status Investigating → Identified\n- 14:21 <@U2>: rolling back the 13:50 deploy"
                .into()
        );
        assert_eq!(current_actions(&[], i.declared_at, Tz::UTC), "- ".into());
        let mut i2 = i.clone();
        i2.roles.communications = Some("U5".into());
        let r = update_reminder(
            &i2,
            &a,
            2,
            i.declared_at + chrono::Duration::minutes(30),
            None,
            Tz::UTC,
        );
        assert!(r.text.starts_with(":alarm_clock: <@U1> <@U5> an update on *INC-1* is due (none yet since the declaration at 14:00 UTC; reminder 2)"), "{}", r.text);
        assert!(
            r.text
                .contains("> Incident Update — API error rate at 12% — SEV2 — 14:30 UTC")
        );
        assert!(format!("{r:?}").contains("post_update"));
    }
}
