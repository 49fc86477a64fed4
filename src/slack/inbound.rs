//! Payloads from Slack, whichever way they came (HTTP or Socket Mode): slash commands,
//! Events API callbacks and interactions. Each is turned into a use-case call and the
//! answer into the JSON Slack expects back. Work that can wait (opening a form,
//! answering a button) is spawned so the acknowledgement leaves at once.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use super::SlackChat;
use super::blocks;
use crate::app::entry::events::ChatEvent;
use crate::app::{Actor, App, AppError, Reply, Submitted};
use crate::chat::{Chat, ChatError, Message};

/// A slash command invocation, as posted by Slack.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct CommandRequest {
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub channel_id: String,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub trigger_id: Option<String>,
    #[serde(default)]
    pub response_url: Option<String>,
    #[serde(default)]
    pub ssl_check: Option<String>,
}

impl CommandRequest {
    /// Decodes the form body Slack posts.
    pub fn from_form(body: &[u8]) -> Result<CommandRequest, String> {
        serde_urlencoded::from_bytes(body).map_err(|e| format!("bad command form: {e}"))
    }
}

/// What an Events API body asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    UrlVerification(String),
    Event {
        event_id: Option<String>,
        event: ChatEvent,
    },
    Ignored(String),
}

fn s(v: &Value, ptr: &str) -> Option<String> {
    v.pointer(ptr).and_then(Value::as_str).map(str::to_string)
}

/// Reads an Events API body (the envelope, or Socket Mode's payload, which is the same).
pub fn parse_event(body: &Value) -> EventBody {
    match body.get("type").and_then(Value::as_str) {
        Some("url_verification") => {
            EventBody::UrlVerification(s(body, "/challenge").unwrap_or_default())
        }
        Some("event_callback") => {
            let event_id = s(body, "/event_id");
            let ev = &body["event"];
            match ev.get("type").and_then(Value::as_str) {
                Some("pin_added") => {
                    let channel = s(ev, "/channel_id").or_else(|| s(ev, "/item/channel"));
                    let ts = s(ev, "/item/message/ts");
                    match (channel, ts) {
                        (Some(channel), Some(ts)) => EventBody::Event {
                            event_id,
                            event: ChatEvent::Pinned {
                                channel,
                                ts,
                                author: s(ev, "/item/message/user"),
                                text: s(ev, "/item/message/text").unwrap_or_default(),
                                pinned_by: s(ev, "/user"),
                            },
                        },
                        _ => EventBody::Ignored("pin_added without a message".into()),
                    }
                }
                Some("reaction_added") => {
                    if ev.pointer("/item/type").and_then(Value::as_str) != Some("message") {
                        return EventBody::Ignored(
                            "reaction on something other than a message".into(),
                        );
                    }
                    match (
                        s(ev, "/item/channel"),
                        s(ev, "/item/ts"),
                        s(ev, "/reaction"),
                        s(ev, "/user"),
                    ) {
                        (Some(channel), Some(ts), Some(reaction), Some(user)) => EventBody::Event {
                            event_id,
                            event: ChatEvent::Reacted {
                                channel,
                                ts,
                                reaction,
                                user,
                            },
                        },
                        _ => EventBody::Ignored("incomplete reaction_added".into()),
                    }
                }
                Some(other) => EventBody::Ignored(format!("event {other}")),
                None => EventBody::Ignored("event without a type".into()),
            }
        }
        Some(other) => EventBody::Ignored(other.to_string()),
        None => EventBody::Ignored("body without a type".into()),
    }
}

/// The JSON body of an ephemeral slash-command answer.
pub fn ephemeral_json(out: &blocks::Outbound, msg: &Message) -> Value {
    json!({"response_type": "ephemeral", "text": out.text(msg), "blocks": out.blocks(msg)})
}

/// Slack-side handling shared by both transports.
#[derive(Clone)]
pub struct SlackInbound {
    pub app: Arc<App>,
    pub slack: Arc<SlackChat>,
}

