//! Golden tests of the insights on a hand-built history: a reopened incident, a
//! severity changed mid-incident (counted as it ended), an incident declared on the
//! last night of October in UTC that is November in Berlin, a private incident, and
//! one outside the period.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::*;
use crate::domain::facts::BudgetUse;
use crate::domain::{Severity, Status};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn min(at: DateTime<Utc>, m: i64) -> Option<DateTime<Utc>> {
    Some(at + Duration::minutes(m))
}

fn inc(id: i64, sev: Severity, at: &str, services: &[&str]) -> IncidentFacts {
    let declared_at = t(at);
    IncidentFacts {
        id,
        severity: sev,
        status: Status::Resolved,
        private: false,
        services: services.iter().map(|s| s.to_string()).collect(),
        tags: services
            .iter()
            .map(|s| format!("t-{}", s.to_lowercase()))
            .collect(),
        fields: Default::default(),
        kind: None,
        declared_at,
        acknowledged_at: None,
        identified_at: None,
        mitigated_at: None,
        resolved_at: None,
        reopened: false,
        postmortem_required: true,
        postmortem_done_at: None,
        updates: 0,
        reminders: 0,
        escalations: 0,
        budget: vec![],
    }
}

fn history() -> Vec<IncidentFacts> {
    let mut one = inc(
        1,
        crate::domain::severity::sev(1),
        "2026-11-02T10:00:00Z",
        &["api"],
    );
    let d = one.declared_at;
    (
        one.acknowledged_at,
        one.identified_at,
        one.mitigated_at,
        one.resolved_at,
    ) = (min(d, 3), min(d, 20), min(d, 40), min(d, 60));
    one.postmortem_done_at = min(d, 60 + 2 * 24 * 60);
    (one.updates, one.reminders) = (3, 1);
    one.budget = vec![BudgetUse {
        slo: "api-availability".into(),
        consumed_minutes: 8.64,
        budget_minutes: 43.2,
    }];
    let mut two = inc(
        2,
        crate::domain::severity::sev(1),
        "2026-11-10T10:00:00Z",
        &["api", "DB"],
    );
    let d = two.declared_at;
    (two.acknowledged_at, two.resolved_at, two.reopened) = (min(d, 9), min(d, 120), true);
    (two.updates, two.escalations) = (2, 1);
    two.budget = vec![BudgetUse {
        slo: "api-availability".into(),
        consumed_minutes: 21.6,
        budget_minutes: 43.2,
    }];
    // Declared a SEV3, raised to SEV2: counted as the SEV2 it ended as.
    let mut three = inc(
        3,
        crate::domain::severity::sev(2),
        "2026-10-31T23:30:00Z",
        &["web"],
    );
    let d = three.declared_at;
    (three.acknowledged_at, three.resolved_at) = (min(d, 10), min(d, 30));
    (three.updates, three.reminders) = (1, 2);
    let mut four = inc(
        4,
        crate::domain::severity::sev(3),
        "2026-10-15T08:00:00Z",
        &["api"],
    );
    (four.private, four.acknowledged_at) = (true, min(four.declared_at, 45));
    let five = inc(
        5,
        crate::domain::severity::sev(4),
        "2026-12-01T12:00:00Z",
        &["api"],
    );
    vec![one, two, three, four, five]
}

fn actions() -> Vec<ActionFacts> {
    let a = |incident, owner: Option<&str>, due: Option<(i32, u32, u32)>, done: Option<&str>| {
        ActionFacts {
            incident,
            owner: owner.map(str::to_string),
            due: due.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
            created_at: t("2026-11-02T12:00:00Z"),
            done_at: done.map(t),
            ticketed: false,
        }
    };
    vec![
        a(
            1,
            Some("UBOB"),
            Some((2026, 11, 5)),
            Some("2026-11-04T12:00:00Z"),
        ),
        a(
            1,
            Some("UBOB"),
            Some((2026, 11, 6)),
            Some("2026-11-08T12:00:00Z"),
        ),
        a(2, Some("UCAROL"), Some((2026, 11, 20)), None),
        a(3, None, None, None),
        a(4, Some("UBOB"), None, None),
    ]
}

const BERLIN: Tz = chrono_tz::Europe::Berlin;

fn autumn(include_private: bool) -> Filter {
    Filter {
        since: BERLIN
            .with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
        until: BERLIN
            .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
        severity: None,
        service: None,
        tag: None,
        status: None,
        include_private,
    }
}

fn now() -> DateTime<Utc> {
    t("2026-11-29T12:00:00Z")
}

