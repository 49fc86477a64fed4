//! What a shell user does besides commands, as Slack would report it: read a channel's
//! history, pin and react to messages, click buttons; and move the shell's clock.

use chrono::Duration;

use super::ChatEvent;
use super::Shell;
use crate::clock::Clock;
use crate::domain::duration;
use crate::shell::{ShellMessage, render};

impl Shell {
    fn messages(&self) -> Vec<ShellMessage> {
        self.chat
            .channels()
            .into_iter()
            .find(|(id, _)| *id == self.channel)
            .map(|(_, c)| c.messages)
            .unwrap_or_default()
    }

    pub(super) fn history(&self) {
        let msgs = self.messages();
        if msgs.is_empty() {
            self.chat.say("  (no messages here yet)");
        }
        for (i, m) in msgs.iter().enumerate() {
            let first = m.text.lines().next().unwrap_or("");
            let first = render::text(first, &|id: &str| self.chat.channel_name(id));
            self.chat.say(&format!(
                "  {:>3} {}@{}: {first}",
                i + 1,
                if m.pinned { "📌" } else { "" },
                m.user
            ));
        }
    }

    fn pick(&self, n: Option<&str>) -> Option<ShellMessage> {
        let msgs = self.messages();
        match n {
            None => msgs.last().cloned(),
            Some(n) => n
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .and_then(|n| msgs.get(n - 1).cloned()),
        }
    }

    fn next_event_id(&mut self) -> String {
        self.events += 1;
        format!(
            "shell-{}-{}",
            self.clock.now().timestamp_millis(),
            self.events
        )
    }

    pub(super) async fn pin(&mut self, rest: &str) {
        let msg = if rest.chars().all(|c| c.is_ascii_digit()) {
            match self.pick((!rest.is_empty()).then_some(rest)) {
                Some(m) => m,
                None => {
                    self.chat.say("  no such message: see /history");
                    return;
                }
            }
        } else {
            let ts = self.chat.user_message(&self.channel, &self.user, rest);
            match self.messages().into_iter().find(|m| m.ts == ts) {
                Some(m) => m,
                None => return,
            }
        };
        self.chat.pin_local(&self.channel, &msg.ts);
        self.chat.say(&format!(
            "  📌 @{} pinned a message of @{}",
            self.user, msg.user
        ));
        let id = self.next_event_id();
        let ev = ChatEvent::Pinned {
            channel: self.channel.clone(),
            ts: msg.ts.clone(),
            author: Some(msg.user.clone()),
            text: msg.text.clone(),
            pinned_by: Some(self.user.clone()),
        };
        match self.app.inbound().handle_event(Some(&id), ev).await {
            Ok(true) => self
                .chat
                .say("  (warroom put it on the incident's timeline)"),
            Ok(false) => {}
            Err(e) => self.chat.say(&format!("  error: {e}")),
        }
    }

    pub(super) async fn react(&mut self, rest: &str) {
        let mut parts = rest.split_whitespace();
        let Some(emoji) = parts.next() else {
            self.chat.say("  usage: /react <emoji> [n]");
            return;
        };
        let Some(msg) = self.pick(parts.next()) else {
            self.chat.say("  no such message: see /history");
            return;
        };
        let emoji = emoji.trim_matches(':').to_string();
        self.chat.say(&format!(
            "  @{} reacted :{emoji}: to a message of @{}",
            self.user, msg.user
        ));
        let id = self.next_event_id();
        let ev = ChatEvent::Reacted {
            channel: self.channel.clone(),
            ts: msg.ts,
            reaction: emoji,
            user: self.user.clone(),
        };
        if let Err(e) = self.app.inbound().handle_event(Some(&id), ev).await {
            self.chat.say(&format!("  error: {e}"));
        }
    }

    pub(super) async fn click(&mut self, rest: &str) {
        let buttons = self.chat.buttons(&self.channel);
        if buttons.is_empty() {
            self.chat.say("  no buttons in this channel yet");
            return;
        }
        let chosen = match rest.parse::<usize>() {
            Ok(n) if n >= 1 => buttons.get(n - 1).cloned(),
            _ => self.chat.find_button(&self.channel, rest),
        };
        let Some((label, action_id, value)) = chosen else {
            let names: Vec<String> = buttons
                .iter()
                .enumerate()
                .map(|(i, b)| format!("{} {}", i + 1, b.0))
                .collect();
            self.chat
                .say(&format!("  no button {rest:?}; here: {}", names.join(", ")));
            return;
        };
        self.chat
            .say(&format!("  @{} clicked [{label}]", self.user));
        let reply = self
            .app
            .inbound()
            .handle_action(&self.actor(), &action_id, &value)
            .await;
        self.reply(reply).await;
    }

    pub(super) async fn clock_cmd(&mut self, rest: &str) {
        if !rest.is_empty() {
            match duration::parse(rest.trim_start_matches('+')) {
                Ok(d) => {
                    self.clock
                        .advance(Duration::from_std(d).unwrap_or(Duration::zero()));
                }
                Err(e) => {
                    self.chat.say(&format!("  {e}"));
                    return;
                }
            }
        }
        self.chat.say(&format!(
            "  it is now {}",
            super::messages::datetime(self.clock.now(), self.app.tz())
        ));
    }
}
