//! The keys an organisation configures (roles, incident types): their one shape, and
//! how a list of them reads in a message that names the choices.

/// True for a key: a lowercase letter, then lowercase letters, digits and `-`, at most
/// `max` characters.
pub fn is_key(s: &str, max: usize) -> bool {
    s.len() <= max
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `a, b or c`; `a` alone; None when there are none.
pub fn or_list(keys: &[&str]) -> Option<String> {
    match keys.split_last() {
        Some((last, rest)) if !rest.is_empty() => Some(format!("{} or {last}", rest.join(", "))),
        Some((last, _)) => Some(last.to_string()),
        None => None,
    }
}

/// The keys stored incidents keep (severity, type, field), each with how many
/// incidents keep it: what start-up checks against the configuration.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StoredKeys {
    pub severities: Vec<(String, i64)>,
    /// Type keys (`''` for none).
    pub kinds: Vec<(String, i64)>,
    pub fields: Vec<(String, i64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_one_shape() {
        assert!(is_key("scribe", 16) && is_key("game-day2", 16));
        for bad in ["", "Scribe", "9x", "a b", "x_y", "<b>"] {
            assert!(!is_key(bad, 16), "{bad}");
        }
        assert!(is_key(&"x".repeat(16), 16) && !is_key(&"x".repeat(17), 16));
    }

    #[test]
    fn lists_read_as_choices() {
        assert_eq!(or_list(&["a", "b", "c"]).as_deref(), Some("a, b or c"));
        assert_eq!(or_list(&["a"]).as_deref(), Some("a"));
        assert_eq!(or_list(&[]), None);
    }
}