#[test]
fn counts_follow_the_display_zone_and_skip_private_and_outside() {
    let r = seed_report(&autumn(false), &history(), &actions(), now(), BERLIN);
    assert_eq!(r.incidents, 3);
    let months: Vec<(&str, Vec<u32>)> = r
        .by_month
        .iter()
        .map(|b| (b.label.as_str(), b.counts.clone()))
        .collect();
    assert_eq!(
        months,
        [("2026-10", vec![0, 0, 0, 0]), ("2026-11", vec![2, 1, 0, 0])]
    );
    assert_eq!(
        r.by_week.len(),
        10,
        "2026-W40 to 2026-W49, empty weeks included"
    );
    assert_eq!(r.by_week[0].label, "2026-W40");
    let w = |l: &str| {
        r.by_week
            .iter()
            .find(|b| b.label == l)
            .unwrap()
            .counts
            .clone()
    };
    assert_eq!(
        (w("2026-W44"), w("2026-W45"), w("2026-W46")),
        (vec![0, 1, 0, 0], vec![1, 0, 0, 0], vec![1, 0, 0, 0])
    );
    let services: Vec<(&str, u32)> = r
        .by_service
        .iter()
        .map(|s| (s.service.as_str(), s.incidents))
        .collect();
    assert_eq!(services, [("api", 2), ("db", 1), ("web", 1)]);
    // In UTC the last night of October is October.
    let utc = seed_report(
        &Filter { ..autumn(false) },
        &history(),
        &actions(),
        now(),
        Tz::UTC,
    );
    assert_eq!(
        utc.by_month
            .iter()
            .find(|b| b.label == "2026-10")
            .unwrap()
            .counts,
        [0, 1, 0, 0]
    );
    // With private ones, the SEV3 counts too.
    let all = seed_report(&autumn(true), &history(), &actions(), now(), BERLIN);
    assert_eq!(all.incidents, 4);
    assert_eq!(all.by_month[0].counts, [0, 0, 1, 0]);
}

#[test]
fn response_times_against_the_seed_targets() {
    let r = seed_report(&autumn(false), &history(), &actions(), now(), BERLIN);
    let find = |sev: Severity, p: Phase| {
        r.timings
            .iter()
            .find(|x| x.month == "2026-11" && x.severity == sev && x.phase == p)
            .unwrap()
            .clone()
    };
    let ack = find(crate::domain::severity::sev(1), Phase::Acknowledge);
    assert_eq!(
        (ack.n, ack.median_minutes, ack.p90_minutes),
        (2, Some(6.0), Some(9.0))
    );
    assert_eq!(
        (ack.target_minutes, ack.within_target_percent),
        (Some(5.0), Some(50.0))
    );
    let ack2 = find(crate::domain::severity::sev(2), Phase::Acknowledge);
    assert_eq!(
        (
            ack2.median_minutes,
            ack2.target_minutes,
            ack2.within_target_percent
        ),
        (Some(10.0), Some(15.0), Some(100.0))
    );
    // Mitigation falls back to resolution when none was recorded.
    assert_eq!(
        find(crate::domain::severity::sev(1), Phase::Mitigate).median_minutes,
        Some(80.0)
    );
    // The reopened incident counts to its final end.
    assert_eq!(
        find(crate::domain::severity::sev(1), Phase::Resolve).median_minutes,
        Some(90.0)
    );
    assert_eq!(
        find(crate::domain::severity::sev(1), Phase::Resolve).target_minutes,
        None
    );
    // All severities: 30, 60 and 120 minutes.
    assert_eq!(r.resolve_median_minutes, Some(60.0));
    assert!(
        !r.timings
            .iter()
            .any(|x| x.phase == Phase::Identify && x.severity == crate::domain::severity::sev(2))
    );
}

#[test]
fn budget_follow_through_and_discipline() {
    let r = seed_report(&autumn(false), &history(), &actions(), now(), BERLIN);
    assert_eq!(r.budgets.len(), 1);
    let b = &r.budgets[0];
    assert_eq!(
        (b.slo.as_str(), b.month.as_str(), b.incidents),
        ("api-availability", "2026-11", 2)
    );
    assert!(
        (b.consumed_minutes - 30.24).abs() < 1e-9 && (b.percent - 70.0).abs() < 1e-9,
        "{b:?}"
    );
    assert_eq!(b.policy, "25-50% remaining");
    let a = &r.actions;
    assert_eq!(
        (a.opened, a.closed, a.overdue, a.closed_on_time_percent),
        (4, 2, 1, Some(50.0))
    );
    assert_eq!(a.by_owner[0].owner, "UCAROL", "overdue owners first");
    assert!(
        a.by_owner
            .iter()
            .any(|o| o.owner == "unassigned" && o.opened == 1)
    );
    let p = &r.postmortems;
    assert_eq!((p.owed, p.done, p.median_days_to_done), (3, 1, Some(2.0)));
    let d = &r.discipline;
    assert_eq!(
        (
            d.updates,
            d.reminders,
            d.escalations,
            d.incidents_with_late_updates
        ),
        (6, 3, 1, 2)
    );
}

