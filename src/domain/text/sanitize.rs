//! Sanitizing Slack mrkdwn: special mentions become words, stray `&` `<` `>` are
//! escaped, and the tokens Slack itself produced stay; and the last guard before Slack
//! ([`neutralize_specials`]).

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
                push_ampersand(&mut out, tail);
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
pub(super) fn head_label(inner: &str) -> (&str, Option<&str>) {
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
        push_ampersand(&mut out, tail);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
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

/// An `&` at the start of `tail`: kept when it begins one of Slack's three escapes
/// (already escaped), escaped otherwise.
fn push_ampersand(out: &mut String, tail: &str) {
    if ["&amp;", "&lt;", "&gt;"]
        .iter()
        .any(|e| tail.starts_with(e))
    {
        out.push('&');
    } else {
        out.push_str("&amp;");
    }
}

#[cfg(test)]
mod tests {
    use super::{has_special_mention, neutralize_specials, sanitize};
    use crate::domain::text::UserText;

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
}
