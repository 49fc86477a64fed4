//! The shell's `Chat`: an in-memory workspace printed to the terminal. Channels,
//! topics, members, messages and pins behave as in Slack, so the same use cases and
//! the same jobs worker run unchanged; what Slack would show appears as text.
//! The workspace and its printing are here; the `Chat` methods on it are in `chat.rs`.

mod chat;
pub mod render;
pub mod repl;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::chat::Message;
use crate::clock::Clock;

/// The bot's user ID in the shell.
pub const BOT: &str = "warroom";

/// What Slack makes of text typed in its message box or after a slash command (with
/// `should_escape`): `&`, `<` and `>` escaped, `@channel`, `@here` and `@everyone` as
/// special mentions. The shell hands warroom the same, so what it does with hostile
/// text here is what it does in Slack.
pub fn as_slack_sends(typed: &str) -> String {
    let escaped = crate::domain::text::escape(typed);
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped.as_str();
    while let Some(i) = rest.find('@') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let word_end = tail
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(tail.len());
        let word = &tail[..word_end];
        let starts_word = out.chars().last().is_none_or(|c| !c.is_alphanumeric());
        if starts_word && matches!(word, "channel" | "here" | "everyone") {
            out.push_str(&format!("<!{word}>"));
            rest = &tail[word_end..];
        } else {
            out.push('@');
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Where the shell prints.
pub type Out = Arc<Mutex<Box<dyn Write + Send>>>;

#[derive(Debug, Clone)]
pub struct ShellMessage {
    pub ts: String,
    pub user: String,
    pub text: String,
    pub msg: Option<Message>,
    pub key: Option<String>,
    pub pinned: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ShellChannel {
    pub name: String,
    pub topic: String,
    pub private: bool,
    pub members: Vec<String>,
    pub messages: Vec<ShellMessage>,
}

#[derive(Default)]
struct State {
    channels: BTreeMap<String, ShellChannel>,
    /// The last message timestamp handed out, in microseconds.
    seq: u64,
    /// Channels the shell's user was just invited to (the REPL moves them there).
    invited: Vec<(String, String)>,
    /// Buttons of the last message shown per channel.
    buttons: BTreeMap<String, Vec<(String, String, String)>>,
}

/// The in-memory workspace.
pub struct ShellChat {
    state: Mutex<State>,
    out: Out,
    clock: Arc<dyn Clock>,
    /// The person at the keyboard (invites of them move them into the channel).
    pub me: Mutex<String>,
}

impl ShellChat {
    pub fn new(out: Out, clock: Arc<dyn Clock>, me: &str) -> ShellChat {
        let chat = ShellChat {
            state: Mutex::new(State::default()),
            out,
            clock,
            me: Mutex::new(me.to_string()),
        };
        for name in ["general", "incidents"] {
            chat.ensure(name, name);
        }
        chat
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes sure a channel exists (channels of earlier sessions are rebuilt lazily).
    pub fn ensure(&self, id: &str, name: &str) {
        let mut st = self.lock();
        st.channels
            .entry(id.to_string())
            .or_insert_with(|| ShellChannel {
                name: name.to_string(),
                ..ShellChannel::default()
            });
    }

    pub fn channel_name(&self, id: &str) -> String {
        self.lock()
            .channels
            .get(id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// Finds a channel ID by name (with or without `#`).
    pub fn channel_by_name(&self, name: &str) -> Option<String> {
        let name = name.trim_start_matches('#');
        self.lock()
            .channels
            .iter()
            .find(|(id, c)| c.name == name || id.as_str() == name)
            .map(|(id, _)| id.clone())
    }

    pub fn channels(&self) -> Vec<(String, ShellChannel)> {
        self.lock()
            .channels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub fn take_invites(&self) -> Vec<(String, String)> {
        std::mem::take(&mut self.lock().invited)
    }

    pub fn buttons(&self, channel: &str) -> Vec<(String, String, String)> {
        self.lock()
            .buttons
            .get(channel)
            .cloned()
            .unwrap_or_default()
    }

    /// The newest button in the channel with this label or action ID (the pinned
    /// headline's buttons stay pressable after other messages arrive).
    pub fn find_button(&self, channel: &str, label: &str) -> Option<(String, String, String)> {
        let msgs: Vec<Message> = self
            .lock()
            .channels
            .get(channel)
            .map(|c| {
                c.messages
                    .iter()
                    .rev()
                    .filter_map(|m| m.msg.clone())
                    .collect()
            })
            .unwrap_or_default();
        msgs.iter().find_map(|m| {
            m.blocks.iter().find_map(|b| match b {
                crate::chat::Block::Actions { buttons } => buttons
                    .iter()
                    .find(|x| {
                        x.text.eq_ignore_ascii_case(label)
                            || x.action_id.eq_ignore_ascii_case(label)
                    })
                    .map(|x| (x.text.clone(), x.action_id.clone(), x.value.clone())),
                _ => None,
            })
        })
    }

    fn next_ts(&self) -> String {
        // Like Slack's: the time in microseconds, unique and increasing within the
        // workspace, so a pinned message keeps its place on the timeline.
        let mut st = self.lock();
        let now = self.clock.now().timestamp_micros().max(0) as u64;
        st.seq = now.max(st.seq + 1);
        format!("{}.{:06}", st.seq / 1_000_000, st.seq % 1_000_000)
    }

    /// Prints lines under a channel heading.
    pub fn print(&self, heading: &str, lines: &[String]) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "  ┌ {heading}");
        for l in lines {
            let _ = writeln!(out, "  │ {l}");
        }
        let _ = writeln!(out, "  └");
        let _ = out.flush();
    }

    /// Prints a plain line.
    pub fn say(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    fn render(&self, msg: &Message) -> (Vec<String>, Vec<(String, String, String)>) {
        render::message(msg, &self.channel_names())
    }

    /// A channel's name by its ID, as the workspace has it now (the ID when unknown).
    fn channel_names(&self) -> impl Fn(&str) -> String + use<> {
        let names: BTreeMap<String, String> = self
            .lock()
            .channels
            .iter()
            .map(|(k, v)| (k.clone(), v.name.clone()))
            .collect();
        move |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    /// Shows a message a person typed in a channel (the REPL calls it).
    pub fn user_message(&self, channel: &str, user: &str, text: &str) -> String {
        let ts = self.next_ts();
        let mut st = self.lock();
        if let Some(c) = st.channels.get_mut(channel) {
            c.messages.push(ShellMessage {
                ts: ts.clone(),
                user: user.to_string(),
                text: as_slack_sends(text),
                msg: None,
                key: None,
                pinned: false,
            });
        }
        ts
    }

    /// Shows an ephemeral answer to the person at the keyboard.
    pub fn show_ephemeral(&self, msg: &Message) {
        self.show_ephemeral_to(None, msg);
    }

    /// Shows an ephemeral message meant for `user` (None: the person at the keyboard),
    /// saying who sees it when that is someone else (a checklist told to a new Scribe).
    pub fn show_ephemeral_to(&self, user: Option<&str>, msg: &Message) {
        let (mut lines, buttons) = self.render(msg);
        if lines.is_empty() {
            lines.push(msg.text.clone());
        }
        let _ = buttons;
        let me = self.me.lock().map(|m| m.clone()).unwrap_or_default();
        match user.filter(|u| *u != me) {
            Some(other) => self.print(&format!("only @{other} can see this"), &lines),
            None => self.print("only you can see this", &lines),
        }
    }

    /// Marks a message pinned; returns (author, text) when it exists.
    pub fn pin_local(&self, channel: &str, ts: &str) -> Option<(String, String)> {
        let mut st = self.lock();
        let c = st.channels.get_mut(channel)?;
        let m = c.messages.iter_mut().find(|m| m.ts == ts)?;
        m.pinned = true;
        Some((m.user.clone(), m.text.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_arrives_as_slack_sends_it() {
        assert_eq!(
            as_slack_sends("@channel db & <down> @here, mail@everyone.com @alice"),
            "<!channel> db &amp; &lt;down&gt; <!here>, mail@everyone.com @alice"
        );
        assert_eq!(as_slack_sends("@channels"), "@channels");
    }
}