impl SlackInbound {
    /// Handles a slash command; returns the JSON body of the answer (None: empty 200).
    pub async fn command(&self, req: CommandRequest) -> Option<Value> {
        if req.ssl_check.is_some() {
            return None;
        }
        let actor = Actor {
            team_id: req.team_id.clone(),
            user_id: req.user_id.clone(),
            channel_id: req.channel_id.clone(),
        };
        let reply = self.app.inbound().handle_command(&actor, &req.text).await;
        self.reply(
            reply,
            req.trigger_id.as_deref(),
            req.response_url.as_deref(),
            true,
        )
    }

    /// Turns a reply into the answer body (`inline`: the HTTP answer is shown, as for
    /// slash commands), spawning what must happen after the ack. `response_url` is
    /// where a later answer goes (e.g. that the form could not be opened).
    fn reply(
        &self,
        reply: Reply,
        trigger_id: Option<&str>,
        response_url: Option<&str>,
        inline: bool,
    ) -> Option<Value> {
        match reply {
            Reply::Ephemeral(msg) => match response_url.filter(|_| !inline) {
                // Buttons: the HTTP answer is not shown, so answer through response_url.
                Some(url) => {
                    let this = self.clone();
                    let url = url.to_string();
                    tokio::spawn(async move { this.respond(&url, &msg).await });
                    None
                }
                None => Some(ephemeral_json(self.slack.outbound(), &msg)),
            },
            Reply::Modal(modal) => {
                let Some(trigger) = trigger_id.map(str::to_string) else {
                    return Some(ephemeral_json(
                        self.slack.outbound(),
                        &Message::text("Slack sent no trigger to open the form with; try again."),
                    ));
                };
                let this = self.clone();
                let url = response_url.map(str::to_string);
                tokio::spawn(async move {
                    // Triggers expire after 3 seconds, so this cannot wait in the queue.
                    if let Err(e) = this.slack.open_modal(&trigger, &modal).await {
                        tracing::warn!(error = %e, form = %modal.callback_id, "could not open the form");
                        // The person is waiting for a form: say why none came.
                        if let Some(url) = url {
                            let code = match &e {
                                ChatError::RateLimited(_) | ChatError::Throttled(_) => {
                                    "ratelimited"
                                }
                                e => e.code().unwrap_or("unavailable"),
                            };
                            let msg = Message::text(format!(
                                ":warning: Slack did not open the form (`{code}`: {}). Please try again; typing the command with its text works too, e.g. `/incident declare <title>`.",
                                crate::chat::advice(code)
                            ));
                            this.respond(&url, &msg).await;
                        }
                    }
                });
                None
            }
            Reply::None => None,
        }
    }

    /// Posts an ephemeral answer to an interaction's response_url.
    async fn respond(&self, url: &str, msg: &Message) {
        let body = json!({
            "response_type": "ephemeral",
            "replace_original": false,
            "text": self.slack.outbound().text(msg),
            "blocks": self.slack.outbound().blocks(msg),
        });
        match self.slack.reqwest().post(url).json(&body).send().await {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => tracing::warn!(
                status = r.status().as_u16(),
                "response_url refused the answer"
            ),
            Err(e) => tracing::warn!(error = %e, "could not answer through response_url"),
        }
    }

