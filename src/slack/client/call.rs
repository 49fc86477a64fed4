//! The Web API's transport: a call waits for its rate slot, has a timeout, and its
//! failure is sorted into a rate limit, an outage or an `ok:false` code (counted in
//! the metrics) so the jobs worker knows whether to retry; and reading the answers.

use std::time::Duration;

use serde_json::Value;
use slack_morphism::errors::SlackClientError;

use super::SlackChat;
use crate::chat::{ChatError, ChatResult};
use crate::slack::ratelimit::{Caller, Verdict};

impl SlackChat {
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

    /// Waits for the method's rate slot, or says when to come back.
    async fn slot(&self, method: &str, channel: Option<&str>) -> ChatResult<()> {
        let caller = Caller {
            job: crate::chat::current_job(),
            patient: crate::chat::patient(),
        };
        let (verdict, decided) = self.limiter.acquire(method, channel, caller).await;
        if let Some(m) = &self.metrics
            && self.limiter.enabled()
        {
            m.slack_rate_decisions
                .with_label_values(&[decided.label()])
                .inc();
        }
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
    async fn settle<T>(&self, method: &str, channel: Option<&str>, r: &ChatResult<T>) {
        match r {
            Ok(_) => crate::chat::count_call(),
            Err(ChatError::RateLimited(after)) => {
                self.limiter
                    .rate_limited(method, channel, after.unwrap_or(Duration::from_secs(1)))
                    .await
            }
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
        self.settle(method, channel, &r).await;
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
        self.settle(method, None, &r).await;
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

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

/// The string at `ptr` in an answer.
pub(super) fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

/// An answer without what the method promises.
pub(super) fn missing(method: &str, what: &str) -> ChatError {
    ChatError::Api(format!("{method}: answer without {what}"))
}
