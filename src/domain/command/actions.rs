//! `action`: a follow-up item with its owner, due date and priority typed after the
//! text, or `action done <n>`.

use chrono::NaiveDate;

use super::words::{check_len, split_word};
use super::{Command, CommandError, MAX_ACTION};
use crate::domain::ids::UserRef;
use crate::domain::text::UserText;

/// Follow-up priority, as in the postmortem template's action table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    P1,
    P2,
    P3,
}

impl Priority {
    pub fn parse(s: &str) -> Option<Priority> {
        match s.to_ascii_lowercase().as_str() {
            "p1" => Some(Priority::P1),
            "p2" => Some(Priority::P2),
            "p3" => Some(Priority::P3),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        }
    }
}

pub(super) fn parse_action(rest: &str) -> Result<Command, CommandError> {
    let (first, after) = split_word(rest);
    if first.eq_ignore_ascii_case("done") {
        return parse_done(after);
    }
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    let mut owner = None;
    let mut due = None;
    let mut priority = None;
    // Options come at the end, in any order.
    while let Some(last) = words.last().copied() {
        if priority.is_none()
            && let Some(p) = Priority::parse(last)
        {
            priority = Some(p);
            words.pop();
            continue;
        }
        if owner.is_none()
            && let Some(u) = UserRef::parse(last)
        {
            owner = Some(u);
            words.pop();
            continue;
        }
        if due.is_none() && words.len() >= 2 && words[words.len() - 2].eq_ignore_ascii_case("due") {
            let d = NaiveDate::parse_from_str(last, "%Y-%m-%d").map_err(|_| {
                CommandError::new(
                    format!("`{last}` is not a date: expected YYYY-MM-DD."),
                    "action",
                )
            })?;
            due = Some(d);
            words.truncate(words.len() - 2);
            continue;
        }
        break;
    }
    let text = UserText::from_mrkdwn(&words.join(" "));
    if text.is_empty() {
        return Err(CommandError::new("The action text is missing.", "action"));
    }
    check_len("action", "text", &text, MAX_ACTION)?;
    Ok(Command::Action {
        text,
        owner,
        due,
        priority,
    })
}

/// `action done <n>` (or `#n`): the number of the item to mark done.
fn parse_done(after: &str) -> Result<Command, CommandError> {
    let n = after.trim().trim_start_matches('#');
    match n.parse::<i64>() {
        Ok(n) if n > 0 => Ok(Command::ActionDone(n)),
        _ => Err(CommandError::new(
            format!(
                "`{}` is not an action item number: see `actions`.",
                after.trim()
            ),
            "action",
        )),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::Command;
    use super::super::tests::{err, ok};
    use super::Priority;
    use crate::domain::ids::UserRef;

    #[test]
    fn actions() {
        assert_eq!(
            ok("action Add migration tests to CI <@U2|bob> due 2025-02-15 p1"),
            Command::Action {
                text: "Add migration tests to CI".into(),
                owner: Some(UserRef::Id("U2".into())),
                due: NaiveDate::from_ymd_opt(2025, 2, 15),
                priority: Some(Priority::P1)
            }
        );
        assert_eq!(
            ok("action Write runbook"),
            Command::Action {
                text: "Write runbook".into(),
                owner: None,
                due: None,
                priority: None
            }
        );
        assert_eq!(
            ok("action Write runbook due 2026-01-01 @carol"),
            Command::Action {
                text: "Write runbook".into(),
                owner: Some(UserRef::Name("carol".into())),
                due: NaiveDate::from_ymd_opt(2026, 1, 1),
                priority: None
            }
        );
        assert_eq!(ok("action done 3"), Command::ActionDone(3));
        assert_eq!(ok("action done #2"), Command::ActionDone(2));
        assert!(
            err("action done x")
                .message
                .contains("not an action item number")
        );
        assert!(err("action due 2026-13-01").message.contains("not a date"));
        assert!(err("action @bob").message.contains("missing"));
        assert_eq!(ok("actions"), Command::Actions);
    }
}
