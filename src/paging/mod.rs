//! Paging people outside Slack. PagerDuty's Events API v2 first: an incident of a
//! paged severity triggers an alert under the incident's own dedup key
//! (`warroom/INC-42`), the commander's acknowledgement acknowledges it and the
//! resolution resolves it. What to send is decided here (pure); sending goes
//! through the jobs table (`app::paging`).

pub mod acks;
pub mod opsgenie;
pub mod page_to;
pub mod pagerduty;
pub mod targets;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::duration::Dur;
use crate::domain::secret::Secret;
use crate::domain::{Incident, Severity};

/// `[paging]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagingConfig {
    #[serde(default)]
    pub pagerduty: PagerDutyConfig,
    #[serde(default)]
    pub opsgenie: opsgenie::OpsgenieConfig,
    /// Teams that can be paged by name, and whose on-call joins their services'
    /// incidents.
    #[serde(default)]
    pub targets: Vec<targets::Target>,
    /// The target an escalation pages when the incident's services have none.
    #[serde(default)]
    pub escalation_target: String,
    /// How often a page nobody acknowledged yet is asked about (needs the REST API for
    /// PagerDuty).
    #[serde(default = "default_ack_poll")]
    pub ack_poll: Dur,
}

impl Default for PagingConfig {
    fn default() -> Self {
        PagingConfig {
            pagerduty: PagerDutyConfig::default(),
            opsgenie: opsgenie::OpsgenieConfig::default(),
            targets: vec![],
            escalation_target: String::new(),
            ack_poll: default_ack_poll(),
        }
    }
}

fn default_ack_poll() -> Dur {
    Dur(std::time::Duration::from_secs(30))
}

/// Who pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    PagerDuty,
    Opsgenie,
}

impl Provider {
    pub const ALL: [Provider; 2] = [Provider::PagerDuty, Provider::Opsgenie];

    pub fn name(self) -> &'static str {
        match self {
            Provider::PagerDuty => "PagerDuty",
            Provider::Opsgenie => "Opsgenie",
        }
    }

    /// Its job kind.
    pub fn job_kind(self) -> &'static str {
        match self {
            Provider::PagerDuty => "page.pagerduty",
            Provider::Opsgenie => "page.opsgenie",
        }
    }

    pub fn from_job_kind(kind: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.job_kind() == kind)
    }

    /// Its settings' key, for messages that say what to check.
    pub fn config_key(self) -> &'static str {
        match self {
            Provider::PagerDuty => "paging.pagerduty.routing_key",
            Provider::Opsgenie => "paging.opsgenie.api_key",
        }
    }
}

impl PagingConfig {
    /// True when `p` is configured at all.
    pub fn enabled(&self, p: Provider) -> bool {
        match p {
            Provider::PagerDuty => self.pagerduty.enabled(),
            Provider::Opsgenie => self.opsgenie.enabled(),
        }
    }

    /// True when declaring an incident of `sev` pages through `p`.
    pub fn pages(&self, p: Provider, sev: Severity) -> bool {
        match p {
            Provider::PagerDuty => self.pagerduty.pages(sev),
            Provider::Opsgenie => self.opsgenie.pages(sev),
        }
    }
}

/// `[paging.pagerduty]`: off until `routing_key` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagerDutyConfig {
    /// The Events API v2 integration key of the service to page.
    #[serde(default)]
    pub routing_key: Secret,
    #[serde(default = "default_events_url")]
    pub events_url: String,
    /// Severities that page when declared; unset: each severity's `page`.
    #[serde(default)]
    pub severities: Option<Vec<String>>,
    #[serde(default = "default_timeout")]
    pub timeout: Dur,
    /// A REST API key: who is on call, and pages to a person or a policy. Off when
    /// empty; env: WARROOM_PAGING__PAGERDUTY__API_TOKEN.
    #[serde(default)]
    pub api_token: Secret,
    #[serde(default = "default_api_url")]
    pub api_url: String,
    /// The email of a PagerDuty user: PagerDuty requires it (`From`) to create an
    /// incident through the REST API.
    #[serde(default)]
    pub from: String,
    /// The PagerDuty service that explicit pages open their incidents on.
    #[serde(default)]
    pub service_id: String,
}

