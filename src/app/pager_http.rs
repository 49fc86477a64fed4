//! The HTTP side of paging: one client, and how an answer from PagerDuty's or
//! Opsgenie's APIs becomes a job's outcome. Network errors, 408, 429 (after
//! PagerDuty's `ratelimit-reset` or a `Retry-After`, bounded) and 5xx are tried
//! again; any other 4xx is a refusal for a person to see; 2xx is read as JSON.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::delivery::JobError;
use crate::paging::pagerduty;

/// The one client every page goes through.
pub fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new)
}

/// The longest wait a provider may ask for before a retry.
const MAX_WAIT: Duration = Duration::from_secs(300);

/// What a provider answered, when it is not worth retrying.
pub enum Answer {
    /// 2xx, and its body (null when empty or not JSON).
    Accepted(Value),
    /// A final 4xx, and the start of what it said.
    Refused { status: u16, text: String },
}

/// Sends `req` and sorts the answer. `who` names the provider in reasons.
pub async fn send(who: &str, req: reqwest::RequestBuilder) -> Result<Answer, JobError> {
    let r = req.send().await.map_err(|e| JobError::Retry {
        after: None,
        reason: format!("{who} unreachable: {}", e.without_url()),
    })?;
    let status = r.status();
    // 420: Statuspage's older rate-limit answer.
    if [408, 420, 429].contains(&status.as_u16()) || status.is_server_error() {
        return Err(JobError::Retry {
            after: wait_asked(r.headers()),
            reason: format!("{who} answered {status}"),
        });
    }
    let text = r.text().await.unwrap_or_default();
    if status.is_success() {
        return Ok(Answer::Accepted(
            serde_json::from_str(&text).unwrap_or(Value::Null),
        ));
    }
    Ok(Answer::Refused {
        status: status.as_u16(),
        text: text.chars().take(300).collect(),
    })
}

/// `ratelimit-reset` (PagerDuty) or `Retry-After` seconds, bounded.
fn wait_asked(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    ["ratelimit-reset", "retry-after"]
        .iter()
        .find_map(|k| h.get(*k)?.to_str().ok()?.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).min(MAX_WAIT))
}

/// A PagerDuty REST request with its required headers.
pub fn pagerduty_rest(
    cfg: &crate::paging::PagerDutyConfig,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    http()
        .request(method, cfg.rest_url(path))
        .timeout(cfg.timeout.0)
        .header(
            "authorization",
            pagerduty::authorization(cfg.api_token.expose()),
        )
        .header("accept", pagerduty::ACCEPT)
        .header("content-type", "application/json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_come_from_either_header_and_are_bounded() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(wait_asked(&h), None);
        h.insert("ratelimit-reset", "7".parse().unwrap());
        assert_eq!(wait_asked(&h), Some(Duration::from_secs(7)));
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "99999".parse().unwrap());
        assert_eq!(wait_asked(&h), Some(MAX_WAIT));
    }
}
