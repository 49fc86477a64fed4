//! What warroom says, independent of where it is shown: messages made of a few block
//! kinds (rendered as Block Kit for Slack, as text in the shell) and forms (Slack
//! modals, shell prompts). Text uses Slack's mrkdwn (`*bold*`, `<@U1>`, `<#C1>`).

use serde::{Deserialize, Serialize};

/// One message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Message {
    /// Plain fallback text (notifications, screen readers, the shell's one-liners).
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<Block>,
}

impl Message {
    /// Text with a row of buttons under it.
    pub fn with_buttons(t: impl Into<String>, buttons: Vec<Button>) -> Message {
        let mut m = Message::text(t);
        m.blocks.push(Block::Actions { buttons });
        m
    }

    /// A message that is just text.
    pub fn text(t: impl Into<String>) -> Message {
        let text = t.into();
        Message {
            blocks: vec![Block::Section {
                text: text.clone(),
                fields: vec![],
            }],
            text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Header {
        text: String,
    },
    Section {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        fields: Vec<String>,
    },
    Context {
        items: Vec<String>,
    },
    Divider,
    Actions {
        buttons: Vec<Button>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonStyle {
    Primary,
    Danger,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Button {
    pub action_id: String,
    pub text: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<ButtonStyle>,
}

impl Button {
    pub fn new(action_id: &str, text: &str, value: impl Into<String>) -> Button {
        Button {
            action_id: action_id.to_string(),
            text: text.to_string(),
            value: value.into(),
            style: None,
        }
    }

    pub fn styled(mut self, style: ButtonStyle) -> Button {
        self.style = Some(style);
        self
    }
}

/// A form: a Slack modal, or prompts in the shell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Modal {
    /// Routes the submission back (`declare`, `resolve`, `update`).
    pub callback_id: String,
    /// At most 24 characters (Slack's limit).
    pub title: String,
    pub submit: String,
    /// Carried through the submission untouched (e.g. the incident number).
    pub private_metadata: String,
    pub intro: Option<String>,
    pub inputs: Vec<Input>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// Key of the submitted value (and of inline errors).
    pub id: String,
    pub label: String,
    pub kind: InputKind,
    pub optional: bool,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InputKind {
    Text {
        multiline: bool,
        initial: Option<String>,
        max_length: Option<usize>,
    },
    Select {
        /// (value, label)
        options: Vec<(String, String)>,
        initial: Option<String>,
    },
    Checkbox {
        /// Label of the single box; the submitted value is "true" or "false".
        label: String,
        initial: bool,
    },
}
