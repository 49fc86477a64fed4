//! The postmortem draft in Markdown, following the seed's template (Summary, Impact,
//! Timeline, Root Cause, Contributing Factors, What Went Well, What Went Poorly, Where
//! We Got Lucky, Action Items, Lessons Learned), plus key durations, roles and a review
//! checklist. Whatever warroom cannot know is marked as such, never invented.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::draft::{self, Facts, Inputs};
use crate::domain::UserText;
use crate::domain::duration::human;
use crate::domain::error_budget::minutes;
use crate::domain::text::{Piece, for_each_piece, unescape};
use crate::domain::timeline::Entry;

/// Marks a field warroom cannot know.
pub const TO_FILL: &str = "**[to fill]**";

/// What people typed, as Markdown: mentions become `@name`, Slack links Markdown
/// links, special mentions their words (sanitized first, like every way out), and the
/// typed text itself stays text: `<`, `>`, `[` and `]` are backslash-escaped, so it
/// opens no HTML, no link and no quote of its own.
pub fn plain(text: &UserText, names: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for_each_piece(text.stored(), &mut |p| match p {
        Piece::Text(t) => out.push_str(&md_text(t)),
        Piece::User(id) => out.push_str(&md_text(&draft::name(names, id))),
        Piece::Channel { id, name } => {
            out.push('#');
            out.push_str(&md_text(name.unwrap_or(id)));
        }
        Piece::Link { url, label } => {
            let href = unescape(url).replace(' ', "%20").replace(')', "%29");
            let _ = write!(out, "[{}]({href})", md_text(label.unwrap_or(url)));
        }
    });
    out
}

