//! Opsgenie's Alert API: create an alert under the incident's alias
//! (`warroom-INC-42`), acknowledge and close it by alias. US and EU hosts; the key is
//! an API integration's, sent as `Authorization: GenieKey <key>`. (Atlassian ends
//! Opsgenie's REST API on 2027-04-05; this stays behind the same jobs as PagerDuty.)

use serde::Deserialize;
use serde_json::{Value, json};

use super::PageAction;
use crate::domain::duration::Dur;
use crate::domain::secret::Secret;
use crate::domain::{Incident, Severity};

/// `[paging.opsgenie]`: off until `api_key` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsgenieConfig {
    #[serde(default)]
    pub api_key: Secret,
    /// `us` or `eu` (the wrong one fails), unless `api_url` is set.
    #[serde(default = "default_region")]
    pub region: Region,
    /// Overrides the region's host (a proxy, a test).
    #[serde(default)]
    pub api_url: String,
    /// Severities that page when declared.
    #[serde(default = "super::default_severities")]
    pub severities: Vec<Severity>,
    /// Teams to notify, by name (the integration's own team when empty).
    #[serde(default)]
    pub teams: Vec<String>,
    #[serde(default = "super::default_timeout")]
    pub timeout: Dur,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    Us,
    Eu,
}

fn default_region() -> Region {
    Region::Us
}

impl Default for OpsgenieConfig {
    fn default() -> Self {
        OpsgenieConfig {
            api_key: Secret::default(),
            region: Region::Us,
            api_url: String::new(),
            severities: super::default_severities(),
            teams: vec![],
            timeout: super::default_timeout(),
        }
    }
}

/// Opsgenie's bound on `message`.
pub const MAX_MESSAGE: usize = 130;

impl OpsgenieConfig {
    pub fn enabled(&self) -> bool {
        self.api_key.is_set()
    }

    pub fn pages(&self, sev: Severity) -> bool {
        self.enabled() && self.severities.contains(&sev)
    }

    pub fn base(&self) -> String {
        if !self.api_url.is_empty() {
            return self.api_url.trim_end_matches('/').to_string();
        }
        match self.region {
            Region::Us => "https://api.opsgenie.com".into(),
            Region::Eu => "https://api.eu.opsgenie.com".into(),
        }
    }

    /// The URL and body of `action` on `inc`.
    pub fn request(
        &self,
        action: PageAction,
        inc: &Incident,
        link: Option<&str>,
    ) -> (String, Value) {
        let alias = alias(inc);
        let base = self.base();
        match action {
            PageAction::Trigger => {
                let message: String = format!("{} {}: {}", inc.id, inc.severity, inc.title.plain())
                    .chars()
                    .take(MAX_MESSAGE)
                    .collect();
                let mut description = inc.title.plain();
                if let Some(url) = link {
                    description.push_str(&format!("\n{url}"));
                }
                let responders: Vec<Value> = self
                    .teams
                    .iter()
                    .map(|t| json!({"type": "team", "name": t}))
                    .collect();
                let body = json!({
                    "message": message,
                    "alias": alias,
                    "description": description,
                    "priority": priority(inc.severity),
                    "tags": ["warroom", inc.severity.key()],
                    "source": "warroom",
                    "details": {"incident": inc.id.to_string()},
                    "responders": responders,
                });
                (format!("{base}/v2/alerts"), body)
            }
            PageAction::Acknowledge | PageAction::Resolve => {
                let verb = if action == PageAction::Acknowledge {
                    "acknowledge"
                } else {
                    "close"
                };
                let url = format!("{base}/v2/alerts/{alias}/{verb}?identifierType=alias");
                (
                    url,
                    json!({"source": "warroom", "note": format!("{} {verb}d in warroom", inc.id)}),
                )
            }
        }
    }
}

/// The incident's alias: one open Opsgenie alert per incident.
pub fn alias(inc: &Incident) -> String {
    format!("warroom-{}", inc.id)
}

/// Opsgenie's P1..P5, from our SEV1..SEV4.
pub fn priority(sev: Severity) -> &'static str {
    match sev {
        Severity::Sev1 => "P1",
        Severity::Sev2 => "P2",
        Severity::Sev3 => "P3",
        Severity::Sev4 => "P4",
    }
}
