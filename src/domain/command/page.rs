//! `page`: pages a person (`@user`) or a team by name (a `[[paging.targets]]` entry,
//! or the service it is on call for), with an optional message.

use super::words::{check_len, split_word};
use super::{Command, CommandError};
use crate::domain::ids::UserRef;
use crate::domain::text::UserText;

/// Longest page message, in characters (PagerDuty titles stop at 255 with the number).
pub const MAX_PAGE_MESSAGE: usize = 200;

/// Whom to page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageWho {
    User(UserRef),
    /// A target's name or a service it covers, as typed (checked against config later).
    Team(String),
}

pub(super) fn parse_page(rest: &str) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    if word.is_empty() {
        return Err(CommandError::new(
            "Say whom to page: @someone, or a team or service by name.",
            "page",
        ));
    }
    let who = if let Some(u) = UserRef::parse(word) {
        PageWho::User(u)
    } else if super::is_service_name(word) {
        PageWho::Team(word.to_ascii_lowercase())
    } else {
        return Err(CommandError::new(
            format!(
                "`{word}` is neither a person (mention them with @) nor a team or service name."
            ),
            "page",
        ));
    };
    let t = UserText::from_mrkdwn(after.trim());
    let message = if t.is_empty() {
        None
    } else {
        check_len("page", "message", &t, MAX_PAGE_MESSAGE)?;
        Some(t)
    };
    Ok(Command::Page { who, message })
}

#[cfg(test)]
mod tests {
    use super::super::Command;
    use super::super::tests::{err, ok};
    use super::*;

    #[test]
    fn pages_name_a_person_or_a_team() {
        assert_eq!(
            ok("page <@U123|ana> the database is on fire"),
            Command::Page {
                who: PageWho::User(UserRef::Id("U123".into())),
                message: Some(UserText::from_mrkdwn("the database is on fire")),
            }
        );
        assert_eq!(
            ok("page Database"),
            Command::Page {
                who: PageWho::Team("database".into()),
                message: None,
            }
        );
        assert!(err("page").message.contains("whom to page"));
        assert!(err("page <!channel>").message.contains("neither a person"));
        let long = format!("page db {}", "x".repeat(MAX_PAGE_MESSAGE + 1));
        assert!(err(&long).message.contains("limit is 200"));
    }
}
