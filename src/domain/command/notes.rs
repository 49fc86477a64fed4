//! What people write down during an incident: `note` (filed under a postmortem heading),
//! `update`, `impact` (with the percentage and start time read from it) and `service`.

use chrono::NaiveTime;

use super::words::{required_text, split_word};
use super::{Command, CommandError};

/// The postmortem heading a note is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteKind {
    Plain,
    RootCause,
    Factor,
    WentWell,
    WentPoorly,
    Lucky,
}

impl NoteKind {
    pub fn key(self) -> &'static str {
        match self {
            NoteKind::Plain => "note",
            NoteKind::RootCause => "cause",
            NoteKind::Factor => "factor",
            NoteKind::WentWell => "went-well",
            NoteKind::WentPoorly => "went-poorly",
            NoteKind::Lucky => "lucky",
        }
    }

    pub fn from_key(s: &str) -> Option<NoteKind> {
        Some(match s {
            "note" => NoteKind::Plain,
            "cause" | "root-cause" => NoteKind::RootCause,
            "factor" | "contributing" => NoteKind::Factor,
            "went-well" | "well" => NoteKind::WentWell,
            "went-poorly" | "poorly" => NoteKind::WentPoorly,
            "lucky" => NoteKind::Lucky,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Plain => "Note",
            NoteKind::RootCause => "Root cause",
            NoteKind::Factor => "Contributing factor",
            NoteKind::WentWell => "Went well",
            NoteKind::WentPoorly => "Went poorly",
            NoteKind::Lucky => "Got lucky",
        }
    }
}

/// When user impact started, as typed: a UTC time of day (the most recent one) or a
/// full timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImpactStart {
    TimeOfDay(NaiveTime),
    At(chrono::DateTime<chrono::Utc>),
}

pub(super) fn parse_note(rest: &str) -> Result<Command, CommandError> {
    let mut kind = NoteKind::Plain;
    let mut at = None;
    let mut text = rest;
    // Flags first, in any order: a heading and `--at <time>`.
    loop {
        let (word, after) = split_word(text);
        let Some(flag) = word.strip_prefix("--") else {
            break;
        };
        let flag = flag.to_ascii_lowercase();
        if flag == "at" && at.is_none() {
            let (when, after) = split_word(after);
            at = Some(typed_time(when, "note")?);
            text = after;
            continue;
        }
        match NoteKind::from_key(&flag) {
            Some(k) if k != NoteKind::Plain && kind == NoteKind::Plain => {
                kind = k;
                text = after;
            }
            _ => {
                return Err(CommandError::new(
                    format!("Unknown note flag `{word}`."),
                    "note",
                ));
            }
        }
    }
    Ok(Command::Note {
        kind,
        text: required_text("note", text, "note text")?,
        at,
    })
}

/// A time someone typed for when something happened: `HH:MM` (UTC, the most recent
/// one) or a full timestamp.
pub(super) fn typed_time(when: &str, spec: &str) -> Result<ImpactStart, CommandError> {
    parse_time(when).ok_or_else(|| {
        CommandError::new(
            format!("`{when}` is not a time: expected HH:MM (UTC) or 2026-01-31T14:05Z."),
            spec,
        )
    })
}

pub(super) fn parse_update(rest: &str) -> Result<Command, CommandError> {
    Ok(Command::Update(required_text(
        "update",
        rest,
        "the update text",
    )?))
}

/// Finds a percentage such as `12%` or `0.5 %` in free text.
pub fn find_percent(text: &str) -> Option<f64> {
    let bytes: Vec<char> = text.chars().collect();
    for (i, c) in bytes.iter().enumerate() {
        if *c != '%' {
            continue;
        }
        let mut j = i;
        while j > 0 && bytes[j - 1] == ' ' {
            j -= 1;
        }
        let end = j;
        while j > 0 && (bytes[j - 1].is_ascii_digit() || bytes[j - 1] == '.' || bytes[j - 1] == ',')
        {
            j -= 1;
        }
        if j == end {
            continue;
        }
        let num: String = bytes[j..end].iter().collect::<String>().replace(',', ".");
        if let Ok(v) = num.parse::<f64>()
            && (0.0..=100.0).contains(&v)
        {
            return Some(v);
        }
    }
    None
}

