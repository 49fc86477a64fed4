//! The shell's `Chat`: an in-memory workspace printed to the terminal. Channels,
//! topics, members, messages and pins behave as in Slack, so the same use cases and
//! the same jobs worker run unchanged; what Slack would show appears as text.

pub mod render;
pub mod repl;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::chat::{
    ChannelInfo, Chat, ChatError, ChatResult, Document, FetchedMessage, Message, Modal, Published,
};
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
        let names: BTreeMap<String, String> = self
            .lock()
            .channels
            .iter()
            .map(|(k, v)| (k.clone(), v.name.clone()))
            .collect();
        let lookup = move |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        render::message(msg, &lookup)
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
        let (mut lines, buttons) = self.render(msg);
        if lines.is_empty() {
            lines.push(msg.text.clone());
        }
        let _ = buttons;
        self.print("only you can see this", &lines);
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

fn unknown_channel() -> ChatError {
    ChatError::Api("channel_not_found".into())
}

#[async_trait]
impl Chat for ShellChat {
    async fn bot_user_id(&self) -> ChatResult<String> {
        Ok(BOT.to_string())
    }

    async fn create_channel(&self, name: &str, private: bool) -> ChatResult<String> {
        {
            let mut st = self.lock();
            if st.channels.values().any(|c| c.name == name) {
                return Err(ChatError::Api("name_taken".into()));
            }
            st.channels.insert(
                name.to_string(),
                ShellChannel {
                    name: name.to_string(),
                    private,
                    members: vec![BOT.to_string()],
                    ..ShellChannel::default()
                },
            );
        }
        self.say(&format!(
            "  {} #{name} was created",
            if private { "🔒" } else { "＃" }
        ));
        Ok(name.to_string())
    }

    async fn find_channel(&self, name: &str) -> ChatResult<Option<ChannelInfo>> {
        Ok(self
            .lock()
            .channels
            .iter()
            .find(|(_, c)| c.name == name)
            .map(|(id, c)| ChannelInfo {
                id: id.clone(),
                name: c.name.clone(),
                creator: Some(BOT.to_string()),
                archived: false,
            }))
    }

    async fn invite(&self, channel: &str, users: &[String]) -> ChatResult<()> {
        let me = self.me.lock().map(|m| m.clone()).unwrap_or_default();
        let (name, added) = {
            let mut st = self.lock();
            let c = st.channels.get_mut(channel).ok_or_else(unknown_channel)?;
            let mut added = Vec::new();
            for u in users {
                if !c.members.contains(u) {
                    c.members.push(u.clone());
                    added.push(u.clone());
                }
            }
            let name = c.name.clone();
            if added.contains(&me) {
                st.invited.push((channel.to_string(), name.clone()));
            }
            (name, added)
        };
        if !added.is_empty() {
            let who = added
                .iter()
                .map(|u| format!("@{u}"))
                .collect::<Vec<_>>()
                .join(", ");
            self.say(&format!("  ＋ {who} joined #{name}"));
        }
        Ok(())
    }

    async fn set_topic(&self, channel: &str, topic: &str) -> ChatResult<()> {
        let name = {
            let mut st = self.lock();
            let c = st.channels.get_mut(channel).ok_or_else(unknown_channel)?;
            if c.topic == topic {
                return Ok(());
            }
            c.topic = topic.to_string();
            c.name.clone()
        };
        self.say(&format!("  ✎ #{name} topic: {topic}"));
        Ok(())
    }

    async fn post(&self, channel: &str, msg: &Message, key: &str) -> ChatResult<String> {
        if !self.lock().channels.contains_key(channel) {
            return Err(unknown_channel());
        }
        let ts = self.next_ts();
        let (lines, buttons) = self.render(msg);
        let name = {
            let mut st = self.lock();
            let c = st.channels.get_mut(channel).ok_or_else(unknown_channel)?;
            c.messages.push(ShellMessage {
                ts: ts.clone(),
                user: BOT.to_string(),
                text: msg.text.clone(),
                msg: Some(msg.clone()),
                key: Some(key.to_string()),
                pinned: false,
            });
            let name = c.name.clone();
            if !buttons.is_empty() {
                st.buttons.insert(channel.to_string(), buttons);
            }
            name
        };
        self.print(&format!("#{name} · warroom"), &lines);
        Ok(ts)
    }

