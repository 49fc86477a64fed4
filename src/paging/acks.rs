//! Reading acknowledgements back: a page someone acknowledged on their phone is
//! worth a line on the timeline ("who, when") and, when nobody had acknowledged the
//! incident in warroom yet, its acknowledgement time (the postmortem's time to
//! acknowledge). A watch polls the page: PagerDuty's incident (by the Events dedup
//! key, or by ID for a REST incident) or Opsgenie's alert (by alias), until it is
//! acknowledged, closed, or the watch runs out. What to ask and how to read the
//! answers is here (pure); `app::page_acks` runs the watches as jobs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How long a page is watched for an acknowledgement.
pub const WATCH_FOR: chrono::Duration = chrono::Duration::hours(6);

/// What a watch polls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Watched {
    /// The incident an Events v2 trigger opened, by its dedup key.
    PagerDutyKey(String),
    /// A REST-created incident, by ID.
    PagerDutyIncident(String),
    /// An Opsgenie alert, by alias.
    OpsgenieAlias(String),
}

impl Watched {
    pub fn provider(&self) -> &'static str {
        match self {
            Watched::PagerDutyKey(_) | Watched::PagerDutyIncident(_) => "PagerDuty",
            Watched::OpsgenieAlias(_) => "Opsgenie",
        }
    }
}

/// One watch: its job's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    pub incident: i64,
    pub watched: Watched,
    /// Whom the page was for (`database`, a mention); None for the incident's own page.
    #[serde(default)]
    pub to: Option<String>,
    /// When the page was accepted, ms.
    pub paged_at: i64,
    /// When to stop, ms.
    pub until: i64,
}

/// An acknowledgement read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub at: DateTime<Utc>,
    pub by: String,
}

/// What a poll saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Acknowledged(Ack),
    /// Resolved or closed without an acknowledgement: nothing more to watch.
    Closed,
    Pending,
}

/// Reads a PagerDuty incident (`{"incident": …}` or the first of `{"incidents": […]}`).
pub fn pagerduty_seen(v: &Value, now: DateTime<Utc>) -> Seen {
    let inc = match v.get("incidents") {
        Some(list) => match list.as_array().and_then(|l| l.first()) {
            Some(i) => i,
            None => return Seen::Pending,
        },
        None => &v["incident"],
    };
    let first = inc["acknowledgements"]
        .as_array()
        .and_then(|a| a.first())
        .cloned();
    match (first, inc["status"].as_str()) {
        (Some(a), _) => Seen::Acknowledged(Ack {
            at: a["at"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map_or(now, |t| t.with_timezone(&Utc)),
            by: a["acknowledger"]["summary"]
                .as_str()
                .unwrap_or("someone")
                .to_string(),
        }),
        (None, Some("acknowledged")) => Seen::Acknowledged(Ack {
            at: now,
            by: "someone".into(),
        }),
        (None, Some("resolved")) => Seen::Closed,
        _ => Seen::Pending,
    }
}

/// Reads an Opsgenie alert (`{"data": {acknowledged, status, createdAt, report}}`).
pub fn opsgenie_seen(v: &Value, now: DateTime<Utc>) -> Seen {
    let d = &v["data"];
    if d["acknowledged"].as_bool() == Some(true) {
        let created = d["createdAt"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let at = match (created, d["report"]["ackTime"].as_i64()) {
            (Some(c), Some(ms)) => c + chrono::Duration::milliseconds(ms),
            _ => now,
        };
        return Seen::Acknowledged(Ack {
            at,
            by: d["report"]["acknowledgedBy"]
                .as_str()
                .unwrap_or("someone")
                .to_string(),
        });
    }
    if d["status"].as_str() == Some("closed") {
        return Seen::Closed;
    }
    Seen::Pending
}

/// An acknowledgement time warroom can believe: not before the page, not after now.
pub fn believable(at: DateTime<Utc>, paged_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    at.clamp(paged_at.min(now), now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn pagerduty_acknowledgements_are_read_with_who_and_when() {
        let now = t("2026-03-02T14:10:00Z");
        let v = json!({"incidents": [{"status": "acknowledged", "acknowledgements": [
            {"at": "2026-03-02T14:03:00Z", "acknowledger": {"summary": "Bob"}}]}]});
        assert_eq!(
            pagerduty_seen(&v, now),
            Seen::Acknowledged(Ack {
                at: t("2026-03-02T14:03:00Z"),
                by: "Bob".into()
            })
        );
        assert_eq!(
            pagerduty_seen(&json!({"incidents": []}), now),
            Seen::Pending
        );
        assert_eq!(
            pagerduty_seen(&json!({"incident": {"status": "triggered"}}), now),
            Seen::Pending
        );
        assert_eq!(
            pagerduty_seen(&json!({"incident": {"status": "resolved"}}), now),
            Seen::Closed
        );
    }

    #[test]
    fn opsgenie_acknowledgements_add_the_ack_time_to_the_creation() {
        let now = t("2026-03-02T14:10:00Z");
        let v = json!({"data": {"acknowledged": true, "status": "open",
            "createdAt": "2026-03-02T14:00:00Z",
            "report": {"ackTime": 90000, "acknowledgedBy": "carol@example.com"}}});
        assert_eq!(
            opsgenie_seen(&v, now),
            Seen::Acknowledged(Ack {
                at: t("2026-03-02T14:01:30Z"),
                by: "carol@example.com".into()
            })
        );
        let closed = json!({"data": {"acknowledged": false, "status": "closed"}});
        assert_eq!(opsgenie_seen(&closed, now), Seen::Closed);
        assert_eq!(opsgenie_seen(&json!({"data": {}}), now), Seen::Pending);
    }

    #[test]
    fn acknowledgement_times_stay_between_the_page_and_now() {
        let paged = t("2026-03-02T14:00:00Z");
        let now = t("2026-03-02T14:10:00Z");
        assert_eq!(believable(t("2026-03-02T13:00:00Z"), paged, now), paged);
        assert_eq!(believable(t("2026-03-02T15:00:00Z"), paged, now), now);
    }
}
