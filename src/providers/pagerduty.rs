//! PagerDuty over the one client: the Events API v2 (trigger, acknowledge, resolve
//! under the incident's dedup key; the routing key goes into the body when sent,
//! never stored) and the REST API v2 (`Authorization: Token token=…`, the versioned
//! `Accept`): who is on call, a user by email, incidents created, found by key,
//! resolved and read back for their acknowledgement. Bodies and answers are shaped
//! by `paging::{pagerduty, acks}`; here they are sent and read.

use chrono::{DateTime, Utc};
use reqwest::{Method, RequestBuilder};
use serde_json::json;

use super::http::{Http, ProviderError, Service, json};
use crate::domain::Incident;
use crate::paging::acks::{self, Seen};
use crate::paging::pagerduty::{self as wire, Assignee, OnCall};
use crate::paging::targets::{Target, is_pagerduty_id};
use crate::paging::{self, PageAction, PagerDutyConfig};

/// PagerDuty, with its settings.
#[derive(Clone)]
pub struct PagerDuty {
    http: Http,
    cfg: PagerDutyConfig,
}

impl PagerDuty {
    pub fn new(http: Http, cfg: PagerDutyConfig) -> PagerDuty {
        PagerDuty { http, cfg }
    }

    /// Events API v2: `action` on `inc`'s alert.
    pub async fn event(
        &self,
        action: PageAction,
        inc: &Incident,
        link: Option<&str>,
    ) -> Result<(), ProviderError> {
        let mut body = paging::event(action, inc, link);
        body["routing_key"] = json!(self.cfg.routing_key.expose());
        let req = self
            .http
            .request(Method::POST, &self.cfg.events_url)
            .timeout(self.cfg.timeout.0)
            .json(&body);
        self.send(req).await.map(drop)
    }

    /// A REST request with the headers PagerDuty requires.
    fn rest(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, &self.cfg.rest_url(path))
            .timeout(self.cfg.timeout.0)
            .header(
                "authorization",
                wire::authorization(self.cfg.api_token.expose()),
            )
            .header("accept", wire::ACCEPT)
            .header("content-type", "application/json")
    }

    async fn send(&self, req: RequestBuilder) -> Result<Vec<u8>, ProviderError> {
        self.http.send(Service::PagerDuty, req).await
    }

    /// Who answers first for `target` (its schedule, else its escalation policy):
    /// every `/oncalls` page, the lowest level, each person once.
    pub async fn oncalls(&self, target: &Target) -> Result<Vec<OnCall>, ProviderError> {
        let mut all = Vec::new();
        let mut offset = 0;
        for _ in 0..wire::MAX_PAGES {
            let req = self
                .rest(Method::GET, "/oncalls")
                .query(&wire::oncalls_query(target, offset));
            let v = json(&self.send(req).await?);
            let (mut some, more) = wire::parse_oncalls(&v)
                .map_err(|e| ProviderError::retry(format!("PagerDuty /oncalls: {e}")))?;
            // The next page starts after what this one held (PagerDuty may page
            // below the limit asked for).
            let step = v["limit"].as_u64().map_or(some.len(), |l| l as usize);
            offset += step.max(1);
            all.append(&mut some);
            if !more {
                break;
            }
        }
        Ok(wire::first_responders(all))
    }

    /// The ID of the user whose email is exactly `email`, if PagerDuty has one.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<String>, ProviderError> {
        let req = self.rest(Method::GET, "/users").query(&[("query", email)]);
        let v = json(&self.send(req).await?);
        Ok(wire::user_with_email(&v, email))
    }

    /// A REST incident about `inc` for `to`, opened under `key` (one per page): its
    /// ID when PagerDuty names it. A key already used means an earlier attempt got
    /// through before its answer was lost: that incident is found and named instead.
    pub async fn create_incident(
        &self,
        inc: &Incident,
        to: &Assignee,
        key: &str,
        message: &str,
        link: Option<&str>,
    ) -> Result<Option<String>, ProviderError> {
        let body = wire::incident_body(inc, &self.cfg.service_id, to, key, message, link);
        let req = self
            .rest(Method::POST, "/incidents")
            .header("from", &self.cfg.from)
            .json(&body);
        match self.send(req).await {
            Ok(answer) => Ok(wire::parse_created(&json(&answer)).map(|(id, _)| id)),
            Err(ProviderError::Refused { status, text })
                if wire::is_duplicate_key(status, &text) =>
            {
                self.find_incident_by_key(key).await
            }
            Err(e) => Err(e),
        }
    }

    /// The incident opened under `key`, if PagerDuty lists it (a refusal: none).
    pub async fn find_incident_by_key(&self, key: &str) -> Result<Option<String>, ProviderError> {
        let req = self
            .rest(Method::GET, "/incidents")
            .query(&[("incident_key", key)]);
        match self.send(req).await {
            Ok(answer) => Ok(wire::first_listed(&json(&answer))),
            Err(ProviderError::Refused { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Resolves the REST incident `id`.
    pub async fn resolve_incident(&self, id: &str) -> Result<(), ProviderError> {
        let path = format!("/incidents/{}", checked(id)?);
        let req = self
            .rest(Method::PUT, &path)
            .header("from", &self.cfg.from)
            .json(&wire::resolve_body());
        self.send(req).await.map(drop)
    }

    /// Whether the incident an Events trigger opened under `key` was acknowledged.
    pub async fn seen_by_key(&self, key: &str, now: DateTime<Utc>) -> Result<Seen, ProviderError> {
        let req = self.rest(Method::GET, "/incidents").query(&[
            ("incident_key", key),
            ("statuses[]", "triggered"),
            ("statuses[]", "acknowledged"),
            ("statuses[]", "resolved"),
        ]);
        Ok(acks::pagerduty_seen(&json(&self.send(req).await?), now))
    }

    /// Whether the REST incident `id` was acknowledged.
    pub async fn seen_by_id(&self, id: &str, now: DateTime<Utc>) -> Result<Seen, ProviderError> {
        let path = format!("/incidents/{}", checked(id)?);
        let req = self.rest(Method::GET, &path);
        Ok(acks::pagerduty_seen(&json(&self.send(req).await?), now))
    }
}

/// `id` when it has a PagerDuty ID's shape, fit for a URL path.
fn checked(id: &str) -> Result<&str, ProviderError> {
    if is_pagerduty_id(id) {
        Ok(id)
    } else {
        Err(ProviderError::Invalid(format!(
            "PagerDuty incident id {id:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_id_shaped_ids_go_into_paths() {
        assert_eq!(checked("Q1ABC"), Ok("Q1ABC"));
        assert!(matches!(
            checked("../users"),
            Err(ProviderError::Invalid(_))
        ));
        assert!(matches!(checked(""), Err(ProviderError::Invalid(_))));
    }
}
