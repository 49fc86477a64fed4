//! The webhook bodies of Prometheus Alertmanager (payload version 4) and Grafana
//! Alerting (version 1, the same shape plus a few fields), read into one [`Group`].
//! Unknown keys are ignored; everything kept is bounded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{AlertError, Group, GroupAlert, Source, bounded_labels, clip};

/// At most this many alerts in one notification (Alertmanager sends the whole group).
pub const MAX_ALERTS: usize = 10_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    version: Option<String>,
    group_key: Option<String>,
    #[serde(default)]
    truncated_alerts: u64,
    status: Option<String>,
    #[serde(default)]
    group_labels: BTreeMap<String, String>,
    #[serde(default)]
    common_annotations: BTreeMap<String, String>,
    #[serde(rename = "externalURL", default)]
    external_url: String,
    #[serde(default)]
    org_id: Option<i64>,
    #[serde(default)]
    title: Option<String>,
    alerts: Option<Vec<Alert>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Alert {
    status: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    #[serde(rename = "generatorURL", default)]
    generator_url: String,
    #[serde(default)]
    fingerprint: String,
}

/// Reads an Alertmanager or Grafana webhook body. `expect` says which route it came
/// in on; a Grafana body on the Alertmanager route (or the reverse) is accepted, the
/// shapes are the same, but the source follows the body's `version`.
pub fn parse(raw: &[u8], expect: Source) -> Result<Group, AlertError> {
    let body: Body = serde_json::from_slice(raw).map_err(|e| AlertError::Json(e.to_string()))?;
    let source = match (body.version.as_deref(), body.org_id) {
        (Some("4"), _) => Source::Alertmanager,
        (Some("1"), _) | (_, Some(_)) => Source::Grafana,
        (Some(v), _) => {
            return Err(AlertError::Invalid(format!(
                "unknown payload version \"{}\"",
                clip(v, 20)
            )));
        }
        (None, _) => expect,
    };
    let key = body
        .group_key
        .filter(|k| !k.is_empty())
        .ok_or_else(|| AlertError::Invalid("groupKey is required".into()))?;
    let alerts = body
        .alerts
        .ok_or_else(|| AlertError::Invalid("alerts is required".into()))?;
    if alerts.len() > MAX_ALERTS {
        return Err(AlertError::Invalid(format!(
            "{} alerts in one notification (at most {MAX_ALERTS})",
            alerts.len()
        )));
    }
    match body.status.as_deref() {
        Some("firing" | "resolved") => {}
        _ => {
            return Err(AlertError::Invalid(
                "status must be \"firing\" or \"resolved\"".into(),
            ));
        }
    }
    let alerts = alerts
        .into_iter()
        .enumerate()
        .map(|(i, a)| alert(i, a))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Group {
        source,
        key,
        group_labels: bounded_labels("groupLabels", body.group_labels)?,
        common_annotations: bounded_labels("commonAnnotations", body.common_annotations)?,
        alerts,
        truncated: body.truncated_alerts,
        external_url: clip(&body.external_url, 2048),
        title: body.title.map(|t| clip(&t, 500)),
    })
}

fn alert(i: usize, a: Alert) -> Result<GroupAlert, AlertError> {
    let firing = match a.status.as_str() {
        "firing" => true,
        "resolved" => false,
        _ => {
            return Err(AlertError::Invalid(format!(
                "alerts[{i}].status must be \"firing\" or \"resolved\""
            )));
        }
    };
    let starts_at = a
        .starts_at
        .ok_or_else(|| AlertError::Invalid(format!("alerts[{i}].startsAt is required")))?;
    // A firing alert carries the zero time as its end: Alertmanager hides end times
    // that have not passed.
    let ends_at = a.ends_at.filter(|t| t.timestamp() > 0);
    let labels = bounded_labels(&format!("alerts[{i}].labels"), a.labels)?;
    let fingerprint = if a.fingerprint.is_empty() {
        super::label_hash(&labels)
    } else {
        clip(&a.fingerprint, 64)
    };
    Ok(GroupAlert {
        firing,
        labels,
        annotations: bounded_labels(&format!("alerts[{i}].annotations"), a.annotations)?,
        starts_at,
        ends_at,
        generator_url: clip(&a.generator_url, 2048),
        fingerprint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const SAMPLE: &str = r#"{"version": "4", "groupKey": "{}/{team=\"storage\"}:{alertname=\"VolumeAlmostFull\"}",
 "truncatedAlerts": 1, "status": "firing", "receiver": "warroom", "notification_reason": "some alerts resolved",
 "groupLabels": {"alertname": "VolumeAlmostFull"},
 "commonLabels": {"alertname": "VolumeAlmostFull", "team": "storage"}, "commonAnnotations": {},
 "externalURL": "http://am.internal:9093", "routeLabels": {"x": "y"},
 "alerts": [
  {"status": "firing", "labels": {"alertname": "VolumeAlmostFull", "team": "storage", "host": "pg-7"},
   "annotations": {"summary": "/var/lib/pg at 94%"}, "startsAt": "2026-03-02T10:14:05.2Z",
   "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom:9090/graph?g0.expr=...", "fingerprint": "3f9a0c51d2b7e844"},
  {"status": "resolved", "labels": {"alertname": "VolumeAlmostFull", "team": "storage", "host": "pg-9"},
   "annotations": {"summary": "/var/lib/pg at 91%"}, "startsAt": "2026-03-02T09:58:40Z",
   "endsAt": "2026-03-02T10:19:00Z", "generatorURL": "", "fingerprint": "b0d3e77a19c24f06"}]}"#;

    #[test]
    fn reads_an_alertmanager_body() {
        let g = parse(SAMPLE.as_bytes(), Source::Alertmanager).unwrap();
        assert_eq!(g.source, Source::Alertmanager);
        assert_eq!(g.alerts.len(), 2);
        assert!(g.alerts[0].firing && !g.alerts[1].firing);
        assert_eq!(g.alerts[0].ends_at, None, "the zero end time means none");
        assert!(g.alerts[1].ends_at.is_some());
        assert_eq!(g.truncated, 1);
        assert_eq!(g.alerts[0].fingerprint, "3f9a0c51d2b7e844");
    }

    #[test]
    fn tells_grafana_by_its_version() {
        let body = SAMPLE.replace(
            r#""version": "4""#,
            r#""version": "1", "orgId": 1, "title": "[FIRING:1] x""#,
        );
        let g = parse(body.as_bytes(), Source::Alertmanager).unwrap();
        assert_eq!(g.source, Source::Grafana);
        assert_eq!(g.title.as_deref(), Some("[FIRING:1] x"));
    }

    #[test]
    fn bad_bodies_say_why() {
        let cases = [
            ("not json", "JSON"),
            (
                r#"{"version":"4","status":"firing","alerts":[]}"#,
                "groupKey is required",
            ),
            (
                r#"{"version":"4","groupKey":"k","status":"firing"}"#,
                "alerts is required",
            ),
            (
                r#"{"version":"4","groupKey":"k","status":"odd","alerts":[]}"#,
                "status must be",
            ),
            (
                r#"{"version":"9","groupKey":"k","status":"firing","alerts":[]}"#,
                "unknown payload version",
            ),
            (
                r#"{"version":"4","groupKey":"k","status":"firing","alerts":[{"status":"firing"}]}"#,
                "alerts[0].startsAt is required",
            ),
        ];
        for (body, want) in cases {
            let e = parse(body.as_bytes(), Source::Alertmanager)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{body}: {e}");
        }
    }
}
