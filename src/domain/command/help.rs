//! `help`, generated from the specs (with the configured severities for `sev` and
//! `declare`), and `set <field> <value>`, whose field is checked against the
//! configuration by the caller.

use super::words::split_word;
use super::{Command, CommandError, SPECS, escape};
use crate::domain::fields::is_field_key;
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

/// `set <field> <value>` (`-` clears the field).
pub(super) fn parse_set(rest: &str) -> Result<Command, CommandError> {
    let (key, value) = split_word(rest);
    let key = key.to_ascii_lowercase();
    if key.is_empty() {
        return Err(CommandError::new("Name the field and its value.", "set"));
    }
    if !is_field_key(&key) {
        let shown: String = key.chars().take(30).collect();
        return Err(CommandError::new(
            format!("`{shown}` is not a field's key."),
            "set",
        ));
    }
    let value = value.trim();
    if value.is_empty() {
        return Err(CommandError::new(
            format!("Say the value after `{key}` (or `-` to clear it)."),
            "set",
        ));
    }
    Ok(Command::SetField {
        key,
        value: (value != "-").then(|| value.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, ok};
    use super::*;

    #[test]
    fn set_takes_a_key_and_a_value() {
        assert_eq!(
            ok("set region EU west"),
            Command::SetField {
                key: "region".into(),
                value: Some("EU west".into())
            }
        );
        assert_eq!(
            ok("set Revenue_Impact -"),
            Command::SetField {
                key: "revenue_impact".into(),
                value: None
            }
        );
        assert!(err("set region").message.contains("say the value"));
        assert!(err("set <b> x").message.contains("not a field"));
        assert!(err("set").message.contains("name the field"));
    }
}