/// Slack-escaped text as Markdown text.
fn md_text(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    for c in unescape(escaped).chars() {
        if matches!(c, '<' | '>' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// One line of text (timeline entries may hold several).
fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

fn time(t: DateTime<Utc>, with_date: bool) -> String {
    if with_date {
        t.format("%Y-%m-%d %H:%M").to_string()
    } else {
        t.format("%H:%M").to_string()
    }
}

/// Renders the draft.
pub fn render(i: &Inputs) -> String {
    let f = draft::facts(i);
    let inc = i.incident;
    let names = i.names;
    let multi_day = inc.declared_at.date_naive() != f.end.date_naive()
        || inc
            .impact_started_at
            .is_some_and(|t| t.date_naive() != f.end.date_naive());
    let mut md = String::new();
    let w = &mut md;

    let _ = writeln!(
        w,
        "# Incident Postmortem: {}: {}",
        inc.id,
        one_line(&plain(&inc.title, names))
    );
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "_Draft v{} written by warroom on {} UTC from the incident record. {TO_FILL} marks what warroom cannot know; the incident commander completes it._",
        i.version,
        i.generated_at.format("%Y-%m-%d %H:%M")
    );
    let _ = writeln!(w);

    // Summary
    let _ = writeln!(w, "## Summary");
    let _ = writeln!(w);
    let services = if inc.services.is_empty() {
        format!("services {TO_FILL}")
    } else {
        format!("services: {}", inc.services.join(", "))
    };
    let state = match inc.resolved_at {
        Some(r) => format!("resolved after {}", human(r - inc.declared_at)),
        None => format!(
            "**still {}** ({} so far)",
            inc.status.key(),
            human(i.generated_at - inc.declared_at)
        ),
    };
    let _ = writeln!(
        w,
        "**{}** · {} ({}) · {services} · {state}.",
        inc.id,
        inc.severity,
        inc.severity.name()
    );
    let _ = writeln!(w);
    if let Some(d) = inc.description.as_ref().filter(|d| !d.is_empty()) {
        let _ = writeln!(w, "{}", plain(d, names).trim());
        let _ = writeln!(w);
    }
    match &inc.summary {
        Some(s) => {
            let _ = writeln!(w, "Resolution: {}", plain(s, names));
        }
        None => {
            let _ = writeln!(
                w,
                "{TO_FILL} Two or three sentences: what happened, who was affected, how it was fixed."
            );
        }
    }
    let _ = writeln!(w);

    // Impact
    let _ = writeln!(w, "## Impact");
    let _ = writeln!(w);
    impact(w, i, &f, multi_day);
    let _ = writeln!(w);

    // Key durations
    let _ = writeln!(w, "## Key durations");
    let _ = writeln!(w);
    let _ = writeln!(w, "| Milestone | Time (UTC) | Since declared |");
    let _ = writeln!(w, "|---|---|---|");
    let milestones = [
        ("Impact started", inc.impact_started_at),
        ("Declared", Some(inc.declared_at)),
        ("Acknowledged", inc.acknowledged_at),
        ("Identified", inc.identified_at),
        ("Mitigated", inc.mitigated_at),
        ("Resolved", inc.resolved_at),
    ];
    for (label, t) in milestones {
        if label == "Impact started" && t.is_none() {
            continue;
        }
        match t {
            Some(t) => {
                let since = if label == "Declared" {
                    "—".to_string()
                } else if t < inc.declared_at {
                    format!("{} before", human(inc.declared_at - t))
                } else {
                    human(t - inc.declared_at)
                };
                let _ = writeln!(w, "| {label} | {} | {since} |", time(t, multi_day));
            }
            None => {
                let _ = writeln!(w, "| {label} | not recorded | — |");
            }
        }
    }
    let _ = writeln!(w);

    // Timeline
    let _ = writeln!(w, "## Timeline (all times UTC)");
    let _ = writeln!(w);
    if let Some(t) = inc.impact_started_at.filter(|t| *t < inc.declared_at) {
        let _ = writeln!(
            w,
            "- {} — impact began (as recorded with `impact --since`)",
            time(t, multi_day)
        );
    }
    // Drafts of the postmortem itself are not part of the incident's story.
    for e in i
        .entries
        .iter()
        .filter(|e| e.kind != crate::domain::timeline::EntryKind::Postmortem)
    {
        let _ = writeln!(
            w,
            "- {} — {} — **{}**: {}",
            time(e.at, multi_day),
            draft::name(names, &e.actor),
            e.kind.label(),
            one_line(&plain(&e.text, names))
        );
    }
    let _ = writeln!(w);

    // Roles
    let _ = writeln!(w, "## Roles and participants");
    let _ = writeln!(w);
    for (role, who) in draft::role_lines(inc, names) {
        let _ = writeln!(w, "- {role}: {who}");
    }
    let people: Vec<String> = f
        .participants
        .iter()
        .map(|u| draft::name(names, u))
        .collect();
    let _ = writeln!(
        w,
        "- Participants: {}",
        if people.is_empty() {
            "—".to_string()
        } else {
            people.join(", ")
        }
    );
    let _ = writeln!(w);

    // Root cause and factors
    notes_section(
        w,
        "Root Cause",
        f.notes.get("cause"),
        names,
        multi_day,
        "What in the system allowed this to happen? Record it with `/incident note --cause <text>` or write it here.",
    );
    notes_section(
        w,
        "Contributing Factors",
        f.notes.get("factor"),
        names,
        multi_day,
        "Detection, rollout, response and knowledge gaps that made it worse; each deserves an action item. (`/incident note --factor <text>`)",
    );

    // Went well / poorly / lucky
    facts_section(
        w,
        "What Went Well",
        &f.went_well,
        f.notes.get("went-well"),
        names,
        multi_day,
        "What helped: detection, tooling, communication, people who stepped in.",
    );
    facts_section(
        w,
        "What Went Poorly",
        &f.went_poorly,
        f.notes.get("went-poorly"),
        names,
        multi_day,
        "What slowed the response or widened the impact, described in terms of systems and processes.",
    );
    facts_section(
        w,
        "Where We Got Lucky",
        &[],
        f.notes.get("lucky"),
        names,
        multi_day,
        "What limited the damage by chance rather than by design.",
    );

    // Action items
    let _ = writeln!(w, "## Action Items");
    let _ = writeln!(w);
    if i.actions.is_empty() {
        let _ = writeln!(
            w,
            "{TO_FILL} No action items recorded. Add them with `/incident action <text> [@owner] [due YYYY-MM-DD] [p1|p2|p3]`."
        );
    } else {
        let _ = writeln!(w, "| Action | Owner | Priority | Due Date | Status |");
        let _ = writeln!(w, "|--------|-------|----------|----------|--------|");
        for a in i.actions {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} |",
                cell(&plain(&a.text, names)),
                a.owner
                    .as_deref()
                    .map(|o| draft::name(names, o))
                    .unwrap_or_else(|| TO_FILL.into()),
                a.priority
                    .map(|p| p.key().to_string())
                    .unwrap_or_else(|| TO_FILL.into()),
                a.due
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| TO_FILL.into()),
                if a.done { "DONE" } else { "TODO" }
            );
        }
    }
    let _ = writeln!(w);

    let _ = writeln!(w, "## Lessons Learned");
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "{TO_FILL} Open discussion points and takeaways from the review."
    );
    let _ = writeln!(w);

    // Review checklist
    let _ = writeln!(w, "## Review checklist");
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "- [{}] Root cause written",
        if f.notes.contains_key("cause") {
            "x"
        } else {
            " "
        }
    );
    let _ = writeln!(
        w,
        "- [{}] Contributing factors listed, each with an action item",
        if f.notes.contains_key("factor") && !i.actions.is_empty() {
            "x"
        } else {
            " "
        }
    );
    let complete = !i.actions.is_empty()
        && i.actions
            .iter()
            .all(|a| a.owner.is_some() && a.due.is_some());
    let _ = writeln!(
        w,
        "- [{}] Every action item has an owner and a due date",
        if complete { "x" } else { " " }
    );
    let _ = writeln!(
        w,
        "- [ ] Reviewed with the responders within 48 hours of resolution"
    );
    if f.blame.is_empty() {
        let _ = writeln!(w, "- [x] No note reads as blame");
    } else {
        let _ = writeln!(
            w,
            "- [ ] Wording: these notes may read as blame. Rephrase them in terms of what the system allowed (\"what in our process could have caught this?\"), keeping the facts:"
        );
        for b in &f.blame {
            let _ = writeln!(
                w,
                "  - {} {} (“{}”): {}",
                time(b.at, multi_day),
                draft::name(names, &b.actor),
                b.phrase,
                one_line(&plain(&b.text, names))
            );
        }
    }
    md
}

