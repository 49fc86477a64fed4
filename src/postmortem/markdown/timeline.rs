//! The sections told in time: the key durations (milestones and how long after the
//! declaration each came) and the timeline of recorded entries.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::{Doc, one_line};
use crate::domain::duration::human;
use crate::domain::timeline::EntryKind;

/// `## Key durations`: a table of milestones.
pub(super) fn key_durations(w: &mut String, d: &Doc) {
    let inc = d.incident();
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
                let _ = writeln!(
                    w,
                    "| {label} | {} | {} |",
                    d.time(t),
                    since_declared(d, label, t)
                );
            }
            None => {
                let _ = writeln!(w, "| {label} | not recorded | — |");
            }
        }
    }
    let _ = writeln!(w);
}

/// How long after the declaration a milestone came (or before it, for impact that
/// began earlier).
fn since_declared(d: &Doc, label: &str, t: DateTime<Utc>) -> String {
    let declared = d.incident().declared_at;
    if label == "Declared" {
        "—".to_string()
    } else if t < declared {
        format!("{} before", human(declared - t))
    } else {
        human(t - declared)
    }
}

/// `## Timeline (all times UTC)`: when impact began, if before the declaration, then
/// every entry of the record.
pub(super) fn timeline(w: &mut String, d: &Doc) {
    let inc = d.incident();
    let _ = writeln!(w, "## Timeline (all times UTC)");
    let _ = writeln!(w);
    if let Some(t) = inc.impact_started_at.filter(|t| *t < inc.declared_at) {
        let _ = writeln!(
            w,
            "- {} — impact began (as recorded with `impact --since`)",
            d.time(t)
        );
    }
    // Drafts of the postmortem itself are not part of the incident's story.
    for e in d
        .inputs
        .entries
        .iter()
        .filter(|e| e.kind != EntryKind::Postmortem)
    {
        let _ = writeln!(
            w,
            "- {} — {} — **{}**: {}",
            d.time(e.at),
            d.name(&e.actor),
            e.kind.label(),
            one_line(&d.plain(&e.text))
        );
    }
    let _ = writeln!(w);
}