impl Default for PagerDutyConfig {
    fn default() -> Self {
        PagerDutyConfig {
            routing_key: Secret::default(),
            events_url: default_events_url(),
            severities: None,
            timeout: default_timeout(),
            api_token: Secret::default(),
            api_url: default_api_url(),
            from: String::new(),
            service_id: String::new(),
        }
    }
}

fn default_api_url() -> String {
    "https://api.pagerduty.com".into()
}

fn default_events_url() -> String {
    "https://events.pagerduty.com/v2/enqueue".into()
}

pub(crate) fn default_timeout() -> Dur {
    Dur(std::time::Duration::from_secs(10))
}

impl PagerDutyConfig {
    pub fn enabled(&self) -> bool {
        self.routing_key.is_set()
    }

    /// True when declaring an incident of `sev` pages.
    pub fn pages(&self, sev: Severity) -> bool {
        self.enabled() && sev.chosen(self.severities.as_deref(), |l| l.page)
    }

    /// True when the REST API can be read (who is on call).
    pub fn rest_enabled(&self) -> bool {
        self.api_token.is_set()
    }

    /// True when pages to a policy or a person can be sent (REST incidents).
    pub fn can_page_directly(&self) -> bool {
        self.rest_enabled() && !self.from.is_empty() && !self.service_id.is_empty()
    }

    /// The REST URL of `path` (`/oncalls`).
    pub fn rest_url(&self, path: &str) -> String {
        format!("{}{path}", self.api_url.trim_end_matches('/'))
    }
}

/// What to tell PagerDuty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageAction {
    Trigger,
    Acknowledge,
    Resolve,
}

impl PageAction {
    pub fn key(self) -> &'static str {
        match self {
            PageAction::Trigger => "trigger",
            PageAction::Acknowledge => "acknowledge",
            PageAction::Resolve => "resolve",
        }
    }
}

/// The incident's dedup key: the same for its trigger, acknowledge and resolve.
pub fn dedup_key(inc: &Incident) -> String {
    format!("warroom/{}", inc.id)
}

/// PagerDuty's closed severity list (critical, error, warning, info), as the
/// severity's `pagerduty_severity` says.
pub fn pd_severity(sev: Severity) -> &'static str {
    &sev.level().pagerduty_severity
}

/// PagerDuty's bound on `payload.summary`.
pub const MAX_SUMMARY: usize = 1024;

/// The event body, without the routing key (added when sent, never stored).
pub fn event(action: PageAction, inc: &Incident, link: Option<&str>) -> Value {
    let mut body = json!({
        "event_action": action.key(),
        "dedup_key": dedup_key(inc),
    });
    if action == PageAction::Trigger {
        let summary: String = format!("{} {}: {}", inc.id, inc.severity, inc.title.plain())
            .chars()
            .take(MAX_SUMMARY)
            .collect();
        body["payload"] = json!({
            "summary": summary,
            "source": "warroom",
            "severity": pd_severity(inc.severity),
            "timestamp": inc.declared_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "component": inc.services.first().cloned().unwrap_or_default(),
            "custom_details": {"incident": inc.id.to_string(), "severity": inc.severity.to_string()},
        });
        body["client"] = json!("warroom");
        if let Some(url) = link {
            body["client_url"] = json!(url);
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_map_onto_pagerdutys_list() {
        assert_eq!(pd_severity(crate::domain::severity::sev(1)), "critical");
        assert_eq!(pd_severity(crate::domain::severity::sev(4)), "info");
        let cfg = PagerDutyConfig::default();
        assert!(
            !cfg.pages(crate::domain::severity::sev(1)),
            "off without a key"
        );
        let on = PagerDutyConfig {
            routing_key: Secret::new("k"),
            ..PagerDutyConfig::default()
        };
        assert!(
            on.pages(crate::domain::severity::sev(2)) && !on.pages(crate::domain::severity::sev(3))
        );
    }
}
