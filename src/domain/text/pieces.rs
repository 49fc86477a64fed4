//! Reading sanitized mrkdwn back: its [`Piece`]s, the plain text people read, and a
//! prefix that cuts no markup in two.

use super::sanitize::{head_label, sanitize};
use super::unescape;

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
