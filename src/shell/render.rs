//! Messages as terminal text: mrkdwn mentions and emoji codes made readable, blocks
//! laid out line by line, buttons numbered so `/click 1` can press them.

use crate::chat::{Block, Message};

/// A few emoji codes warroom uses, as characters.
fn emoji(code: &str) -> Option<&'static str> {
    Some(match code {
        "rotating_light" => "🚨",
        "white_check_mark" => "✅",
        "white_square" => "⬜",
        "mag" => "🔍",
        "bulb" => "💡",
        "eyes" => "👀",
        "red_circle" => "🔴",
        "large_orange_circle" => "🟠",
        "large_yellow_circle" => "🟡",
        "white_circle" => "⚪",
        "memo" => "📝",
        "busts_in_silhouette" => "👥",
        "clipboard" => "📋",
        "chart_with_downwards_trend" => "📉",
        "sunny" => "☀️",
        "lock" => "🔒",
        "globe_with_meridians" => "🌐",
        "pushpin" => "📌",
        "warning" => "⚠️",
        "bell" => "🔔",
        "alarm_clock" => "⏰",
        "fire" => "🔥",
        "hourglass" => "⏳",
        "page_facing_up" => "📄",
        "calendar" => "📅",
        "sos" => "🆘",
        "zzz" => "💤",
        "ok" => "🆗",
        _ => return None,
    })
}

/// mrkdwn to terminal text: `<@U1>` → `@U1`, `<#C1>` → `#name`, `<url|label>` →
/// `label (url)`, `:code:` → emoji.
pub fn text(s: &str, channel_name: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['<', ':']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with('<') {
            if let Some(end) = tail.find('>') {
                let inner = &tail[1..end];
                if let Some(u) = inner.strip_prefix('@') {
                    out.push('@');
                    out.push_str(u.split('|').next().unwrap_or(u));
                } else if let Some(c) = inner.strip_prefix('#') {
                    let mut parts = c.split('|');
                    let id = parts.next().unwrap_or(c);
                    out.push('#');
                    out.push_str(
                        &parts
                            .next()
                            .map(str::to_string)
                            .unwrap_or_else(|| channel_name(id)),
                    );
                } else if let Some((url, label)) = inner.split_once('|') {
                    out.push_str(&format!("{label} ({url})"));
                } else {
                    out.push_str(inner);
                }
                rest = &tail[end + 1..];
                continue;
            }
        } else if let Some(end) = tail[1..].find(':') {
            let code = &tail[1..end + 1];
            if let Some(e) = emoji(code) {
                out.push_str(e);
                rest = &tail[end + 2..];
                continue;
            }
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Plain text (a header, a button): only emoji codes turn into emoji, as Slack does
/// for `plain_text` with `emoji: true`; nothing else is read as markup.
pub fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(':') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(end) = tail[1..].find(':')
            && let Some(e) = emoji(&tail[1..end + 1])
        {
            out.push_str(e);
            rest = &tail[end + 2..];
            continue;
        }
        out.push(':');
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// A message as lines, and its buttons as (label, action_id, value).
pub fn message(
    msg: &Message,
    channel_name: &dyn Fn(&str) -> String,
) -> (Vec<String>, Vec<(String, String, String)>) {
    let mut lines = Vec::new();
    let mut buttons = Vec::new();
    if msg.blocks.is_empty() {
        lines.extend(text(&msg.text, channel_name).lines().map(str::to_string));
    }
    for b in &msg.blocks {
        match b {
            // Headers are plain text in Slack: shown as they are, no markup read.
            Block::Header { text: t } => lines.push(format!("▌ {}", plain(t))),
            Block::Section { text: t, fields } => {
                if !t.is_empty() {
                    lines.extend(text(t, channel_name).lines().map(str::to_string));
                }
                for pair in fields.chunks(2) {
                    let cells: Vec<String> = pair
                        .iter()
                        .map(|f| text(f, channel_name).replace('\n', ": ").replace('*', ""))
                        .collect();
                    lines.push(format!(
                        "{:<46}{}",
                        cells[0],
                        cells.get(1).cloned().unwrap_or_default()
                    ));
                }
            }
            Block::Context { items } => {
                lines.push(
                    items
                        .iter()
                        .map(|i| text(i, channel_name))
                        .collect::<Vec<_>>()
                        .join("  "),
                );
            }
            Block::Divider => lines.push("─".repeat(40)),
            Block::Actions { buttons: bs } => {
                let mut row = String::new();
                for b in bs {
                    buttons.push((b.text.clone(), b.action_id.clone(), b.value.clone()));
                    row.push_str(&format!("[{} {}] ", buttons.len(), b.text));
                }
                lines.push(format!("{}  ← /click <n>", row.trim_end()));
            }
        }
    }
    (lines, buttons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(id: &str) -> String {
        format!("name-of-{id}")
    }

    #[test]
    fn mrkdwn_becomes_readable() {
        assert_eq!(text("hi <@U1> in <#C9>", &name), "hi @U1 in #name-of-C9");
        assert_eq!(
            text("<#C9|ops> :rotating_light: 10:30 UTC", &name),
            "#ops 🚨 10:30 UTC"
        );
        assert_eq!(
            text("see <http://x|the page>", &name),
            "see the page (http://x)"
        );
        assert_eq!(
            text("a < b and :nope: stays", &name),
            "a < b and :nope: stays"
        );
        assert_eq!(text("`sev &lt;1-4&gt;` &amp;", &name), "`sev <1-4>` &");
        assert_eq!(
            plain(":rotating_light: INC-1: a <b> & c:d"),
            "🚨 INC-1: a <b> & c:d"
        );
    }
}