fn impact(w: &mut String, i: &Inputs, f: &Facts, multi_day: bool) {
    let inc = i.incident;
    match inc.resolved_at {
        Some(r) => {
            let _ = writeln!(
                w,
                "- Duration: {} (declared {} → resolved {} UTC)",
                human(r - inc.declared_at),
                time(inc.declared_at, multi_day),
                time(r, multi_day)
            );
        }
        None => {
            let _ = writeln!(
                w,
                "- Duration: {} so far (declared {} UTC; not resolved yet)",
                human(i.generated_at - inc.declared_at),
                time(inc.declared_at, multi_day)
            );
        }
    }
    let end_label = if inc.mitigated_at.is_some() {
        "mitigated"
    } else if inc.resolved_at.is_some() {
        "resolved"
    } else {
        "now"
    };
    let start_label = if inc.impact_started_at.is_some() {
        "impact began"
    } else {
        "declared"
    };
    let _ = writeln!(
        w,
        "- User impact: {} ({start_label} {} → {end_label} {} UTC)",
        human(f.impact_end - f.impact_start),
        time(f.impact_start, multi_day),
        time(f.impact_end, multi_day)
    );
    match &inc.impact {
        Some(text) => {
            let _ = writeln!(w, "- Users affected: {}", one_line(&plain(text, i.names)));
        }
        None => {
            let _ = writeln!(
                w,
                "- Users affected: {TO_FILL} (record it with `/incident impact <text, e.g. 12% of requests fail>`)"
            );
        }
    }
    let _ = writeln!(w, "- Revenue impact: {TO_FILL}");
    if f.consumption.is_empty() {
        let why = match (
            inc.impact_percent,
            inc.services.is_empty(),
            i.slos.is_empty(),
        ) {
            (None, _, _) => "no percentage of affected requests was recorded",
            (Some(_), true, _) => "no affected service was named (`/incident service <name>`)",
            (Some(_), false, true) => "no SLO is configured",
            (Some(_), false, false) => "no SLO is configured for the affected services",
        };
        let _ = writeln!(w, "- Error budget consumed: {TO_FILL} ({why})");
    } else {
        for c in &f.consumption {
            let _ = writeln!(
                w,
                "- Error budget consumed: {} min of the {} min budget of `{}` ({}% over {}): {:.1}% — {} of impact × {}% of requests",
                minutes(c.consumed_minutes),
                minutes(c.budget_minutes),
                c.slo.name,
                c.slo.target,
                human(c.slo.window),
                c.percent_of_budget,
                human(f.impact_end - f.impact_start),
                c.fraction * 100.0
            );
        }
    }
    let _ = writeln!(w, "- Data lost or corrupted: {TO_FILL}");
}

