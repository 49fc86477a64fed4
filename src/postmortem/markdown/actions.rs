//! The Action Items section: a table of the incident's action items, with what is
//! missing from each marked to fill, then the follow-ups earlier incidents on the same
//! services left open.

use std::fmt::Write;

use super::{Doc, TO_FILL, cell};
use crate::domain::ActionItem;

/// `## Action Items`: the table, or how to add items when there are none.
pub(super) fn action_items(w: &mut String, d: &Doc) {
    let _ = writeln!(w, "## Action Items");
    let _ = writeln!(w);
    let actions = d.inputs.actions;
    if actions.is_empty() {
        let _ = writeln!(
            w,
            "{TO_FILL} No action items recorded. Add them with `/incident action <text> [@owner] [due YYYY-MM-DD] [p1|p2|p3]`."
        );
    } else {
        let _ = writeln!(w, "| Action | Owner | Priority | Due Date | Status |");
        let _ = writeln!(w, "|--------|-------|----------|----------|--------|");
        for a in actions {
            row(w, d, a);
        }
    }
    let _ = writeln!(w);
    earlier(w, d);
}

/// `### Open follow-ups from earlier incidents on this service`, when there are any:
/// what the last incidents on these services left undone.
fn earlier(w: &mut String, d: &Doc) {
    let items = d.inputs.earlier;
    if items.is_empty() {
        return;
    }
    let _ = writeln!(
        w,
        "### Open follow-ups from earlier incidents on this service"
    );
    let _ = writeln!(w);
    for a in items {
        let _ = writeln!(
            w,
            "- {} action {}: {} ({}{}{})",
            a.incident,
            a.seq,
            d.plain(&a.text),
            a.owner
                .as_deref()
                .map(|o| d.name(o))
                .unwrap_or_else(|| "no owner".into()),
            a.due.map(|due| format!(", due {due}")).unwrap_or_default(),
            ticket(a).map(|t| format!(", {t}")).unwrap_or_default()
        );
    }
    let _ = writeln!(w);
}

/// One action item as a table row.
fn row(w: &mut String, d: &Doc, a: &ActionItem) {
    let _ = writeln!(
        w,
        "| {}{} | {} | {} | {} | {} |",
        cell(&d.plain(&a.text)),
        ticket(a).map(|t| format!(" ({t})")).unwrap_or_default(),
        a.owner
            .as_deref()
            .map(|o| d.name(o))
            .unwrap_or_else(|| TO_FILL.into()),
        a.priority
            .map(|p| p.key().to_string())
            .unwrap_or_else(|| TO_FILL.into()),
        a.due
            .map(|due| due.to_string())
            .unwrap_or_else(|| TO_FILL.into()),
        if a.done { "DONE" } else { "TODO" }
    );
}

/// The item's ticket as a Markdown link (`[OPS-12](https://…)`), its name alone when
/// its address is not a web address; None without one.
fn ticket(a: &ActionItem) -> Option<String> {
    let t = a.ticket.as_ref()?;
    let name = cell(&t.name.replace(['[', ']'], ""));
    Some(match t.web_url() {
        Some(u) => format!("[{name}]({})", u.replace('(', "%28").replace(')', "%29")),
        None => name,
    })
}
