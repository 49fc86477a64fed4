//! Hostile text through every message builder: whatever people type (titles, notes,
//! updates, impact, summaries, action items, pinned messages, form fields) and whatever
//! watchers quote, no special mention comes out, and every mrkdwn text is already
//! safe (sanitizing it again changes nothing). Only warroom's own pings (configured
//! contacts) may appear.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::messages;
use crate::chat::{Block, InputKind, Message, Modal};
use crate::domain::ActionItem;
use crate::domain::command::{self, NoteKind, Priority};
use crate::domain::finding::{Finding, Level};
use crate::domain::incident::fixtures::incident;
use crate::domain::policy::Notice;
use crate::domain::text::{UserText, sanitize};
use crate::domain::timeline::{Entry, EntryKind};
use crate::domain::{Incident, IncidentId, Status};

/// The one special mention warroom itself sends in these tests (a configured group).
const OURS: &str = "<!subteam^SOURS>";

/// Each hostile string, as Slack sends a command's text and as a form sends it.
fn hostile() -> Vec<UserText> {
    let raw = [
        "<!channel> db & down",
        "<!here|here> <!everyone> <!subteam^S0123|@sre-team> &",
        "@channel @here & co",
        "<<!channel>> <!chan\nnel> x < y & z > w",
        "<https://evil.example/|<!channel>> <javascript:alert(1)|click> &",
        "<!date^1392734382^{date}|Feb 18> &lt;!channel&gt; &",
        "line one\n> <!here> quoted\n`<!everyone>` & more",
    ];
    raw.iter()
        .flat_map(|r| [UserText::from_mrkdwn(r), UserText::from_plain(r)])
        .collect()
}

