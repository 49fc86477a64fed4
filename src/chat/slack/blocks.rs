//! Block Kit rendering of [`Message`]s and [`Modal`]s, within Slack's limits, and the
//! reading of submitted modal state back into plain values.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::chat::message::{Block, ButtonStyle, InputKind, Message, Modal};
use crate::domain::incident::truncate_chars;

const MAX_SECTION: usize = 3000;
const MAX_HEADER: usize = 150;
const MAX_FIELD: usize = 2000;
const MAX_BUTTON: usize = 75;
const MAX_BLOCKS: usize = 50;

fn mrkdwn(text: &str, max: usize) -> Value {
    json!({"type": "mrkdwn", "text": truncate_chars(text, max)})
}

fn plain(text: &str, max: usize) -> Value {
    json!({"type": "plain_text", "text": truncate_chars(text, max), "emoji": true})
}

/// Block Kit JSON for a message's blocks.
pub fn blocks(msg: &Message) -> Vec<Value> {
    let mut out: Vec<Value> = msg
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Header { text } => {
                Some(json!({"type": "header", "text": plain(text, MAX_HEADER)}))
            }
            Block::Section { text, fields } => {
                let mut v = json!({"type": "section"});
                if !text.is_empty() {
                    v["text"] = mrkdwn(text, MAX_SECTION);
                }
                if !fields.is_empty() {
                    v["fields"] = fields
                        .iter()
                        .take(10)
                        .map(|f| mrkdwn(f, MAX_FIELD))
                        .collect();
                }
                if text.is_empty() && fields.is_empty() {
                    return None;
                }
                Some(v)
            }
            Block::Context { items } => {
                if items.is_empty() {
                    return None;
                }
                let els: Vec<Value> = items
                    .iter()
                    .take(10)
                    .map(|i| mrkdwn(i, MAX_SECTION))
                    .collect();
                Some(json!({"type": "context", "elements": els}))
            }
            Block::Divider => Some(json!({"type": "divider"})),
            Block::Actions { buttons } => {
                if buttons.is_empty() {
                    return None;
                }
                let els: Vec<Value> = buttons
                    .iter()
                    .take(25)
                    .map(|b| {
                        let mut v = json!({
                            "type": "button",
                            "action_id": b.action_id,
                            "text": plain(&b.text, MAX_BUTTON),
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
                Some(json!({"type": "actions", "elements": els}))
            }
        })
        .collect();
    out.truncate(MAX_BLOCKS);
    out
}

/// A `views.open` view for a modal.
pub fn view(m: &Modal) -> Value {
    let mut blocks: Vec<Value> = Vec::new();
    if let Some(intro) = &m.intro {
        blocks.push(json!({"type": "section", "text": mrkdwn(intro, MAX_SECTION)}));
    }
    for input in &m.inputs {
        let element = match &input.kind {
            InputKind::Text {
                multiline,
                initial,
                max_length,
            } => {
                let mut e = json!({"type": "plain_text_input", "action_id": input.id, "multiline": multiline});
                if let Some(i) = initial {
                    e["initial_value"] = json!(i);
                }
                if let Some(n) = max_length {
                    e["max_length"] = json!(n);
                }
                e
            }
            InputKind::Select { options, initial } => {
                let opts: Vec<Value> = options
                    .iter()
                    .map(|(v, l)| json!({"text": plain(l, 75), "value": v}))
                    .collect();
                let mut e =
                    json!({"type": "static_select", "action_id": input.id, "options": opts});
                if let Some(i) = initial
                    && let Some((v, l)) = options.iter().find(|(v, _)| v == i)
                {
                    e["initial_option"] = json!({"text": plain(l, 75), "value": v});
                }
                e
            }
            InputKind::Checkbox { label, initial } => {
                let opt = json!({"text": plain(label, 75), "value": "true"});
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
            "label": plain(&input.label, 2000),
            "element": element,
            "optional": input.optional,
        });
        if let Some(h) = &input.hint {
            block["hint"] = plain(h, 2000);
        }
        blocks.push(block);
    }
    json!({
        "type": "modal",
        "callback_id": m.callback_id,
        "title": plain(&m.title, 24),
        "submit": plain(&m.submit, 24),
        "close": plain("Cancel", 24),
        "private_metadata": truncate_chars(&m.private_metadata, 3000),
        "blocks": blocks,
    })
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
            text: "x".into(),
            blocks: vec![
                Block::Header {
                    text: "h".repeat(300),
                },
                Block::Section {
                    text: "s".repeat(5000),
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
        let b = blocks(&msg);
        assert_eq!(b.len(), 3, "the empty section is dropped");
        assert_eq!(b[0]["text"]["text"].as_str().unwrap().chars().count(), 150);
        assert_eq!(b[1]["text"]["text"].as_str().unwrap().chars().count(), 3000);
        assert_eq!(b[1]["fields"].as_array().unwrap().len(), 10);
        assert_eq!(b[2]["elements"][0]["style"], "primary");
        assert_eq!(b[2]["elements"][0]["action_id"], "take_ic");
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