fn note_lines(w: &mut String, notes: &[Entry], names: &BTreeMap<String, String>, multi_day: bool) {
    for n in notes {
        let _ = writeln!(
            w,
            "- {} ({}, {} UTC)",
            one_line(&plain(&n.text, names)),
            draft::name(names, &n.actor),
            time(n.at, multi_day)
        );
    }
}

fn notes_section(
    w: &mut String,
    title: &str,
    notes: Option<&Vec<Entry>>,
    names: &BTreeMap<String, String>,
    multi_day: bool,
    prompt: &str,
) {
    let _ = writeln!(w, "## {title}");
    let _ = writeln!(w);
    match notes {
        Some(n) if !n.is_empty() => note_lines(w, n, names, multi_day),
        _ => {
            let _ = writeln!(w, "{TO_FILL} {prompt}");
        }
    }
    let _ = writeln!(w);
}

fn facts_section(
    w: &mut String,
    title: &str,
    facts: &[String],
    notes: Option<&Vec<Entry>>,
    names: &BTreeMap<String, String>,
    multi_day: bool,
    prompt: &str,
) {
    let _ = writeln!(w, "## {title}");
    let _ = writeln!(w);
    for f in facts {
        let _ = writeln!(w, "- {f} _(recorded by warroom)_");
    }
    if let Some(n) = notes {
        note_lines(w, n, names, multi_day);
    }
    let _ = writeln!(w, "- {TO_FILL} {prompt}");
    let _ = writeln!(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrkdwn_to_markdown() {
        let names = BTreeMap::from([("U1".to_string(), "alice".to_string())]);
        assert_eq!(
            plain(
                &"<@U1> and <@U9|x> in <#C1|ops> see <https://x|docs> &lt;1&gt; <!channel>".into(),
                &names
            ),
            "@alice and @U9 in #ops see [docs](https://x) \\<1\\> @channel"
        );
        assert_eq!(plain(&"a <broken".into(), &names), "a \\<broken");
        assert_eq!(plain(&"x <b>y</b>".into(), &names), "x \\<b\\>y\\</b\\>");
        assert_eq!(
            plain(
                &UserText::from_plain("[click](javascript:x) <!here>"),
                &names
            ),
            "\\[click\\](javascript:x) \\<!here\\>"
        );
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn notes_of_a_multi_day_incident_carry_their_date() {
        use crate::domain::command::NoteKind;
        use crate::domain::timeline::EntryKind;
        use chrono::TimeZone;
        let mut inc = crate::domain::incident::fixtures::incident();
        inc.status = crate::domain::Status::Resolved;
        let next_day = Utc.with_ymd_and_hms(2026, 1, 6, 9, 30, 0).unwrap();
        inc.resolved_at = Some(next_day);
        let entries = vec![Entry {
            at: next_day,
            actor: "U1".into(),
            kind: EntryKind::Note(NoteKind::RootCause),
            text: "An expired certificate on the API gateway".into(),
        }];
        let names = BTreeMap::new();
        let md = render(&draft::Inputs {
            incident: &inc,
            entries: &entries,
            actions: &[],
            slos: &[],
            names: &names,
            blame_phrases: &[],
            generated_at: next_day,
            version: 1,
        });
        assert!(
            md.contains("- An expired certificate on the API gateway (@U1, 2026-01-06 09:30 UTC)"),
            "{md}"
        );
    }
}
