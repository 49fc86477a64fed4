//! The Slack implementation of the `Chat` port: Web API calls through slack-morphism's
//! hyper client, pointed at `slack.api_url` (a local fake in tests). Every call has a
//! timeout; failures are sorted into rate limits, outages and `ok:false` codes so the
//! jobs worker knows whether to retry.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use tokio::sync::OnceCell;

use super::blocks::{self, Outbound};
use super::ratelimit::{RateLimiter, Verdict};
use crate::chat::{
    ChannelInfo, Chat, ChatError, ChatResult, Document, FetchedMessage, Message, Modal, Published,
};
use crate::config::Secret;
use crate::metrics::Metrics;

/// Slack Web API client.
pub struct SlackChat {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
    timeout: Duration,
    bot_id: OnceCell<String>,
    api_url: String,
    http: reqwest::Client,
    outbound: Outbound,
    metrics: Option<Arc<Metrics>>,
    limiter: RateLimiter,
}

impl SlackChat {
    /// A client for the Web API at `api_url` (e.g. `https://slack.com/api`).
    pub fn new(api_url: &str, bot_token: &Secret, timeout: Duration) -> std::io::Result<SlackChat> {
        let api_url = api_url.trim_end_matches('/').to_string();
        // slack-morphism's default connector refuses plain http; a local fake needs it.
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .or_else(|_| {
                Ok::<_, std::io::Error>(
                    hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(
                        rustls::ClientConfig::builder()
                            .with_root_certificates(rustls::RootCertStore::empty())
                            .with_no_client_auth(),
                    ),
                )
            })?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let connector =
            SlackClientHyperConnector::with_connector(https).with_slack_api_url(&api_url);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(std::io::Error::other)?;
        Ok(SlackChat {
            client: Arc::new(SlackClient::new(connector)),
            token: SlackApiToken::new(SlackApiTokenValue::new(bot_token.expose().to_string())),
            timeout,
            bot_id: OnceCell::new(),
            api_url,
            http,
            outbound: Outbound::default(),
            metrics: None,
            limiter: RateLimiter::new(false, 1.0),
        })
    }

    /// Keeps to Slack's rate tiers before calling ([`RateLimiter`]).
    pub fn with_rate_limits(mut self, limiter: RateLimiter) -> SlackChat {
        self.limiter = limiter;
        self
    }

    /// The rate limiter (replicas share it out).
    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// Allows these user groups (`S…`) to be pinged: warroom's own configured ones.
    pub fn with_own_groups(mut self, groups: Vec<String>) -> SlackChat {
        self.outbound = Outbound::new(groups);
        self
    }

    /// Counts refusals by method and error in these metrics.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> SlackChat {
        self.metrics = Some(metrics);
        self
    }

    /// What leaves for Slack (guard and limits), for the inbound answers too.
    pub fn outbound(&self) -> &Outbound {
        &self.outbound
    }

    fn count(&self, method: &str, r: &ChatResult<Value>) {
        if let (Some(m), Err(e)) = (&self.metrics, r) {
            let code = match e {
                ChatError::Api(c) => c.as_str(),
                ChatError::RateLimited(_) => "ratelimited",
                ChatError::Unavailable(_) => "unavailable",
                ChatError::Throttled(_) => return,
            };
            m.slack_errors.with_label_values(&[method, code]).inc();
        }
    }

    /// The shared slack-morphism client (Socket Mode reuses it).
    pub fn client(&self) -> Arc<SlackHyperClient> {
        self.client.clone()
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    pub(crate) fn reqwest(&self) -> &reqwest::Client {
        &self.http
    }

    /// Waits for the method's rate slot, or says when to come back.
    async fn slot(&self, method: &str, channel: Option<&str>) -> ChatResult<()> {
        let verdict = self.limiter.acquire(
            method,
            channel,
            crate::chat::current_job(),
            std::time::Instant::now(),
        );
        let (how, wait) = match verdict {
            Verdict::Go => return Ok(()),
            Verdict::Sleep(d) => ("sleep", d),
            Verdict::Later(d) => ("later", d),
        };
        if let Some(m) = &self.metrics {
            m.slack_throttled.with_label_values(&[method, how]).inc();
            m.slack_throttle_seconds
                .with_label_values(&[method])
                .inc_by(wait.as_secs_f64());
        }
        match verdict {
            Verdict::Sleep(d) => {
                tokio::time::sleep(d).await;
                Ok(())
            }
            _ => Err(ChatError::Throttled(wait)),
        }
    }

    /// After a call: a 429 blocks the method; an accepted call is counted for its job.
    fn settle<T>(&self, method: &str, channel: Option<&str>, r: &ChatResult<T>) {
        match r {
            Ok(_) => crate::chat::count_call(),
            Err(ChatError::RateLimited(after)) => self.limiter.rate_limited(
                method,
                channel,
                after.unwrap_or(Duration::from_secs(1)),
                std::time::Instant::now(),
            ),
            Err(_) => {}
        }
    }

    /// POSTs a JSON body to a Web API method.
    pub async fn call(&self, method: &str, body: &Value) -> ChatResult<Value> {
        let channel = body.get("channel").and_then(Value::as_str);
        self.slot(method, channel).await?;
        let session = self.client.open_session(&self.token);
        let fut = session
            .http_session_api
            .http_post::<Value, Value>(method, body, None);
        let r = match tokio::time::timeout(self.timeout, fut).await {
            Err(_) => Err(ChatError::Unavailable(format!(
                "{method}: timed out after {:?}",
                self.timeout
            ))),
            Ok(r) => r.map_err(|e| map_error(method, e)),
        };
        self.settle(method, channel, &r);
        self.count(method, &r);
        r
    }

    /// GETs a Web API method with query parameters.
    pub async fn call_get(
        &self,
        method: &str,
        params: Vec<(&str, Option<String>)>,
    ) -> ChatResult<Value> {
        self.slot(method, None).await?;
        let session = self.client.open_session(&self.token);
        let fut = session
            .http_session_api
            .http_get::<Value, _, String>(method, &params, None);
        let r = match tokio::time::timeout(self.timeout, fut).await {
            Err(_) => Err(ChatError::Unavailable(format!(
                "{method}: timed out after {:?}",
                self.timeout
            ))),
            Ok(r) => r.map_err(|e| map_error(method, e)),
        };
        self.settle(method, None, &r);
        self.count(method, &r);
        r
    }
}

