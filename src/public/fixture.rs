//! A hand-built public history shared by the status page's unit tests: two components,
//! two open incidents and two resolved ones (one spanning midnight), seen at
//! 2026-03-20 15:00 UTC.

use chrono::{DateTime, TimeZone, Utc};

use super::{
    ComponentConfig, ComponentState, ExternalUpdate, Impact, PublicIncident, PublicStatus,
    StatusView,
};

/// Who posted: Slack user IDs are not public and must never be rendered.
pub const POSTER: &str = "U0POSTERSECRET";

pub fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("valid time")
}

pub fn update(
    id: i64,
    incident: i64,
    status: PublicStatus,
    title: &str,
    body: &str,
    components: &[(&str, ComponentState)],
    posted_at: DateTime<Utc>,
) -> ExternalUpdate {
    ExternalUpdate {
        id,
        incident,
        status,
        title: title.into(),
        body: body.into(),
        components: components
            .iter()
            .map(|&(n, s)| (n.to_string(), s))
            .collect(),
        posted_by: POSTER.into(),
        posted_at,
    }
}

pub fn component(name: &str, description: &str) -> ComponentConfig {
    ComponentConfig {
        name: name.into(),
        description: description.into(),
        services: vec!["internal-service-name".into()],
        statuspage_id: String::new(),
    }
}

/// The golden history:
/// - INC-4, open, major: API partial outage since 14:05 today.
/// - INC-3, open, minor: Dashboard major outage 10:00–11:00 yesterday; its latest update
///   names no component, so it affects none now.
/// - INC-2, resolved: Dashboard degraded from 23:00 on the 14th to 01:30 on the 15th.
/// - INC-1, resolved 10 days ago: API major outage 08:00–10:00.
pub fn view() -> StatusView {
    use ComponentState::*;
    use PublicStatus::*;
    let (api, dash) = ("API", "Dashboard");
    let inc4 = [
        (
            Investigating,
            "We are investigating elevated error rates for the API.",
            &[(api, PartialOutage)][..],
            at(2026, 3, 20, 14, 5),
        ),
        (
            Identified,
            "A faulty deploy.\nWe are rolling it back.",
            &[(api, PartialOutage)],
            at(2026, 3, 20, 14, 40),
        ),
    ];
    let inc3 = [
        (
            Investigating,
            "The dashboard does not load.",
            &[(dash, MajorOutage)][..],
            at(2026, 3, 19, 10, 0),
        ),
        (
            Monitoring,
            "A fix is out; we are watching.",
            &[],
            at(2026, 3, 19, 11, 0),
        ),
    ];
    let inc2 = [
        (
            Investigating,
            "Pages are slow.",
            &[(dash, DegradedPerformance)][..],
            at(2026, 3, 14, 23, 0),
        ),
        (
            Resolved,
            "Back to normal.",
            &[(dash, Operational)],
            at(2026, 3, 15, 1, 30),
        ),
    ];
    let inc1 = [
        (
            Investigating,
            "The API answers 503.",
            &[(api, MajorOutage)][..],
            at(2026, 3, 10, 8, 0),
        ),
        (Resolved, "Fixed.", &[], at(2026, 3, 10, 10, 0)),
    ];
    StatusView {
        page_name: "Acme status".into(),
        base_url: "https://status.acme.example/status".into(),
        now: at(2026, 3, 20, 15, 0),
        components: vec![component(api, "The public REST API"), component(dash, "")],
        incidents: vec![
            history(4, Impact::Major, "Elevated API errors", &inc4),
            history(3, Impact::Minor, "Dashboard not loading", &inc3),
            history(2, Impact::Minor, "Slow dashboard", &inc2),
            history(1, Impact::Critical, "API down", &inc1),
        ],
    }
}

type Step<'a> = (
    PublicStatus,
    &'a str,
    &'a [(&'a str, ComponentState)],
    DateTime<Utc>,
);

/// An incident titled `title` throughout, its update IDs `10 * id + 1…`.
fn history(id: i64, impact: Impact, title: &str, steps: &[Step]) -> PublicIncident {
    let updates = (1..)
        .zip(steps)
        .map(|(k, &(status, body, comps, t))| {
            update(id * 10 + k, id, status, title, body, comps, t)
        })
        .collect();
    incident(id, impact, updates)
}

pub fn incident(id: i64, impact: Impact, updates: Vec<ExternalUpdate>) -> PublicIncident {
    PublicIncident {
        id,
        impact,
        updates,
    }
}

/// A resolved incident that held `components` from `from` to `to`.
pub fn outage(
    id: i64,
    components: &[(&str, ComponentState)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> PublicIncident {
    let updates = vec![
        update(
            id * 10 + 1,
            id,
            PublicStatus::Investigating,
            "t",
            "b",
            components,
            from,
        ),
        update(id * 10 + 2, id, PublicStatus::Resolved, "t", "b", &[], to),
    ];
    incident(id, Impact::Major, updates)
}

/// `n` incidents of three updates each over the last 90 days, across five components:
/// for timing.
pub fn large(n: i64) -> StatusView {
    let mut v = view();
    v.components = (0..5)
        .map(|i| component(&format!("Component {i}"), "x"))
        .collect();
    let start = v.now - chrono::Duration::days(89);
    v.incidents = (0..n)
        .rev()
        .map(|i| {
            let t0 = start + chrono::Duration::minutes(i * 89 * 24 * 60 / n);
            let c = format!("Component {}", i % 5);
            let s = ComponentState::ALL[(i % 5) as usize];
            let last = if i >= n - 2 {
                PublicStatus::Monitoring
            } else {
                PublicStatus::Resolved
            };
            let updates = [PublicStatus::Investigating, PublicStatus::Identified, last]
                .into_iter()
                .enumerate()
                .map(|(k, st)| {
                    let t = t0 + chrono::Duration::minutes(20 * k as i64);
                    update(i * 3 + k as i64, i, st, "Title", "Body", &[(&c, s)], t)
                })
                .collect();
            incident(i, Impact::Minor, updates)
        })
        .collect();
    v
}
