//! Jira Cloud's REST API v3 over the one client (Basic auth with the account's
//! email and API token): issues created, edited, moved through their workflow's
//! transitions and commented; found again by their marker label (JQL) and read back
//! by key; owners found by email. Bodies and answers are shaped by `tickets::jira`.

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use super::http::{Http, ProviderError, Service, json as read_json};
use crate::tickets::JiraConfig;
use crate::tickets::jira::{self as wire, Issue, Transition};

/// Jira, with its settings.
#[derive(Clone)]
pub struct Jira {
    http: Http,
    cfg: JiraConfig,
}

/// The most keys read back by one search.
pub const SEARCH_MAX: usize = 50;

fn checked(key: &str) -> Result<&str, ProviderError> {
    if wire::is_key(key) {
        Ok(key)
    } else {
        Err(ProviderError::Invalid(format!("Jira issue key {key:?}")))
    }
}

impl Jira {
    pub fn new(http: Http, cfg: JiraConfig) -> Jira {
        Jira { http, cfg }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = format!("{}/rest/api/3{path}", self.cfg.url.trim_end_matches('/'));
        self.http
            .request(method, &url)
            .timeout(self.cfg.timeout.0)
            .basic_auth(&self.cfg.email, Some(self.cfg.api_token.expose()))
            .header("accept", "application/json")
    }

    async fn send(&self, req: RequestBuilder) -> Result<Value, ProviderError> {
        Ok(read_json(&self.http.send(Service::Jira, req).await?))
    }

    /// Where people open `key`.
    pub fn browse_url(&self, key: &str) -> String {
        format!("{}/browse/{key}", self.cfg.url.trim_end_matches('/'))
    }

    /// The issue of `project` carrying `marker`'s label, if any.
    pub async fn find(&self, project: &str, marker: &str) -> Result<Option<Issue>, ProviderError> {
        let body = wire::search_body(&wire::by_marker(project, marker), 1);
        let req = self.request(Method::POST, "/search/jql").json(&body);
        Ok(wire::issues(&self.send(req).await?).into_iter().next())
    }

    /// Reads `keys` back (at most [`SEARCH_MAX`]).
    pub async fn search(&self, keys: &[String]) -> Result<Vec<Issue>, ProviderError> {
        for k in keys {
            checked(k)?;
        }
        let body = wire::search_body(&wire::by_keys(keys), SEARCH_MAX);
        let req = self.request(Method::POST, "/search/jql").json(&body);
        Ok(wire::issues(&self.send(req).await?))
    }

    /// Creates an issue: its key.
    pub async fn create(&self, body: &Value) -> Result<String, ProviderError> {
        let req = self.request(Method::POST, "/issue").json(body);
        let answer = self.send(req).await?;
        wire::created_key(&answer)
            .ok_or_else(|| ProviderError::retry("Jira created an issue without a key"))
    }

    /// Edits `key`'s fields.
    pub async fn edit(&self, key: &str, body: &Value) -> Result<(), ProviderError> {
        let req = self
            .request(Method::PUT, &format!("/issue/{}", checked(key)?))
            .json(body);
        self.send(req).await.map(drop)
    }

    /// The transitions `key`'s workflow offers now.
    pub async fn transitions(&self, key: &str) -> Result<Vec<Transition>, ProviderError> {
        let req = self.request(
            Method::GET,
            &format!("/issue/{}/transitions", checked(key)?),
        );
        Ok(wire::transitions(&self.send(req).await?))
    }

    /// Takes transition `id` of `key`.
    pub async fn transition(&self, key: &str, id: &str) -> Result<(), ProviderError> {
        let req = self
            .request(
                Method::POST,
                &format!("/issue/{}/transitions", checked(key)?),
            )
            .json(&json!({"transition": {"id": id}}));
        self.send(req).await.map(drop)
    }

    /// Adds a comment of `lines` to `key`.
    pub async fn comment(
        &self,
        key: &str,
        lines: &[Vec<crate::tickets::draft::Piece>],
    ) -> Result<(), ProviderError> {
        let req = self
            .request(Method::POST, &format!("/issue/{}/comment", checked(key)?))
            .json(&json!({"body": wire::adf(lines)}));
        self.send(req).await.map(drop)
    }

    /// True when one of `key`'s comments holds `text` (a comment whose answer was
    /// lost is not made twice).
    pub async fn has_comment(&self, key: &str, text: &str) -> Result<bool, ProviderError> {
        let req = self
            .request(Method::GET, &format!("/issue/{}/comment", checked(key)?))
            .query(&[("maxResults", "100"), ("orderBy", "-created")]);
        let answer = self.send(req).await?;
        Ok(answer
            .get("comments")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|c| c.to_string().contains(text))))
    }

    /// The account with `email`, if Jira shows one.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<String>, ProviderError> {
        let req = self
            .request(Method::GET, "/user/search")
            .query(&[("query", email)]);
        Ok(wire::account(&self.send(req).await?))
    }
}
