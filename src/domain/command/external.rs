//! `statusupdate`: an update for customers, optionally led by its public status
//! (`statusupdate identified The cause is known…`); without text it opens the form.

use super::super::public::PublicStatus;
use super::words::{check_len, split_word};
use super::{Command, CommandError};
use crate::domain::text::UserText;

/// Longest external update, in characters (what customers read stays short).
pub const MAX_EXTERNAL: usize = 2000;

pub(super) fn parse_status_update(rest: &str) -> Result<Command, CommandError> {
    let (first, after) = split_word(rest);
    let (status, text) = match PublicStatus::parse(first) {
        Some(s) if !first.is_empty() => (Some(s), after),
        _ => (None, rest),
    };
    // Slack escapes a slash command's text: `R&D` arrives as `R&amp;D`.
    let t = UserText::from_mrkdwn(text.trim());
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
                text: Some(UserText::from_mrkdwn("The cause is known.")),
            }
        );
        // As Slack sends it: escaped, and read back as what was typed.
        let Command::StatusUpdate {
            status: None,
            text: Some(t),
        } = ok("statusupdate R&amp;D sees &lt;b&gt;errors&lt;/b&gt;")
        else {
            panic!("not a status update")
        };
        assert_eq!(t.plain(), "R&D sees <b>errors</b>");
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