#[test]
fn filters_narrow_by_severity_service_tag_and_status() {
    let mut f = autumn(false);
    f.severity = Some(crate::domain::severity::sev(1));
    assert_eq!(
        seed_report(&f, &history(), &actions(), now(), BERLIN).incidents,
        2
    );
    let mut f = autumn(false);
    f.service = Some("db".into());
    assert_eq!(
        seed_report(&f, &history(), &actions(), now(), BERLIN).incidents,
        1
    );
    let mut f = autumn(false);
    f.tag = Some("t-db".into());
    assert_eq!(
        seed_report(&f, &history(), &actions(), now(), BERLIN).incidents,
        1,
        "a tag narrows like its service"
    );
    f.tag = Some("db".into());
    assert_eq!(
        seed_report(&f, &history(), &actions(), now(), BERLIN).incidents,
        0
    );
    let mut f = autumn(false);
    f.status = Some(Status::Investigating);
    let empty = seed_report(&f, &history(), &actions(), now(), BERLIN);
    assert_eq!((empty.incidents, empty.actions.opened), (0, 0));
    assert_eq!(empty.postmortems.median_days_to_done, None);
    assert!(empty.timings.is_empty() && empty.budgets.is_empty());
}

#[test]
fn percentiles_are_nearest_rank_and_medians_average_the_middle() {
    assert_eq!(percentile(&[], 0.9), None);
    assert_eq!(
        percentile(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9),
        Some(9.0)
    );
    assert_eq!(percentile(&[4.0], 0.9), Some(4.0));
    assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), Some(2.5));
}

#[test]
fn the_csv_parses_back_to_the_same_figures() {
    let r = seed_report(&autumn(false), &history(), &actions(), now(), BERLIN);
    let text = crate::insights::export::csv(&r);
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        crate::insights::export::CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), crate::insights::export::rows(&r).len());
    let get = |s: &str, p: &str, sev: &str, subj: &str, m: &str| {
        rows.iter()
            .find(|x| &x[0] == s && &x[1] == p && &x[2] == sev && &x[3] == subj && &x[4] == m)
            .map(|x| x[5].to_string())
    };
    assert_eq!(
        get("month", "2026-11", "sev1", "", "incidents").as_deref(),
        Some("2")
    );
    assert_eq!(
        get("timing", "2026-11", "sev1", "acknowledge", "median_minutes").as_deref(),
        Some("6")
    );
    assert_eq!(
        get("budget", "2026-11", "", "api-availability", "percent").as_deref(),
        Some("70")
    );
    assert_eq!(
        get("budget", "2026-11", "", "api-availability", "policy").as_deref(),
        Some("25-50% remaining")
    );
    assert_eq!(
        get("actions", "", "", "", "closed_on_time_percent").as_deref(),
        Some("50")
    );
    let md = crate::insights::export::markdown(&r);
    assert!(md.contains("| 2026-11 | 2 | 1 | 0 | 0 | 3 |"), "{md}");
}

/// The report on the seed's severities.
fn seed_report(
    f: &Filter,
    i: &[IncidentFacts],
    a: &[ActionFacts],
    now: DateTime<Utc>,
    tz: Tz,
) -> Report {
    report(
        f,
        i,
        a,
        now,
        tz,
        (crate::domain::severity::seed(), &Default::default()),
    )
}

#[test]
fn an_incident_on_a_service_with_an_open_follow_up_is_a_repeat() {
    let at = |h: i64| t("2026-11-02T12:00:00Z") + Duration::hours(h);
    let inc = |id: i64, h: i64, services: &[&str]| IncidentFacts {
        declared_at: at(h),
        ..inc(
            id,
            crate::domain::severity::sev(2),
            "2026-11-02T12:00:00Z",
            services,
        )
    };
    let action = |incident: i64, h: i64, done: Option<i64>| ActionFacts {
        incident,
        owner: None,
        due: None,
        created_at: at(h),
        done_at: done.map(at),
        ticketed: false,
    };
    let all = [
        inc(1, 0, &["api"]),
        inc(2, 10, &["api", "db"]),
        inc(3, 20, &["web"]),
        inc(4, 30, &["api"]),
    ];
    // INC-1's item was open when INC-2 came, and done before INC-4.
    let actions = [action(1, 1, Some(25))];
    let chosen: Vec<&IncidentFacts> = all.iter().collect();
    assert_eq!(repeats(&all, &actions, &chosen), 1);
    let still_open = [action(1, 1, None)];
    assert_eq!(repeats(&all, &still_open, &chosen), 2, "INC-2 and INC-4");
}
