//! The shell's side of the [`Chat`] port: what warroom asks of Slack, done to the
//! in-memory workspace and printed as one line or a framed message, the way the
//! person at the keyboard would notice it in Slack.

use async_trait::async_trait;

use super::{BOT, ShellChannel, ShellChat, ShellMessage, render};
use crate::chat::{
    ChannelInfo, Chat, ChatError, ChatResult, Document, FetchedMessage, Message, Modal, Published,
};

/// Slack's answer when a channel does not exist.
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
        let lookup = self.channel_names();
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

    async fn post_ephemeral(&self, _channel: &str, user: &str, msg: &Message) -> ChatResult<()> {
        self.show_ephemeral_to(Some(user), msg);
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

    /// The shell has no user groups: nobody more to invite.
    async fn group_members(&self, _group: &str) -> ChatResult<Vec<String>> {
        Ok(vec![])
    }

    async fn bookmark(&self, _channel: &str, _title: &str, _link: &str) -> ChatResult<()> {
        Ok(())
    }

    /// A shared file is written to ./postmortems, beside the drafts.
    async fn upload(&self, channel: &str, file: &crate::chat::Upload) -> ChatResult<Published> {
        let dir = std::path::Path::new("postmortems");
        let name: String = file
            .filename
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(name);
        std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(&path, &file.bytes))
            .map_err(|e| ChatError::Unavailable(format!("writing {}: {e}", path.display())))?;
        let channel = self.channel_name(channel);
        self.say(&format!(
            "  📎 #{channel}: {} — written to {}",
            file.title,
            path.display()
        ));
        Ok(Published::File {
            id: path.display().to_string(),
            permalink: Some(path.display().to_string()),
        })
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
