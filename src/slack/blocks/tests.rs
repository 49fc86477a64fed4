//! Tests of Block Kit rendering: Slack's limits, kept buttons, guarded pings, modals.

use serde_json::{Value, json};

use super::*;
use crate::chat::message::{Block, Button, ButtonStyle, Input, InputKind, Message, Modal};

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
                buttons: vec![Button::new("take_ic", "Take IC", "1").styled(ButtonStyle::Primary)],
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
