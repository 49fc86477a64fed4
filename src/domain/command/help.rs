//! `help`, generated from the specs, with the configured severities for `sev` and
//! `declare`.

use super::{SPECS, escape};
use crate::domain::severity::{Scale, Severity};

/// Help text generated from [`SPECS`]; `sev` and `declare` list the severities.
pub fn help(cmd: &str, topic: Option<&str>, scale: &Scale) -> String {
    if let Some(t) = topic
        && let Some(s) = SPECS.iter().find(|s| s.name == t)
    {
        let mut out = format!(
            "`{}`\n{}",
            escape(&s.usage.replace("{cmd}", cmd)),
            s.summary
        );
        if matches!(t, "sev" | "declare") {
            out.push_str("\nSeverities, most severe first:");
            for sev in scale.all() {
                out.push_str(&severity_line(sev));
            }
        }
        return out;
    }
    let mut out = format!(
        "*{cmd}* — run incidents from Slack. In an incident channel commands apply to its incident; elsewhere name one with `INC-n` (e.g. `{cmd} INC-4 status identified`).\n"
    );
    for s in SPECS {
        out.push_str(&format!(
            "• `{}` — {}\n",
            escape(&s.usage.replace("{cmd}", cmd)),
            s.summary
        ));
    }
    out
}

/// One severity in `help`: `• sev1 SEV1 — Critical: when to choose it (respond < 5
/// minutes) · pages, escalates a silent commander, postmortem owed`.
fn severity_line(sev: Severity) -> String {
    let l = sev.level();
    let mut line = format!("\n• `{}` ", l.key);
    if !l.emoji.is_empty() {
        line.push_str(&format!("{} ", l.emoji));
    }
    line.push_str(&sev.to_string());
    if !l.label.is_empty() {
        line.push_str(&format!(" — {}", escape(&l.label)));
    }
    if !l.description.is_empty() {
        line.push_str(&format!(": {}", escape(&l.description)));
    }
    if !l.response.is_empty() {
        line.push_str(&format!(" (respond {})", escape(&l.response)));
    }
    let rules: Vec<&str> = [
        (l.page, "pages"),
        (l.escalate_silent_commander, "escalates a silent commander"),
        (l.postmortem, "postmortem owed"),
    ]
    .into_iter()
    .filter_map(|(on, what)| on.then_some(what))
    .collect();
    if !rules.is_empty() {
        line.push_str(&format!(" · {}", rules.join(", ")));
    }
    line
}
