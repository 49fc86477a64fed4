//! The Roles and participants section: who held which role, and everyone else who
//! took part.

use std::fmt::Write;

use super::Doc;
use crate::postmortem::draft;

/// `## Roles and participants`.
pub(super) fn roles_and_participants(w: &mut String, d: &Doc) {
    let _ = writeln!(w, "## Roles and participants");
    let _ = writeln!(w);
    for (role, who) in draft::role_lines(d.incident(), d.inputs.names, d.inputs.role_names) {
        let _ = writeln!(w, "- {role}: {who}");
    }
    let people: Vec<String> = d.facts.participants.iter().map(|u| d.name(u)).collect();
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
}
