//! The PagerDuty Events API v2 shape (`trigger`, `acknowledge`, `resolve` with a
//! `dedup_key`), validated as PagerDuty validates it, so anything that can page
//! PagerDuty can send its events to warroom instead.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{AlertError, Group, GroupAlert, Source, clip};

/// PagerDuty's own bounds.
pub const MAX_SUMMARY: usize = 1024;
pub const MAX_DEDUP_KEY: usize = 255;

#[derive(Debug, Deserialize)]
struct Event {
    routing_key: Option<String>,
    event_action: Option<String>,
    dedup_key: Option<String>,
    payload: Option<Payload>,
    #[serde(default)]
    client: Option<String>,
    #[serde(default)]
    client_url: Option<String>,
    #[serde(default)]
    links: Vec<Link>,
}

#[derive(Debug, Deserialize)]
struct Payload {
    summary: Option<String>,
    source: Option<String>,
    severity: Option<String>,
    timestamp: Option<DateTime<Utc>>,
    component: Option<String>,
    group: Option<String>,
    class: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Link {
    href: Option<String>,
}

/// What the sender asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Trigger,
    Acknowledge,
    Resolve,
}

/// A valid event: its routing key (checked by the caller against the configured
/// ones), what to do, and for a trigger the alert itself.
#[derive(Debug, Clone)]
pub struct Received {
    pub routing_key: String,
    pub action: Action,
    pub dedup_key: String,
    /// Set for a trigger.
    pub group: Option<Group>,
}

/// Reads an event. `new_key` supplies the dedup key of a trigger that has none (the
/// reply carries it back, as PagerDuty's does).
pub fn parse(
    raw: &[u8],
    now: DateTime<Utc>,
    new_key: impl FnOnce() -> String,
) -> Result<Received, AlertError> {
    let e: Event = serde_json::from_slice(raw).map_err(|e| AlertError::Json(e.to_string()))?;
    let mut errors = Vec::new();
    let routing_key = e.routing_key.filter(|k| !k.is_empty());
    if routing_key.is_none() {
        errors.push("'routing_key' is missing or blank".to_string());
    }
    let action = match e.event_action.as_deref() {
        Some("trigger") => Some(Action::Trigger),
        Some("acknowledge") => Some(Action::Acknowledge),
        Some("resolve") => Some(Action::Resolve),
        _ => {
            errors.push("'event_action' must be one of trigger, acknowledge, resolve".into());
            None
        }
    };
    let dedup_key = e.dedup_key.filter(|k| !k.is_empty());
    if dedup_key
        .as_ref()
        .is_some_and(|k| k.chars().count() > MAX_DEDUP_KEY)
    {
        errors.push(format!(
            "'dedup_key' is longer than {MAX_DEDUP_KEY} characters"
        ));
    }
    if matches!(action, Some(Action::Acknowledge | Action::Resolve)) && dedup_key.is_none() {
        errors.push("'dedup_key' is required to acknowledge or resolve".into());
    }
    let trigger = if action == Some(Action::Trigger) {
        check_trigger(e.payload.as_ref(), &mut errors)
    } else {
        None
    };
    for (i, l) in e.links.iter().enumerate() {
        if l.href.as_deref().is_none_or(str::is_empty) {
            errors.push(format!("'links[{i}].href' is required"));
        }
    }
    if !errors.is_empty() {
        return Err(AlertError::Events(errors));
    }
    let (Some(routing_key), Some(action)) = (routing_key, action) else {
        return Err(AlertError::Invalid("incomplete event".into()));
    };
    let dedup_key = dedup_key.unwrap_or_else(new_key);
    let group = match (trigger, e.payload) {
        (Some(level), Some(p)) => Some(group(&dedup_key, level, p, e.client, e.client_url, now)),
        _ => None,
    };
    Ok(Received {
        routing_key,
        action,
        dedup_key,
        group,
    })
}

