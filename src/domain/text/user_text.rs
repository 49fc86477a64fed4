//! [`UserText`]: a person's text from the moment it arrives to the moment it is shown,
//! whose only ways out ([`UserText::mrkdwn`], [`UserText::plain`]) are sanitized.

use std::fmt;

use super::{clean, escape, safe_prefix, sanitize, to_plain};

/// Text a person supplied, kept in Slack's escaped form and free of special mentions.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct UserText(String);

impl fmt::Debug for UserText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl UserText {
    /// Text in Slack's escaped form: a slash command's text, a message event, or text
    /// warroom composed from other `UserText`s.
    pub fn from_mrkdwn(s: &str) -> UserText {
        UserText(sanitize(&clean(s)))
    }

    /// Text as a person typed it where Slack escapes nothing: form fields, the shell's
    /// form prompts. Every `&`, `<` and `>` is escaped.
    pub fn from_plain(s: &str) -> UserText {
        UserText(escape(&clean(s)))
    }

    /// Text read back from the database (sanitized again on the way out).
    pub fn from_stored(s: String) -> UserText {
        UserText(s)
    }

    /// For Slack's mrkdwn: safe to put in any message.
    pub fn mrkdwn(&self) -> String {
        sanitize(&self.0)
    }

    /// As people read it: mentions as `@ID`, links as `label (url)`, escapes undone.
    /// For plain-text places (topics, headers, form values) and for pages, which
    /// escape it for HTML themselves.
    pub fn plain(&self) -> String {
        to_plain(&self.0, &|id| format!("@{id}"))
    }

    /// Like [`UserText::plain`], with user IDs turned into names by `name`.
    pub fn plain_with(&self, name: &dyn Fn(&str) -> String) -> String {
        to_plain(&self.0, name)
    }

    /// The stored form, for the store and for rules that read the words (a channel
    /// name's slug, a percentage). Never for a message: use [`UserText::mrkdwn`].
    pub fn stored(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// Length as people count it (escapes count as one character).
    pub fn char_len(&self) -> usize {
        self.plain().chars().count()
    }

    /// At most `max` characters (as stored), cut where no markup breaks, with a note.
    pub fn shortened(&self, max: usize) -> UserText {
        let s = self.mrkdwn();
        if s.chars().count() <= max {
            return UserText(s);
        }
        let note = " … _(cut)_";
        let mut cut = safe_prefix(&s, max.saturating_sub(note.chars().count()));
        cut.push_str(note);
        UserText(cut)
    }
}

impl From<&str> for UserText {
    /// Text in Slack's escaped form, as [`UserText::from_mrkdwn`] (tests spell user
    /// text as literals).
    fn from(s: &str) -> UserText {
        UserText::from_mrkdwn(s)
    }
}

#[cfg(test)]
mod tests {
    use super::UserText;
    use crate::domain::text::{safe_prefix, sanitize};

    #[test]
    fn plain_reads_like_slack_shows_it() {
        let t = UserText::from_mrkdwn(
            "<!channel> ask <@U1|bob> in <#C1|ops> <https://x.example|graph> &lt;3 &amp; more",
        );
        assert_eq!(
            t.plain(),
            "@channel ask @U1 in #ops graph (https://x.example) <3 & more"
        );
        assert_eq!(
            t.plain_with(&|id| if id == "U1" { "@bob".into() } else { id.into() }),
            "@channel ask @bob in #ops graph (https://x.example) <3 & more"
        );
        assert_eq!(UserText::from_plain("a < b").plain(), "a < b");
        assert_eq!(UserText::from_plain("a&b").char_len(), 3);
    }

    #[test]
    fn shortening_never_breaks_markup() {
        let t = UserText::from_mrkdwn(&format!("{} <@U12345> &amp; tail", "x".repeat(20)));
        for max in 15..45 {
            let s = t.shortened(max);
            assert!(s.stored().chars().count() <= max.max(10), "{max}: {s:?}");
            assert_eq!(sanitize(s.stored()), s.stored(), "{max}: {s:?}");
            assert!(!s.stored().contains("<@U12 ") && !s.stored().ends_with('&'));
        }
        assert_eq!(
            safe_prefix("abc <@U12345> def", 8),
            "abc ",
            "a cut token is left out whole"
        );
        assert_eq!(safe_prefix("ab &amp; c", 5), "ab ");
        assert_eq!(t.shortened(1000), t);
    }
}
