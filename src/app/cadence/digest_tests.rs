//! The digest's text: owners, overdue items, tickets, postmortems owed.
use super::*;

#[test]
fn the_headline_compares_this_week_with_the_four_before() {
    use crate::insights::{ActionStats, BudgetRow, Discipline, PostmortemStats};
    let at = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let report = |incidents, mttr, percent| Report {
        since: at,
        until: at,
        timezone: "UTC".into(),
        severities: vec![],
        fields: vec![],
        incidents,
        by_week: vec![],
        by_month: vec![],
        by_service: vec![],
        timings: vec![],
        budgets: vec![BudgetRow {
            slo: "api".into(),
            month: "2026-11".into(),
            consumed_minutes: 0.0,
            budget_minutes: 43.2,
            percent,
            policy: String::new(),
            incidents: 1,
            measured_percent: None,
        }],
        actions: ActionStats::default(),
        postmortems: PostmortemStats::default(),
        discipline: Discipline::default(),
        resolve_median_minutes: mttr,
    };
    let line = headline_line(
        &report(3, Some(42.0), 12.0),
        &report(6, Some(65.0), 20.0),
        2,
        Some("https://w.example/insights"),
    );
    assert_eq!(
        line,
        "*This week:* 3 incidents (previous 4 weeks: 1.5 a week) · time to resolve 42 min (before: 1 h 5 min) · error budget 12.0% of `api` (before: 5.0% of `api` a week) · 2 action items overdue · <https://w.example/insights|Insights>"
    );
}
use crate::domain::IncidentId;
use crate::domain::command::Priority;
use crate::domain::incident::fixtures::incident;
use chrono::TimeZone;

fn item(inc: i64, seq: i64, owner: Option<&str>, due: Option<(i32, u32, u32)>) -> ActionItem {
    ActionItem {
        incident: IncidentId(inc),
        seq,
        text: UserText::from_mrkdwn(&format!("task {inc}.{seq}")),
        owner: owner.map(str::to_string),
        priority: Some(Priority::P2),
        due: due.map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap()),
        done: false,
        created_by: "U1".into(),
        created_at: Utc::now(),
        done_at: None,
        ticket: None,
    }
}

#[test]
fn groups_by_owner_with_overdue_first() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let today = now.date_naive();
    let items = vec![
        item(1, 1, Some("UAAA"), Some((2026, 12, 24))),
        item(1, 2, Some("UZZZ"), Some((2026, 11, 1))),
        item(2, 1, Some("UAAA"), None),
        item(2, 2, None, Some((2026, 11, 30))),
        item(3, 1, Some("UAAA"), Some((2026, 11, 30))),
    ];
    let mut awaiting = incident();
    awaiting.status = crate::domain::Status::Resolved;
    awaiting.resolved_at = Some(now - chrono::Duration::days(3));
    let titles = BTreeMap::from([(1, "DB".into()), (2, "Cache".into()), (3, "Disk".into())]);
    let m = render(&items, &titles, &[awaiting], today, now, Tz::UTC);
    let t = &m.text;
    let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} in {t}"));
    assert!(
        pos("<@UZZZ>") < pos("<@UAAA>"),
        "the owner with an overdue item comes first"
    );
    assert!(pos("<@UAAA>") < pos("*Unassigned*"));
    assert!(
        t.contains("INC-1 #2 task 1.2 [P2] — :warning: *overdue* since 2026-11-01 (22 days)"),
        "{t}"
    );
    assert!(
        pos("task 3.1") < pos("task 1.1") && pos("task 1.1") < pos("task 2.1"),
        "by due date, undated last: {t}"
    );
    assert!(
        t.contains("*Postmortems owed*")
            && t.contains("INC-1* API error rate at 12% (SEV2) — resolved 3 d ago"),
        "{t}"
    );
    assert!(
        format!("{:?}", m.blocks).contains("5 open action items (1 overdue) · 1 postmortem owed")
    );
}

#[test]
fn an_item_with_a_ticket_links_it() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let mut a = item(1, 2, Some("UZZZ"), Some((2026, 11, 1)));
    a.ticket = Some(crate::domain::action::TicketRef {
        name: "OPS-12".into(),
        url: "https://acme.atlassian.net/browse/OPS-12".into(),
    });
    let mut b = item(1, 3, Some("UZZZ"), None);
    // A tracker's address that is not a web address is not linked.
    b.ticket = Some(crate::domain::action::TicketRef {
        name: "OPS-13".into(),
        url: "javascript:alert(1)".into(),
    });
    let titles = BTreeMap::from([(1, "DB".into())]);
    let m = render(&[a, b], &titles, &[], now.date_naive(), now, Tz::UTC);
    assert!(
        m.text
            .contains(":ticket: <https://acme.atlassian.net/browse/OPS-12|OPS-12>"),
        "{}",
        m.text
    );
    assert!(m.text.contains(":ticket: OPS-13") && !m.text.contains("javascript"));
}

#[test]
fn an_empty_week_says_so() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let m = render(&[], &BTreeMap::new(), &[], now.date_naive(), now, Tz::UTC);
    assert!(m.text.contains("no open action items, no postmortems owed"));
}
