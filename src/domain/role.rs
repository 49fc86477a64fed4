//! Incident roles from the seed: Incident Commander, Operations Lead,
//! Communications Lead and Subject Matter Experts (several allowed).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Commander,
    Operations,
    Communications,
    Expert,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: expected ic, ops, comms or sme")]
pub struct BadRole(pub String);

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Commander,
        Role::Operations,
        Role::Communications,
        Role::Expert,
    ];

    pub fn parse(s: &str) -> Result<Role, BadRole> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ic" | "commander" | "incident-commander" => Ok(Role::Commander),
            "ops" | "operations" | "ol" => Ok(Role::Operations),
            "comms" | "communications" | "cl" => Ok(Role::Communications),
            "sme" | "smes" | "expert" => Ok(Role::Expert),
            _ => Err(BadRole(s.trim().to_string())),
        }
    }

    /// Stored and typed key.
    pub fn key(self) -> &'static str {
        match self {
            Role::Commander => "ic",
            Role::Operations => "ops",
            Role::Communications => "comms",
            Role::Expert => "sme",
        }
    }

    /// Only SMEs can be several at once.
    pub fn is_multi(self) -> bool {
        self == Role::Expert
    }

    pub fn short(self) -> &'static str {
        match self {
            Role::Commander => "IC",
            Role::Operations => "Ops",
            Role::Communications => "Comms",
            Role::Expert => "SME",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Commander => "Incident Commander",
            Role::Operations => "Operations Lead",
            Role::Communications => "Communications Lead",
            Role::Expert => "Subject Matter Expert",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_long_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.key()), Ok(r));
        }
        assert_eq!(Role::parse("Commander"), Ok(Role::Commander));
        assert_eq!(Role::parse("communications"), Ok(Role::Communications));
        assert!(Role::parse("boss").is_err());
    }

    #[test]
    fn only_sme_is_multi() {
        assert!(Role::Expert.is_multi());
        assert!(!Role::Commander.is_multi());
    }
}
