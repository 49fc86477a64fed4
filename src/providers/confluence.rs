//! Confluence Cloud's REST v2 pages over the one client (Basic auth, an Atlassian
//! account's email and API token): a page found by its title in the space, created
//! under the configured parent, read (its current version), and updated with the
//! next version number. A 409 (the version moved on) is worth reading again.

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use super::http::{Http, ProviderError, Service, json as read_json};
use crate::postmortem::confluence::{ConfluenceConfig, Page, is_id, page};

/// Confluence, with its settings (site and account already resolved).
#[derive(Clone)]
pub struct Confluence {
    http: Http,
    cfg: ConfluenceConfig,
}

fn checked(id: &str) -> Result<&str, ProviderError> {
    if is_id(id) {
        Ok(id)
    } else {
        Err(ProviderError::Invalid(format!("Confluence ID {id:?}")))
    }
}

impl Confluence {
    pub fn new(http: Http, cfg: ConfluenceConfig) -> Confluence {
        Confluence { http, cfg }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = format!("{}/wiki/api/v2{path}", self.cfg.url.trim_end_matches('/'));
        self.http
            .request(method, &url)
            .timeout(self.cfg.timeout.0)
            .basic_auth(&self.cfg.email, Some(self.cfg.api_token.expose()))
            .header("accept", "application/json")
    }

    async fn send(&self, req: RequestBuilder) -> Result<Value, ProviderError> {
        Ok(read_json(&self.http.send(Service::Confluence, req).await?))
    }

    fn page(&self, v: &Value) -> Result<Page, ProviderError> {
        page(v, &self.cfg.url)
            .ok_or_else(|| ProviderError::retry("Confluence answered without a page"))
    }

    /// The page titled `title` in the space, if there is one.
    pub async fn find(&self, title: &str) -> Result<Option<Page>, ProviderError> {
        let req = self
            .request(
                Method::GET,
                &format!("/spaces/{}/pages", checked(self.cfg.space_id.trim())?),
            )
            .query(&[("title", title), ("status", "current"), ("limit", "5")]);
        let v = self.send(req).await?;
        let found = v
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| page(p, &self.cfg.url))
            .find(|p| p.title == title);
        Ok(found)
    }

    /// Reads page `id` (its version, title and content).
    pub async fn get(&self, id: &str) -> Result<Page, ProviderError> {
        let req = self
            .request(Method::GET, &format!("/pages/{}", checked(id)?))
            .query(&[("body-format", "storage")]);
        self.page(&self.send(req).await?)
    }

    /// Creates a page under the configured parent, in storage format.
    pub async fn create(&self, title: &str, storage: &str) -> Result<Page, ProviderError> {
        let mut body = json!({
            "spaceId": checked(self.cfg.space_id.trim())?,
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": storage},
        });
        if !self.cfg.parent_id.trim().is_empty() {
            body["parentId"] = json!(checked(self.cfg.parent_id.trim())?);
        }
        let req = self.request(Method::POST, "/pages").json(&body);
        self.page(&self.send(req).await?)
    }

    /// Replaces page `id`'s content as version `version` (its current one plus one).
    pub async fn update(
        &self,
        id: &str,
        title: &str,
        storage: &str,
        version: i64,
        message: &str,
    ) -> Result<Page, ProviderError> {
        let body = json!({
            "id": checked(id)?,
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": storage},
            "version": {"number": version, "message": message},
        });
        let req = self
            .request(Method::PUT, &format!("/pages/{id}"))
            .json(&body);
        match self.send(req).await {
            Err(ProviderError::Refused { status: 409, text }) => {
                Err(ProviderError::retry(format!(
                    "the page's version moved on: {}",
                    crate::postmortem::confluence::refusal(&text)
                )))
            }
            other => self.page(&other?),
        }
    }
}
