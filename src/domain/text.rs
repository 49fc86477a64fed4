//! Text a person typed is data, never markup. [`UserText`] holds it from the moment it
//! arrives (a slash command, a form, a pinned message) to the moment it is shown, and
//! its only ways out are [`UserText::mrkdwn`] (Slack) and [`UserText::plain`] (pages,
//! topics, plain-text fields), both of which go through [`sanitize`]:
//!
//! - Slack's special mentions (`<!channel>`, `<!here>`, `<!everyone>`,
//!   `<!subteam^S1|@team>`) become the plain words (`@channel`, `@team`): nobody is
//!   pinged by what someone else typed;
//! - a bare `&`, `<` or `>` is escaped as Slack's formatting rules require, so typed
//!   text cannot open a link or a mention of its own;
//! - what Slack itself produced stays: user mentions `<@U1>`, channel links `<#C1>`,
//!   web links `<https://…|label>` and the three escapes `&amp;` `&lt;` `&gt;`.
//!
//! [`sanitize`] is idempotent, so text can be stored sanitized and sanitized again on
//! the way out (rows written before this existed are cleaned then). It has no
//! `Display`: `format!("{}", title)` does not compile, which is the point.

use std::fmt;

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

/// Slack mrkdwn that cannot ping a crowd nor open markup of its own: special mentions
/// become plain words, stray `&` `<` `>` are escaped, and mentions, channel links, web
/// links and escapes that Slack produced are kept. Idempotent.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<', '>']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match tail.as_bytes()[0] {
            b'&' => {
                if ["&amp;", "&lt;", "&gt;"]
                    .iter()
                    .any(|e| tail.starts_with(e))
                {
                    out.push('&');
                } else {
                    out.push_str("&amp;");
                }
                rest = &tail[1..];
            }
            b'>' => {
                out.push_str("&gt;");
                rest = &tail[1..];
            }
            _ => match token_at(tail).and_then(|inner| Some((inner.len(), token(inner)?))) {
                Some((n, rendered)) => {
                    out.push_str(&rendered);
                    rest = &tail[n + 2..];
                }
                None => {
                    out.push_str("&lt;");
                    rest = &tail[1..];
                }
            },
        }
    }
    out.push_str(rest);
    out
}

/// The inside of the `<…>` token `tail` starts with, when it closes with `>` before
/// any other `<` or a line break.
fn token_at(tail: &str) -> Option<&str> {
    let body = tail.strip_prefix('<')?;
    let j = body.find(['>', '<', '\n'])?;
    (body.as_bytes()[j] == b'>').then(|| &body[..j])
}

/// `head|label` → (head, label).
fn head_label(inner: &str) -> (&str, Option<&str>) {
    match inner.split_once('|') {
        Some((h, l)) => (h, Some(l)),
        None => (inner, None),
    }
}

/// The safe rendering of one `<…>` token, or None when it is not Slack markup.
fn token(inner: &str) -> Option<String> {
    let (head, label) = head_label(inner);
    if let Some(id) = head.strip_prefix('@') {
        return is_id(id).then(|| format!("<@{id}>"));
    }
    if let Some(id) = head.strip_prefix('#') {
        if !is_id(id) {
            return None;
        }
        return Some(match label.filter(|l| is_channel_name(l)) {
            Some(name) => format!("<#{id}|{name}>"),
            None => format!("<#{id}>"),
        });
    }
    if let Some(special) = head.strip_prefix('!') {
        return Some(special_words(special, label));
    }
    if is_url(head) {
        let url = fix_amp(head);
        return Some(match label.map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => format!("<{url}|{}>", fix_amp(l)),
            None => format!("<{url}>"),
        });
    }
    None
}

/// What a special mention says, as words that notify nobody.
fn special_words(special: &str, label: Option<&str>) -> String {
    let label = label.map(str::trim).filter(|l| !l.is_empty());
    let words = match special {
        "channel" | "here" | "everyone" | "group" => format!("@{special}"),
        s if s.starts_with("subteam^") => match label {
            Some(l) => format!("@{}", l.trim_start_matches('@')),
            None => "@group".to_string(),
        },
        // `<!date^…|fallback>`: the fallback is what Slack shows where it cannot format.
        s if s.starts_with("date^") => label.unwrap_or("a date").to_string(),
        s => label.unwrap_or(s).to_string(),
    };
    fix_amp(&words)
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn is_channel_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
}