    async fn find_posted(&self, channel: &str, key: &str) -> ChatResult<Option<String>> {
        Ok(self
            .lock()
            .channels
            .get(channel)
            .and_then(|c| c.messages.iter().find(|m| m.key.as_deref() == Some(key)))
            .map(|m| m.ts.clone()))
    }

    async fn update(&self, channel: &str, ts: &str, msg: &Message) -> ChatResult<()> {
        let (lines, buttons) = self.render(msg);
        let name = {
            let mut st = self.lock();
            let c = st.channels.get_mut(channel).ok_or_else(unknown_channel)?;
            let m = c
                .messages
                .iter_mut()
                .find(|m| m.ts == ts)
                .ok_or_else(|| ChatError::Api("message_not_found".into()))?;
            if m.msg.as_ref() == Some(msg) {
                return Ok(());
            }
            m.msg = Some(msg.clone());
            m.text = msg.text.clone();
            let name = c.name.clone();
            if !buttons.is_empty() {
                st.buttons.insert(channel.to_string(), buttons);
            }
            name
        };
        // The pinned headline changes often; one line says what it shows now.
        let _ = lines;
        let names: BTreeMap<String, String> = self
            .lock()
            .channels
            .iter()
            .map(|(k, v)| (k.clone(), v.name.clone()))
            .collect();
        let lookup = move |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        self.say(&format!(
            "  ✎ #{name} headline now: {}",
            render::text(&msg.text, &lookup)
        ));
        Ok(())
    }

    async fn pin(&self, channel: &str, ts: &str) -> ChatResult<()> {
        let name = self.channel_name(channel);
        if self.pin_local(channel, ts).is_none() {
            return Err(ChatError::Api("message_not_found".into()));
        }
        self.say(&format!("  📌 pinned in #{name}"));
        Ok(())
    }

    async fn post_ephemeral(&self, _channel: &str, _user: &str, msg: &Message) -> ChatResult<()> {
        self.show_ephemeral(msg);
        Ok(())
    }

    async fn fetch_message(&self, channel: &str, ts: &str) -> ChatResult<Option<FetchedMessage>> {
        Ok(self
            .lock()
            .channels
            .get(channel)
            .and_then(|c| c.messages.iter().find(|m| m.ts == ts))
            .map(|m| FetchedMessage {
                user: Some(m.user.clone()),
                text: m.text.clone(),
                ts: m.ts.clone(),
            }))
    }

    async fn open_modal(&self, _trigger_id: &str, _modal: &Modal) -> ChatResult<()> {
        // The REPL asks for a form's fields itself; nothing opens asynchronously.
        Ok(())
    }

    async fn user_name(&self, user: &str) -> ChatResult<String> {
        Ok(user.to_string())
    }

    /// The shell's people have no email addresses.
    async fn user_by_email(&self, _email: &str) -> ChatResult<Option<String>> {
        Ok(None)
    }

    async fn user_email(&self, _user: &str) -> ChatResult<Option<String>> {
        Ok(None)
    }

    /// The shell's "canvas" is a Markdown file in ./postmortems.
    async fn publish(
        &self,
        channel: &str,
        doc: &Document,
        _existing: Option<&Published>,
    ) -> ChatResult<Published> {
        let dir = std::path::Path::new("postmortems");
        let path = dir.join(&doc.filename);
        std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(&path, &doc.markdown))
            .map_err(|e| ChatError::Unavailable(format!("writing {}: {e}", path.display())))?;
        let name = self.channel_name(channel);
        self.say(&format!(
            "  📄 #{name}: {} — written to {}",
            doc.title,
            path.display()
        ));
        Ok(Published::File {
            id: path.display().to_string(),
            permalink: Some(path.display().to_string()),
        })
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
