//! The postmortem draft in Markdown, following the seed's template (Summary, Impact,
//! Timeline, Root Cause, Contributing Factors, What Went Well, What Went Poorly, Where
//! We Got Lucky, Action Items, Lessons Learned), plus key durations, roles and a review
//! checklist. Whatever warroom cannot know is marked as such, never invented.
//!
//! The layout is a template (`config/postmortem.md` as shipped, or the team's own,
//! [`crate::postmortem::template`]); this module holds the text helpers that make what
//! people typed safe for Markdown, and [`view`] works the record out into what a
//! template is given.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::draft::{self, Facts, Inputs};
use crate::domain::text::{Piece, for_each_piece, unescape};
use crate::domain::{Incident, UserText};

mod sample;
pub mod view;

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
pub(crate) fn cell(s: &str) -> String {
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

/// A time, with its date when asked.
fn time(t: DateTime<Utc>, with_date: bool) -> String {
    if with_date {
        t.format("%Y-%m-%d %H:%M").to_string()
    } else {
        t.format("%H:%M").to_string()
    }
}

/// What every section is written from: the inputs, the facts worked out from them,
/// and whether times need their date.
struct Doc<'a> {
    inputs: &'a Inputs<'a>,
    facts: &'a Facts,
    /// The incident spans more than one day (UTC), so times carry their date.
    multi_day: bool,
}

impl Doc<'_> {
    fn incident(&self) -> &Incident {
        self.inputs.incident
    }

    /// A time as the draft shows it.
    fn time(&self, t: DateTime<Utc>) -> String {
        time(t, self.multi_day)
    }

    /// What someone typed, as Markdown.
    fn plain(&self, text: &UserText) -> String {
        plain(text, self.inputs.names)
    }

    /// A user's display name.
    fn name(&self, id: &str) -> String {
        draft::name(self.inputs.names, id)
    }
}

/// True when the incident (from its declaration, or an earlier start of impact, to
/// its end) runs over more than one day.
fn spans_days(i: &Inputs, f: &Facts) -> bool {
    let inc = i.incident;
    inc.declared_at.date_naive() != f.end.date_naive()
        || inc
            .impact_started_at
            .is_some_and(|t| t.date_naive() != f.end.date_naive())
}

/// The draft in the shipped template.
pub fn render(i: &Inputs) -> String {
    render_with(&crate::postmortem::template::Template::shipped(), i)
}

/// The view a template is given for these inputs.
pub fn view(i: &Inputs) -> view::View {
    let f = draft::facts(i);
    let d = Doc {
        inputs: i,
        facts: &f,
        multi_day: spans_days(i, &f),
    };
    view::build(&d)
}

/// The draft in `template`; a team's template that fails on this record (it passed
/// the start-up check, so something the samples lacked) gives the shipped layout,
/// and the failure is logged.
pub fn render_with(template: &crate::postmortem::template::Template, i: &Inputs) -> String {
    let v = view(i);
    match template.render(&v) {
        Ok(md) => md,
        Err(e) => {
            tracing::warn!(error = %e, "postmortem template failed; the shipped one is used");
            crate::postmortem::template::Template::shipped()
                .render(&v)
                .unwrap_or_else(|e| format!("postmortem template error: {e}\n"))
        }
    }
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
        use crate::domain::timeline::{Entry, EntryKind};
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
            earlier: &[],
            slos: &[],
            names: &names,
            role_names: &names,
            fields: &Default::default(),
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