fn map_error(method: &str, e: SlackClientError) -> ChatError {
    match e {
        SlackClientError::ApiError(e) => ChatError::Api(e.code),
        SlackClientError::RateLimitError(e) => ChatError::RateLimited(e.retry_after),
        SlackClientError::HttpError(e) if e.status_code.is_server_error() => {
            ChatError::Unavailable(format!("{method}: HTTP {}", e.status_code.as_u16()))
        }
        SlackClientError::HttpError(e) => {
            ChatError::Api(format!("http_{}", e.status_code.as_u16()))
        }
        // Connection refused, reset, protocol trouble: worth another try.
        other => ChatError::Unavailable(format!("{method}: {}", first_line(&other.to_string()))),
    }
}

impl SlackChat {
    /// Uploads a Markdown file with the external upload flow (`files.upload` is retired).
    async fn upload_file(&self, channel: &str, doc: &Document) -> ChatResult<Published> {
        let bytes = doc.markdown.as_bytes().to_vec();
        let v = self
            .call_get(
                "files.getUploadURLExternal",
                vec![
                    ("filename", Some(doc.filename.clone())),
                    ("length", Some(bytes.len().to_string())),
                ],
            )
            .await?;
        let url = str_at(&v, "/upload_url")
            .ok_or_else(|| missing("files.getUploadURLExternal", "upload_url"))?
            .to_string();
        let id = str_at(&v, "/file_id")
            .ok_or_else(|| missing("files.getUploadURLExternal", "file_id"))?
            .to_string();
        let r = self
            .http
            .post(&url)
            .header("content-type", "text/markdown; charset=utf-8")
            .body(bytes)
            .send()
            .await
            .map_err(|e| ChatError::Unavailable(format!("file upload: {e}")))?;
        if r.status().is_server_error() {
            return Err(ChatError::Unavailable(format!(
                "file upload: HTTP {}",
                r.status().as_u16()
            )));
        }
        if !r.status().is_success() {
            return Err(ChatError::Api(format!(
                "upload_http_{}",
                r.status().as_u16()
            )));
        }
        let v = self
            .call(
                "files.completeUploadExternal",
                &json!({"files": [{"id": id, "title": doc.title}], "channel_id": channel}),
            )
            .await?;
        Ok(Published::File {
            id,
            permalink: str_at(&v, "/files/0/permalink").map(str::to_string),
        })
    }
}

/// Slack refused a message for its size or blocks (not for where it goes).
fn shape_refused(code: &str) -> bool {
    matches!(
        code,
        "invalid_blocks" | "msg_too_long" | "msg_blocks_too_long" | "invalid_blocks_format"
    )
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

fn missing(method: &str, what: &str) -> ChatError {
    ChatError::Api(format!("{method}: answer without {what}"))
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
        let content = json!({"type": "markdown", "markdown": doc.markdown});
        if let Some(Published::Canvas { id }) = existing {
            let edit = json!({"canvas_id": id, "changes": [{"operation": "replace", "document_content": content}]});
            match self.call("canvases.edit", &edit).await {
                Ok(_) => return Ok(Published::Canvas { id: id.clone() }),
                Err(e) if e.is_retryable() => return Err(e),
                Err(e) => tracing::warn!(error = %e, "canvas could not be edited; publishing anew"),
            }
        }
        let create =
            json!({"channel_id": channel, "title": doc.title, "document_content": content});
        match self.call("conversations.canvases.create", &create).await {
            Ok(v) => {
                let id = str_at(&v, "/canvas_id")
                    .ok_or_else(|| missing("conversations.canvases.create", "canvas_id"))?;
                Ok(Published::Canvas { id: id.to_string() })
            }
            Err(e) if e.is_retryable() => Err(e),
            Err(e) => {
                // Free plans, disabled canvases, a channel canvas someone else made:
                // a Markdown file reads just as well.
                tracing::info!(error = %e, "canvases unavailable; uploading the draft as a file");
                self.upload_file(channel, doc).await
            }
        }
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

    fn share_rate_limits(&self, replicas: u32) {
        self.limiter.set_replicas(replicas);
    }
}
