//! Block Kit rendering of [`Message`]s and [`Modal`]s for Slack: the last stop before
//! the Web API, so two promises are kept here whatever a builder did. No special
//! mention leaves but warroom's own configured ones ([`Outbound`]'s guard), and every
//! text fits Slack's limits: long sections are split, what still does not fit is cut
//! with a note saying so, never refused by Slack (`msg_too_long`, `invalid_blocks`).
//!
//! Here the guard, the limits and the cutting of text; `message` lays out a message's
//! blocks, `modal` a modal's view and reads its submitted values back.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::chat::message::{Message, Modal};
use crate::domain::incident::truncate_chars;
use crate::domain::text::{neutralize_specials, safe_prefix};

mod message;
mod modal;

pub use modal::submitted_values;

/// Slack's limit on a section's text (and a modal's intro).
pub const MAX_SECTION: usize = 3000;
/// Slack's limit on a header block (plain text).
pub const MAX_HEADER: usize = 150;
/// Slack's limit on a section field.
pub const MAX_FIELD: usize = 2000;
/// Slack's limit on a message's blocks.
pub const MAX_BLOCKS: usize = 50;
/// Slack refuses message text over 40,000 characters and advises under 4,000; the
/// fallback text (notifications, screen readers) is kept under that advice.
pub const MAX_TEXT: usize = 3900;
/// All sections of one message together: long enough for any real message, short
/// enough that Slack shows it without "see more" walls.
pub const MAX_TOTAL: usize = 12_000;
/// Slack's limit on a channel topic.
pub const MAX_TOPIC: usize = 250;
const MAX_BUTTON: usize = 75;
const MAX_CONTEXT_ITEMS: usize = 10;
const MAX_FIELDS: usize = 10;

/// What says that text was cut.
pub const CUT_NOTE: &str =
    " … _(cut: too long for Slack; the full text is on the incident's page and timeline)_";

/// What may leave for Slack: the user groups warroom itself was configured to ping.
#[derive(Debug, Clone, Default)]
pub struct Outbound {
    groups: Arc<BTreeSet<String>>,
}

impl Outbound {
    /// `groups`: IDs (`S…`) warroom may mention as `<!subteam^S…>`.
    pub fn new(groups: impl IntoIterator<Item = String>) -> Outbound {
        Outbound {
            groups: Arc::new(groups.into_iter().filter(|g| g.starts_with('S')).collect()),
        }
    }

    /// Special mentions become words unless they are warroom's own.
    pub fn guard(&self, s: &str) -> String {
        neutralize_specials(s, &|head| {
            head.strip_prefix("subteam^")
                .is_some_and(|g| self.groups.contains(g))
        })
    }

    fn mrkdwn(&self, text: &str, max: usize) -> Value {
        json!({"type": "mrkdwn", "text": fit(&self.guard(text), max)})
    }

    fn plain(&self, text: &str, max: usize) -> Value {
        json!({"type": "plain_text", "text": truncate_chars(&self.guard(text), max), "emoji": true})
    }

    /// The message's fallback text (notifications, screen readers, the answer's text).
    pub fn text(&self, msg: &Message) -> String {
        fit(&self.guard(&msg.text), MAX_TEXT)
    }

    /// A channel topic: plain text within Slack's 250 characters.
    pub fn topic(&self, topic: &str) -> String {
        truncate_chars(&self.guard(topic), MAX_TOPIC)
    }

    /// A `views.open` view for a modal.
    pub fn view(&self, m: &Modal) -> Value {
        modal::view_with(self, m)
    }
}

/// `text` in at most `max` characters: cut where no markup breaks, with a note.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let note = CUT_NOTE.chars().count();
    let keep = if max > note * 2 {
        max - note
    } else {
        max.saturating_sub(1)
    };
    let mut out = safe_prefix(text, keep);
    out.push_str(if max > note * 2 { CUT_NOTE } else { "…" });
    out
}

/// Splits mrkdwn into parts of at most `max` characters, at line breaks where it can;
/// a single line longer than that is cut with a note.
pub fn split(text: &str, max: usize) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    if text.chars().count() <= max {
        return vec![text.to_string()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0usize;
    for line in text.split('\n') {
        let line = fit(line, max);
        let n = line.chars().count();
        if cur_len > 0 && cur_len + 1 + n > max {
            out.push(std::mem::take(&mut cur));
            cur_len = 0;
        }
        if cur_len > 0 {
            cur.push('\n');
            cur_len += 1;
        }
        cur.push_str(&line);
        cur_len += n;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Block Kit JSON for a message's blocks, with no configured pings allowed.
pub fn blocks(msg: &Message) -> Vec<Value> {
    Outbound::default().blocks(msg)
}

/// A `views.open` view for a modal, with no configured pings allowed.
pub fn view(m: &Modal) -> Value {
    Outbound::default().view(m)
}

#[cfg(test)]
mod tests;
