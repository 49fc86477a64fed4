//! The draft's opening: its title, the line saying how and when warroom wrote it, and
//! the Summary section.

use std::fmt::Write;

use super::{Doc, TO_FILL, one_line};
use crate::domain::duration::human;

/// The title and the "written by warroom" line.
pub(super) fn header(w: &mut String, d: &Doc) {
    let inc = d.incident();
    let _ = writeln!(
        w,
        "# Incident Postmortem: {}: {}",
        inc.id,
        one_line(&d.plain(&inc.title))
    );
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "_Draft v{} written by warroom on {} UTC from the incident record. {TO_FILL} marks what warroom cannot know; the incident commander completes it._",
        d.inputs.version,
        d.inputs.generated_at.format("%Y-%m-%d %H:%M")
    );
    let _ = writeln!(w);
}

/// `## Summary`: severity, services and state in one line, the description, and the
/// resolution summary (or a prompt for it).
pub(super) fn summary(w: &mut String, d: &Doc) {
    let inc = d.incident();
    let _ = writeln!(w, "## Summary");
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "**{}** · {} ({}) · {} · {}.",
        inc.id,
        inc.severity,
        inc.severity.label(),
        services(d),
        state(d)
    );
    let _ = writeln!(w);
    if let Some(desc) = inc.description.as_ref().filter(|t| !t.is_empty()) {
        let _ = writeln!(w, "{}", d.plain(desc).trim());
        let _ = writeln!(w);
    }
    match &inc.summary {
        Some(s) => {
            let _ = writeln!(w, "Resolution: {}", d.plain(s));
        }
        None => {
            let _ = writeln!(
                w,
                "{TO_FILL} Two or three sentences: what happened, who was affected, how it was fixed."
            );
        }
    }
    let _ = writeln!(w);
}

/// The affected services, or a mark that they are to be filled in.
fn services(d: &Doc) -> String {
    let inc = d.incident();
    if inc.services.is_empty() {
        format!("services {TO_FILL}")
    } else {
        format!("services: {}", inc.services.join(", "))
    }
}

/// How long it took to resolve, or that it is still open and for how long.
fn state(d: &Doc) -> String {
    let inc = d.incident();
    match inc.resolved_at {
        Some(r) => format!("resolved after {}", human(r - inc.declared_at)),
        None => format!(
            "**still {}** ({} so far)",
            inc.status.key(),
            human(d.inputs.generated_at - inc.declared_at)
        ),
    }
}
