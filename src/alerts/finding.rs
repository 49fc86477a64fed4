//! An alert group as a warning: its level from the firing alerts' `severity` labels,
//! a summary that counts the firing alerts (so joins and leaves update the posted
//! message), one detail line per alert, and the labels its firing alerts share.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Group, GroupAlert, clip};
use crate::domain::command::MAX_TITLE;
use crate::domain::finding::{Finding, Level};

/// The watcher name alerts go under.
pub const WATCHER: &str = "alerts";

/// Detail lines shown per group; the rest are counted.
pub const MAX_DETAIL_ALERTS: usize = 10;

/// What a `severity` label says. Unknown or missing values count as a warning.
pub fn level_of(labels: &BTreeMap<String, String>) -> Level {
    let v = labels
        .get("severity")
        .or_else(|| labels.get("priority"))
        .map(|s| s.to_ascii_lowercase());
    match v.as_deref() {
        Some("critical" | "page" | "error" | "high" | "p1" | "p2" | "disaster") => Level::Critical,
        Some("info" | "informational" | "low" | "none" | "p4" | "p5") => Level::Info,
        _ => Level::Warning,
    }
}

pub fn of_group(g: &Group, now: DateTime<Utc>) -> Finding {
    let firing: Vec<&GroupAlert> = g.firing().collect();
    let level = firing
        .iter()
        .map(|a| level_of(&a.labels))
        .max_by_key(|l| l.rank())
        .unwrap_or(Level::Ok);
    let text = headline(g, &firing);
    let resolved = g.alerts.len() - firing.len();
    let summary = if firing.is_empty() {
        format!("[RESOLVED] {text}")
    } else {
        format!("[FIRING:{}] {text}", firing.len())
    };
    let mut f = Finding::new(WATCHER, g.warning_key(), subject(g), level, summary);
    f.incident_title = clip(&text, MAX_TITLE);
    f.details = details(g, &firing, &text, now);
    f.facts.insert("firing".into(), firing.len() as f64);
    f.facts.insert("resolved".into(), resolved as f64);
    f.facts.insert("truncated".into(), g.truncated as f64);
    f.runbook = annotation(g, &firing, "runbook_url");
    f.labels = shared_labels(if firing.is_empty() {
        g.alerts.iter().collect()
    } else {
        firing
    });
    f
}

