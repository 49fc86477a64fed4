//! `declare`: an optional severity and `--private` before the title, and the title
//! rules a form's title obeys too ([`check_title`]).

use super::words::{capitalise, check_len, split_word};
use super::{Command, CommandError, MAX_TITLE};
use crate::domain::incident_type::is_type_key;
use crate::domain::severity::Scale;
use crate::domain::text::UserText;

/// Validates a title typed in a command or a form: one line, spaces collapsed.
pub fn check_title(title: &UserText) -> Result<UserText, CommandError> {
    let t = UserText::from_stored(
        title
            .stored()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    );
    if t.is_empty() {
        return Err(CommandError::new("The title is missing.", "declare"));
    }
    check_len("declare", "title", &t, MAX_TITLE)?;
    Ok(t)
}

pub(super) fn parse_declare(rest: &str, scale: &Scale) -> Result<Command, CommandError> {
    let mut severity = None;
    let mut private = false;
    let mut kind = None;
    let mut started = None;
    let mut rest = rest;
    loop {
        let (word, mut after) = split_word(rest);
        if word.is_empty() {
            break;
        }
        let lower = word.to_ascii_lowercase();
        if lower == "--private" || lower == "-p" {
            private = true;
        } else if lower == "--type" || lower.starts_with("--type=") {
            let value = match lower.strip_prefix("--type=") {
                Some(v) => v.to_string(),
                None => {
                    let (v, next) = split_word(after);
                    after = next;
                    v.to_ascii_lowercase()
                }
            };
            kind = Some(type_key(&value)?);
        } else if lower == "--started" || lower.starts_with("--started=") {
            let value = match word.split_once('=') {
                Some((_, v)) => v.to_string(),
                None => {
                    let (v, next) = split_word(after);
                    after = next;
                    v.to_string()
                }
            };
            started = Some(super::notes::typed_time(&value, "declare")?);
        } else if severity.is_none() && scale.looks_like(word) {
            severity = Some(scale.parse(word).map_err(|e| {
                CommandError::new(format!("{}.", capitalise(&e.to_string())), "declare")
            })?);
        } else if lower.starts_with("--") {
            return Err(CommandError::new(
                format!(
                    "Unknown option `{word}`: only --private, --type <type> and --started <HH:MM> are accepted."
                ),
                "declare",
            ));
        } else {
            break;
        }
        rest = after;
    }
    let title = if rest.trim().is_empty() {
        None
    } else {
        Some(check_title(&UserText::from_mrkdwn(rest))?)
    };
    Ok(Command::Declare {
        severity,
        title,
        private,
        kind,
        started,
    })
}

/// An incident type's key as typed (whether it is configured is for the caller).
pub(super) fn type_key(value: &str) -> Result<String, CommandError> {
    if is_type_key(value) {
        return Ok(value.to_string());
    }
    let shown: String = value.chars().take(30).collect();
    Err(CommandError::new(
        if value.is_empty() {
            "Name the type after --type.".to_string()
        } else {
            format!("`{shown}` is not an incident type's key.")
        },
        "declare",
    ))
}

/// `declare` opens a new incident, so an `INC-n` beside it is a mistake.
pub(super) fn takes_no_incident() -> CommandError {
    CommandError::new(
        "`declare` opens a new incident, so it takes no INC number.",
        "declare",
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, ok};
    use super::super::{Command, MAX_TITLE};

    #[test]
    fn declare_can_say_when_impact_began() {
        use super::super::ImpactStart;
        let scale = crate::domain::severity::seed();
        let Ok(Command::Declare { started, title, .. }) =
            super::parse_declare("sev2 --started 13:50 API errors", scale)
        else {
            panic!("a declaration");
        };
        assert_eq!(
            started,
            Some(ImpactStart::TimeOfDay(
                chrono::NaiveTime::from_hms_opt(13, 50, 0).unwrap()
            ))
        );
        assert_eq!(title.unwrap().plain(), "API errors");
        let Ok(Command::Declare { started, .. }) =
            super::parse_declare("--started=2026-01-31T14:05Z x", scale)
        else {
            panic!("a declaration");
        };
        assert!(matches!(started, Some(ImpactStart::At(_))));
        let e = super::parse_declare("--started soon x", scale).unwrap_err();
        assert!(e.message.contains("not a time"), "{}", e.message);
    }

    #[test]
    fn declare_forms() {
        assert_eq!(
            ok("declare sev2 API error rate at 12%"),
            Command::Declare {
                severity: Some(crate::domain::severity::sev(2)),
                title: Some("API error rate at 12%".into()),
                private: false,
                kind: None,
                started: None
            }
        );
        assert_eq!(
            ok("declare Checkout is slow"),
            Command::Declare {
                severity: None,
                title: Some("Checkout is slow".into()),
                private: false,
                kind: None,
                started: None
            }
        );
        assert_eq!(
            ok("declare --private SEV1 Data leak"),
            Command::Declare {
                severity: Some(crate::domain::severity::sev(1)),
                title: Some("Data leak".into()),
                private: true,
                kind: None,
                started: None
            }
        );
        assert_eq!(
            ok("declare"),
            Command::Declare {
                severity: None,
                title: None,
                private: false,
                kind: None,
                started: None
            }
        );
        assert_eq!(
            ok("DECLARE sev3"),
            Command::Declare {
                severity: Some(crate::domain::severity::sev(3)),
                title: None,
                private: false,
                kind: None,
                started: None
            }
        );
        // A title word that merely starts with "sev" is a title.
        assert_eq!(
            ok("declare several pods crashlooping"),
            Command::Declare {
                severity: None,
                title: Some("several pods crashlooping".into()),
                private: false,
                kind: None,
                started: None
            }
        );
    }

    #[test]
    fn declare_errors() {
        let e = err("declare sev9 foo");
        assert!(e.message.contains("unknown severity `sev9`"), "{e:?}");
        assert_eq!(e.spec.map(|s| s.name), Some("declare"));
        let long = format!("declare {}", "x".repeat(MAX_TITLE + 1));
        assert!(err(&long).message.contains("limit is 120"));
        assert!(
            err("declare --loud boom")
                .message
                .contains("unknown option")
        );
        assert!(
            err("INC-3 declare x")
                .message
                .contains("takes no inc number")
        );
        assert!(
            err("declare INC-3 x")
                .message
                .contains("takes no inc number")
        );
    }
}