pub(super) fn parse_impact(rest: &str) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    let (since, text) = if word.eq_ignore_ascii_case("--since") {
        let (when, after) = split_word(after);
        (Some(typed_time(when, "impact")?), after)
    } else {
        (None, rest)
    };
    let text = required_text("impact", text, "impact description")?;
    let percent = find_percent(&text.plain());
    Ok(Command::Impact {
        text,
        percent,
        since,
    })
}

fn parse_time(s: &str) -> Option<ImpactStart> {
    if let Ok(t) = NaiveTime::parse_from_str(s, "%H:%M") {
        return Some(ImpactStart::TimeOfDay(t));
    }
    let s2 = s.trim_end_matches('Z').trim_end_matches('z');
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(s2, fmt) {
            return Some(ImpactStart::At(dt.and_utc()));
        }
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| ImpactStart::At(d.with_timezone(&chrono::Utc)))
}

/// Letters, digits, `-`, `_`, `.` and `/`; at most 64 bytes.
pub fn is_service_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 64
        && n.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

pub(super) fn parse_services(rest: &str) -> Result<Command, CommandError> {
    let names: Vec<String> = rest
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if names.is_empty() {
        return Err(CommandError::new("Name at least one service.", "service"));
    }
    if let Some(bad) = names.iter().find(|n| !is_service_name(n)) {
        return Err(CommandError::new(
            format!("`{bad}` is not a service name: letters, digits, - _ . / only."),
            "service",
        ));
    }
    Ok(Command::Services(names))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::super::tests::{err, ok};
    use super::super::{Command, MAX_TEXT};
    use super::{ImpactStart, NoteKind, find_percent};

    #[test]
    fn a_note_can_say_when_it_happened() {
        let at = Some(ImpactStart::TimeOfDay(
            NaiveTime::from_hms_opt(14, 5, 0).unwrap(),
        ));
        for typed in [
            "note --at 14:05 --cause bad migration",
            "note --cause --at 14:05 bad migration",
        ] {
            assert_eq!(
                ok(typed),
                Command::Note {
                    kind: NoteKind::RootCause,
                    text: "bad migration".into(),
                    at
                },
                "{typed}"
            );
        }
        assert_eq!(
            ok("note --at 14:05 restarted"),
            Command::Note {
                kind: NoteKind::Plain,
                text: "restarted".into(),
                at
            }
        );
        assert!(err("note --at noon x").message.contains("not a time"));
        let twice = err("note --at 14:05 --at 14:06 x").message;
        assert!(twice.contains("note flag `--at`"), "{twice}");
        assert!(err("note --at 14:05").message.contains("note text"));
    }

    #[test]
    fn notes_updates_impact() {
        assert_eq!(
            ok("note restarted pod api-7"),
            Command::Note {
                kind: NoteKind::Plain,
                text: "restarted pod api-7".into(),
                at: None
            }
        );
        assert_eq!(
            ok("note --factor no canary for migrations"),
            Command::Note {
                kind: NoteKind::Factor,
                text: "no canary for migrations".into(),
                at: None
            }
        );
        assert!(err("note").message.contains("missing"));
        assert!(err("note --bogus x").message.contains("unknown note flag"));
        assert_eq!(
            ok("update rolling back"),
            Command::Update("rolling back".into())
        );
        assert!(err("update").message.contains("missing"));
        assert!(
            err(&format!("update {}", "y".repeat(MAX_TEXT + 1)))
                .message
                .contains("limit")
        );
        assert_eq!(
            ok("impact 12% of API requests fail"),
            Command::Impact {
                text: "12% of API requests fail".into(),
                percent: Some(12.0),
                since: None
            }
        );
        assert_eq!(
            ok("impact --since 13:55 checkout down for EU"),
            Command::Impact {
                text: "checkout down for EU".into(),
                percent: None,
                since: Some(ImpactStart::TimeOfDay(
                    NaiveTime::from_hms_opt(13, 55, 0).unwrap()
                ))
            }
        );
        assert!(err("impact --since noon x").message.contains("not a time"));
        assert!(err("impact").message.contains("missing"));
    }

    #[test]
    fn percentages() {
        assert_eq!(find_percent("12% of requests"), Some(12.0));
        assert_eq!(find_percent("about 0.5 % errors"), Some(0.5));
        assert_eq!(find_percent("3,5% down"), Some(3.5));
        assert_eq!(find_percent("no numbers"), None);
        assert_eq!(find_percent("250% more"), None);
        assert_eq!(find_percent("% alone"), None);
    }
}
