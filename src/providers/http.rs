//! The one HTTP client warroom calls outside services with, and the one way their
//! answers are sorted. Built once at start-up and handed to each service module:
//! connect and request timeouts, a `warroom/<version>` user agent, redirects not
//! followed (a moved API is a setting to fix, not a place to send a token), and
//! answers read to at most [`Limits::max_body`] bytes.
//!
//! Every answer falls into one of three classes:
//! - network errors, 408, 420 (Statuspage's older rate limit), 429 and 5xx are tried
//!   again, after PagerDuty's `ratelimit-reset` or a `Retry-After` when given
//!   (bounded by [`MAX_WAIT`]): [`ProviderError::Retry`];
//! - any other answer that is not 2xx is a refusal for a person to read, with its
//!   status and the start of its body: [`ProviderError::Refused`];
//! - 2xx is read, and the service module turns it into a typed answer.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

use crate::metrics::Metrics;

/// The longest wait a provider may ask for before a retry.
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// How much of a refusal's body a person is shown, in characters.
const REFUSAL_CHARS: usize = 300;

/// The services behind this client, as messages and metrics name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    PagerDuty,
    Opsgenie,
    Statuspage,
    Jira,
    GitHub,
    Confluence,
    GoogleCalendar,
}

impl Service {
    /// As people read it ("PagerDuty").
    pub fn name(self) -> &'static str {
        match self {
            Service::PagerDuty => "PagerDuty",
            Service::Opsgenie => "Opsgenie",
            Service::Statuspage => "Statuspage",
            Service::Jira => "Jira",
            Service::GitHub => "GitHub",
            Service::Confluence => "Confluence",
            Service::GoogleCalendar => "Google Calendar",
        }
    }

    /// The `provider` label of the metrics ("pagerduty").
    pub fn label(self) -> &'static str {
        match self {
            Service::PagerDuty => "pagerduty",
            Service::Opsgenie => "opsgenie",
            Service::Statuspage => "statuspage",
            Service::Jira => "jira",
            Service::GitHub => "github",
            Service::Confluence => "confluence",
            Service::GoogleCalendar => "google_calendar",
        }
    }
}

/// Why a call to a provider did not give an answer to read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// Worth trying again (`after`: the wait the service asked for).
    #[error("{reason}")]
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// A final answer that is not 2xx, and the start of its body: a person must act.
    #[error("refused ({status}): {text}")]
    Refused { status: u16, text: String },
    /// A request warroom will not send (an ID unfit for a URL path).
    #[error("{0}")]
    Invalid(String),
}

impl ProviderError {
    /// A retry without a wait asked for.
    pub fn retry(reason: impl Into<String>) -> ProviderError {
        ProviderError::Retry {
            after: None,
            reason: reason.into(),
        }
    }
}

/// The client's bounds.
#[derive(Debug, Clone)]
pub struct Limits {
    pub connect_timeout: Duration,
    /// The whole exchange, answer included, unless a request sets its own.
    pub request_timeout: Duration,
    /// The largest answer read, in bytes; a larger 2xx is retried, not read.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_body: 1024 * 1024,
        }
    }
}

/// The client could not be built (no TLS roots, say): warroom does not start.
#[derive(Debug, thiserror::Error)]
#[error("the HTTP client for outside services: {0}")]
pub struct BuildError(#[from] reqwest::Error);

/// The one client: cheap to clone, every clone shares its connections.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    max_body: usize,
    metrics: Option<Arc<Metrics>>,
}

/// How an answer's status is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Ok,
    Retry,
    Refused,
}

/// The class of an answer with `status`.
pub fn classify(status: StatusCode) -> Class {
    if [408, 420, 429].contains(&status.as_u16()) || status.is_server_error() {
        Class::Retry
    } else if status.is_success() {
        Class::Ok
    } else {
        Class::Refused
    }
}

/// `ratelimit-reset` (PagerDuty) or `Retry-After` seconds, bounded by [`MAX_WAIT`].
pub fn wait_asked(h: &HeaderMap) -> Option<Duration> {
    ["ratelimit-reset", "retry-after"]
        .iter()
        .find_map(|k| h.get(*k)?.to_str().ok()?.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).min(MAX_WAIT))
}

