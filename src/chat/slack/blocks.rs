//! Block Kit rendering of [`Message`]s and [`Modal`]s for Slack: the last stop before
//! the Web API, so two promises are kept here whatever a builder did. No special
//! mention leaves but warroom's own configured ones ([`Outbound`]'s guard), and every
//! text fits Slack's limits: long sections are split, what still does not fit is cut
//! with a note saying so, never refused by Slack (`msg_too_long`, `invalid_blocks`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::chat::message::{Block, ButtonStyle, InputKind, Message, Modal};
use crate::domain::incident::truncate_chars;
use crate::domain::text::{neutralize_specials, safe_prefix};

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
                    let text = self.guard(text);
                    let mut parts = split(&text, MAX_SECTION);
                    let mut kept = Vec::new();
                    for p in parts.drain(..) {
                        let n = p.chars().count();
                        if total + n > MAX_TOTAL {
                            let room = MAX_TOTAL.saturating_sub(total);
                            if room > 200 {
                                kept.push(fit(&p, room));
                            }
                            cut_total = true;
                            break;
                        }
                        total += n;
                        kept.push(p);
                    }
                    let last = kept.len().saturating_sub(1);
                    for (i, p) in kept.into_iter().enumerate() {
                        let mut v =
                            json!({"type": "section", "text": {"type": "mrkdwn", "text": p}});
                        if i == last && !fields.is_empty() {
                            v["fields"] = fields
                                .iter()
                                .take(MAX_FIELDS)
                                .map(|f| self.mrkdwn(f, MAX_FIELD))
                                .collect();
                        }
                        out.push(v);
                    }
                    if text.is_empty() && !fields.is_empty() {
                        out.push(json!({"type": "section", "fields": fields
                            .iter()
                            .take(MAX_FIELDS)
                            .map(|f| self.mrkdwn(f, MAX_FIELD))
                            .collect::<Vec<_>>()}));
                    }
                    if cut_total {
                        break;
                    }
                }
                Block::Context { items } => {
                    if items.is_empty() {
                        continue;
                    }
                    let els: Vec<Value> = items
                        .iter()
                        .take(MAX_CONTEXT_ITEMS)
                        .map(|i| self.mrkdwn(i, MAX_FIELD))
                        .collect();
                    out.push(json!({"type": "context", "elements": els}));
                }
                Block::Divider => out.push(json!({"type": "divider"})),
                Block::Actions { buttons } => {
                    if buttons.is_empty() {
                        continue;
                    }
                    let els: Vec<Value> = buttons
                        .iter()
                        .take(25)
                        .map(|b| {
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
                        })
                        .collect();
                    out.push(json!({"type": "actions", "elements": els}));
                }
            }
        }
        if cut_total {
            // The buttons still matter when the text was too long.
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
            out.push(cut_context());
        }
        if out.len() > MAX_BLOCKS {
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
            out = kept;
        }
        out
    }

    /// A `views.open` view for a modal.
    pub fn view(&self, m: &Modal) -> Value {
        view_with(self, m)
    }
}

fn cut_context() -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": "_Cut: the rest was too long for one Slack message; it is on the incident's page and timeline._"}]})
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