fn is_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:"))
        && s.len() <= 2000
        && !s.chars().any(|c| c.is_whitespace() || c == '"')
}

/// `&` not starting one of Slack's three escapes becomes `&amp;`.
fn fix_amp(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if ["&amp;", "&lt;", "&gt;"]
            .iter()
            .any(|e| tail.starts_with(e))
        {
            out.push('&');
        } else {
            out.push_str("&amp;");
        }
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// Undoes Slack's three escapes.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// One part of sanitized mrkdwn: escaped text, or a token Slack itself produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text in Slack's escaped form.
    Text(&'a str),
    User(&'a str),
    Channel {
        id: &'a str,
        name: Option<&'a str>,
    },
    Link {
        url: &'a str,
        label: Option<&'a str>,
    },
}

/// Calls `f` with each [`Piece`] of `s`, sanitized first.
pub fn for_each_piece(s: &str, f: &mut dyn FnMut(Piece<'_>)) {
    let safe = sanitize(s);
    let mut rest = safe.as_str();
    // Sanitized text holds no `<` but the tokens kept, each closed by `>`.
    while let Some(i) = rest.find('<') {
        f(Piece::Text(&rest[..i]));
        let tail = &rest[i + 1..];
        let Some(end) = tail.find('>') else {
            f(Piece::Text(tail));
            return;
        };
        let (head, label) = head_label(&tail[..end]);
        f(if let Some(id) = head.strip_prefix('@') {
            Piece::User(id)
        } else if let Some(id) = head.strip_prefix('#') {
            Piece::Channel { id, name: label }
        } else {
            Piece::Link { url: head, label }
        });
        rest = &tail[end + 1..];
    }
    f(Piece::Text(rest));
}

/// Sanitized mrkdwn as plain text: `<@U1>` through `name`, `<#C1|ops>` as `#ops`,
/// `<url|label>` as `label (url)`, escapes undone.
pub fn to_plain(s: &str, name: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    for_each_piece(s, &mut |p| match p {
        Piece::Text(t) => out.push_str(&unescape(t)),
        Piece::User(id) => out.push_str(&name(id)),
        Piece::Channel { id, name } => {
            out.push('#');
            out.push_str(name.unwrap_or(id));
        }
        Piece::Link { url, label } => match label {
            Some(l) => out.push_str(&format!("{} ({})", unescape(l), unescape(url))),
            None => out.push_str(&unescape(url)),
        },
    });
    out
}

/// The longest prefix of mrkdwn `s` with at most `max` characters that does not end
/// inside a `<…>` token or an `&…;` escape.
pub fn safe_prefix(s: &str, max: usize) -> String {
    let end = s.char_indices().nth(max).map(|(i, _)| i).unwrap_or(s.len());
    let mut cut = &s[..end];
    if end < s.len() {
        if let Some(open) = cut.rfind('<')
            && !cut[open..].contains('>')
        {
            cut = &cut[..open];
        }
        if let Some(amp) = cut.rfind('&')
            && !cut[amp..].contains(';')
        {
            cut = &cut[..amp];
        }
    }
    cut.to_string()
}

/// The last line of defence before Slack: every special mention in `s` becomes its
/// words, except those `allowed` (warroom's own, configured pings such as
/// `subteam^S123`). Everything else is left as it is.
pub fn neutralize_specials(s: &str, allowed: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("<!") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match token_at(tail) {
            Some(inner) => {
                let (head, label) = head_label(&inner[1..]);
                if allowed(head) {
                    out.push_str(&tail[..inner.len() + 2]);
                } else {
                    out.push_str(&special_words(head, label));
                }
                rest = &tail[inner.len() + 2..];
            }
            None => {
                out.push_str("&lt;!");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// True when `s` would ping a crowd in Slack: a special mention of any kind.
pub fn has_special_mention(s: &str) -> bool {
    s.contains("<!")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What hostile people type, in both the form Slack sends a slash command's text
    /// and the form a modal field arrives in.
    pub const HOSTILE: &[&str] = &[
        "<!channel> db down",
        "<!here|here> look",
        "<!everyone>",
        "<!subteam^S0123|@sre-team> wake up",
        "<!subteam^S0123>",
        "<!channel|@channel>",
        "@channel @here @everyone",
        "a <!date^1392734382^{date}|Feb 18> b",
        "<<!channel>>",
        "<!chan\nnel>",
        "x < y & z > w",
        "<javascript:alert(1)|click>",
        "<https://evil.example/|<!channel>>",
        "&lt;!channel&gt;",
        "\u{0}null\u{7}bell\r\nline",
    ];

    #[test]
    fn special_mentions_become_words() {
        assert_eq!(sanitize("<!channel> db down"), "@channel db down");
        assert_eq!(sanitize("<!here|here> look"), "@here look");
        assert_eq!(sanitize("<!everyone>"), "@everyone");
        assert_eq!(sanitize("<!subteam^S0123|@sre-team> up"), "@sre-team up");
        assert_eq!(sanitize("<!subteam^S0123>"), "@group");
        assert_eq!(sanitize("a <!date^13927^{date}|Feb 18> b"), "a Feb 18 b");
        for h in HOSTILE {
            for t in [UserText::from_mrkdwn(h), UserText::from_plain(h)] {
                assert!(
                    !has_special_mention(&t.mrkdwn()),
                    "{h:?} → {:?}",
                    t.mrkdwn()
                );
            }
        }
    }

    #[test]
    fn what_slack_produced_stays() {
        let s = "ask <@U012AB|bob> in <#C42|ops-room> see <https://x.example/a?b=1&amp;c=2|the graph> &amp; &lt;3";
        assert_eq!(
            sanitize(s),
            "ask <@U012AB> in <#C42|ops-room> see <https://x.example/a?b=1&amp;c=2|the graph> &amp; &lt;3"
        );
        assert_eq!(sanitize("<mailto:a@b.c|mail us>"), "<mailto:a@b.c|mail us>");
        assert_eq!(sanitize("<@alice> is IC"), "<@alice> is IC");
    }

    #[test]
    fn stray_markup_is_escaped() {
        assert_eq!(sanitize("x < y & z > w"), "x &lt; y &amp; z &gt; w");
        assert_eq!(
            sanitize("<javascript:alert(1)|click>"),
            "&lt;javascript:alert(1)|click&gt;"
        );
        assert_eq!(sanitize("<<!channel>>"), "&lt;@channel&gt;");
        assert_eq!(sanitize("<!chan\nnel>"), "&lt;!chan\nnel&gt;");
        assert_eq!(sanitize("&quot; &#60;"), "&amp;quot; &amp;#60;");
        assert_eq!(
            UserText::from_plain("<@U1> & <!here>").mrkdwn(),
            "&lt;@U1&gt; &amp; &lt;!here&gt;",
            "a form's text is all text"
        );
    }

    #[test]
    fn sanitize_is_idempotent() {
        for h in HOSTILE {
            let once = sanitize(h);
            assert_eq!(sanitize(&once), once, "{h:?}");
            let p = UserText::from_plain(h).mrkdwn();
            assert_eq!(sanitize(&p), p);
        }
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(clean("\u{0}a\u{7}b\r\nc\rd\te\u{9f}"), "ab\nc\nd\te");
        assert_eq!(
            UserText::from_mrkdwn("db\u{0}down").stored(),
            "dbdown",
            "PostgreSQL refuses NUL"
        );
    }

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
    fn the_guard_keeps_only_allowed_pings() {
        let ours = |h: &str| h == "subteam^SOURS";
        assert_eq!(
            neutralize_specials(
                "<!subteam^SOURS> and <!channel> <!subteam^SX|@x> <!here",
                &ours
            ),
            "<!subteam^SOURS> and @channel @x &lt;!here"
        );
        assert_eq!(
            neutralize_specials("<@U1> <#C1|x> &amp; <https://a|b>", &ours),
            "<@U1> <#C1|x> &amp; <https://a|b>",
            "nothing else changes"
        );
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
