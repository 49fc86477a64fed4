//! The `[alerts]` settings: each sender's secret, where alert warnings go, and the
//! routes that send some of them elsewhere by label matchers.

use std::collections::BTreeMap;

use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::Matchers;
use crate::domain::secret::Secret;

/// `[alerts]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Where alert warnings go unless a route says otherwise (default: the
    /// announcements channel).
    #[serde(default)]
    pub channel: String,
    /// Who they mention unless a route says otherwise.
    #[serde(default)]
    pub mention: Vec<String>,
    /// The largest body accepted, in bytes.
    #[serde(default = "default_max_body")]
    pub max_body: usize,
    #[serde(default)]
    pub alertmanager: SenderAuth,
    #[serde(default)]
    pub grafana: GrafanaAuth,
    #[serde(default, rename = "events_v2")]
    pub events_v2: EventsAuth,
    /// First match wins.
    #[serde(default)]
    pub routes: Vec<Route>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            channel: String::new(),
            mention: vec![],
            max_body: default_max_body(),
            alertmanager: SenderAuth::default(),
            grafana: GrafanaAuth::default(),
            events_v2: EventsAuth::default(),
            routes: vec![],
        }
    }
}

fn default_max_body() -> usize {
    8 * 1024 * 1024
}

/// The upper bound `max_body` may be set to.
pub const MAX_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// A bearer token (or the basic-auth password).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderAuth {
    #[serde(default)]
    pub token: Secret,
}

/// Grafana: a token like Alertmanager's, and optionally the HMAC secret of its
/// signature header.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrafanaAuth {
    #[serde(default)]
    pub token: Secret,
    #[serde(default)]
    pub hmac_secret: Secret,
    /// The header carrying Unix seconds, when Grafana is set to sign them too.
    #[serde(default)]
    pub timestamp_header: String,
}

/// Events v2: the routing keys warroom accepts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsAuth {
    #[serde(default)]
    pub routing_keys: Vec<Secret>,
}

impl EventsAuth {
    pub fn accepts(&self, key: &str) -> bool {
        self.routing_keys
            .iter()
            .filter(|k| k.is_set())
            .any(|k| bool::from(k.expose().as_bytes().ct_eq(key.as_bytes())))
    }
}

/// `[[alerts.routes]]`: alerts whose labels match go to `channel`, mentioning
/// `mention`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    #[serde(rename = "match")]
    pub matchers: Matchers,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub mention: Vec<String>,
}

/// Where one alert warning goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub channel: String,
    pub mention: Vec<String>,
}

impl AlertsConfig {
    /// True when any sender can get in.
    pub fn enabled(&self) -> bool {
        self.alertmanager.token.is_set()
            || self.grafana.token.is_set()
            || self.grafana.hmac_secret.is_set()
            || self.events_v2.routing_keys.iter().any(Secret::is_set)
    }

    /// The first matching route's destination, else the default one (`fallback` when
    /// `alerts.channel` is empty).
    pub fn route(&self, labels: &BTreeMap<String, String>, fallback: &str) -> Destination {
        let default_channel = if self.channel.is_empty() {
            fallback.to_string()
        } else {
            self.channel.clone()
        };
        match self.routes.iter().find(|r| r.matchers.matches(labels)) {
            Some(r) => Destination {
                channel: if r.channel.is_empty() {
                    default_channel
                } else {
                    r.channel.clone()
                },
                mention: r.mention.clone(),
            },
            None => Destination {
                channel: default_channel,
                mention: self.mention.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_matching_route_wins_else_default() {
        let cfg: AlertsConfig = toml_like(
            r#"{"channel":"CALERTS","mention":["UONCALL"],"routes":[
                {"match":"team=\"db\"","channel":"CDB","mention":["UDBA"]},
                {"match":"severity=\"critical\"","mention":["UIC"]}]}"#,
        );
        let l = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            cfg.route(&l(&[("team", "db"), ("severity", "critical")]), "CANN"),
            Destination {
                channel: "CDB".into(),
                mention: vec!["UDBA".into()]
            }
        );
        assert_eq!(
            cfg.route(&l(&[("severity", "critical")]), "CANN").channel,
            "CALERTS",
            "a route without a channel keeps the default"
        );
        assert_eq!(
            cfg.route(&l(&[]), "CANN"),
            Destination {
                channel: "CALERTS".into(),
                mention: vec!["UONCALL".into()]
            }
        );
        let bare = AlertsConfig::default();
        assert_eq!(bare.route(&l(&[]), "CANN").channel, "CANN");
        assert!(!bare.enabled());
    }

    #[test]
    fn routing_keys_compare_exactly() {
        let e = EventsAuth {
            routing_keys: vec![Secret::new(""), Secret::new("abc")],
        };
        assert!(e.accepts("abc"));
        assert!(!e.accepts("ab") && !e.accepts(""));
    }

    fn toml_like(json: &str) -> AlertsConfig {
        serde_json::from_str(json).unwrap()
    }
}