/// The trigger's required fields; returns its severity.
fn check_trigger(p: Option<&Payload>, errors: &mut Vec<String>) -> Option<String> {
    let Some(p) = p else {
        errors.push("'payload' is required to trigger".into());
        return None;
    };
    if p.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
        errors.push("'payload.summary' is missing or blank".into());
    }
    if p.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
        errors.push("'payload.source' is missing or blank".into());
    }
    match p.severity.as_deref() {
        Some(s @ ("critical" | "error" | "warning" | "info")) => Some(s.to_string()),
        _ => {
            errors.push("'payload.severity' must be one of critical, error, warning, info".into());
            None
        }
    }
}

fn group(
    dedup_key: &str,
    severity: String,
    p: Payload,
    client: Option<String>,
    client_url: Option<String>,
    now: DateTime<Utc>,
) -> Group {
    let mut labels = BTreeMap::new();
    labels.insert("severity".to_string(), severity);
    for (k, v) in [
        ("source", &p.source),
        ("component", &p.component),
        ("group", &p.group),
        ("class", &p.class),
        ("client", &client),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            labels.insert(k.to_string(), clip(v, 256));
        }
    }
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "summary".to_string(),
        clip(p.summary.as_deref().unwrap_or_default(), MAX_SUMMARY),
    );
    Group {
        source: Source::EventsV2,
        key: dedup_key.to_string(),
        group_labels: BTreeMap::new(),
        common_annotations: annotations.clone(),
        alerts: vec![GroupAlert {
            firing: true,
            fingerprint: super::label_hash(&labels),
            labels,
            annotations,
            starts_at: p.timestamp.unwrap_or(now),
            ends_at: None,
            generator_url: clip(client_url.as_deref().unwrap_or_default(), 2048),
        }],
        truncated: 0,
        external_url: String::new(),
        title: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
    }

    #[test]
    fn a_trigger_becomes_one_firing_alert() {
        let body = r#"{"routing_key":"0123456789abcdef0123456789abcdef","event_action":"trigger",
          "dedup_key":"disk/pg-7","payload":{"summary":"Disk full on pg-7","source":"pg-7",
          "severity":"critical","component":"postgres","custom_details":{"x":1}},"client":"nagios"}"#;
        let r = parse(body.as_bytes(), now(), || "new".into()).unwrap();
        assert_eq!(r.action, Action::Trigger);
        assert_eq!(r.dedup_key, "disk/pg-7");
        let g = r.group.unwrap();
        assert_eq!(g.alerts[0].labels["severity"], "critical");
        assert_eq!(g.alerts[0].labels["component"], "postgres");
        assert_eq!(g.alerts[0].annotations["summary"], "Disk full on pg-7");
        assert_eq!(g.alerts[0].starts_at, now());
    }

    #[test]
    fn a_trigger_without_key_gets_one() {
        let body = r#"{"routing_key":"k","event_action":"trigger",
          "payload":{"summary":"s","source":"h","severity":"info"}}"#;
        let r = parse(body.as_bytes(), now(), || "generated".into()).unwrap();
        assert_eq!(r.dedup_key, "generated");
    }

    #[test]
    fn invalid_events_list_every_error() {
        let body = r#"{"event_action":"trigger","payload":{"summary":"","severity":"sev1"}}"#;
        let AlertError::Events(errs) = parse(body.as_bytes(), now(), String::new).unwrap_err()
        else {
            panic!("expected an events error");
        };
        assert_eq!(errs.len(), 4, "{errs:?}");
        let body = r#"{"routing_key":"k","event_action":"resolve"}"#;
        assert!(parse(body.as_bytes(), now(), String::new).is_err());
        let body = r#"{"routing_key":"k","event_action":"ack","dedup_key":"x"}"#;
        assert!(parse(body.as_bytes(), now(), String::new).is_err());
        let long = "x".repeat(256);
        let body =
            format!(r#"{{"routing_key":"k","event_action":"resolve","dedup_key":"{long}"}}"#);
        assert!(parse(body.as_bytes(), now(), String::new).is_err());
    }

    #[test]
    fn acknowledge_and_resolve_need_only_the_key() {
        let body = r#"{"routing_key":"k","event_action":"acknowledge","dedup_key":"d"}"#;
        let r = parse(body.as_bytes(), now(), String::new).unwrap();
        assert_eq!((r.action, r.group.is_none()), (Action::Acknowledge, true));
    }
}
