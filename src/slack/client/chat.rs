//! The `Chat` port over the Web API: channels, messages (sent again as plain text when
//! Slack refuses their blocks), pins, modals, users.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::SlackChat;
use super::call::{missing, str_at};
use crate::chat::{
    ChannelInfo, Chat, ChatError, ChatResult, Document, FetchedMessage, Message, Modal, Published,
};
use crate::slack::blocks;

/// Slack refused a message for its size or blocks (not for where it goes).
fn shape_refused(code: &str) -> bool {
    matches!(
        code,
        "invalid_blocks" | "msg_too_long" | "msg_blocks_too_long" | "invalid_blocks_format"
    )
}

#[async_trait]
impl Chat for SlackChat {
    async fn bot_user_id(&self) -> ChatResult<String> {
        self.bot_id
            .get_or_try_init(|| async {
                let v = self.call("auth.test", &json!({})).await?;
                str_at(&v, "/user_id")
                    .map(str::to_string)
                    .ok_or_else(|| missing("auth.test", "user_id"))
            })
            .await
            .cloned()
    }

    async fn create_channel(&self, name: &str, private: bool) -> ChatResult<String> {
        let v = self
            .call(
                "conversations.create",
                &json!({"name": name, "is_private": private}),
            )
            .await?;
        str_at(&v, "/channel/id")
            .map(str::to_string)
            .ok_or_else(|| missing("conversations.create", "channel.id"))
    }

