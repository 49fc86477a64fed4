//! A made-up postmortem view, for checking a team's template before it is used: once
//! with every optional value and list filled, once with them empty.

use super::TO_FILL;
use super::view::*;

impl View {
    /// A made-up record for checking a template: `full` fills every optional value and
    /// list, otherwise they are empty, so that a template is tried both ways.
    pub fn sample(full: bool) -> View {
        let some = |s: &str| full.then(|| s.to_string());
        let many = |v: Vec<Line>| if full { v } else { Vec::new() };
        let note = || Line {
            time: "14:08".into(),
            who: "@bob".into(),
            kind: "Note",
            text: "A note".into(),
        };
        let item = Action {
            incident: "INC-42".into(),
            seq: 1,
            text: "Add a | check".into(),
            owner: some("@alice"),
            priority: some("P1"),
            due: some("2026-02-15"),
            done: false,
            ticket: some("[OPS-12](https://jira.example/browse/OPS-12)"),
        };
        View {
            to_fill: TO_FILL,
            draft: DraftInfo {
                version: 1,
                written_at: "2026-01-15 14:51".into(),
            },
            incident: incident(full),
            impact: impact(full),
            milestones: vec![Milestone {
                label: "Declared",
                time: some("14:00"),
                since: "—".into(),
            }],
            impact_began: some("13:50"),
            timeline: many(vec![note()]),
            roles: vec![RoleLine {
                role: "Incident Commander".into(),
                who: "@alice".into(),
            }],
            participants: if full {
                vec!["@alice".into()]
            } else {
                Vec::new()
            },
            notes: Notes {
                cause: many(vec![note()]),
                factor: many(vec![note()]),
                went_well: many(vec![note()]),
                went_poorly: many(vec![note()]),
                lucky: many(vec![note()]),
            },
            recorded: Recorded {
                went_well: if full {
                    vec!["Alert fired".into()]
                } else {
                    Vec::new()
                },
                went_poorly: Vec::new(),
            },
            earlier: if full { vec![item.clone()] } else { Vec::new() },
            actions: if full { vec![item] } else { Vec::new() },
            checklist: Checklist {
                cause: full,
                factors: full,
                complete: full,
            },
            blame: if full {
                vec![Blame {
                    time: "14:30".into(),
                    who: "@dave".into(),
                    phrase: "should have".into(),
                    text: "Bob should have tested it".into(),
                }]
            } else {
                Vec::new()
            },
        }
    }
}

fn incident(full: bool) -> IncidentInfo {
    let some = |s: &str| full.then(|| s.to_string());
    IncidentInfo {
        key: "INC-42".into(),
        title: "API error rate at 12%".into(),
        severity: "SEV2".into(),
        severity_label: "Major".into(),
        kind: some("security"),
        services: if full { vec!["api".into()] } else { Vec::new() },
        status: "resolved".into(),
        resolved: full,
        duration: "50 min".into(),
        description: some("What we saw"),
        resolution: some("Rolled back"),
        multi_day: false,
    }
}

fn impact(full: bool) -> ImpactInfo {
    let some = |s: &str| full.then(|| s.to_string());
    ImpactInfo {
        declared: "14:00".into(),
        resolved: some("14:50"),
        length: "18 min".into(),
        start_label: "declared",
        start: "14:00".into(),
        end_label: "mitigated",
        end: "14:18".into(),
        users_affected: some("12% of requests"),
        fields: if full {
            vec![Field {
                label: "Region".into(),
                value: "eu".into(),
            }]
        } else {
            Vec::new()
        },
        revenue_known: false,
        budgets: if full {
            vec![Budget {
                consumed: "2.2".into(),
                budget: "43.2".into(),
                slo: "api-availability".into(),
                target: "99.9".into(),
                window: "30 d".into(),
                percent: "5.0".into(),
                requests: "12".into(),
            }]
        } else {
            Vec::new()
        },
        no_budget: (!full).then_some("no SLO is configured"),
    }
}
