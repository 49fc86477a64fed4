//! GitHub Issues over the one client (a token; `api_url` for GitHub Enterprise):
//! issues created, edited, closed and reopened, commented, read back, and found
//! again by the marker line in their body. Writes are spaced by `write_spacing`, as
//! GitHub asks of content-creating requests; its limits (403 or 429 with
//! `retry-after`, or `x-ratelimit-remaining: 0`) are waits, not refusals
//! (`http::limited`). Bodies and answers are shaped by `tickets::github`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::http::{Http, ProviderError, Service, json as read_json};
use crate::tickets::GitHubConfig;
use crate::tickets::github::{self as wire, Issue};

/// The most pages of 100 issues a look for an unanswered create reads.
const FIND_PAGES: usize = 20;

/// GitHub, with its settings and the time of the next write allowed.
#[derive(Clone)]
pub struct GitHub {
    http: Http,
    cfg: GitHubConfig,
    next_write: Arc<Mutex<Instant>>,
}

pub(super) fn checked(repo: &str) -> Result<&str, ProviderError> {
    if wire::is_repo(repo) {
        Ok(repo)
    } else {
        Err(ProviderError::Invalid(format!(
            "GitHub repository {repo:?}"
        )))
    }
}

impl GitHub {
    pub fn new(http: Http, cfg: GitHubConfig) -> GitHub {
        GitHub {
            http,
            cfg,
            next_write: Arc::new(Mutex::new(Instant::now())),
        }
    }

    pub(super) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = format!("{}{path}", self.cfg.api_url.trim_end_matches('/'));
        self.http
            .request(method, &url)
            .timeout(self.cfg.timeout.0)
            .bearer_auth(self.cfg.token.expose())
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
    }

    pub(super) async fn send(&self, req: RequestBuilder) -> Result<Value, ProviderError> {
        Ok(read_json(&self.http.send(Service::GitHub, req).await?))
    }

    /// Takes this process's next write slot: waits for it when it is near, else
    /// answers a wait (the job is put aside until then, its claim kept, and no
    /// attempt counted), so no job holds the worker for long.
    pub(super) async fn write(&self, req: RequestBuilder) -> Result<Value, ProviderError> {
        let spacing: Duration = self.cfg.write_spacing.0;
        if !spacing.is_zero() {
            let near = (spacing * 2).max(Duration::from_secs(1));
            let slot = {
                let mut next = self.next_write.lock().await;
                let now = Instant::now();
                let slot = (*next).max(now);
                if slot > now + near {
                    return Err(ProviderError::Retry {
                        after: Some(slot - now),
                        reason: "waiting for a GitHub write slot".into(),
                    });
                }
                *next = slot + spacing;
                slot
            };
            tokio::time::sleep_until(slot).await;
        }
        self.send(req).await
    }

    fn issue(v: &Value) -> Result<Issue, ProviderError> {
        wire::issue(v).ok_or_else(|| ProviderError::retry("GitHub answered without an issue"))
    }

    /// The issue of `repo` whose body carries `marker`, among those changed since
    /// `since` (a create tried at `since` that may have gone through unanswered),
    /// newest first, page after page (a busy repository may have made hundreds since).
    pub async fn find(
        &self,
        repo: &str,
        marker: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Issue>, ProviderError> {
        let since = since.to_rfc3339_opts(SecondsFormat::Secs, true);
        let path = format!("/repos/{}/issues", checked(repo)?);
        for page in 1..=FIND_PAGES {
            let page = page.to_string();
            let req = self.request(Method::GET, &path).query(&[
                ("state", "all"),
                ("sort", "created"),
                ("direction", "desc"),
                ("per_page", "100"),
                ("since", since.as_str()),
                ("page", page.as_str()),
            ]);
            let list = self.send(req).await?;
            if let Some(found) = wire::find_marked(&list, marker) {
                return Ok(Some(found));
            }
            if list.as_array().is_none_or(|a| a.len() < 100) {
                break;
            }
        }
        Ok(None)
    }

    /// Creates an issue in `repo`.
    pub async fn create(&self, repo: &str, body: &Value) -> Result<Issue, ProviderError> {
        let req = self
            .request(Method::POST, &format!("/repos/{}/issues", checked(repo)?))
            .json(body);
        Self::issue(&self.write(req).await?)
    }

    /// Edits issue `n` of `repo`.
    pub async fn edit(&self, repo: &str, n: u64, body: &Value) -> Result<Issue, ProviderError> {
        let req = self
            .request(
                Method::PATCH,
                &format!("/repos/{}/issues/{n}", checked(repo)?),
            )
            .json(body);
        Self::issue(&self.write(req).await?)
    }

    /// Reads issue `n` of `repo` back.
    pub async fn get(&self, repo: &str, n: u64) -> Result<Issue, ProviderError> {
        let req = self.request(
            Method::GET,
            &format!("/repos/{}/issues/{n}", checked(repo)?),
        );
        Self::issue(&self.send(req).await?)
    }

    /// Comments `body` on issue `n`.
    pub async fn comment(&self, repo: &str, n: u64, body: &str) -> Result<(), ProviderError> {
        let req = self
            .request(
                Method::POST,
                &format!("/repos/{}/issues/{n}/comments", checked(repo)?),
            )
            .json(&json!({"body": body}));
        self.write(req).await.map(drop)
    }

    /// True when one of issue `n`'s comments holds `text`.
    pub async fn has_comment(&self, repo: &str, n: u64, text: &str) -> Result<bool, ProviderError> {
        let req = self
            .request(
                Method::GET,
                &format!("/repos/{}/issues/{n}/comments", checked(repo)?),
            )
            .query(&[("per_page", "100")]);
        let answer = self.send(req).await?;
        Ok(answer.as_array().is_some_and(|c| {
            c.iter().any(|c| {
                c.get("body")
                    .and_then(Value::as_str)
                    .is_some_and(|b| b.contains(text))
            })
        }))
    }
}
