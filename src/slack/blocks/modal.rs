//! A modal as a `views.open` view (its inputs within Slack's limits) and, when it is
//! submitted, its values read back by input id.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{MAX_SECTION, Outbound};
use crate::chat::message::{Input, InputKind, Modal};
use crate::domain::incident::truncate_chars;

pub(super) fn view_with(o: &Outbound, m: &Modal) -> Value {
    let mut blocks: Vec<Value> = Vec::new();
    if let Some(intro) = &m.intro {
        blocks.push(json!({"type": "section", "text": o.mrkdwn(intro, MAX_SECTION)}));
    }
    blocks.extend(m.inputs.iter().map(|input| input_block(o, input)));
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

/// An input block: its label, hint and element.
fn input_block(o: &Outbound, input: &Input) -> Value {
    let element = match &input.kind {
        InputKind::Text {
            multiline,
            initial,
            max_length,
        } => text_element(o, input, *multiline, initial.as_deref(), *max_length),
        InputKind::Select { options, initial } => {
            select_element(o, input, options, initial.as_deref())
        }
        InputKind::Checkbox { label, initial } => checkbox_element(o, input, label, *initial),
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
    block
}

fn text_element(
    o: &Outbound,
    input: &Input,
    multiline: bool,
    initial: Option<&str>,
    max_length: Option<usize>,
) -> Value {
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

fn select_element(
    o: &Outbound,
    input: &Input,
    options: &[(String, String)],
    initial: Option<&str>,
) -> Value {
    let opts: Vec<Value> = options
        .iter()
        .map(|(v, l)| json!({"text": o.plain(l, 75), "value": v}))
        .collect();
    let mut e = json!({"type": "static_select", "action_id": input.id, "options": opts});
    if let Some(i) = initial
        && let Some((v, l)) = options.iter().find(|(v, _)| v == i)
    {
        e["initial_option"] = json!({"text": o.plain(l, 75), "value": v});
    }
    e
}

fn checkbox_element(o: &Outbound, input: &Input, label: &str, initial: bool) -> Value {
    let opt = json!({"text": o.plain(label, 75), "value": "true"});
    let mut e = json!({"type": "checkboxes", "action_id": input.id, "options": [opt.clone()]});
    if initial {
        e["initial_options"] = json!([opt]);
    }
    e
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
