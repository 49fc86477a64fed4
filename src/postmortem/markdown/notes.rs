//! The sections people write, seeded from their notes (`/incident note --cause`,
//! `--factor`, `--went-well`…): Root Cause, Contributing Factors, What Went Well,
//! What Went Poorly and Where We Got Lucky. Where nothing was noted, a prompt says
//! what belongs there.

use std::fmt::Write;

use super::{Doc, TO_FILL, one_line};
use crate::domain::timeline::Entry;

/// `## Root Cause` and `## Contributing Factors`.
pub(super) fn cause_and_factors(w: &mut String, d: &Doc) {
    notes_section(
        w,
        d,
        "Root Cause",
        "cause",
        "What in the system allowed this to happen? Record it with `/incident note --cause <text>` or write it here.",
    );
    notes_section(
        w,
        d,
        "Contributing Factors",
        "factor",
        "Detection, rollout, response and knowledge gaps that made it worse; each deserves an action item. (`/incident note --factor <text>`)",
    );
}

/// `## What Went Well`, `## What Went Poorly` and `## Where We Got Lucky`: what
/// warroom saw for itself, then the notes, then a prompt for more.
pub(super) fn went_well_poorly_lucky(w: &mut String, d: &Doc) {
    let f = d.facts;
    facts_section(
        w,
        d,
        "What Went Well",
        &f.went_well,
        "went-well",
        "What helped: detection, tooling, communication, people who stepped in.",
    );
    facts_section(
        w,
        d,
        "What Went Poorly",
        &f.went_poorly,
        "went-poorly",
        "What slowed the response or widened the impact, described in terms of systems and processes.",
    );
    facts_section(
        w,
        d,
        "Where We Got Lucky",
        &[],
        "lucky",
        "What limited the damage by chance rather than by design.",
    );
}

/// The notes filed under `key`, if any.
fn notes<'a>(d: &'a Doc, key: &str) -> Option<&'a Vec<Entry>> {
    d.facts.notes.get(key)
}

/// One line per note: its text, who wrote it and when.
fn note_lines(w: &mut String, d: &Doc, notes: &[Entry]) {
    for n in notes {
        let _ = writeln!(
            w,
            "- {} ({}, {} UTC)",
            one_line(&d.plain(&n.text)),
            d.name(&n.actor),
            d.time(n.at)
        );
    }
}

/// A section made of the notes filed under `key`, or the prompt when there are none.
fn notes_section(w: &mut String, d: &Doc, title: &str, key: &str, prompt: &str) {
    let _ = writeln!(w, "## {title}");
    let _ = writeln!(w);
    match notes(d, key) {
        Some(n) if !n.is_empty() => note_lines(w, d, n),
        _ => {
            let _ = writeln!(w, "{TO_FILL} {prompt}");
        }
    }
    let _ = writeln!(w);
}

/// A section of warroom's own facts, the notes filed under `key`, and always the
/// prompt, since people know more than the record.
fn facts_section(w: &mut String, d: &Doc, title: &str, facts: &[String], key: &str, prompt: &str) {
    let _ = writeln!(w, "## {title}");
    let _ = writeln!(w);
    for f in facts {
        let _ = writeln!(w, "- {f} _(recorded by warroom)_");
    }
    if let Some(n) = notes(d, key) {
        note_lines(w, d, n);
    }
    let _ = writeln!(w, "- {TO_FILL} {prompt}");
    let _ = writeln!(w);
}
