//! Incident types (`security`, `drill`): what kind of incident it is, and the defaults
//! that come with the kind, as the organisation configures them
//! (`[incident_types.<key>]`). An incident stores its type's key.

use super::keys::{is_key, or_list};
use super::role::RoleBook;
use super::severity::Severity;

/// Longest type key.
pub const MAX_TYPE_KEY: usize = 24;

/// The declare form's type select value for "no type".
pub const NO_TYPE: &str = "none";

/// True for a type key (see [`is_key`]), at most [`MAX_TYPE_KEY`] characters.
pub fn is_type_key(s: &str) -> bool {
    is_key(s, MAX_TYPE_KEY)
}

/// One configured type and its defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeInfo {
    pub key: String,
    pub name: String,
    pub description: String,
    /// The severity of a declaration of this type that names none.
    pub severity: Option<Severity>,
    /// Private unless said otherwise (a security incident).
    pub private: bool,
    /// Its channels are `<prefix>-<n>-<slug>` instead of the workspace's prefix.
    pub channel_prefix: Option<String>,
    /// User IDs invited besides the severity's responders.
    pub responders: Vec<String>,
    /// User groups (S…) whose members are invited.
    pub user_groups: Vec<String>,
    /// Owes a postmortem (or not) whatever its severity; None: as its severity says.
    pub postmortem: Option<bool>,
    /// False for drills and game days: left out of the insights.
    pub counted: bool,
    /// Field keys it must have (asked where each field is asked).
    pub required_fields: Vec<String>,
    /// Roles it needs filled.
    pub required_roles: Vec<super::Role>,
}

/// The organisation's words that messages show: its roles, incident types and fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    pub roles: RoleBook,
    pub types: TypeBook,
    pub fields: super::fields::FieldBook,
}

/// Every configured type, in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeBook {
    pub types: Vec<TypeInfo>,
}

impl TypeBook {
    pub fn get(&self, key: &str) -> Option<&TypeInfo> {
        self.types.iter().find(|t| t.key == key)
    }

    /// The type of a stored key; None for none or a key no longer configured.
    pub fn of(&self, key: Option<&str>) -> Option<&TypeInfo> {
        key.and_then(|k| self.get(k))
    }

    /// The keys people may type, for an error message: `drill or security`.
    pub fn keys(&self) -> String {
        let keys: Vec<&str> = self.types.iter().map(|t| t.key.as_str()).collect();
        or_list(&keys).unwrap_or_else(|| "none (no incident types are configured)".to_string())
    }

    /// True unless the type of `key` is kept out of the insights.
    pub fn counted(&self, key: Option<&str>) -> bool {
        self.of(key).is_none_or(|t| t.counted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(key: &str, counted: bool) -> TypeInfo {
        TypeInfo {
            key: key.into(),
            name: key.to_uppercase(),
            description: String::new(),
            severity: None,
            private: false,
            channel_prefix: None,
            responders: vec![],
            postmortem: None,
            counted,
            user_groups: vec![],
            required_fields: vec![],
            required_roles: vec![],
        }
    }

    #[test]
    fn keys_are_checked() {
        assert!(is_type_key("security") && is_type_key("game-day2"));
        for bad in ["", "Security", "9x", "a b", "x_y", &"x".repeat(25)] {
            assert!(!is_type_key(bad), "{bad}");
        }
    }

    #[test]
    fn the_book_finds_lists_and_counts() {
        let book = TypeBook {
            types: vec![info("drill", false), info("security", true)],
        };
        assert_eq!(book.keys(), "drill or security");
        assert_eq!(
            book.of(Some("security")).map(|t| t.name.as_str()),
            Some("SECURITY")
        );
        assert!(book.of(Some("gone")).is_none() && book.of(None).is_none());
        assert!(!book.counted(Some("drill")));
        assert!(book.counted(Some("security")) && book.counted(None) && book.counted(Some("gone")));
        assert!(TypeBook::default().keys().starts_with("none"));
    }
}
