//! Postmortem drafts: built from the incident record on resolution (or on request),
//! kept in versions, rendered as Markdown (for Slack canvases and files), as a printable
//! HTML page with a picture of the incident's phases, and printed by
//! `warroom postmortem INC-n`.

pub mod confluence;
pub mod debrief;
pub mod draft;
pub mod google_calendar;

pub mod markdown;
pub mod pull_request;
pub mod svg;
pub mod template;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::domain::error_budget::Slo;
use crate::domain::timeline::{Entry, EntryKind};
use crate::domain::{ActionItem, Incident};
use crate::html;

/// The prefix of cached user names in the key-value table.
pub const NAME_KEY: &str = "user-name:";

/// Everything recorded about one incident.
#[derive(Debug, Clone)]
pub struct Record {
    pub incident: Incident,
    pub entries: Vec<Entry>,
    pub actions: Vec<ActionItem>,
    /// Action items still open from earlier incidents on the same services.
    pub earlier: Vec<ActionItem>,
    pub names: BTreeMap<String, String>,
}

/// What a draft is judged against: the SLOs its impact is priced on and the phrases
/// that read as blame.
#[derive(Debug, Clone)]
pub struct Rules {
    pub slos: Vec<Slo>,
    pub blame_phrases: Vec<String>,
    /// Role key → the name the organisation gives it.
    pub role_names: BTreeMap<String, String>,
    /// The configured custom fields.
    pub fields: crate::domain::fields::FieldBook,
    /// The layout: the team's template or the shipped one.
    pub template: std::sync::Arc<template::Template>,
}

/// What a draft of `r` is built from.
fn inputs<'a>(
    rules: &'a Rules,
    r: &'a Record,
    now: DateTime<Utc>,
    version: i64,
) -> draft::Inputs<'a> {
    draft::Inputs {
        incident: &r.incident,
        entries: &r.entries,
        actions: &r.actions,
        earlier: &r.earlier,
        slos: &rules.slos,
        names: &r.names,
        role_names: &rules.role_names,
        fields: &rules.fields,
        blame_phrases: &rules.blame_phrases,
        generated_at: now,
        version,
    }
}

/// The Markdown draft of a record, in the configured template.
pub fn markdown(rules: &Rules, r: &Record, now: DateTime<Utc>, version: i64) -> String {
    markdown::render_with(&rules.template, &inputs(rules, r, now, version))
}

/// What a template is given for `r` (the pull request's review reads its findings).
pub fn view(rules: &Rules, r: &Record, now: DateTime<Utc>, version: i64) -> markdown::view::View {
    markdown::view(&inputs(rules, r, now, version))
}

/// The draft without its "written on" line, to tell whether anything changed.
pub fn substance(md: &str) -> String {
    md.lines()
        .filter(|l| !l.starts_with("_Draft v"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Key events for the picture.
pub fn events(inc: &Incident, entries: &[Entry]) -> Vec<svg::Event> {
    let mut ev = Vec::new();
    let mut major = |at: Option<DateTime<Utc>>, label: &str| {
        if let Some(at) = at {
            ev.push(svg::Event {
                at,
                label: label.to_string(),
                major: true,
            });
        }
    };
    if inc.impact_started_at.is_some_and(|t| t < inc.declared_at) {
        major(inc.impact_started_at, "Impact began");
    }
    // The severity it was declared with (it may have changed since): the name the
    // declaration entry starts with (names are one word of letters, digits, - _ .).
    let declared_as = entries
        .iter()
        .find(|e| e.kind == EntryKind::Declared)
        .and_then(|e| {
            e.text
                .stored()
                .split_whitespace()
                .next()
                .map(str::to_string)
        })
        .filter(|w| {
            w.len() <= 16
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .unwrap_or_else(|| inc.severity.to_string());
    major(Some(inc.declared_at), &format!("Declared {declared_as}"));
    if inc.acknowledged_at != Some(inc.declared_at) {
        major(inc.acknowledged_at, "Acknowledged");
    }
    major(inc.identified_at, "Identified");
    major(inc.mitigated_at, "Mitigated");
    for e in entries {
        match e.kind {
            EntryKind::Severity => major(Some(e.at), &format!("Severity {}", e.text.plain())),
            EntryKind::Escalation => major(Some(e.at), "Escalated"),
            EntryKind::Reopened => major(Some(e.at), "Reopened"),
            _ => {}
        }
    }
    major(inc.resolved_at, "Resolved");
    ev.sort_by_key(|e| e.at);
    for e in entries.iter().filter(|e| e.kind == EntryKind::Update) {
        ev.push(svg::Event {
            at: e.at,
            label: "Status update".into(),
            major: false,
        });
    }
    ev
}

/// The picture of a record.
pub fn picture(r: &Record, now: DateTime<Utc>) -> String {
    let inc = &r.incident;
    let start = inc
        .impact_started_at
        .map(|t| t.min(inc.declared_at))
        .unwrap_or(inc.declared_at);
    let end = inc.resolved_at.unwrap_or(now);
    svg::render(
        &draft::phases(inc, &r.entries, now),
        &events(inc, &r.entries),
        start,
        end,
    )
}

/// The printable HTML page of a record's draft, with the picture after the summary.
pub fn page(rules: &Rules, r: &Record, now: DateTime<Utc>, version: i64, footer: &str) -> String {
    let md = markdown(rules, r, now, version);
    let body = html::markdown_to_html(&md);
    let figure = format!(
        "<figure class=\"timeline\" aria-label=\"Incident phases and key events\">{}</figure>",
        picture(r, now)
    );
    let body = match body.find("<h2>Impact</h2>") {
        Some(at) => format!("{}{figure}{}", &body[..at], &body[at..]),
        None => format!("{figure}{body}"),
    };
    html::page(
        &format!("Postmortem {}: {}", r.incident.id, r.incident.title.plain()),
        &format!("{body}{footer}"),
    )
}
