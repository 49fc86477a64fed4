//! What incidents look like in chat: the pinned headline, announcements, notices,
//! listings and the forms. Pure functions of the state they are given.

use super::controls::{Action, Form};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::chat::{Block, Button, ButtonStyle, Input, InputKind, Message, Modal};
use crate::domain::duration::human;
use crate::domain::ids::mention;
use crate::domain::timeline::Entry;
use crate::domain::{Incident, Role, Severity, Status, UserText};
use crate::store::actions::ActionItem;

/// `14:05 UTC` in the display zone.
pub fn hm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M %Z").to_string()
}

/// `2026-11-23 14:05 UTC` in the display zone.
pub fn datetime(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

fn who(user: Option<&str>) -> String {
    user.map(mention)
        .unwrap_or_else(|| "_unassigned_".to_string())
}

fn many(users: &[String]) -> String {
    if users.is_empty() {
        "—".to_string()
    } else {
        users
            .iter()
            .map(|u| mention(u))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Channel link, or the plain name while the channel is being created, or why there
/// is none.
pub fn channel_link(inc: &Incident) -> String {
    match (&inc.channel_id, &inc.channel_name, &inc.channel_error) {
        (Some(id), _, _) => format!("<#{id}>"),
        (None, _, Some(err)) => format!("no channel: Slack did not create it (`{err}`)"),
        (None, Some(name), None) => format!("#{name}"),
        _ => "its channel (being created)".to_string(),
    }
}

/// Each line of `mrkdwn` as a block quote.
pub fn quote(mrkdwn: &str) -> String {
    mrkdwn
        .lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The headline message pinned in the incident channel, kept current.
pub fn headline(inc: &Incident, tz: Tz) -> Message {
    let id = inc.id;
    let mut fields = vec![
        format!(
            "*Severity*\n{} {} — {}",
            inc.severity.emoji(),
            inc.severity,
            inc.severity.name()
        ),
        format!("*Status*\n{} {}", inc.status.emoji(), inc.status),
        format!("*Incident Commander*\n{}", who(inc.commander())),
        format!(
            "*Operations Lead*\n{}",
            who(inc.roles.operations.as_deref()).replace("_unassigned_", "—")
        ),
        format!(
            "*Communications Lead*\n{}",
            who(inc.roles.communications.as_deref()).replace("_unassigned_", "—")
        ),
        format!("*SMEs*\n{}", many(&inc.roles.experts)),
        format!("*Started*\n{}", datetime(inc.declared_at, tz)),
    ];
    if let Some(r) = inc.resolved_at {
        fields.push(format!(
            "*Resolved*\n{} (after {})",
            datetime(r, tz),
            human(r - inc.declared_at)
        ));
    }
    if let Some(imp) = &inc.impact {
        fields.push(format!("*Impact*\n{}", imp.mrkdwn()));
    }
    if !inc.services.is_empty() {
        fields.push(format!("*Services*\n{}", inc.services.join(", ")));
    }
    let mut blocks = vec![
        Block::Header {
            text: format!(
                "{} {id}: {}",
                if inc.is_open() {
                    ":rotating_light:"
                } else {
                    ":white_check_mark:"
                },
                inc.title.plain()
            ),
        },
        Block::Section {
            text: String::new(),
            fields,
        },
    ];
    if let Some(d) = inc.description.as_ref().filter(|d| !d.is_empty()) {
        blocks.push(Block::Section {
            text: d.mrkdwn(),
            fields: vec![],
        });
    }
    if let Some(s) = &inc.summary
        && !inc.is_open()
    {
        blocks.push(Block::Section {
            text: format!("*Resolution*: {}", s.mrkdwn()),
            fields: vec![],
        });
    }
    let value = id.0.to_string();
    let buttons = if inc.is_open() {
        vec![
            Button::new(Action::TakeIc.id(), "Take IC", value.clone()).styled(ButtonStyle::Primary),
            Button::new(Action::PostUpdate.id(), "Post update", value.clone()),
            Button::new(Action::Resolve.id(), "Resolve", value).styled(ButtonStyle::Danger),
        ]
    } else {
        vec![Button::new(Action::Reopen.id(), "Reopen", value)]
    };
    blocks.push(Block::Actions { buttons });
    blocks.push(Block::Context {
        items: vec![format!(
            "{} · declared by {} · `/incident help` for commands",
            if inc.private {
                ":lock: private"
            } else {
                ":globe_with_meridians: public"
            },
            mention(&inc.declared_by)
        )],
    });
    Message {
        text: format!(
            "{id} {} | {} | {} | IC {}",
            inc.title.mrkdwn(),
            inc.severity,
            inc.status,
            who(inc.commander())
        ),
        blocks,
    }
}

/// The announcement of a new incident.
pub fn announce_declared(inc: &Incident) -> Message {
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

pub fn announce_resolved(inc: &Incident) -> Message {
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

pub fn announce_reopened(inc: &Incident) -> Message {
    Message::text(format!(
        ":rotating_light: *{}: {} was reopened* ({}) · {}",
        inc.id,
        inc.title.mrkdwn(),
        inc.severity,
        channel_link(inc)
    ))
}

/// One line per incident for `list`.
pub fn incident_line(inc: &Incident, now: DateTime<Utc>) -> String {
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

pub fn incident_list(incs: &[Incident], total: i64, now: DateTime<Utc>) -> Message {
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

pub fn roles_text(inc: &Incident) -> String {
    let mut out = format!("*Roles in {}*\n", inc.id);
    for role in Role::ALL {
        let holders = inc.roles.get(role);
        let v = if holders.is_empty() {
            "—".to_string()
        } else {
            holders
                .iter()
                .map(|u| mention(u))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!("• {role}: {v}\n"));
    }
    out.trim_end().to_string()
}

/// A timeline, newest last. Long timelines show their last `max` entries.
pub fn timeline_text(inc: &Incident, entries: &[Entry], tz: Tz, max: usize) -> String {
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

pub fn action_line(a: &ActionItem) -> String {
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
    s
}

pub fn actions_text(inc: &Incident, items: &[ActionItem]) -> String {
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

/// The seed's internal update template, filled in: header, status, impact, IC,
/// current actions, next update.
pub fn formal_update(
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

fn impact(inc: &Incident) -> String {
    inc.impact
        .as_ref()
        .map(UserText::mrkdwn)
        .unwrap_or_else(|| "not yet assessed".to_string())
}

/// `Incident Update — <title> — SEV2 — 14:30 UTC`, as plain text (a header).
pub fn update_title(inc: &Incident, now: DateTime<Utc>, tz: Tz) -> String {
    format!(
        "Incident Update — {} — {} — {}",
        inc.title.plain(),
        inc.severity,
        hm(now, tz)
    )
}

/// "Current actions" for a draft: what happened since the last update, newest last.
pub fn current_actions(entries: &[Entry], since: DateTime<Utc>, tz: Tz) -> UserText {
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
pub fn update_reminder(
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

/// Mentions for escalation contacts: users and user groups.
pub fn contact_mentions(contacts: &[String]) -> String {
    contacts
        .iter()
        .map(|c| {
            if c.starts_with('S') {
                format!("<!subteam^{c}>")
            } else {
                mention(c)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn escalation(inc: &Incident, reason: &str, contacts: &[String]) -> Message {
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

pub fn escalation_announcement(inc: &Incident, reason: &str, contacts: &[String]) -> Message {
    Message::text(format!(
        ":sos: *{}: {}* ({}) needs attention: {reason}. {} {}",
        inc.id,
        inc.title.mrkdwn(),
        inc.severity,
        channel_link(inc),
        contact_mentions(contacts)
    ))
}

pub fn postmortem_reminder(inc: &Incident, n: i64, max: i64, tz: Tz) -> Message {
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

/// The form behind `declare` without a title.
pub fn declare_modal(default: Severity, origin_channel: &str) -> Modal {
    Modal {
        callback_id: Form::Declare.id().into(),
        title: "Declare an incident".into(),
        submit: "Declare".into(),
        private_metadata: origin_channel.to_string(),
        intro: None,
        inputs: vec![
            Input {
                id: "title".into(),
                label: "Title".into(),
                kind: InputKind::Text {
                    multiline: false,
                    initial: None,
                    max_length: Some(crate::domain::command::MAX_TITLE),
                },
                optional: false,
                hint: Some("What is broken, as users see it: \"API error rate at 12%\"".into()),
            },
            Input {
                id: "severity".into(),
                label: "Severity".into(),
                kind: InputKind::Select {
                    options: Severity::ALL
                        .iter()
                        .map(|s| {
                            (
                                s.key().to_string(),
                                format!("{s} — {} ({})", s.name(), s.response_time()),
                            )
                        })
                        .collect(),
                    initial: Some(default.key().to_string()),
                },
                optional: false,
                hint: None,
            },
            Input {
                id: "description".into(),
                label: "Description".into(),
                kind: InputKind::Text {
                    multiline: true,
                    initial: None,
                    max_length: Some(2900),
                },
                optional: true,
                hint: None,
            },
            Input {
                id: "private".into(),
                label: "Visibility".into(),
                kind: InputKind::Checkbox {
                    label: "Private incident (private channel, no announcement)".into(),
                    initial: false,
                },
                optional: true,
                hint: None,
            },
        ],
    }
}

pub fn resolve_modal(inc: &Incident) -> Modal {
    Modal {
        callback_id: Form::Resolve.id().into(),
        title: format!("Resolve {}", inc.id),
        submit: "Resolve".into(),
        private_metadata: inc.id.0.to_string(),
        intro: Some(format!(
            "*{}: {}*\nWhat fixed it? The summary goes on the timeline, the announcement and the postmortem.",
            inc.id,
            inc.title.mrkdwn()
        )),
        inputs: vec![Input {
            id: "summary".into(),
            label: "Resolution summary".into(),
            kind: InputKind::Text {
                multiline: true,
                initial: None,
                max_length: Some(2900),
            },
            optional: false,
            hint: None,
        }],
    }
}

/// The "Post update" form: the seed's update as it will be posted, with the part
/// people write (current actions) pre-filled from the timeline and editable. Status,
/// impact and IC come from the incident itself, so the update cannot contradict it.
/// The draft is plain text (a form field shows no markup), mentions as names.
pub fn update_modal(inc: &Incident, draft: String, now: DateTime<Utc>, tz: Tz) -> Modal {
    let draft = crate::domain::text::safe_prefix(&draft, crate::domain::command::MAX_TEXT);
    Modal {
        callback_id: Form::Update.id().into(),
        title: format!("Update {}", inc.id),
        submit: "Post update".into(),
        private_metadata: inc.id.0.to_string(),
        intro: Some(format!(
            "*{}*\n*Status*: {}\n*Impact*: {}\n*IC*: {}",
            crate::domain::text::escape(&update_title(inc, now, tz)),
            inc.status,
            impact(inc),
            who(inc.commander()),
        )),
        inputs: vec![Input {
            id: "text".into(),
            label: "Current actions".into(),
            kind: InputKind::Text {
                multiline: true,
                initial: Some(draft),
                max_length: Some(2900),
            },
            optional: false,
            hint: Some(
                "Posted under the header above, with the next update time. Change status, impact or roles with /incident status|impact|role."
                    .into(),
            ),
        }],
    }
}

/// A one-line change notice for the incident channel.
pub fn notice(emoji: &str, text: String) -> Message {
    Message::text(format!("{emoji} {text}"))
}

/// Status change notice.
pub fn status_notice(to: Status, by: &str) -> Message {
    notice(to.emoji(), format!("Status → *{to}* (by {})", mention(by)))
}

/// Severity change notice.
pub fn severity_notice(from: Severity, to: Severity, by: &str) -> Message {
    let verb = if to < from { "raised" } else { "lowered" };
    notice(
        to.emoji(),
        format!(
            "Severity {verb} to *{to} — {}* (was {from}; by {})",
            to.name(),
            mention(by)
        ),
    )
}

/// A note, under its postmortem heading.
pub fn note_notice(label: &str, by: &str, text: &UserText) -> Message {
    notice(
        ":memo:",
        format!("*{label}* from {}: {}", mention(by), text.mrkdwn()),
    )
}

/// Recorded user impact (`entry` is the timeline's text of it).
pub fn impact_notice(by: &str, entry: &UserText) -> Message {
    notice(
        ":chart_with_downwards_trend:",
        format!("*Impact* ({}): {}", mention(by), entry.mrkdwn()),
    )
}

/// A new action item.
pub fn action_notice(item: &ActionItem) -> Message {
    notice(
        ":clipboard:",
        format!("Action item added: {}", action_line(item)),
    )
}

/// The resolution, in the incident channel.
pub fn resolved_notice(by: &str, dur: &str, summary: &UserText) -> Message {
    notice(
        ":white_check_mark:",
        format!(
            "*Resolved* by {} after {dur}.\n{}",
            mention(by),
            quote(&summary.mrkdwn())
        ),
    )
}

/// Asked when someone declares what they declared a moment ago: open another?
pub fn declare_again(
    earlier: crate::domain::IncidentId,
    ago: &str,
    title: &UserText,
    severity: Severity,
    private: bool,
) -> Message {
    let text = format!(
        ":raised_hand: You declared *{earlier}* “{}” {ago} ago. Open another incident with the same title?",
        title.mrkdwn()
    );
    let again = serde_json::json!({"t": title.stored(), "s": severity.key(), "p": private});
    Message {
        blocks: vec![
            Block::Section {
                text: text.clone(),
                fields: vec![],
            },
            Block::Actions {
                buttons: vec![
                    Button::new(
                        Action::DeclareAgain.id(),
                        "Yes, open another",
                        again.to_string(),
                    )
                    .styled(ButtonStyle::Danger),
                    Button::new(
                        Action::DeclareCancel.id(),
                        &format!("No, {earlier} it is"),
                        earlier.0.to_string(),
                    ),
                ],
            },
        ],
        text,
    }
}

/// The answer to the person who declared.
pub fn declared_reply(inc: &Incident) -> String {
    format!(
        "Declared *{}* ({}): {}. Setting up its channel now; you are the Incident Commander.",
        inc.id,
        inc.severity,
        inc.title.mrkdwn()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::fixtures::incident;

    #[test]
    fn headline_has_the_roles_times_and_buttons() {
        let mut i = incident();
        i.roles.experts = vec!["U7".into()];
        let m = headline(&i, Tz::UTC);
        let all = format!("{m:?}");
        assert!(all.contains("INC-1: API error rate at 12%"));
        assert!(all.contains("SEV2 — Major"));
        assert!(all.contains("Investigating"));
        assert!(all.contains("<@U1>"));
        assert!(all.contains("<@U7>"));
        assert!(all.contains("2026-01-05 14:00 UTC"));
        assert!(
            all.contains("take_ic") && all.contains("post_update") && all.contains("\"resolve\"")
        );
        i.status = Status::Resolved;
        i.resolved_at = Some(i.declared_at + chrono::Duration::minutes(50));
        let m = headline(&i, Tz::UTC);
        let all = format!("{m:?}");
        assert!(all.contains("reopen") && !all.contains("take_ic"));
        assert!(all.contains("after 50 min"));
    }

    #[test]
    fn times_follow_the_display_zone() {
        let i = incident();
        assert_eq!(hm(i.declared_at, Tz::UTC), "14:00 UTC");
        assert_eq!(hm(i.declared_at, chrono_tz::Europe::Berlin), "15:00 CET");
    }

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
