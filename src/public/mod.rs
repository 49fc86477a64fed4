//! Telling customers: external updates published by the Communications Lead (or the
//! IC), warroom's own public status page built from them (HTML, Atom, and JSON in
//! Atlassian Statuspage's public shapes), and publishing to Statuspage itself.
//! Only what was published as an external update is public: internal notes, private
//! incidents and the incident's own title never reach these pages unless published.
//!
//! This module holds the settings and the public model every part shares, and the
//! page's pure rendering from a `StatusView` (no database, no HTTP):
//! - `derive`: current component states, the overall indicator, 90 days of history.
//! - `html`: the `/status` page and one page per incident (no JavaScript).
//! - `atom`: the incidents as an Atom feed.
//! - `json`: `summary.json` and `status.json` in Statuspage's public shapes.

pub mod atom;
pub mod derive;
#[cfg(test)]
mod fixture;
pub mod html;
pub mod json;
pub mod model;
pub mod statuspage;

use std::net::SocketAddr;

use serde::Deserialize;

use crate::domain::duration::Dur;
pub use crate::domain::public::{
    ComponentState, ExternalUpdate, Impact, PublicIncident, PublicStatus,
};
use crate::domain::secret::Secret;
pub use model::StatusView;

/// `[status]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusConfig {
    /// The page's title ("Acme status").
    #[serde(default = "default_name")]
    pub page_name: String,
    /// Serve the public page on a listener of its own instead of under `/status` on
    /// the main one.
    #[serde(default)]
    pub listen: Option<SocketAddr>,
    /// The public page's absolute URL, for links in the feed and the JSON
    /// (default: `http.public_url` + `/status`).
    #[serde(default)]
    pub public_url: String,
    #[serde(default)]
    pub components: Vec<ComponentConfig>,
    /// Severities whose table row asks for status page updates: their Comms Lead is
    /// reminded to publish.
    /// Unset: each severity's `status_page`.
    #[serde(default)]
    pub severities: Option<Vec<String>>,
    /// The first external update is due this long after declaring…
    #[serde(default = "default_first")]
    pub first_after: Dur,
    /// …and the next ones this long after the last.
    #[serde(default = "default_every")]
    pub every: Dur,
    #[serde(default)]
    pub statuspage: StatuspageConfig,
}

impl Default for StatusConfig {
    fn default() -> Self {
        StatusConfig {
            page_name: default_name(),
            listen: None,
            public_url: String::new(),
            components: vec![],
            severities: None,
            first_after: default_first(),
            every: default_every(),
            statuspage: StatuspageConfig::default(),
        }
    }
}

fn default_name() -> String {
    "Service status".into()
}

fn default_first() -> Dur {
    Dur(std::time::Duration::from_secs(15 * 60))
}

fn default_every() -> Dur {
    Dur(std::time::Duration::from_secs(30 * 60))
}

/// `[[status.components]]`: a part of the product customers know by name.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ComponentConfig {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The warroom services that map to it: an incident on one affects it.
    #[serde(default)]
    pub services: Vec<String>,
    /// Its ID on Statuspage, when publishing there.
    #[serde(default)]
    pub statuspage_id: String,
}

/// `[status.statuspage]`: off until `api_key` and `page_id` are set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatuspageConfig {
    /// env: WARROOM_STATUS__STATUSPAGE__API_KEY.
    #[serde(default)]
    pub api_key: Secret,
    #[serde(default)]
    pub page_id: String,
    #[serde(default = "default_statuspage_url")]
    pub api_url: String,
    /// Whether Statuspage notifies the page's subscribers of each update.
    #[serde(default = "yes")]
    pub deliver_notifications: bool,
    #[serde(default = "default_timeout")]
    pub timeout: Dur,
}

impl Default for StatuspageConfig {
    fn default() -> Self {
        StatuspageConfig {
            api_key: Secret::default(),
            page_id: String::new(),
            api_url: default_statuspage_url(),
            deliver_notifications: true,
            timeout: default_timeout(),
        }
    }
}

impl StatuspageConfig {
    pub fn enabled(&self) -> bool {
        self.api_key.is_set() && !self.page_id.is_empty()
    }
}

fn default_statuspage_url() -> String {
    "https://api.statuspage.io/v1".into()
}

fn yes() -> bool {
    true
}

fn default_timeout() -> Dur {
    Dur(std::time::Duration::from_secs(10))
}
