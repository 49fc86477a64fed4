//! Atlassian Statuspage's Manage API over the one client (`Authorization: OAuth
//! <key>`, `api_url` and the page's ID): the page's incident created with the first
//! external update, patched with each next one, and looked for among the unresolved
//! incidents (there is no idempotency key). Bodies and answers are shaped by
//! `public::statuspage`; here they are sent and read.

use reqwest::{Method, RequestBuilder};

use super::http::{Http, ProviderError, Service, json};
use crate::public::statuspage as wire;
use crate::public::{ComponentConfig, ExternalUpdate, StatuspageConfig};

/// Statuspage, with its settings.
#[derive(Clone)]
pub struct Statuspage {
    http: Http,
    cfg: StatuspageConfig,
}

/// One external update as Statuspage gets it.
pub struct Update<'a> {
    pub update: &'a ExternalUpdate,
    /// The warroom incident (`INC-42`), kept in the page incident's metadata.
    pub reference: &'a str,
    /// The configured components, for their Statuspage IDs.
    pub components: &'a [ComponentConfig],
}

impl Statuspage {
    pub fn new(http: Http, cfg: StatuspageConfig) -> Statuspage {
        Statuspage { http, cfg }
    }

    /// A request to `…/pages/{page}/incidents{rest}`, with the key.
    fn request(&self, method: Method, rest: &str) -> RequestBuilder {
        let url = format!(
            "{}/pages/{}/incidents{rest}",
            self.cfg.api_url.trim_end_matches('/'),
            self.cfg.page_id
        );
        self.http
            .request(method, &url)
            .timeout(self.cfg.timeout.0)
            .header(
                "authorization",
                wire::authorization(self.cfg.api_key.expose()),
            )
    }

    async fn send(&self, req: RequestBuilder) -> Result<Vec<u8>, ProviderError> {
        self.http.send(Service::Statuspage, req).await
    }

    /// The unresolved page incident whose metadata names `reference`, if any.
    pub async fn find_unresolved(&self, reference: &str) -> Result<Option<String>, ProviderError> {
        let req = self.request(Method::GET, "/unresolved");
        Ok(wire::find_linked(&json(&self.send(req).await?), reference))
    }

    /// Creates the page's incident with `u`: its ID when Statuspage names it.
    pub async fn create(&self, u: &Update<'_>) -> Result<Option<String>, ProviderError> {
        let req = self.request(Method::POST, "").json(&self.body(u));
        Ok(wire::incident_id(&json(&self.send(req).await?)))
    }

    /// Adds `u` to the page's incident `id`.
    pub async fn patch(&self, id: &str, u: &Update<'_>) -> Result<(), ProviderError> {
        if !wire::is_safe_id(id) {
            return Err(ProviderError::Invalid(format!(
                "Statuspage incident id {id:?}"
            )));
        }
        let req = self
            .request(Method::PATCH, &format!("/{id}"))
            .json(&self.body(u));
        self.send(req).await.map(drop)
    }

    fn body(&self, u: &Update<'_>) -> serde_json::Value {
        wire::incident_body(
            u.update,
            u.reference,
            u.components,
            self.cfg.deliver_notifications,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::Limits;

    #[tokio::test]
    async fn an_id_unfit_for_a_path_is_not_sent() {
        let http = Http::new(&Limits::default(), None).unwrap();
        let sp = Statuspage::new(http, StatuspageConfig::default());
        let update = ExternalUpdate {
            id: 1,
            incident: 4,
            status: crate::public::PublicStatus::Investigating,
            title: "t".into(),
            body: "b".into(),
            components: vec![],
            posted_by: "U1".into(),
            posted_at: chrono::Utc::now(),
        };
        let u = Update {
            update: &update,
            reference: "INC-4",
            components: &[],
        };
        let got = sp.patch("../../pages", &u).await;
        assert!(matches!(got, Err(ProviderError::Invalid(_))), "{got:?}");
    }
}