/// The group's one-line story: its summary annotation, else Grafana's title, else
/// the alert name.
fn headline(g: &Group, firing: &[&GroupAlert]) -> String {
    annotation(g, firing, "summary")
        .or_else(|| annotation(g, firing, "title"))
        .or_else(|| g.title.clone())
        .or_else(|| {
            g.alerts
                .iter()
                .find_map(|a| a.labels.get("alertname").cloned())
        })
        .unwrap_or_else(|| clip(&g.key, 120))
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn annotation(g: &Group, firing: &[&GroupAlert], name: &str) -> Option<String> {
    g.common_annotations
        .get(name)
        .or_else(|| firing.iter().find_map(|a| a.annotations.get(name)))
        .or_else(|| g.alerts.iter().find_map(|a| a.annotations.get(name)))
        .filter(|s| !s.trim().is_empty())
        .cloned()
}

fn subject(g: &Group) -> String {
    if g.group_labels.is_empty() {
        return format!("{} {}", g.source.name(), clip(&g.key, 60));
    }
    g.group_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn shared_labels(alerts: Vec<&GroupAlert>) -> BTreeMap<String, String> {
    let Some((first, rest)) = alerts.split_first() else {
        return BTreeMap::new();
    };
    first
        .labels
        .iter()
        .filter(|(k, v)| rest.iter().all(|a| a.labels.get(*k) == Some(v)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// One line per alert (firing first): what sets it apart from the others, its
/// summary, and since when.
fn details(g: &Group, firing: &[&GroupAlert], headline: &str, now: DateTime<Utc>) -> Vec<String> {
    let shared = shared_labels(g.alerts.iter().collect());
    let resolved = g.alerts.iter().filter(|a| !a.firing);
    let mut lines: Vec<String> = firing
        .iter()
        .copied()
        .chain(resolved)
        .take(MAX_DETAIL_ALERTS)
        .map(|a| line(a, &shared, headline, now))
        .collect();
    let more = g.alerts.len().saturating_sub(MAX_DETAIL_ALERTS) as u64 + g.truncated;
    if more > 0 {
        lines.push(format!("…and {more} more"));
    }
    if !shared.is_empty() {
        let labels: Vec<String> = shared
            .iter()
            .take(MAX_SHOWN_LABELS)
            .map(|(k, v)| format!("{k}={}", clip(v, 80)))
            .collect();
        lines.push(format!("Labels: {}", labels.join(", ")));
    }
    lines
}

/// Labels shown on a warning; the rest stay in the stored finding.
pub const MAX_SHOWN_LABELS: usize = 12;

/// One alert's line; its summary is left out when it is the group's headline.
fn line(
    a: &GroupAlert,
    shared: &BTreeMap<String, String>,
    headline: &str,
    now: DateTime<Utc>,
) -> String {
    let own: Vec<String> = a
        .labels
        .iter()
        .filter(|(k, _)| !shared.contains_key(*k))
        .map(|(k, v)| format!("{k}={}", clip(v, 80)))
        .collect();
    let what = a
        .annotations
        .get("summary")
        .map(|s| clip(s.lines().next().unwrap_or_default().trim(), 200))
        .filter(|s| s != headline)
        .unwrap_or_default();
    let when = if a.firing {
        format!("firing for {}", span(now - a.starts_at))
    } else {
        "resolved".to_string()
    };
    let mut out = when;
    if !own.is_empty() {
        out.push_str(&format!(" · {}", own.join(", ")));
    }
    if !what.is_empty() {
        out.push_str(&format!(": {what}"));
    }
    out
}

fn span(d: chrono::Duration) -> String {
    let m = d.num_minutes().max(0);
    match m {
        0 => "under a minute".into(),
        1..=59 => format!("{m} min"),
        60..=2879 => format!("{} h {} min", m / 60, m % 60),
        _ => format!("{} days", m / 1440),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{Source, webhook};
    use chrono::TimeZone;

    const BODY: &str = r#"{"version":"4","groupKey":"{}:{alertname=\"HighErrorRate\"}","status":"firing",
      "groupLabels":{"alertname":"HighErrorRate"},"commonAnnotations":{"summary":"API error rate above 5%"},
      "alerts":[
       {"status":"firing","labels":{"alertname":"HighErrorRate","service":"api","severity":"critical","pod":"a"},
        "annotations":{"summary":"API error rate above 5%","runbook_url":"https://runbooks/api"},"startsAt":"2026-03-02T10:00:00Z"},
       {"status":"firing","labels":{"alertname":"HighErrorRate","service":"api","severity":"warning","pod":"b"},
        "annotations":{},"startsAt":"2026-03-02T10:10:00Z"},
       {"status":"resolved","labels":{"alertname":"HighErrorRate","service":"web","severity":"critical","pod":"c"},
        "annotations":{},"startsAt":"2026-03-02T09:00:00Z","endsAt":"2026-03-02T09:30:00Z"}]}"#;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 15, 0).unwrap()
    }

    #[test]
    fn a_group_reads_as_one_warning() {
        let g = webhook::parse(BODY.as_bytes(), Source::Alertmanager).unwrap();
        let f = of_group(&g, now());
        assert_eq!(f.watcher, WATCHER);
        assert_eq!(f.level, Level::Critical, "the worst firing alert");
        assert_eq!(f.summary, "[FIRING:2] API error rate above 5%");
        assert_eq!(f.incident_title, "API error rate above 5%");
        assert_eq!(f.subject, "alertname=HighErrorRate");
        assert_eq!(f.runbook.as_deref(), Some("https://runbooks/api"));
        assert_eq!(f.facts["firing"], 2.0);
        assert_eq!(f.facts["resolved"], 1.0);
        // Labels shared by the firing alerts: severity differs, service does not.
        assert_eq!(f.labels.get("service").map(String::as_str), Some("api"));
        assert!(!f.labels.contains_key("severity"));
        assert_eq!(
            f.details,
            vec![
                "firing for 15 min · pod=a, service=api, severity=critical",
                "firing for 5 min · pod=b, service=api, severity=warning",
                "resolved · pod=c, service=web, severity=critical",
                "Labels: alertname=HighErrorRate",
            ]
        );
        assert!(f.key.starts_with("alert:alertmanager:") && f.key.len() == 43);
    }

    #[test]
    fn joins_change_the_summary_and_resolution_is_ok() {
        let g = webhook::parse(BODY.as_bytes(), Source::Alertmanager).unwrap();
        let mut fewer = g.clone();
        fewer.alerts.remove(1);
        assert_ne!(of_group(&g, now()).summary, of_group(&fewer, now()).summary);
        let mut done = g.clone();
        done.alerts.iter_mut().for_each(|a| a.firing = false);
        let f = of_group(&done, now());
        assert_eq!(f.level, Level::Ok);
        assert_eq!(f.summary, "[RESOLVED] API error rate above 5%");
        assert_eq!(of_group(&g, now()).key, f.key, "same group, same warning");
    }

    #[test]
    fn levels_from_severity_labels() {
        let l = |v: &str| level_of(&[("severity".to_string(), v.to_string())].into());
        assert_eq!(l("critical"), Level::Critical);
        assert_eq!(l("ERROR"), Level::Critical);
        assert_eq!(l("warning"), Level::Warning);
        assert_eq!(l("info"), Level::Info);
        assert_eq!(l("whatever"), Level::Warning);
        assert_eq!(level_of(&BTreeMap::new()), Level::Warning);
    }

    #[test]
    fn many_alerts_are_counted_not_listed() {
        let mut g = webhook::parse(BODY.as_bytes(), Source::Alertmanager).unwrap();
        let one = g.alerts[0].clone();
        g.alerts = (0..25).map(|_| one.clone()).collect();
        g.truncated = 5;
        let f = of_group(&g, now());
        assert_eq!(f.details.len(), MAX_DETAIL_ALERTS + 2);
        assert_eq!(f.details[MAX_DETAIL_ALERTS], "…and 20 more");
    }
}
