//! Incident roles: the seed's four (Incident Commander, Operations Lead,
//! Communications Lead and Subject Matter Experts, several allowed), which carry
//! behaviour, and the organisation's own (`[roles.scribe]`), which are held and shown
//! like them. What each role is called, what it does and its checklist come from the
//! configuration ([`RoleBook`]).

use std::fmt;

use super::keys::{is_key, or_list};

/// Longest key of a configured role.
pub const MAX_ROLE_KEY: usize = 16;
/// Keys that cannot name a role: command words and the stored on-call marker.
const RESERVED: [&str; 6] = ["remove", "rm", "clear", "unassign", "oncall", "on-call"];

/// A configured role's key (`scribe`, `liaison`): a lowercase letter, then lowercase
/// letters, digits and `-`, at most [`MAX_ROLE_KEY`] characters. Copy, like [`Role`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleKey {
    len: u8,
    bytes: [u8; MAX_ROLE_KEY],
}

impl RoleKey {
    /// The key, when `s` is one (case as typed is not folded: keys are lowercase).
    pub fn new(s: &str) -> Option<RoleKey> {
        if !is_key(s, MAX_ROLE_KEY) || RESERVED.contains(&s) {
            return None;
        }
        let mut bytes = [0u8; MAX_ROLE_KEY];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Some(RoleKey {
            len: s.len() as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII was ever copied in.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Debug for RoleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Commander,
    Operations,
    Communications,
    Expert,
    /// One of the organisation's own roles, by its key.
    Custom(RoleKey),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: expected ic, ops, comms, sme or a configured role's key")]
pub struct BadRole(pub String);

impl Role {
    /// The seed's four, which every configuration has.
    pub const ALL: [Role; 4] = [
        Role::Commander,
        Role::Operations,
        Role::Communications,
        Role::Expert,
    ];

    /// A built-in role by any of its names, else a configured role's key (whether it
    /// is configured is for the caller to check against the [`RoleBook`]).
    pub fn parse(s: &str) -> Result<Role, BadRole> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "ic" | "commander" | "incident-commander" => Ok(Role::Commander),
            "ops" | "operations" | "ol" => Ok(Role::Operations),
            "comms" | "communications" | "cl" => Ok(Role::Communications),
            "sme" | "smes" | "expert" => Ok(Role::Expert),
            other => RoleKey::new(other)
                .map(Role::Custom)
                .ok_or_else(|| BadRole(s.trim().chars().take(40).collect())),
        }
    }

    /// Stored and typed key.
    pub fn key(&self) -> &str {
        match self {
            Role::Commander => "ic",
            Role::Operations => "ops",
            Role::Communications => "comms",
            Role::Expert => "sme",
            Role::Custom(k) => k.as_str(),
        }
    }

    /// A short name for prompts: `IC`, `Ops`, `Comms`, `SME`, else the key.
    pub fn short(&self) -> &str {
        match self {
            Role::Commander => "IC",
            Role::Operations => "Ops",
            Role::Communications => "Comms",
            Role::Expert => "SME",
            Role::Custom(k) => k.as_str(),
        }
    }

    /// True for the seed's four.
    pub fn is_builtin(&self) -> bool {
        !matches!(self, Role::Custom(_))
    }
}

/// The seed's names, used where no configured name is at hand; a configured role
/// shows its key.
impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Commander => "Incident Commander",
            Role::Operations => "Operations Lead",
            Role::Communications => "Communications Lead",
            Role::Expert => "Subject Matter Expert",
            Role::Custom(k) => k.as_str(),
        })
    }
}

/// What the organisation says of one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub role: Role,
    pub name: String,
    pub short: String,
    pub description: String,
    pub checklist: Vec<String>,
    /// Several people may hold it at once (SMEs; a configured role that says so).
    pub multiple: bool,
}

/// Every role an incident may have: the seed's four first, then the configured ones
/// in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleBook {
    pub roles: Vec<RoleInfo>,
}

impl RoleBook {
    /// What is known of `role`; None for a key nobody configured.
    pub fn info(&self, role: Role) -> Option<&RoleInfo> {
        self.roles.iter().find(|r| r.role == role)
    }

    /// Its configured name, else the seed's (or the key).
    pub fn name(&self, role: Role) -> String {
        self.info(role)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| role.to_string())
    }

    /// A short name for prompts (`IC`, `Scribe`).
    pub fn short(&self, role: Role) -> String {
        self.info(role)
            .map(|i| i.short.clone())
            .unwrap_or_else(|| role.key().to_string())
    }

    pub fn multiple(&self, role: Role) -> bool {
        self.info(role).is_some_and(|i| i.multiple) || role == Role::Expert
    }

    /// The keys people may type, for an error message: `ic, ops, comms, sme or scribe`.
    pub fn keys(&self) -> String {
        let keys: Vec<&str> = self.roles.iter().map(|r| r.role.key()).collect();
        or_list(&keys).unwrap_or_default()
    }

    /// Key → name of the configured roles, for renderers that show holders.
    pub fn custom_names(&self) -> std::collections::BTreeMap<String, String> {
        self.roles
            .iter()
            .filter(|r| !r.role.is_builtin())
            .map(|r| (r.role.key().to_string(), r.name.clone()))
            .collect()
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
        assert!(Role::parse("boss !").is_err());
    }

    #[test]
    fn other_words_are_configured_keys_or_refused() {
        let scribe = Role::parse("Scribe").unwrap();
        assert_eq!(scribe, Role::Custom(RoleKey::new("scribe").unwrap()));
        assert_eq!(scribe.key(), "scribe");
        assert!(!scribe.is_builtin());
        for bad in [
            "remove",
            "oncall",
            "9lives",
            "a b",
            "<!here>",
            &"x".repeat(17),
        ] {
            assert!(Role::parse(bad).is_err(), "{bad}");
        }
        assert!(RoleKey::new(&"x".repeat(16)).is_some());
    }

    fn book() -> RoleBook {
        let info = |role: Role, name: &str, multiple| RoleInfo {
            role,
            name: name.into(),
            short: name.into(),
            description: String::new(),
            checklist: vec![],
            multiple,
        };
        RoleBook {
            roles: vec![
                info(Role::Commander, "Incident Commander", false),
                info(Role::Expert, "Subject Matter Expert", true),
                info(Role::parse("scribe").unwrap(), "Scribe", false),
            ],
        }
    }

    #[test]
    fn the_book_names_counts_and_lists() {
        let b = book();
        let scribe = Role::parse("scribe").unwrap();
        assert_eq!(b.name(scribe), "Scribe");
        assert_eq!(b.name(Role::parse("ghost").unwrap()), "ghost");
        assert!(b.multiple(Role::Expert) && !b.multiple(scribe));
        assert_eq!(b.keys(), "ic, sme or scribe");
        assert_eq!(
            b.custom_names().into_iter().collect::<Vec<_>>(),
            vec![("scribe".to_string(), "Scribe".to_string())]
        );
    }
}
