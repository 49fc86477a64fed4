//! A message's Block Kit blocks: each block within Slack's limits, sections within the
//! message's total (what does not fit is cut with a note, the buttons kept), and no
//! more blocks than Slack takes.

use serde_json::{Value, json};

use super::{
    MAX_BLOCKS, MAX_BUTTON, MAX_CONTEXT_ITEMS, MAX_FIELD, MAX_FIELDS, MAX_HEADER, MAX_SECTION,
    MAX_TOTAL, Outbound, fit, split,
};
use crate::chat::message::{Block, Button, ButtonStyle, Message};
use crate::domain::incident::truncate_chars;

impl Outbound {
    /// Block Kit JSON for a message's blocks.
    pub fn blocks(&self, msg: &Message) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        let mut total = 0usize;
        let mut cut_total = false;
        for b in &msg.blocks {
            match b {
                Block::Header { text } => {
                    out.push(json!({"type": "header", "text": self.plain(text, MAX_HEADER)}));
                }
                Block::Section { text, fields } => {
                    cut_total = self.section(text, fields, &mut total, &mut out);
                    if cut_total {
                        break;
                    }
                }
                Block::Context { items } => out.extend(self.context(items)),
                Block::Divider => out.push(json!({"type": "divider"})),
                Block::Actions { buttons } => out.extend(self.actions(buttons)),
            }
        }
        if cut_total {
            self.keep_buttons(msg, &mut out);
            out.push(cut_context());
        }
        within_max_blocks(out)
    }

    /// Pushes a section, split into Slack-sized parts, within what is left of the
    /// message's total (`total`: characters used so far). True when the total ran out:
    /// the rest of the message is left out.
    fn section(
        &self,
        text: &str,
        fields: &[String],
        total: &mut usize,
        out: &mut Vec<Value>,
    ) -> bool {
        let text = self.guard(text);
        let (kept, cut_total) = within_total(split(&text, MAX_SECTION), total);
        let last = kept.len().saturating_sub(1);
        for (i, p) in kept.into_iter().enumerate() {
            let mut v = json!({"type": "section", "text": {"type": "mrkdwn", "text": p}});
            if i == last && !fields.is_empty() {
                v["fields"] = Value::Array(self.fields(fields));
            }
            out.push(v);
        }
        if text.is_empty() && !fields.is_empty() {
            out.push(json!({"type": "section", "fields": self.fields(fields)}));
        }
        cut_total
    }

    fn fields(&self, fields: &[String]) -> Vec<Value> {
        fields
            .iter()
            .take(MAX_FIELDS)
            .map(|f| self.mrkdwn(f, MAX_FIELD))
            .collect()
    }

    /// A context block, or none for no items.
    fn context(&self, items: &[String]) -> Option<Value> {
        if items.is_empty() {
            return None;
        }
        let els: Vec<Value> = items
            .iter()
            .take(MAX_CONTEXT_ITEMS)
            .map(|i| self.mrkdwn(i, MAX_FIELD))
            .collect();
        Some(json!({"type": "context", "elements": els}))
    }

    /// An actions block, or none for no buttons.
    fn actions(&self, buttons: &[Button]) -> Option<Value> {
        if buttons.is_empty() {
            return None;
        }
        let els: Vec<Value> = buttons.iter().take(25).map(|b| self.button(b)).collect();
        Some(json!({"type": "actions", "elements": els}))
    }

    fn button(&self, b: &Button) -> Value {
        let mut v = json!({
            "type": "button",
            "action_id": b.action_id,
            "text": self.plain(&b.text, MAX_BUTTON),
            "value": truncate_chars(&b.value, 2000),
        });
        if let Some(s) = b.style {
            v["style"] = json!(match s {
                ButtonStyle::Primary => "primary",
                ButtonStyle::Danger => "danger",
            });
        }
        v
    }

    /// After a cut, adds the message's buttons if the cut left them out: they still
    /// matter when the text was too long.
    fn keep_buttons(&self, msg: &Message, out: &mut Vec<Value>) {
        if let Some(actions) = msg
            .blocks
            .iter()
            .find(|b| matches!(b, Block::Actions { .. }))
            && !out.iter().any(|v| v["type"] == "actions")
        {
            let one = Message {
                text: String::new(),
                blocks: vec![actions.clone()],
            };
            out.extend(self.blocks(&one));
        }
    }
}

/// The parts of a section that fit in what is left of the message's total, the last
/// one cut to fit when there is room worth showing; true when the total ran out.
fn within_total(parts: Vec<String>, total: &mut usize) -> (Vec<String>, bool) {
    let mut kept = Vec::new();
    for p in parts {
        let n = p.chars().count();
        if *total + n > MAX_TOTAL {
            let room = MAX_TOTAL.saturating_sub(*total);
            if room > 200 {
                kept.push(fit(&p, room));
            }
            return (kept, true);
        }
        *total += n;
        kept.push(p);
    }
    (kept, false)
}

/// At most Slack's number of blocks: the first ones, the last actions block, and a
/// note saying the rest was cut.
fn within_max_blocks(out: Vec<Value>) -> Vec<Value> {
    if out.len() <= MAX_BLOCKS {
        return out;
    }
    let actions = out.iter().rposition(|v| v["type"] == "actions");
    let keep_actions = actions.map(|i| out[i].clone());
    let room = MAX_BLOCKS - 1 - usize::from(keep_actions.is_some());
    let mut kept: Vec<Value> = out
        .into_iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != actions)
        .map(|(_, v)| v)
        .take(room)
        .collect();
    kept.extend(keep_actions);
    kept.push(cut_context());
    kept
}

fn cut_context() -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": "_Cut: the rest was too long for one Slack message; it is on the incident's page and timeline._"}]})
}
