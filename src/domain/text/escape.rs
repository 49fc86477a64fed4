//! Character-level rules: dropping control characters, and Slack's three escapes
//! (`&amp;` `&lt;` `&gt;`) applied and undone.

/// Removes what no database can store and no person typed on purpose: NUL and the
/// other control characters (tabs and line breaks stay; `\r\n` becomes `\n`).
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Escapes `&`, `<` and `>` (Slack's rule for text that is not markup).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Undoes Slack's three escapes.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::clean;
    use crate::domain::text::UserText;

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(clean("\u{0}a\u{7}b\r\nc\rd\te\u{9f}"), "ab\nc\nd\te");
        assert_eq!(
            UserText::from_mrkdwn("db\u{0}down").stored(),
            "dbdown",
            "PostgreSQL refuses NUL"
        );
    }
}