    /// Handles an interaction payload (button or form); returns the JSON answer.
    pub async fn interaction(&self, payload: &Value) -> Option<Value> {
        let actor = Actor {
            team_id: s(payload, "/team/id").or_else(|| s(payload, "/user/team_id")),
            user_id: s(payload, "/user/id").unwrap_or_default(),
            channel_id: s(payload, "/channel/id")
                .or_else(|| s(payload, "/container/channel_id"))
                .unwrap_or_default(),
        };
        match payload.get("type").and_then(Value::as_str) {
            Some("block_actions") => {
                let action = payload.pointer("/actions/0")?;
                let action_id = s(action, "/action_id").unwrap_or_default();
                let value = s(action, "/value").unwrap_or_default();
                let reply = self
                    .app
                    .inbound()
                    .handle_action(&actor, &action_id, &value)
                    .await;
                let response_url = s(payload, "/response_url");
                self.reply(
                    reply,
                    s(payload, "/trigger_id").as_deref(),
                    response_url.as_deref(),
                    false,
                );
                None
            }
            Some("view_submission") => {
                let callback = s(payload, "/view/callback_id").unwrap_or_default();
                let metadata = s(payload, "/view/private_metadata").unwrap_or_default();
                let values: BTreeMap<String, String> = payload
                    .pointer("/view/state/values")
                    .map(blocks::submitted_values)
                    .unwrap_or_default();
                match self
                    .app
                    .inbound()
                    .handle_submission(&actor, &callback, &metadata, &values)
                    .await
                {
                    Submitted::Close => None,
                    Submitted::Errors(errs) => {
                        let errors: serde_json::Map<String, Value> = errs
                            .into_iter()
                            .map(|(k, v)| (k, Value::String(v)))
                            .collect();
                        Some(json!({"response_action": "errors", "errors": errors}))
                    }
                }
            }
            other => {
                tracing::debug!(kind = ?other, "interaction ignored");
                None
            }
        }
    }

    /// Handles an Events API body; returns the URL-verification challenge if asked.
    pub async fn event(&self, body: &Value) -> Result<Option<String>, AppError> {
        match parse_event(body) {
            EventBody::UrlVerification(c) => Ok(Some(c)),
            EventBody::Event { event_id, event } => {
                self.app
                    .inbound()
                    .handle_event(event_id.as_deref(), event)
                    .await?;
                Ok(None)
            }
            EventBody::Ignored(why) => {
                tracing::debug!(why, "event ignored");
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_command_forms() {
        let r = CommandRequest::from_form(b"team_id=T1&channel_id=C1&user_id=U1&command=%2Fincident&text=declare+sev2+API+down&trigger_id=tr&response_url=https%3A%2F%2Fx").unwrap();
        assert_eq!(r.text, "declare sev2 API down");
        assert_eq!(r.team_id.as_deref(), Some("T1"));
        assert_eq!(r.trigger_id.as_deref(), Some("tr"));
        let ssl = CommandRequest::from_form(b"ssl_check=1&token=x").unwrap();
        assert!(ssl.ssl_check.is_some());
    }

    #[test]
    fn parses_events() {
        let pin = json!({"type": "event_callback", "event_id": "Ev1", "event": {
            "type": "pin_added", "user": "U2", "channel_id": "C9",
            "item": {"type": "message", "channel": "C9", "message": {"user": "U3", "text": "rolled back", "ts": "1700000000.000100"}}}});
        assert_eq!(
            parse_event(&pin),
            EventBody::Event {
                event_id: Some("Ev1".into()),
                event: ChatEvent::Pinned {
                    channel: "C9".into(),
                    ts: "1700000000.000100".into(),
                    author: Some("U3".into()),
                    text: "rolled back".into(),
                    pinned_by: Some("U2".into())
                }
            }
        );
        let react = json!({"type": "event_callback", "event_id": "Ev2", "event": {
            "type": "reaction_added", "user": "U2", "reaction": "pushpin", "item": {"type": "message", "channel": "C9", "ts": "1.2"}}});
        assert!(matches!(
            parse_event(&react),
            EventBody::Event {
                event: ChatEvent::Reacted { .. },
                ..
            }
        ));
        let file_react = json!({"type": "event_callback", "event": {"type": "reaction_added", "item": {"type": "file"}}});
        assert!(matches!(parse_event(&file_react), EventBody::Ignored(_)));
        assert_eq!(
            parse_event(&json!({"type": "url_verification", "challenge": "abc"})),
            EventBody::UrlVerification("abc".into())
        );
        assert!(matches!(
            parse_event(&json!({"type": "event_callback", "event": {"type": "message"}})),
            EventBody::Ignored(_)
        ));
        assert!(matches!(parse_event(&json!([])), EventBody::Ignored(_)));
    }
}
