//! Moving the incident along: `status`, `sev`, `resolve` and `postmortem`.

use super::words::{capitalise, optional_text, split_word};
use super::{Command, CommandError};
use crate::domain::severity::Scale;
use crate::domain::status::Status;

pub(super) fn parse_status(rest: &str) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    if word.is_empty() {
        return Err(CommandError::new("The new status is missing.", "status"));
    }
    let status = Status::parse(word)
        .map_err(|e| CommandError::new(format!("{}.", capitalise(&e.to_string())), "status"))?;
    if status == Status::Resolved {
        return Ok(Command::Resolve(optional_text("resolve", after)?));
    }
    let (flag, when) = split_word(after);
    let at = if flag.eq_ignore_ascii_case("--at") {
        let (when, rest) = split_word(when);
        if !rest.is_empty() {
            return Err(CommandError::new(
                format!("`status` takes a state and a time, but got `{rest}` too."),
                "status",
            ));
        }
        Some(super::notes::typed_time(when, "status")?)
    } else if !after.is_empty() {
        return Err(CommandError::new(
            format!("`status` takes one word, but got `{}` too.", after),
            "status",
        ));
    } else {
        None
    };
    Ok(Command::Status { to: status, at })
}

/// A milestone whose time can be corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    Acknowledged,
    Identified,
    Mitigated,
    Resolved,
}

impl Milestone {
    pub fn label(self) -> &'static str {
        match self {
            Milestone::Acknowledged => "Acknowledged",
            Milestone::Identified => "Identified",
            Milestone::Mitigated => "Mitigated",
            Milestone::Resolved => "Resolved",
        }
    }
}

/// `milestone identified 14:20 <reason>`.
pub(super) fn parse_milestone(rest: &str) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    let which = match word.to_ascii_lowercase().as_str() {
        "acknowledged" | "ack" => Milestone::Acknowledged,
        "identified" => Milestone::Identified,
        "mitigated" | "monitoring" => Milestone::Mitigated,
        "resolved" => Milestone::Resolved,
        "" => return Err(CommandError::new("Name the milestone.", "milestone")),
        other => {
            return Err(CommandError::new(
                format!(
                    "`{other}` is not a milestone: acknowledged, identified, mitigated or resolved."
                ),
                "milestone",
            ));
        }
    };
    let (when, reason) = split_word(after);
    if when.is_empty() {
        return Err(CommandError::new("The time is missing.", "milestone"));
    }
    let at = super::notes::typed_time(when, "milestone")?;
    let reason = super::words::required_text("milestone", reason, "reason")?;
    Ok(Command::Milestone { which, at, reason })
}

pub(super) fn parse_sev(rest: &str, scale: &Scale) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    if word.is_empty() {
        return Err(CommandError::new("The new severity is missing.", "sev"));
    }
    if !after.is_empty() {
        return Err(CommandError::new(
            format!("`sev` takes one value, but got `{after}` too."),
            "sev",
        ));
    }
    let sev = scale
        .parse(word)
        .map_err(|e| CommandError::new(format!("{}.", capitalise(&e.to_string())), "sev"))?;
    Ok(Command::Sev(sev))
}

pub(super) fn parse_resolve(rest: &str) -> Result<Command, CommandError> {
    let summary = optional_text("resolve", rest)?;
    Ok(Command::Resolve(summary))
}

pub(super) fn parse_postmortem(rest: &str) -> Result<Command, CommandError> {
    match rest.to_ascii_lowercase().as_str() {
        "" => Ok(Command::Postmortem { done: false }),
        "done" | "complete" => Ok(Command::Postmortem { done: true }),
        other => Err(CommandError::new(
            format!("`{other}` is not a postmortem option: expected nothing or `done`."),
            "postmortem",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Command;
    use super::super::tests::{err, ok};
    use crate::domain::status::Status;

    #[test]
    fn a_milestone_is_corrected_with_a_reason() {
        let Command::Milestone { which, reason, .. } =
            ok("milestone identified 14:20 the logs show it")
        else {
            panic!("a milestone");
        };
        assert_eq!(which, super::Milestone::Identified);
        assert_eq!(reason.plain(), "the logs show it");
        assert!(err("milestone identified 14:20").message.contains("reason"));
        assert!(
            err("milestone lunch 14:20 x")
                .message
                .contains("not a milestone")
        );
        assert!(
            err("milestone identified noon x")
                .message
                .contains("not a time")
        );
    }

    #[test]
    fn status_and_sev() {
        assert_eq!(
            ok("status identified"),
            Command::Status {
                to: Status::Identified,
                at: None
            }
        );
        assert_eq!(
            ok("status Monitoring"),
            Command::Status {
                to: Status::Monitoring,
                at: None
            }
        );
        assert_eq!(
            ok("status identified --at 14:20"),
            Command::Status {
                to: Status::Identified,
                at: Some(super::super::ImpactStart::TimeOfDay(
                    chrono::NaiveTime::from_hms_opt(14, 20, 0).unwrap()
                ))
            }
        );
        assert_eq!(ok("status resolved"), Command::Resolve(None));
        assert_eq!(
            ok("status resolved rolled back"),
            Command::Resolve(Some("rolled back".into()))
        );
        assert!(err("status").message.contains("missing"));
        assert!(err("status fixed").message.contains("unknown status"));
        assert!(err("status identified now").message.contains("one word"));
        assert_eq!(ok("sev 1"), Command::Sev(crate::domain::severity::sev(1)));
        assert_eq!(
            ok("sev sev2"),
            Command::Sev(crate::domain::severity::sev(2))
        );
        assert!(err("sev").message.contains("missing"));
        assert!(err("sev 5").message.contains("unknown severity"));
        assert!(err("sev 1 2").message.contains("one value"));
    }
}