    async fn find_channel(&self, name: &str) -> ChatResult<Option<ChannelInfo>> {
        let mut cursor: Option<String> = None;
        for _page in 0..50 {
            let mut params = vec![
                ("types", Some("public_channel,private_channel".to_string())),
                ("exclude_archived", Some("false".to_string())),
                ("limit", Some("1000".to_string())),
            ];
            if let Some(c) = &cursor {
                params.push(("cursor", Some(c.clone())));
            }
            let v = self.call_get("conversations.list", params).await?;
            for ch in v
                .get("channels")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if str_at(ch, "/name") == Some(name) {
                    return Ok(Some(ChannelInfo {
                        id: str_at(ch, "/id").unwrap_or_default().to_string(),
                        name: name.to_string(),
                        creator: str_at(ch, "/creator").map(str::to_string),
                        archived: ch
                            .get("is_archived")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    }));
                }
            }
            cursor = str_at(&v, "/response_metadata/next_cursor")
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            if cursor.is_none() {
                break;
            }
        }
        Ok(None)
    }

    async fn invite(&self, channel: &str, users: &[String]) -> ChatResult<()> {
        if users.is_empty() {
            return Ok(());
        }
        // At most 100 users per call; `force` invites the valid ones when some fail.
        for chunk in users.chunks(100) {
            let r = self
                .call(
                    "conversations.invite",
                    &json!({"channel": channel, "users": chunk.join(","), "force": true}),
                )
                .await;
            match r {
                Ok(_) => {}
                Err(ChatError::Api(code))
                    if code == "already_in_channel" || code == "cant_invite_self" => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    async fn set_topic(&self, channel: &str, topic: &str) -> ChatResult<()> {
        self.call(
            "conversations.setTopic",
            &json!({"channel": channel, "topic": self.outbound.topic(topic)}),
        )
        .await
        .map(|_| ())
    }

    async fn post(&self, channel: &str, msg: &Message, key: &str) -> ChatResult<String> {
        let body = json!({
            "channel": channel,
            "text": self.outbound.text(msg),
            "blocks": self.outbound.blocks(msg),
            "parse": "none",
            "link_names": false,
            "unfurl_links": false,
            "metadata": {"event_type": "warroom_message", "event_payload": {"key": key}},
        });
        let v = match self.call("chat.postMessage", &body).await {
            // Never lose a message over its shape: the same words as plain text.
            Err(ChatError::Api(code)) if shape_refused(&code) => {
                tracing::warn!(
                    channel,
                    code,
                    "Slack refused the message's blocks; posting it as plain text"
                );
                let plain = json!({
                    "channel": channel,
                    "text": blocks::fit(&self.outbound.text(msg), 3000),
                    "parse": "none",
                    "link_names": false,
                    "unfurl_links": false,
                    "metadata": body["metadata"],
                });
                self.call("chat.postMessage", &plain).await?
            }
            r => r?,
        };
        str_at(&v, "/ts")
            .map(str::to_string)
            .ok_or_else(|| missing("chat.postMessage", "ts"))
    }

    async fn find_posted(&self, channel: &str, key: &str) -> ChatResult<Option<String>> {
        let v = self
            .call_get(
                "conversations.history",
                vec![
                    ("channel", Some(channel.to_string())),
                    ("limit", Some("100".to_string())),
                    ("include_all_metadata", Some("true".to_string())),
                ],
            )
            .await?;
        Ok(v.get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|m| str_at(m, "/metadata/event_payload/key") == Some(key))
            .and_then(|m| str_at(m, "/ts"))
            .map(str::to_string))
    }

    async fn update(&self, channel: &str, ts: &str, msg: &Message) -> ChatResult<()> {
        let body = json!({
            "channel": channel,
            "ts": ts,
            "text": self.outbound.text(msg),
            "blocks": self.outbound.blocks(msg),
            "parse": "none",
            "link_names": false,
        });
        match self.call("chat.update", &body).await {
            Err(ChatError::Api(code)) if shape_refused(&code) => {
                let plain = json!({
                    "channel": channel,
                    "ts": ts,
                    "text": blocks::fit(&self.outbound.text(msg), 3000),
                    "blocks": [],
                });
                self.call("chat.update", &plain).await.map(|_| ())
            }
            r => r.map(|_| ()),
        }
    }

    async fn pin(&self, channel: &str, ts: &str) -> ChatResult<()> {
        match self
            .call("pins.add", &json!({"channel": channel, "timestamp": ts}))
            .await
        {
            Ok(_) => Ok(()),
            Err(ChatError::Api(code)) if code == "already_pinned" => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn post_ephemeral(&self, channel: &str, user: &str, msg: &Message) -> ChatResult<()> {
        let body = json!({
            "channel": channel,
            "user": user,
            "text": self.outbound.text(msg),
            "blocks": self.outbound.blocks(msg),
        });
        self.call("chat.postEphemeral", &body).await.map(|_| ())
    }

    async fn fetch_message(&self, channel: &str, ts: &str) -> ChatResult<Option<FetchedMessage>> {
        let v = self
            .call_get(
                "conversations.history",
                vec![
                    ("channel", Some(channel.to_string())),
                    ("latest", Some(ts.to_string())),
                    ("inclusive", Some("true".to_string())),
                    ("limit", Some("1".to_string())),
                ],
            )
            .await?;
        Ok(v.get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|m| str_at(m, "/ts") == Some(ts))
            .map(|m| FetchedMessage {
                user: str_at(m, "/user").map(str::to_string),
                text: str_at(m, "/text").unwrap_or_default().to_string(),
                ts: ts.to_string(),
            }))
    }

    async fn open_modal(&self, trigger_id: &str, modal: &Modal) -> ChatResult<()> {
        self.call(
            "views.open",
            &json!({"trigger_id": trigger_id, "view": self.outbound.view(modal)}),
        )
        .await
        .map(|_| ())
    }

    async fn publish(
        &self,
        channel: &str,
        doc: &Document,
        existing: Option<&Published>,
    ) -> ChatResult<Published> {
        self.publish_document(channel, doc, existing).await
    }

    async fn upload(&self, channel: &str, file: &crate::chat::Upload) -> ChatResult<Published> {
        self.upload_file(channel, file).await
    }

    async fn user_name(&self, user: &str) -> ChatResult<String> {
        let v = self
            .call_get("users.info", vec![("user", Some(user.to_string()))])
            .await?;
        let name = [
            "/user/profile/display_name",
            "/user/real_name",
            "/user/name",
        ]
        .iter()
        .filter_map(|p| str_at(&v, p))
        .find(|s| !s.is_empty())
        .unwrap_or(user);
        Ok(name.to_string())
    }

    async fn user_by_email(&self, email: &str) -> ChatResult<Option<String>> {
        let found = self
            .call_get(
                "users.lookupByEmail",
                vec![("email", Some(email.to_string()))],
            )
            .await;
        match found {
            Ok(v) => Ok(str_at(&v, "/user/id").map(str::to_string)),
            Err(ChatError::Api(code)) if code == "users_not_found" => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn user_email(&self, user: &str) -> ChatResult<Option<String>> {
        let v = self
            .call_get("users.info", vec![("user", Some(user.to_string()))])
            .await?;
        Ok(str_at(&v, "/user/profile/email")
            .filter(|e| !e.is_empty())
            .map(str::to_string))
    }

    async fn group_members(&self, group: &str) -> ChatResult<Vec<String>> {
        let v = self
            .call_get(
                "usergroups.users.list",
                vec![("usergroup", Some(group.to_string()))],
            )
            .await?;
        Ok(v.pointer("/users")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
            .map(str::to_string)
            .collect())
    }

    async fn bookmark(&self, channel: &str, title: &str, link: &str) -> ChatResult<()> {
        let have = self
            .call_get(
                "bookmarks.list",
                vec![("channel_id", Some(channel.to_string()))],
            )
            .await?;
        let there = have
            .pointer("/bookmarks")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|b| b.iter().any(|b| str_at(b, "/link") == Some(link)));
        if !there {
            let body = serde_json::json!({
                "channel_id": channel, "title": title, "type": "link", "link": link
            });
            self.call("bookmarks.add", &body).await?;
        }
        Ok(())
    }

    fn share_rate_limits(&self, replicas: u32) {
        self.limiter.set_replicas(replicas);
    }
}
