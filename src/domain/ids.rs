//! Typed references that users type: `INC-42` and `@user` mentions.

use std::fmt;

/// The public number of an incident (`INC-42`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentId(pub i64);

impl IncidentId {
    /// Accepts `INC-42`, `inc-42`, `INC42` and `#42`.
    pub fn parse(s: &str) -> Option<IncidentId> {
        let lower = s.trim().to_ascii_lowercase();
        let digits = lower
            .strip_prefix("inc-")
            .or_else(|| lower.strip_prefix("inc"))
            .or_else(|| lower.strip_prefix('#'))?;
        if digits.is_empty() || digits.len() > 15 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        digits
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(IncidentId)
    }

    /// True for tokens that look like an attempt at an incident reference.
    pub fn looks_like(s: &str) -> bool {
        s.to_ascii_lowercase().starts_with("inc-")
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INC-{}", self.0)
    }
}

/// A user as typed in a command: a Slack mention `<@U123|alice>` carries the ID; a
/// bare `@alice` only a name (fine in the shell, where names are IDs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserRef {
    Id(String),
    Name(String),
}

impl UserRef {
    /// Parses one token; `None` when it is not a mention at all.
    pub fn parse(token: &str) -> Option<UserRef> {
        let t = token.trim();
        if let Some(inner) = t.strip_prefix("<@").and_then(|r| r.strip_suffix('>')) {
            let id = inner.split('|').next().unwrap_or_default();
            if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Some(UserRef::Id(id.to_string()));
            }
            return None;
        }
        let name = t.strip_prefix('@')?;
        let name = name.trim_end_matches([',', '.', ';']);
        if !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Some(UserRef::Name(name.to_string()));
        }
        None
    }

    /// The ID or name, whichever it carries.
    pub fn raw(&self) -> &str {
        match self {
            UserRef::Id(s) | UserRef::Name(s) => s,
        }
    }
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserRef::Id(id) => write!(f, "<@{id}>"),
            UserRef::Name(n) => write!(f, "@{n}"),
        }
    }
}

/// Slack mention markup for a user ID.
pub fn mention(user_id: &str) -> String {
    format!("<@{user_id}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_ids() {
        assert_eq!(IncidentId::parse("INC-42"), Some(IncidentId(42)));
        assert_eq!(IncidentId::parse("inc-7"), Some(IncidentId(7)));
        assert_eq!(IncidentId::parse("INC7"), Some(IncidentId(7)));
        assert_eq!(IncidentId::parse("#3"), Some(IncidentId(3)));
        assert_eq!(IncidentId::parse("INC-0"), None);
        assert_eq!(IncidentId::parse("INC-x"), None);
        assert_eq!(IncidentId::parse("INC-"), None);
        assert_eq!(IncidentId::parse("42"), None);
        assert_eq!(IncidentId::parse("INC-99999999999999999999"), None);
        assert_eq!(IncidentId(5).to_string(), "INC-5");
        assert!(IncidentId::looks_like("inc-abc"));
    }

    #[test]
    fn mentions() {
        assert_eq!(
            UserRef::parse("<@U012AB|alice>"),
            Some(UserRef::Id("U012AB".into()))
        );
        assert_eq!(UserRef::parse("<@W9>"), Some(UserRef::Id("W9".into())));
        assert_eq!(UserRef::parse("@bob"), Some(UserRef::Name("bob".into())));
        assert_eq!(
            UserRef::parse("@bob.smith,"),
            Some(UserRef::Name("bob.smith".into()))
        );
        assert_eq!(UserRef::parse("bob"), None);
        assert_eq!(UserRef::parse("@"), None);
        assert_eq!(UserRef::parse("<@>"), None);
        assert_eq!(UserRef::parse("<#C1|x>"), None);
        assert_eq!(UserRef::Id("U1".into()).to_string(), "<@U1>");
    }
}
