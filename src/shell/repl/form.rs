//! A modal in the terminal: its fields asked one by one (Enter keeps the default, a
//! command instead of an answer closes it unsent, as Esc does in Slack), then submitted
//! and any refusal shown per field.

use std::collections::BTreeMap;
use std::io::Write;

use super::Shell;
use super::Submitted;
use crate::chat::{Input, InputKind, Modal};
use crate::shell::render;

impl Shell {
    /// Asks a form's fields one by one, then submits it.
    pub(super) async fn form(&mut self, modal: Modal) {
        self.chat.say(&format!(
            "  ┌ form: {}   (a /command instead of an answer closes it unsent)",
            modal.title
        ));
        if let Some(intro) = &modal.intro {
            for l in render::text(intro, &|id: &str| self.chat.channel_name(id)).lines() {
                self.chat.say(&format!("  │ {l}"));
            }
        }
        let mut values = BTreeMap::new();
        for input in &modal.inputs {
            let Some(value) = self.ask(input).await else {
                return;
            };
            values.insert(input.id.clone(), value);
        }
        self.chat.say("  └ submitted");
        self.submit(&modal, &values).await;
    }

    /// Asks one field until its answer will do; None when the form was closed.
    async fn ask(&mut self, input: &Input) -> Option<String> {
        loop {
            let (question, default) = self.pose(input);
            if self.interactive {
                print!("  │ {question}: ");
                let _ = std::io::stdout().flush();
            } else {
                self.chat.say(&format!("  │ {question}:"));
            }
            let answer = self.answer().await?;
            let answer = if answer.is_empty() {
                default.clone()
            } else {
                answer
            };
            let value = field_value(&input.kind, answer);
            if value.is_empty() && !input.optional {
                self.chat.say("  │   (required)");
                continue;
            }
            return Some(value);
        }
    }

    /// Shows a field's choices, hint and default; returns its question and default.
    fn pose(&self, input: &Input) -> (String, String) {
        let (question, default) = match &input.kind {
            InputKind::Text { initial, .. } => (
                format!(
                    "{}{}",
                    input.label,
                    if input.optional { " (optional)" } else { "" }
                ),
                initial.clone().unwrap_or_default(),
            ),
            InputKind::Select { options, initial } => {
                for (i, (_, label)) in options.iter().enumerate() {
                    self.chat.say(&format!("  │   {} {label}", i + 1));
                }
                (
                    format!("{} [number]", input.label),
                    initial.clone().unwrap_or_default(),
                )
            }
            InputKind::Checkbox { label, initial } => (
                format!("{label}? [y/N]"),
                if *initial { "y".into() } else { String::new() },
            ),
        };
        if let Some(h) = &input.hint {
            self.chat.say(&format!("  │   ({h})"));
        }
        if !default.is_empty() && !matches!(input.kind, InputKind::Checkbox { .. }) {
            let shown = default.lines().collect::<Vec<_>>().join(" / ");
            self.chat.say(&format!("  │   [Enter keeps: {shown}]"));
        }
        (question, default)
    }

    /// The next line as an answer, trimmed; None when input ended or a command came
    /// instead (it runs next).
    async fn answer(&mut self) -> Option<String> {
        let answer = self.read().await?.trim().to_string();
        if answer.starts_with('/') {
            // A command instead of an answer: the form is closed unsent (Esc in
            // Slack), and the command runs.
            self.chat.say("  └ form closed without submitting");
            self.pushed_back = Some(answer);
            return None;
        }
        if !self.interactive {
            self.chat.say(&format!("  │ > {answer}"));
        }
        Some(answer)
    }

    /// Submits the answers; a refusal is shown field by field.
    async fn submit(&mut self, modal: &Modal, values: &BTreeMap<String, String>) {
        match self
            .app
            .inbound()
            .handle_submission(
                &self.actor(),
                &modal.callback_id,
                &modal.private_metadata,
                values,
            )
            .await
        {
            Submitted::Close => {}
            Submitted::Errors(errs) => {
                for (field, e) in errs {
                    self.chat.say(&format!("  ✗ {field}: {e}"));
                }
                self.chat.say("  the form was not submitted; try again");
            }
        }
    }
}

/// What an answer submits: a choice's value for its number, "true"/"false" for a box.
fn field_value(kind: &InputKind, answer: String) -> String {
    match kind {
        InputKind::Select { options, .. } => match answer.parse::<usize>() {
            Ok(n) if n >= 1 && n <= options.len() => options[n - 1].0.clone(),
            _ => answer,
        },
        InputKind::Checkbox { .. } => {
            (matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes" | "true")).to_string()
        }
        InputKind::Text { .. } => answer,
    }
}
