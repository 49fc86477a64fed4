//! The closing sections: Lessons Learned (left to the review) and the review
//! checklist, which ticks what the record already shows and lists notes whose wording
//! may read as blame.

use std::fmt::Write;

use super::{Doc, TO_FILL, one_line};

/// `## Lessons Learned`.
pub(super) fn lessons_learned(w: &mut String) {
    let _ = writeln!(w, "## Lessons Learned");
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "{TO_FILL} Open discussion points and takeaways from the review."
    );
    let _ = writeln!(w);
}

/// A checkbox, ticked or not.
fn tick(done: bool) -> &'static str {
    if done { "x" } else { " " }
}

/// `## Review checklist`.
pub(super) fn checklist(w: &mut String, d: &Doc) {
    let notes = &d.facts.notes;
    let actions = d.inputs.actions;
    let _ = writeln!(w, "## Review checklist");
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "- [{}] Root cause written",
        tick(notes.contains_key("cause"))
    );
    let _ = writeln!(
        w,
        "- [{}] Contributing factors listed, each with an action item",
        tick(notes.contains_key("factor") && !actions.is_empty())
    );
    let complete =
        !actions.is_empty() && actions.iter().all(|a| a.owner.is_some() && a.due.is_some());
    let _ = writeln!(
        w,
        "- [{}] Every action item has an owner and a due date",
        tick(complete)
    );
    let _ = writeln!(
        w,
        "- [ ] Reviewed with the responders within 48 hours of resolution"
    );
    blame(w, d);
}

/// The wording item: ticked when no note reads as blame, else each such note.
fn blame(w: &mut String, d: &Doc) {
    let flags = &d.facts.blame;
    if flags.is_empty() {
        let _ = writeln!(w, "- [x] No note reads as blame");
        return;
    }
    let _ = writeln!(
        w,
        "- [ ] Wording: these notes may read as blame. Rephrase them in terms of what the system allowed (\"what in our process could have caught this?\"), keeping the facts:"
    );
    for b in flags {
        let _ = writeln!(
            w,
            "  - {} {} (“{}”): {}",
            d.time(b.at),
            d.name(&b.actor),
            b.phrase,
            one_line(&d.plain(&b.text))
        );
    }
}