fn check_mrkdwn(what: &str, s: &str) {
    // warroom's own markup: its configured ping, and `> ` quoting whole lines.
    let without_ours = s
        .replace(OURS, "")
        .lines()
        .map(|l| l.strip_prefix("> ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !without_ours.contains("<!"),
        "{what} carries a special mention: {s:?}"
    );
    assert_eq!(
        sanitize(&without_ours),
        without_ours,
        "{what} carries markup that is not Slack's own: {s:?}"
    );
}

fn check_plain(what: &str, s: &str) {
    // Plain-text places (headers, labels, field values) are not parsed by Slack, so
    // nothing there pings; they must show the text as people read it, not Slack's
    // escapes (the Slack client turns any `<!…>` left into words, see its guard).
    // Every hostile string holds a bare `&`, so mrkdwn put here by mistake shows.
    assert!(!s.contains("&amp;"), "{what} shows escapes: {s:?}");
}

fn check_message(what: &str, m: &Message) {
    check_mrkdwn(&format!("{what} text"), &m.text);
    for b in &m.blocks {
        match b {
            Block::Header { text } => check_plain(&format!("{what} header"), text),
            Block::Section { text, fields } => {
                check_mrkdwn(&format!("{what} section"), text);
                for f in fields {
                    check_mrkdwn(&format!("{what} field"), f);
                }
            }
            Block::Context { items } => {
                for i in items {
                    check_mrkdwn(&format!("{what} context"), i);
                }
            }
            Block::Actions { buttons } => {
                for b in buttons {
                    check_plain(&format!("{what} button"), &b.text);
                }
            }
            Block::Divider => {}
        }
    }
}

fn check_modal(what: &str, m: &Modal) {
    check_plain(what, &m.title);
    if let Some(i) = &m.intro {
        check_mrkdwn(&format!("{what} intro"), i);
    }
    for input in &m.inputs {
        check_plain(what, &input.label);
        if let InputKind::Text {
            initial: Some(v), ..
        } = &input.kind
        {
            check_plain(&format!("{what} initial value"), v);
        }
    }
}

fn hostile_incident(t: &UserText) -> Incident {
    let mut i = incident();
    i.title = t.clone();
    i.description = Some(t.clone());
    i.impact = Some(t.clone());
    i.summary = Some(t.clone());
    i.channel_id = Some("C1".into());
    i.roles.communications = Some("U5".into());
    i.kind = Some("security".into());
    if let Ok(crate::domain::Role::Custom(k)) = crate::domain::Role::parse("scribe") {
        i.roles.others = vec![(k, "U6".into())];
    }
    i
}

/// One incident type named and described as hostile as the text.
fn hostile_types(t: &UserText) -> crate::domain::incident_type::TypeBook {
    crate::domain::incident_type::TypeBook {
        types: vec![crate::domain::incident_type::TypeInfo {
            key: "security".into(),
            name: t.plain().chars().take(40).collect(),
            description: t.plain(),
            severity: None,
            private: true,
            channel_prefix: None,
            responders: vec![],
            postmortem: None,
            counted: true,
            user_groups: vec![],
            required_fields: vec![],
            required_roles: vec![],
        }],
    }
}

/// The roles, one of them added under a name as hostile as the text.
fn hostile_book(t: &UserText) -> crate::domain::role::RoleBook {
    let mut book = crate::config::Config::from_toml("")
        .expect("the default configuration loads")
        .role_book()
        .clone();
    let name = t.plain().chars().take(40).collect::<String>();
    book.roles.push(crate::domain::role::RoleInfo {
        role: crate::domain::Role::parse("scribe").expect("a role key"),
        short: name.clone(),
        name,
        description: t.plain(),
        checklist: vec![t.plain()],
        multiple: false,
    });
    book
}

fn entries(inc: &Incident, t: &UserText) -> Vec<Entry> {
    [
        EntryKind::Note(NoteKind::Plain),
        EntryKind::Message,
        EntryKind::Update,
        EntryKind::Impact,
        EntryKind::Action,
    ]
    .into_iter()
    .enumerate()
    .map(|(n, kind)| Entry {
        at: inc.declared_at + Duration::minutes(n as i64 + 1),
        actor: "U2".into(),
        kind,
        text: t.clone(),
    })
    .collect()
}

fn action(t: &UserText) -> ActionItem {
    ActionItem {
        incident: IncidentId(1),
        seq: 1,
        text: t.clone(),
        owner: Some("U3".into()),
        priority: Some(Priority::P1),
        due: NaiveDate::from_ymd_opt(2026, 2, 1),
        done: false,
        created_by: "U1".into(),
        created_at: Utc.with_ymd_and_hms(2026, 1, 5, 14, 0, 0).unwrap(),
        done_at: None,
        ticket: None,
    }
}

#[test]
fn no_message_builder_lets_a_special_mention_through() {
    let tz = Tz::UTC;
    for t in hostile() {
        let inc = hostile_incident(&t);
        let book = hostile_book(&t);
        let words = crate::domain::incident_type::Vocabulary {
            fields: Default::default(),
            roles: book.clone(),
            types: hostile_types(&t),
        };
        let now = inc.declared_at + Duration::minutes(30);
        let es = entries(&inc, &t);
        let item = action(&t);
        let mut resolved = inc.clone();
        resolved.status = Status::Resolved;
        resolved.resolved_at = Some(now);
        let mut no_channel = inc.clone();
        no_channel.channel_id = None;
        no_channel.channel_error = Some("restricted_action".into());
        let draft = messages::current_actions(&es, inc.declared_at, tz);
        check_mrkdwn("draft", draft.stored());

        let messages: Vec<(&str, Message)> = vec![
            ("headline", messages::headline(&inc, tz, &words, None)),
            (
                "resolved headline",
                messages::headline(&resolved, tz, &words, None),
            ),
            ("announce declared", messages::announce_declared(&inc)),
            (
                "announce no channel",
                messages::announce_declared(&no_channel),
            ),
            ("announce resolved", messages::announce_resolved(&resolved)),
            ("announce reopened", messages::announce_reopened(&inc)),
            (
                "list",
                messages::incident_list(std::slice::from_ref(&inc), 3, now),
            ),
            ("roles", Message::text(messages::roles_text(&inc, &book))),
            (
                "role checklist",
                messages::role_checklist(&book.roles[4], inc.id).expect("a checklist"),
            ),
            (
                "timeline",
                Message::text(messages::timeline_text(&inc, &es, tz, 40)),
            ),
            (
                "actions",
                messages::actions_message(&inc, std::slice::from_ref(&item), true),
            ),
            (
                "update",
                messages::formal_update(&inc, &t, Some("U1"), now, Some(now), tz),
            ),
            (
                "reminder",
                messages::update_reminder(&inc, &draft, 2, now, Some(now), tz),
            ),
            (
                "escalation",
                messages::escalation(&inc, "2 reminders unanswered", &["SOURS".into()]),
            ),
            (
                "escalation announcement",
                messages::escalation_announcement(&inc, "late", &["SOURS".into(), "U9".into()]),
            ),
            (
                "postmortem reminder",
                messages::postmortem_reminder(&resolved, 1, 3, tz),
            ),
            ("status", messages::status_notice(Status::Identified, "U1")),
            (
                "severity",
                messages::severity_notice(
                    crate::domain::severity::sev(2),
                    crate::domain::severity::sev(1),
                    "U1",
                ),
            ),
            ("note", messages::note_notice("Note", "U1", &t)),
            ("impact", messages::impact_notice("U1", &t)),
            ("action", messages::action_notice(&item)),
            ("resolved", messages::resolved_notice("U1", "30 min", &t)),
            (
                "declared reply",
                Message::text(messages::declared_reply(&inc)),
            ),
            (
                "digest",
                crate::app::cadence::digest::render(
                    std::slice::from_ref(&item),
                    &BTreeMap::from([(1, t.clone())]),
                    std::slice::from_ref(&resolved),
                    NaiveDate::from_ymd_opt(2026, 1, 10).unwrap_or_default(),
                    now,
                    tz,
                ),
            ),
        ];
        for (what, m) in &messages {
            check_message(what, m);
        }
        check_modal(
            "resolve form",
            &messages::resolve_modal(&inc, &Default::default(), &[]),
        );
        check_modal(
            "update form",
            &messages::update_modal(&inc, draft.plain(), now, tz),
        );
        check_modal(
            "declare form",
            &messages::declare_modal(
                crate::domain::severity::sev(2),
                "C1",
                &hostile_types(&t),
                None,
                (crate::domain::severity::seed(), &Default::default()),
            ),
        );
        check_plain("topic", &inc.topic(Some("alice")));
        assert!(inc.topic(None).chars().count() <= 250);

        // Watchers quote text from elsewhere (a certificate's name, a mount point).
        let mut f = Finding::new(
            "certs",
            "cert:x".into(),
            "x".into(),
            Level::Critical,
            t.stored().to_string(),
        );
        f.details = vec![t.stored().to_string(), "<!here> raw".into()];
        f.step = 1;
        let w = crate::store::warnings::Warning {
            notified_level: None,
            notified_step: 0,
            notified_at: None,
            ..crate::store::warnings::Warning::first(&f, now)
        };
        let m = super::warnings::render(&w, Some(Notice::First), &["SOURS".into()], None, tz);
        check_message("warning", &m);

        // What people type and get back in an error.
        let e = command::parse(
            &format!("frobnicate {}", t.stored()),
            crate::domain::severity::seed(),
        );
        if let Err(e) = e {
            check_mrkdwn("error", &e.render("/incident"));
        }
        let e = command::parse("<!channel>", crate::domain::severity::seed())
            .err()
            .map(|e| e.render("/incident"));
        check_mrkdwn("error", &e.unwrap_or_default());

        // The postmortem (canvas, file, page) is Markdown made of the same text.
        let record = crate::postmortem::Record {
            incident: resolved.clone(),
            entries: es.clone(),
            actions: vec![item.clone()],
            earlier: vec![item.clone()],
            names: BTreeMap::new(),
        };
        let cfg = crate::config::Config::from_toml_layers(&[]).expect("defaults");
        let md = crate::postmortem::markdown(&cfg.postmortem_rules(), &record, now, 1);
        let unescaped_special = md
            .match_indices("<!")
            .any(|(i, _)| !md[..i].ends_with('\\'));
        assert!(!unescaped_special, "postmortem: {md}");
        let page = crate::postmortem::page(&cfg.postmortem_rules(), &record, now, 1, "");
        assert!(!page.contains("<!channel") && !page.contains("<javascript"));
    }
}
