//! The headline message pinned in the incident channel: title, severity, status,
//! roles and times as fields, the description or resolution, and the buttons that
//! fit the incident's state.

use chrono_tz::Tz;

use super::format::{datetime, many, who};
use crate::app::entry::controls::Action;
use crate::chat::{Block, Button, ButtonStyle, Message};
use crate::domain::Incident;
use crate::domain::duration::human;
use crate::domain::ids::mention;
use crate::domain::incident_type::Vocabulary;
use crate::domain::role::RoleBook;
use crate::domain::text::escape;

/// The headline message pinned in the incident channel, kept current.
/// `ticket`: the incident's ticket in the team's tracker, linked, once it has one.
pub(crate) fn headline(
    inc: &Incident,
    tz: Tz,
    words: &Vocabulary,
    ticket: Option<&str>,
) -> Message {
    let mut blocks = vec![
        Block::Header { text: header(inc) },
        Block::Section {
            text: String::new(),
            fields: fields(inc, tz, words),
        },
    ];
    blocks.extend(prose(inc));
    blocks.push(Block::Actions {
        buttons: buttons(inc),
    });
    blocks.push(footer(inc, ticket));
    Message {
        text: format!(
            "{} {} | {} | {} | IC {}",
            inc.id,
            inc.title.mrkdwn(),
            inc.severity,
            inc.status,
            who(inc.commander())
        ),
        blocks,
    }
}

/// `:rotating_light: INC-1: <title>`, ticked once the incident is over.
fn header(inc: &Incident) -> String {
    format!(
        "{} {}: {}",
        if inc.is_open() {
            ":rotating_light:"
        } else {
            ":white_check_mark:"
        },
        inc.id,
        inc.title.plain()
    )
}

/// The custom fields marked `headline` that have a value: `Region: eu`.
fn headline_fields(inc: &Incident, words: &Vocabulary) -> Vec<String> {
    words
        .fields
        .of_type(inc.kind.as_deref())
        .filter(|f| f.headline)
        .filter_map(|f| {
            let v = inc.fields.get(&f.key)?;
            Some(format!("{}: {}", escape(&f.label), f.mrkdwn(v)))
        })
        .take(crate::domain::fields::MAX_HEADLINE)
        .collect()
}

