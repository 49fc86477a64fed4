//! The incident state machine: investigating → identified → monitoring → resolved.
//!
//! Any open state may move to any other open state (a fix that did not hold sends a
//! monitoring incident back to investigating). Only `resolve` leaves the open states and
//! only `reopen` comes back from resolved.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status `{0}`: expected investigating, identified, monitoring or resolved")]
pub struct BadStatus(pub String);

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the incident is already {0}")]
    Unchanged(Status),
    #[error("the incident is resolved: reopen it first")]
    Resolved,
    #[error("the incident is already resolved")]
    AlreadyResolved,
    #[error("the incident is not resolved, so there is nothing to reopen")]
    NotResolved,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Investigating,
        Status::Identified,
        Status::Monitoring,
        Status::Resolved,
    ];

    pub fn parse(s: &str) -> Result<Status, BadStatus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "investigating" | "investigate" => Ok(Status::Investigating),
            "identified" | "identify" => Ok(Status::Identified),
            "monitoring" | "monitor" | "mitigated" => Ok(Status::Monitoring),
            "resolved" | "resolve" => Ok(Status::Resolved),
            _ => Err(BadStatus(s.trim().to_string())),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
        }
    }

    pub fn is_open(self) -> bool {
        self != Status::Resolved
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Status::Investigating => ":mag:",
            Status::Identified => ":bulb:",
            Status::Monitoring => ":eyes:",
            Status::Resolved => ":white_check_mark:",
        }
    }

    /// Checks a move between two open states (`status <s>`). Resolving goes through
    /// [`Status::resolve`], so `to == Resolved` is accepted here only from an open state.
    pub fn transition(self, to: Status) -> Result<Status, TransitionError> {
        if self == Status::Resolved {
            return Err(if to == Status::Resolved {
                TransitionError::AlreadyResolved
            } else {
                TransitionError::Resolved
            });
        }
        if self == to {
            return Err(TransitionError::Unchanged(to));
        }
        Ok(to)
    }

    pub fn resolve(self) -> Result<Status, TransitionError> {
        match self {
            Status::Resolved => Err(TransitionError::AlreadyResolved),
            _ => Ok(Status::Resolved),
        }
    }

    pub fn reopen(self) -> Result<Status, TransitionError> {
        match self {
            Status::Resolved => Ok(Status::Investigating),
            _ => Err(TransitionError::NotResolved),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Investigating => "Investigating",
            Status::Identified => "Identified",
            Status::Monitoring => "Monitoring",
            Status::Resolved => "Resolved",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn every_open_state_reaches_every_other_state() {
        for from in [Investigating, Identified, Monitoring] {
            for to in Status::ALL {
                let got = from.transition(to);
                if from == to {
                    assert_eq!(got, Err(TransitionError::Unchanged(to)));
                } else {
                    assert_eq!(got, Ok(to), "{from} -> {to}");
                }
            }
        }
    }

    #[test]
    fn resolved_only_reopens() {
        for to in [Investigating, Identified, Monitoring] {
            assert_eq!(Resolved.transition(to), Err(TransitionError::Resolved));
        }
        assert_eq!(
            Resolved.transition(Resolved),
            Err(TransitionError::AlreadyResolved)
        );
        assert_eq!(Resolved.resolve(), Err(TransitionError::AlreadyResolved));
        assert_eq!(Resolved.reopen(), Ok(Investigating));
    }

    #[test]
    fn open_states_resolve_and_cannot_reopen() {
        for from in [Investigating, Identified, Monitoring] {
            assert_eq!(from.resolve(), Ok(Resolved));
            assert_eq!(from.reopen(), Err(TransitionError::NotResolved));
        }
    }

    #[test]
    fn parse_round_trips_and_rejects() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.key()), Ok(s));
            assert_eq!(Status::parse(&s.to_string()), Ok(s));
        }
        assert_eq!(Status::parse("mitigated"), Ok(Monitoring));
        assert!(Status::parse("fixed").is_err());
        assert!(Status::parse("").is_err());
    }
}