/// GitHub answers its limits with 403 (or 429): the secondary limit with
/// `retry-after`, the primary with `x-ratelimit-remaining: 0` and the epoch second
/// `x-ratelimit-reset`. The wait they ask for, bounded by [`MAX_WAIT`]; None for a
/// 403 that is a refusal.
pub fn limited(service: Service, status: StatusCode, h: &HeaderMap) -> Option<Duration> {
    if service != Service::GitHub || !matches!(status.as_u16(), 403 | 429) {
        return None;
    }
    let header = |k: &str| h.get(k)?.to_str().ok().map(str::trim);
    if let Some(s) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(s.max(1)).min(MAX_WAIT));
    }
    if header("x-ratelimit-remaining") == Some("0") {
        let reset = header("x-ratelimit-reset")?.parse::<i64>().ok()?;
        let wait = (reset - chrono::Utc::now().timestamp()).clamp(1, MAX_WAIT.as_secs() as i64);
        return Some(Duration::from_secs(wait as u64));
    }
    None
}

/// A 2xx body as JSON; null when empty or not JSON (callers read what they need).
pub fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// How far an answer's body was read.
enum Read {
    Whole,
    TooLarge,
    Broken(String),
}

impl Http {
    /// The client within `limits`; `metrics` counts each call by service and outcome.
    pub fn new(limits: &Limits, metrics: Option<Arc<Metrics>>) -> Result<Http, BuildError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Http {
            client,
            max_body: limits.max_body,
            metrics,
        })
    }

    /// A request to `url`; the service module adds its headers and body.
    pub fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.client.request(method, url)
    }

    /// Sends `req` to `service` and sorts the answer: the body of a 2xx, or why not.
    pub async fn send(
        &self,
        service: Service,
        req: RequestBuilder,
    ) -> Result<Vec<u8>, ProviderError> {
        let out = self.exchange(service, req).await;
        let outcome = match &out {
            Ok(_) => "ok",
            Err(ProviderError::Retry { .. }) => "retry",
            Err(ProviderError::Refused { .. }) => "refused",
            Err(ProviderError::Invalid(_)) => "invalid",
        };
        if let Some(m) = &self.metrics {
            m.provider_call(service.label(), outcome);
        }
        tracing::debug!(provider = service.label(), outcome, "provider call");
        out
    }

    async fn exchange(
        &self,
        service: Service,
        req: RequestBuilder,
    ) -> Result<Vec<u8>, ProviderError> {
        let who = service.name();
        let r = req
            .send()
            .await
            .map_err(|e| ProviderError::retry(format!("{who} unreachable: {}", e.without_url())))?;
        let status = r.status();
        if let Some(after) = limited(service, status, r.headers()) {
            return Err(ProviderError::Retry {
                after: Some(after),
                reason: format!("{who} asked warroom to slow down ({status})"),
            });
        }
        match classify(status) {
            Class::Retry => Err(ProviderError::Retry {
                after: wait_asked(r.headers()),
                reason: format!("{who} answered {status}"),
            }),
            // Only the start is shown: what did not fit is not needed.
            Class::Refused => {
                let (body, _) = read_bounded(r, self.max_body).await;
                Err(ProviderError::Refused {
                    status: status.as_u16(),
                    text: String::from_utf8_lossy(&body)
                        .chars()
                        .take(REFUSAL_CHARS)
                        .collect(),
                })
            }
            // A 2xx said to be too large is not read at all.
            Class::Ok if r.content_length().is_some_and(|n| n > self.max_body as u64) => {
                Err(too_large(who, status, self.max_body))
            }
            Class::Ok => match read_bounded(r, self.max_body).await {
                (body, Read::Whole) => Ok(body),
                (_, Read::TooLarge) => Err(too_large(who, status, self.max_body)),
                (_, Read::Broken(e)) => Err(ProviderError::retry(format!(
                    "{who} answered {status}, then the answer broke off: {e}"
                ))),
            },
        }
    }
}

/// A 2xx too large to read: retried (every call warroom makes is safe to repeat),
/// and told to a person if it never shrinks.
fn too_large(who: &str, status: StatusCode, max: usize) -> ProviderError {
    ProviderError::retry(format!(
        "{who} answered {status} with more than {} KiB",
        max / 1024
    ))
}

/// Reads at most `max` bytes of `r`'s body; past that it stops reading.
async fn read_bounded(mut r: Response, max: usize) -> (Vec<u8>, Read) {
    let mut body = Vec::new();
    loop {
        match r.chunk().await {
            Ok(Some(chunk)) => {
                let room = max.saturating_sub(body.len());
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    return (body, Read::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return (body, Read::Whole),
            Err(e) => return (body, Read::Broken(e.without_url().to_string())),
        }
    }
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