/// Severity, status, roles and times, then impact, services, tags and fields when known.
fn fields(inc: &Incident, tz: Tz, words: &Vocabulary) -> Vec<String> {
    let mut fields = vec![
        format!(
            "*Severity*\n{} {} — {}{}",
            inc.severity.emoji(),
            inc.severity,
            escape(inc.severity.label()),
            words
                .types
                .of(inc.kind.as_deref())
                .map(|t| format!(" · {}", escape(&t.name)))
                .unwrap_or_default()
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
        smes_and_others(inc, &words.roles),
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
    // One field for both: a section holds at most ten.
    let on_call = (!inc.roles.on_call.is_empty())
        .then(|| format!(":pager: on call: {}", many(&inc.roles.on_call)));
    let tags = (!inc.tags.is_empty()).then(|| {
        let list: Vec<String> = inc.tags.iter().map(|t| format!("`{t}`")).collect();
        format!("tags: {}", list.join(" "))
    });
    let custom = headline_fields(inc, words);
    if !inc.services.is_empty() || on_call.is_some() || tags.is_some() || !custom.is_empty() {
        let title = if inc.services.is_empty() && on_call.is_none() && tags.is_none() {
            "Details"
        } else {
            "Services"
        };
        let lines: Vec<String> = (!inc.services.is_empty())
            .then(|| inc.services.join(", "))
            .into_iter()
            .chain(on_call)
            .chain(tags)
            .chain(custom)
            .collect();
        fields.push(format!("*{title}*\n{}", lines.join("\n")));
    }
    fields
}

/// The SMEs, then the holders of the organisation's own roles (one field for all: a
/// section holds at most ten).
fn smes_and_others(inc: &Incident, roles: &RoleBook) -> String {
    let mut field = format!("*SMEs*\n{}", many(&inc.roles.experts));
    for info in roles.roles.iter().filter(|r| !r.role.is_builtin()) {
        let holders: Vec<String> = inc
            .roles
            .get(info.role)
            .iter()
            .map(|u| u.to_string())
            .collect();
        if !holders.is_empty() {
            field.push_str(&format!("\n{}: {}", escape(&info.short), many(&holders)));
        }
    }
    field
}

/// The description, and the resolution once the incident is over.
fn prose(inc: &Incident) -> Vec<Block> {
    let mut blocks = Vec::new();
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
    blocks
}

/// Take IC, Post update and Resolve while open; Reopen once resolved.
fn buttons(inc: &Incident) -> Vec<Button> {
    let value = inc.id.0.to_string();
    if inc.is_open() {
        vec![
            Button::new(Action::TakeIc.id(), "Take IC", value.clone()).styled(ButtonStyle::Primary),
            Button::new(Action::PostUpdate.id(), "Post update", value.clone()),
            Button::new(
                Action::StatusUpdate.id(),
                "Post status update",
                value.clone(),
            ),
            Button::new(Action::Resolve.id(), "Resolve", value).styled(ButtonStyle::Danger),
        ]
    } else {
        vec![Button::new(Action::Reopen.id(), "Reopen", value)]
    }
}

/// Visibility, who declared it, and where to find the commands.
fn footer(inc: &Incident, ticket: Option<&str>) -> Block {
    let ticket = ticket
        .map(|t| format!(" · :ticket: {t}"))
        .unwrap_or_default();
    Block::Context {
        items: vec![format!(
            "{} · declared by {}{ticket} · `/incident help` for commands",
            if inc.private {
                ":lock: private"
            } else {
                ":globe_with_meridians: public"
            },
            mention(&inc.declared_by)
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Status;
    use crate::domain::incident::fixtures::incident;

    fn book() -> Vocabulary {
        let cfg = "[roles.scribe]\nname = \"Scribe <b>\"\n\
                   [incident_types.security]\nname = \"Security\"\n";
        crate::config::Config::from_toml(cfg)
            .unwrap()
            .vocabulary()
            .clone()
    }

    #[test]
    fn added_roles_share_the_smes_field() {
        let mut i = incident();
        let scribe = crate::domain::Role::parse("scribe").unwrap();
        let key = match scribe {
            crate::domain::Role::Custom(k) => k,
            _ => unreachable!("scribe is not built in"),
        };
        i.roles.others = vec![(key, "U4".into())];
        let m = headline(&i, Tz::UTC, &book(), None);
        let Block::Section { fields, .. } = &m.blocks[1] else {
            panic!("no fields")
        };
        let smes = fields.iter().find(|f| f.starts_with("*SMEs*")).unwrap();
        assert_eq!(smes, "*SMEs*\n—\nScribe &lt;b&gt;: <@U4>");
        i.kind = Some("security".into());
        let m = headline(&i, Tz::UTC, &book(), None);
        assert!(format!("{m:?}").contains("SEV2 — Major · Security"));
    }

    #[test]
    fn headline_has_the_roles_times_and_buttons() {
        let mut i = incident();
        i.roles.experts = vec!["U7".into()];
        let m = headline(&i, Tz::UTC, &book(), None);
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
        let m = headline(&i, Tz::UTC, &book(), None);
        let all = format!("{m:?}");
        assert!(all.contains("reopen") && !all.contains("take_ic"));
        assert!(all.contains("after 50 min"));
    }

    #[test]
    fn the_on_call_shares_the_services_field() {
        let mut i = incident();
        i.services = vec!["api".into()];
        i.roles.on_call = vec!["U8".into(), "U9".into()];
        i.impact = Some("12% of requests fail".into());
        i.status = Status::Resolved;
        i.resolved_at = Some(i.declared_at + chrono::Duration::minutes(5));
        let m = headline(&i, Tz::UTC, &book(), None);
        let Block::Section { fields, .. } = &m.blocks[1] else {
            panic!("no fields")
        };
        assert!(fields.len() <= 10, "Slack's limit: {}", fields.len());
        let services = fields.iter().find(|f| f.starts_with("*Services*")).unwrap();
        assert_eq!(services, "*Services*\napi\n:pager: on call: <@U8>, <@U9>");
    }
}