fn view_with(o: &Outbound, m: &Modal) -> Value {
    let mut blocks: Vec<Value> = Vec::new();
    if let Some(intro) = &m.intro {
        blocks.push(json!({"type": "section", "text": o.mrkdwn(intro, MAX_SECTION)}));
    }
    for input in &m.inputs {
        let element = match &input.kind {
            InputKind::Text {
                multiline,
                initial,
                max_length,
            } => {
                let mut e = json!({"type": "plain_text_input", "action_id": input.id, "multiline": multiline});
                let max = max_length.unwrap_or(MAX_SECTION).min(MAX_SECTION);
                if let Some(i) = initial {
                    // A longer initial value than the field allows makes Slack refuse the form.
                    e["initial_value"] = json!(truncate_chars(&o.guard(i), max));
                }
                if let Some(n) = max_length {
                    e["max_length"] = json!(n);
                }
                e
            }
            InputKind::Select { options, initial } => {
                let opts: Vec<Value> = options
                    .iter()
                    .map(|(v, l)| json!({"text": o.plain(l, 75), "value": v}))
                    .collect();
                let mut e =
                    json!({"type": "static_select", "action_id": input.id, "options": opts});
                if let Some(i) = initial
                    && let Some((v, l)) = options.iter().find(|(v, _)| v == i)
                {
                    e["initial_option"] = json!({"text": o.plain(l, 75), "value": v});
                }
                e
            }
            InputKind::Checkbox { label, initial } => {
                let opt = json!({"text": o.plain(label, 75), "value": "true"});
                let mut e =
                    json!({"type": "checkboxes", "action_id": input.id, "options": [opt.clone()]});
                if *initial {
                    e["initial_options"] = json!([opt]);
                }
                e
            }
        };
        let mut block = json!({
            "type": "input",
            "block_id": input.id,
            "label": o.plain(&input.label, 2000),
            "element": element,
            "optional": input.optional,
        });
        if let Some(h) = &input.hint {
            block["hint"] = o.plain(h, 2000);
        }
        blocks.push(block);
    }
    json!({
        "type": "modal",
        "callback_id": m.callback_id,
        "title": o.plain(&m.title, 24),
        "submit": o.plain(&m.submit, 24),
        "close": o.plain("Cancel", 24),
        "private_metadata": truncate_chars(&m.private_metadata, 3000),
        "blocks": blocks,
    })
}

/// Block Kit JSON for a message's blocks, with no configured pings allowed.
pub fn blocks(msg: &Message) -> Vec<Value> {
    Outbound::default().blocks(msg)
}

/// A `views.open` view for a modal, with no configured pings allowed.
pub fn view(m: &Modal) -> Value {
    Outbound::default().view(m)
}

