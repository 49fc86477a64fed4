//! Tags: short labels a team puts on an incident (`db`, `eu`, `customer-facing`) to
//! find it again in listings, insights and reports. Lowercase ASCII, bounded in length
//! and in number, kept in the order they were added.

/// Most tags one incident may carry.
pub const MAX_TAGS: usize = 10;
/// Longest tag, in characters.
pub const MAX_TAG_LEN: usize = 32;

/// Why a list of tags was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("`{0}` is not a tag: letters, digits, - _ . : only, at most {MAX_TAG_LEN} characters.")]
    Bad(String),
    #[error("An incident carries at most {MAX_TAGS} tags; this would make {0}. Remove some first.")]
    TooMany(usize),
    #[error("Name at least one tag.")]
    Missing,
}

/// True for a tag as stored: lowercase letters, digits, `-`, `_`, `.`, `:`, at most
/// [`MAX_TAG_LEN`] characters.
pub fn is_tag(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= MAX_TAG_LEN
        && t.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | ':')
        })
}

/// One tag as typed in a filter (`db`, `#DB`): None when empty, else the tag, or the
/// text back when it is not one.
pub fn parse_one(typed: &str) -> Result<Option<String>, String> {
    let tag = normalize(typed.trim());
    if tag.is_empty() {
        return Ok(None);
    }
    if !is_tag(&tag) {
        return Err(typed.trim().chars().take(40).collect());
    }
    Ok(Some(tag))
}

/// As stored: without a leading `#` (as typed in Slack), lowercase.
fn normalize(word: &str) -> String {
    word.trim_start_matches('#').to_ascii_lowercase()
}

/// Reads `db,eu` or `db eu` (any case; `#db` as typed in Slack too) into tags:
/// lowercase, each once, in the order given.
pub fn parse_list(text: &str) -> Result<Vec<String>, TagError> {
    let mut out: Vec<String> = Vec::new();
    for word in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        let tag = normalize(word);
        if !is_tag(&tag) {
            return Err(TagError::Bad(word.chars().take(40).collect()));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
        if out.len() > MAX_TAGS {
            return Err(TagError::TooMany(out.len()));
        }
    }
    if out.is_empty() {
        return Err(TagError::Missing);
    }
    Ok(out)
}

/// `have` with `new` added after it (those it already has are left where they are).
pub fn added(have: &[String], new: &[String]) -> Result<Vec<String>, TagError> {
    let mut out = have.to_vec();
    for t in new {
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(TagError::TooMany(out.len()));
    }
    Ok(out)
}

/// `have` without `gone`.
pub fn removed(have: &[String], gone: &[String]) -> Vec<String> {
    have.iter().filter(|t| !gone.contains(t)).cloned().collect()
}

/// Tags as stored in one column: `db,eu` (no tag holds a comma).
pub fn join(tags: &[String]) -> String {
    tags.join(",")
}

/// The stored column back into tags; anything that is not a tag is dropped.
pub fn split(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|t| is_tag(t))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn lists_are_read_in_any_case_and_separator() {
        assert_eq!(
            parse_list("DB, eu #Payments db"),
            Ok(v(&["db", "eu", "payments"]))
        );
        assert_eq!(
            parse_list("team:core region.eu"),
            Ok(v(&["team:core", "region.eu"]))
        );
    }

    #[test]
    fn bad_tags_are_named() {
        assert_eq!(parse_list("  ,, "), Err(TagError::Missing));
        assert_eq!(parse_list("db <b>"), Err(TagError::Bad("<b>".into())));
        assert_eq!(parse_list("café"), Err(TagError::Bad("café".into())));
        let long = "x".repeat(MAX_TAG_LEN + 1);
        assert_eq!(parse_list(&long), Err(TagError::Bad(long.clone())));
        assert!(parse_list(&"x".repeat(MAX_TAG_LEN)).is_ok());
        let msg = TagError::Bad("%".into()).to_string();
        assert!(msg.contains("letters, digits"), "{msg}");
    }

    #[test]
    fn one_tag_for_a_filter() {
        assert_eq!(parse_one("  "), Ok(None));
        assert_eq!(parse_one(" #DB "), Ok(Some("db".into())));
        assert_eq!(parse_one("no such"), Err("no such".into()));
    }

    #[test]
    fn at_most_max_tags() {
        let eleven: Vec<String> = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
        assert_eq!(parse_list(&eleven.join(",")), Err(TagError::TooMany(11)));
        let ten = &eleven[..MAX_TAGS];
        assert_eq!(added(&[], ten), Ok(ten.to_vec()));
        assert_eq!(added(ten, &v(&["t0"])), Ok(ten.to_vec()), "already there");
        assert_eq!(added(ten, &v(&["new"])), Err(TagError::TooMany(11)));
    }

    #[test]
    fn adding_and_removing_keep_the_order() {
        let have = v(&["db", "eu"]);
        assert_eq!(
            added(&have, &v(&["api", "db"])),
            Ok(v(&["db", "eu", "api"]))
        );
        assert_eq!(removed(&have, &v(&["db", "nope"])), v(&["eu"]));
    }

    #[test]
    fn the_column_round_trips_and_drops_junk() {
        let tags = v(&["db", "team:core"]);
        assert_eq!(split(&join(&tags)), tags);
        assert!(split("").is_empty());
        assert_eq!(split("db,,BAD,eu"), v(&["db", "eu"]));
    }
}
