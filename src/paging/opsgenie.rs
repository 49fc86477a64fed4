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
    /// Severities that page when declared; unset: each severity's `page`.
    #[serde(default)]
    pub severities: Option<Vec<String>>,
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
            severities: None,
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
        self.enabled() && sev.chosen(self.severities.as_deref(), |l| l.page)
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

    /// The body of `action` on `inc`'s alert (created, or acknowledged or closed by
    /// its alias, see [`verb`]).
    pub fn body(&self, action: PageAction, inc: &Incident, link: Option<&str>) -> Value {
        match verb(action) {
            None => {
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
                json!({
                    "message": message,
                    "alias": alias(inc),
                    "description": description,
                    "priority": priority(inc.severity),
                    "tags": ["warroom", inc.severity.key()],
                    "source": "warroom",
                    "details": {"incident": inc.id.to_string()},
                    "responders": responders,
                })
            }
            Some(verb) => {
                json!({"source": "warroom", "note": format!("{} {verb}d in warroom", inc.id)})
            }
        }
    }
}

/// The alert action that answers `action` (`/v2/alerts/{alias}/{verb}`); None: a
/// trigger creates the alert.
pub fn verb(action: PageAction) -> Option<&'static str> {
    match action {
        PageAction::Trigger => None,
        PageAction::Acknowledge => Some("acknowledge"),
        PageAction::Resolve => Some("close"),
    }
}

/// The note that closes a page's alert when `inc` resolves.
pub fn close_body(inc: &Incident) -> Value {
    json!({"source": "warroom", "note": format!("{} resolved in warroom", inc.id)})
}

/// Whom an alert notifies: a team by name, or a user by username (their email).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Responder {
    Team(String),
    User(String),
}

impl Responder {
    /// As Opsgenie's `responders` list takes it.
    pub fn to_json(&self) -> Value {
        match self {
            Responder::Team(name) => json!({"type": "team", "name": name}),
            Responder::User(email) => json!({"type": "user", "username": email}),
        }
    }
}

/// The incident's alias: one open Opsgenie alert per incident.
pub fn alias(inc: &Incident) -> String {
    format!("warroom-{}", inc.id)
}

/// Opsgenie's P1..P5, as the severity's `opsgenie_priority` says.
pub fn priority(sev: Severity) -> &'static str {
    &sev.level().opsgenie_priority
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IncidentId;

    #[test]
    fn a_trigger_creates_and_the_rest_follow_the_alias() {
        let inc = Incident::new(
            IncidentId(4),
            "DB down".into(),
            crate::domain::severity::sev(2),
            "U1".into(),
            chrono::Utc::now(),
        );
        let cfg = OpsgenieConfig {
            teams: vec!["dba".into()],
            ..OpsgenieConfig::default()
        };
        let b = cfg.body(PageAction::Trigger, &inc, Some("https://w/INC-4"));
        assert_eq!(b["alias"], "warroom-INC-4");
        assert_eq!(b["priority"], "P2");
        assert_eq!(b["responders"][0]["name"], "dba");
        assert!(
            b["description"]
                .as_str()
                .unwrap()
                .ends_with("https://w/INC-4")
        );
        assert_eq!(verb(PageAction::Trigger), None);
        assert_eq!(verb(PageAction::Resolve), Some("close"));
        let b = cfg.body(PageAction::Resolve, &inc, None);
        assert_eq!(b["note"], "INC-4 closed in warroom");
        assert_eq!(close_body(&inc)["note"], "INC-4 resolved in warroom");
        assert_eq!(
            Responder::User("ana@example.com".into()).to_json(),
            json!({"type": "user", "username": "ana@example.com"})
        );
    }
}