/// Reads `view.state.values` into `input id -> value` (checkboxes give "true"/"false").
pub fn submitted_values(state_values: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(blocks) = state_values.as_object() else {
        return out;
    };
    for (block_id, actions) in blocks {
        let Some(actions) = actions.as_object() else {
            continue;
        };
        for (_action_id, v) in actions {
            let value = match v.get("type").and_then(Value::as_str) {
                Some("static_select") => v
                    .pointer("/selected_option/value")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                Some("checkboxes") => Some(
                    v.get("selected_options")
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty())
                        .to_string(),
                ),
                _ => v.get("value").and_then(Value::as_str).map(str::to_string),
            };
            if let Some(value) = value {
                out.insert(block_id.clone(), value);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::message::{Button, Input};

    #[test]
    fn message_blocks_respect_limits() {
        let msg = Message {
            text: "x".repeat(50_000),
            blocks: vec![
                Block::Header {
                    text: "h".repeat(300),
                },
                Block::Section {
                    text: format!("{}\n{}", "s".repeat(2500), "t".repeat(2500)),
                    fields: (0..12).map(|i| i.to_string()).collect(),
                },
                Block::Section {
                    text: String::new(),
                    fields: vec![],
                },
                Block::Actions {
                    buttons: vec![
                        Button::new("take_ic", "Take IC", "1").styled(ButtonStyle::Primary),
                    ],
                },
            ],
        };
        let o = Outbound::default();
        let b = o.blocks(&msg);
        assert_eq!(
            b.len(),
            4,
            "the long section is split in two, the empty one dropped"
        );
        assert_eq!(b[0]["text"]["text"].as_str().unwrap().chars().count(), 150);
        assert_eq!(b[1]["text"]["text"].as_str().unwrap(), "s".repeat(2500));
        assert_eq!(b[2]["text"]["text"].as_str().unwrap(), "t".repeat(2500));
        assert_eq!(b[2]["fields"].as_array().unwrap().len(), 10);
        assert_eq!(b[3]["elements"][0]["style"], "primary");
        assert_eq!(b[3]["elements"][0]["action_id"], "take_ic");
        let text = o.text(&msg);
        assert!(text.chars().count() <= MAX_TEXT && text.ends_with(CUT_NOTE));
    }

    #[test]
    fn whatever_the_size_slack_accepts_it_and_buttons_stay() {
        // A pinned message of 40,000 characters in a reminder's draft, then 60 blocks.
        let mut blocks = vec![Block::Section {
            text: format!("a <@U1> {}", "word ".repeat(8000)),
            fields: vec![],
        }];
        for i in 0..60 {
            blocks.push(Block::Context {
                items: vec![format!("c{i}")],
            });
        }
        blocks.push(Block::Actions {
            buttons: vec![Button::new("post_update", "Post", "1")],
        });
        let msg = Message {
            text: "t".into(),
            blocks,
        };
        let b = Outbound::default().blocks(&msg);
        assert!(b.len() <= MAX_BLOCKS, "{}", b.len());
        let mut total = 0;
        for v in &b {
            if let Some(t) = v.pointer("/text/text").and_then(Value::as_str) {
                assert!(t.chars().count() <= MAX_SECTION);
                total += t.chars().count();
            }
        }
        assert!(total <= MAX_TOTAL + 200, "{total}");
        assert!(b.iter().any(|v| v["type"] == "actions"), "buttons kept");
        let all = Value::Array(b).to_string();
        assert!(
            all.contains("Cut: the rest was too long"),
            "says it was cut"
        );
        assert!(all.contains("a <@U1> word"));
    }

    #[test]
    fn only_configured_pings_leave() {
        let o = Outbound::new(["SOURS".to_string(), "UNOTAGROUP".to_string()]);
        let msg = Message::text("<!subteam^SOURS> <!subteam^SOTHER|@x> <!channel> <!here>");
        let b = Value::Array(o.blocks(&msg)).to_string();
        assert!(b.contains("<!subteam^SOURS>"));
        assert!(!b.contains("SOTHER") && !b.contains("<!channel>") && !b.contains("<!here>"));
        assert_eq!(o.text(&msg), "<!subteam^SOURS> @x @channel @here");
        assert_eq!(o.topic("<!channel> x"), "@channel x");
    }

    #[test]
    fn split_keeps_lines_and_markup_whole() {
        let line = format!("<@U12345> {}", "y".repeat(40));
        let text = [line.as_str(); 10].join("\n");
        for part in split(&text, 120) {
            assert!(part.chars().count() <= 120);
            assert!(part.split('\n').all(|l| l == line), "{part}");
        }
        let long = format!("{} <@U12345> end", "z".repeat(3000));
        let parts = split(&long, MAX_SECTION);
        assert_eq!(parts.len(), 1);
        assert!(parts[0].ends_with(CUT_NOTE) && !parts[0].contains("<@U123"));
    }

    #[test]
    fn modal_view_and_values_round_trip() {
        let m = Modal {
            callback_id: "declare".into(),
            title: "Declare an incident right now please".into(),
            submit: "Declare".into(),
            private_metadata: "C1".into(),
            intro: None,
            inputs: vec![
                Input {
                    id: "title".into(),
                    label: "Title".into(),
                    kind: InputKind::Text {
                        multiline: false,
                        initial: None,
                        max_length: Some(120),
                    },
                    optional: false,
                    hint: None,
                },
                Input {
                    id: "severity".into(),
                    label: "Severity".into(),
                    kind: InputKind::Select {
                        options: vec![
                            ("sev1".into(), "SEV1".into()),
                            ("sev3".into(), "SEV3".into()),
                        ],
                        initial: Some("sev3".into()),
                    },
                    optional: false,
                    hint: None,
                },
                Input {
                    id: "private".into(),
                    label: "Visibility".into(),
                    kind: InputKind::Checkbox {
                        label: "Private".into(),
                        initial: false,
                    },
                    optional: true,
                    hint: None,
                },
            ],
        };
        let v = view(&m);
        assert_eq!(v["title"]["text"].as_str().unwrap().chars().count(), 24);
        assert_eq!(v["blocks"][1]["element"]["initial_option"]["value"], "sev3");
        let state = json!({
            "title": {"title": {"type": "plain_text_input", "value": "DB down"}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev1"}}},
            "private": {"private": {"type": "checkboxes", "selected_options": [{"value": "true"}]}},
        });
        let vals = submitted_values(&state);
        assert_eq!(vals["title"], "DB down");
        assert_eq!(vals["severity"], "sev1");
        assert_eq!(vals["private"], "true");
    }
}
