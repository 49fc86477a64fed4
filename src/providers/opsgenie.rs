//! Opsgenie's Alert API over the one client (`Authorization: GenieKey <key>`, the
//! region's host or `api_url`): the incident's own alert created, acknowledged and
//! closed by alias; pages to someone as alerts of their own; an alert read back by
//! alias for its acknowledgement. Bodies and answers are shaped by
//! `paging::{opsgenie, page_to, acks}`; here they are sent and read.

use chrono::{DateTime, Utc};
use reqwest::{Method, RequestBuilder};

use super::http::{Http, ProviderError, Service, json};
use crate::domain::Incident;
use crate::paging::PageAction;
use crate::paging::acks::{self, Seen};
use crate::paging::opsgenie::{self as wire, OpsgenieConfig, Responder};
use crate::paging::page_to;

/// Opsgenie's bound on an alias.
const MAX_ALIAS: usize = 512;

/// Opsgenie, with its settings.
#[derive(Clone)]
pub struct Opsgenie {
    http: Http,
    cfg: OpsgenieConfig,
}

impl Opsgenie {
    pub fn new(http: Http, cfg: OpsgenieConfig) -> Opsgenie {
        Opsgenie { http, cfg }
    }

    /// A request to `path` under the API's base, with the key.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, &format!("{}{path}", self.cfg.base()))
            .timeout(self.cfg.timeout.0)
            .header(
                "authorization",
                format!("GenieKey {}", self.cfg.api_key.expose()),
            )
    }

    async fn send(&self, req: RequestBuilder) -> Result<Vec<u8>, ProviderError> {
        self.http.send(Service::Opsgenie, req).await
    }

    /// `action` on `inc`'s own alert (alias `warroom-INC-42`).
    pub async fn page(
        &self,
        action: PageAction,
        inc: &Incident,
        link: Option<&str>,
    ) -> Result<(), ProviderError> {
        let body = self.cfg.body(action, inc, link);
        let path = match wire::verb(action) {
            None => "/v2/alerts".to_string(),
            Some(verb) => alias_path(&wire::alias(inc), verb)?,
        };
        let req = self.request(Method::POST, &path).json(&body);
        self.send(req).await.map(drop)
    }

    /// A page to `responder` about `inc`, as an alert under `alias`.
    pub async fn create_alert(
        &self,
        inc: &Incident,
        alias: &str,
        responder: &Responder,
        message: &str,
        link: Option<&str>,
    ) -> Result<(), ProviderError> {
        let body = page_to::opsgenie_body(inc, alias, responder, message, link);
        let req = self.request(Method::POST, "/v2/alerts").json(&body);
        self.send(req).await.map(drop)
    }

    /// Closes the alert `alias` opened for `inc`, now resolved.
    pub async fn close(&self, alias: &str, inc: &Incident) -> Result<(), ProviderError> {
        let req = self
            .request(Method::POST, &alias_path(alias, "close")?)
            .json(&wire::close_body(inc));
        self.send(req).await.map(drop)
    }

    /// Whether the alert `alias` was acknowledged.
    pub async fn seen(&self, alias: &str, now: DateTime<Utc>) -> Result<Seen, ProviderError> {
        let req = self
            .request(Method::GET, &format!("/v2/alerts/{}", checked(alias)?))
            .query(&[("identifierType", "alias")]);
        Ok(acks::opsgenie_seen(&json(&self.send(req).await?), now))
    }
}

/// `/v2/alerts/{alias}/{verb}?identifierType=alias`.
fn alias_path(alias: &str, verb: &str) -> Result<String, ProviderError> {
    Ok(format!(
        "/v2/alerts/{}/{verb}?identifierType=alias",
        checked(alias)?
    ))
}

/// `alias` when it can go into a URL path as it is (warroom makes its aliases of
/// letters, digits and dashes).
fn checked(alias: &str) -> Result<&str, ProviderError> {
    let fits = (1..=MAX_ALIAS).contains(&alias.len())
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !alias.starts_with('.');
    if fits {
        Ok(alias)
    } else {
        Err(ProviderError::Invalid(format!("Opsgenie alias {alias:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_go_into_paths_only_when_they_fit() {
        assert_eq!(
            alias_path("warroom-INC-4-page-9", "close").unwrap(),
            "/v2/alerts/warroom-INC-4-page-9/close?identifierType=alias"
        );
        for bad in ["", "../x", "a/b", "a?b", "..", &"a".repeat(513)] {
            assert!(
                matches!(checked(bad), Err(ProviderError::Invalid(_))),
                "{bad}"
            );
        }
    }
}
