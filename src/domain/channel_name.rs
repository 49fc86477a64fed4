//! Incident channel names under Slack's rules: lowercase letters, digits, `-` and `_`,
//! at most 80 characters.

use super::ids::IncidentId;

/// Slack's limit on channel names.
pub const MAX_CHANNEL_NAME: usize = 80;

/// `inc-<n>-<slug-of-title>`, trimmed to Slack's limit on a word boundary when it can be.
pub fn for_incident(prefix: &str, id: IncidentId, title: &str) -> String {
    let prefix = slug(prefix);
    let prefix = if prefix.is_empty() {
        "inc".to_string()
    } else {
        prefix
    };
    let head = format!("{prefix}-{}", id.0);
    let slug = slug(title);
    if slug.is_empty() {
        return truncate(&head, MAX_CHANNEL_NAME);
    }
    let full = format!("{head}-{slug}");
    if full.len() <= MAX_CHANNEL_NAME {
        return full;
    }
    // Cut at the last dash that keeps us under the limit, so words are not split.
    let cut = &full[..MAX_CHANNEL_NAME];
    match cut.rfind('-') {
        Some(i) if i > head.len() => cut[..i].to_string(),
        _ => cut.trim_end_matches('-').to_string(),
    }
}

/// The `n`-th alternative name when the first is taken: `<name>-2`, `<name>-3`, ...
pub fn alternative(name: &str, n: u32) -> String {
    let suffix = format!("-{n}");
    let keep = MAX_CHANNEL_NAME - suffix.len();
    let base = truncate(name, keep);
    format!("{}{suffix}", base.trim_end_matches('-'))
}

/// Lowercase ASCII letters and digits joined by single dashes; accents are folded,
/// anything else becomes a separator.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        let c = fold(c);
        match c {
            Some(c) if c.is_ascii_alphanumeric() => {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.push(c.to_ascii_lowercase());
            }
            Some('_') if !out.is_empty() => {
                if dash {
                    out.push('-');
                }
                dash = false;
                out.push('_');
            }
            _ => dash = true,
        }
    }
    out.trim_end_matches('_').to_string()
}

fn fold(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c);
    }
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => 's',
        _ => return None,
    };
    Some(folded)
}

fn truncate(s: &str, max: usize) -> String {
    // Names are ASCII by construction, so byte slicing is safe.
    if s.len() <= max {
        s.to_string()
    } else {
        s[..max].to_string()
    }
}

/// True when `name` obeys Slack's rules.
pub fn is_valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_CHANNEL_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_titles() {
        assert_eq!(
            for_incident("inc", IncidentId(1), "API error rate at 12%"),
            "inc-1-api-error-rate-at-12"
        );
        assert_eq!(
            for_incident("inc", IncidentId(7), "  Payments: DOWN!!  (EU) "),
            "inc-7-payments-down-eu"
        );
        assert_eq!(
            for_incident("inc", IncidentId(3), "Café crème à l'Élysée"),
            "inc-3-cafe-creme-a-l-elysee"
        );
        assert_eq!(for_incident("inc", IncidentId(9), "🔥🔥🔥"), "inc-9");
        assert_eq!(
            for_incident("INC", IncidentId(9), "db_pool"),
            "inc-9-db_pool"
        );
        assert_eq!(for_incident("", IncidentId(2), "x"), "inc-2-x");
    }

    #[test]
    fn long_titles_are_cut_on_a_word_and_stay_valid() {
        let title = "the quick brown fox jumps over the lazy dog ".repeat(5);
        let name = for_incident("inc", IncidentId(123456), &title);
        assert!(name.len() <= MAX_CHANNEL_NAME, "{name}");
        assert!(is_valid(&name), "{name}");
        assert!(!name.ends_with('-'));
        assert!(name.starts_with("inc-123456-the-quick"));
        let one_word = "a".repeat(200);
        let name = for_incident("inc", IncidentId(1), &one_word);
        assert_eq!(name.len(), MAX_CHANNEL_NAME);
        assert!(is_valid(&name));
    }

    #[test]
    fn alternatives_stay_valid() {
        assert_eq!(alternative("inc-1-api", 2), "inc-1-api-2");
        let long = "a".repeat(80);
        let alt = alternative(&long, 12);
        assert_eq!(alt.len(), 80);
        assert!(alt.ends_with("-12"));
        assert!(is_valid(&alt));
    }

    #[test]
    fn validity() {
        assert!(is_valid("inc-1-x_y"));
        assert!(!is_valid("Inc-1"));
        assert!(!is_valid("inc 1"));
        assert!(!is_valid(""));
        assert!(!is_valid(&"a".repeat(81)));
    }
}
