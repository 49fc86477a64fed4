//! Routes and subjects.

use super::*;
use crate::domain::incident::fixtures::incident;

fn route(json: &str) -> Route {
    serde_json::from_str(json).unwrap()
}

#[test]
fn the_first_matching_route_with_the_subject_wins() {
    let mut inc = incident();
    inc.services = vec!["api".into()];
    let cfg = TicketsConfig {
        github: GitHubConfig {
            token: Secret::new("t"),
            ..GitHubConfig::default()
        },
        routes: vec![
            route(r#"{"tracker": "jira", "project": "OPS"}"#),
            route(r#"{"tracker": "github", "project": "acme/db", "services": ["db"]}"#),
            route(
                r#"{"tracker": "github", "project": "acme/api", "services": ["api"], "incident_ticket": true}"#,
            ),
        ],
        ..TicketsConfig::default()
    };
    // Jira is not configured: its route is passed over.
    let (i, r) = cfg.route_for(&inc, Subject::Action(1)).unwrap();
    assert_eq!((i, r.project.as_str()), (2, "acme/api"));
    let (_, r) = cfg.route_for(&inc, Subject::Incident).unwrap();
    assert_eq!(r.project, "acme/api");
    inc.services = vec!["web".into()];
    assert!(cfg.route_for(&inc, Subject::Action(1)).is_none());
}

#[test]
fn severities_and_types_narrow_a_route() {
    let mut inc = incident();
    let r = route(
        r#"{"tracker": "jira", "project": "OPS", "severities": ["sev1"], "types": ["security"]}"#,
    );
    inc.kind = Some("security".into());
    inc.severity = crate::domain::severity::sev(1);
    assert!(r.matches(&inc));
    inc.severity = crate::domain::severity::sev(2);
    assert!(!r.matches(&inc));
    inc.severity = crate::domain::severity::sev(1);
    inc.kind = None;
    assert!(!r.matches(&inc));
}

#[test]
fn subjects_round_trip_and_mark_their_tickets() {
    for s in [Subject::Incident, Subject::Action(3)] {
        assert_eq!(Subject::parse(&s.key()), Some(s));
    }
    assert_eq!(Subject::parse("action:0"), None);
    assert_eq!(Subject::parse("action:x"), None);
    assert_eq!(
        Subject::Action(3).marker(IncidentId(42)),
        "warroom-inc-42-action-3"
    );
    assert_eq!(Subject::Incident.marker(IncidentId(42)), "warroom-inc-42");
}
