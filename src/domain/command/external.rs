//! `statusupdate`: an update for customers, optionally led by its public status
//! (`statusupdate identified The cause is known…`); without text it opens the form.

use super::words::{check_len, split_word};
use super::{Command, CommandError};
use crate::domain::text::UserText;
use crate::status::PublicStatus;

/// Longest external update, in characters (what customers read stays short).
pub const MAX_EXTERNAL: usize = 2000;

pub(super) fn parse_status_update(rest: &str) -> Result<Command, CommandError> {
    let (first, after) = split_word(rest);
    let (status, text) = match PublicStatus::parse(first) {
        Some(s) if !first.is_empty() => (Some(s), after),
        _ => (None, rest),
    };
    let t = UserText::from_plain(text.trim());
    if t.is_empty() {
        return Ok(Command::StatusUpdate { status, text: None });
    }
    check_len("statusupdate", "text", &t, MAX_EXTERNAL)?;
    Ok(Command::StatusUpdate {
        status,
        text: Some(t),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, ok};
    use super::*;

    #[test]
    fn a_status_may_lead_the_text() {
        assert_eq!(
            ok("statusupdate identified The cause is known."),
            Command::StatusUpdate {
                status: Some(PublicStatus::Identified),
                text: Some(UserText::from_plain("The cause is known.")),
            }
        );
        assert_eq!(
            ok("statusupdate We are investigating <b>errors</b>"),
            Command::StatusUpdate {
                status: None,
                text: Some(UserText::from_plain("We are investigating <b>errors</b>")),
            }
        );
        assert_eq!(
            ok("statusupdate"),
            Command::StatusUpdate {
                status: None,
                text: None
            }
        );
        let long = format!("statusupdate {}", "x".repeat(MAX_EXTERNAL + 1));
        assert!(err(&long).message.contains("limit is 2000"));
    }
}
