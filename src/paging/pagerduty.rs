//! PagerDuty's REST API v2, the parts warroom uses: who is on call (`GET /oncalls`
//! with `include[]=users`, paged by `limit`/`offset`/`more`), a user by email
//! (`GET /users?query=`), and an incident assigned to an escalation policy or a
//! person (`POST /incidents`, which needs a `From` header), resolved with the
//! warroom incident (`PUT /incidents/{id}`). Requests and answers are built and
//! read here (pure); `app::oncall` and `app::page_to` send them.

use serde_json::{Value, json};

use super::targets::Target;
use crate::domain::{Incident, Severity};

/// The versioned media type every REST call asks for.
pub const ACCEPT: &str = "application/vnd.pagerduty+json;version=2";
/// Entries asked for per `/oncalls` page.
pub const PAGE_LIMIT: usize = 100;
/// Pages read at most (PagerDuty refuses an offset past 10,000 anyway).
pub const MAX_PAGES: usize = 20;
/// Longest incident title sent.
pub const MAX_TITLE: usize = 255;

/// The `Authorization` header of an account or user API key.
pub fn authorization(token: &str) -> String {
    format!("Token token={token}")
}

/// Someone PagerDuty says is on call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnCall {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub level: i64,
    /// The escalation policy's (or schedule's) name, as PagerDuty shows it.
    pub via: String,
}

/// The query of one `/oncalls` page for `target`: by its schedule when it names one,
/// else by its escalation policy; users included (for their emails), the earliest
/// entry per user.
pub fn oncalls_query(target: &Target, offset: usize) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("include[]", "users".to_string()),
        ("earliest", "true".to_string()),
        ("limit", PAGE_LIMIT.to_string()),
        ("offset", offset.to_string()),
    ];
    if target.pagerduty_schedule.is_empty() {
        q.push((
            "escalation_policy_ids[]",
            target.pagerduty_escalation_policy.clone(),
        ));
    } else {
        q.push(("schedule_ids[]", target.pagerduty_schedule.clone()));
    }
    q
}

/// One `/oncalls` answer: its entries and whether more pages follow.
pub fn parse_oncalls(v: &Value) -> Result<(Vec<OnCall>, bool), String> {
    let list = v["oncalls"]
        .as_array()
        .ok_or("the answer has no `oncalls` list")?;
    let mut out = Vec::new();
    for o in list {
        let user = &o["user"];
        let Some(id) = user["id"].as_str() else {
            continue;
        };
        let via = o["schedule"]["summary"]
            .as_str()
            .or(o["escalation_policy"]["summary"].as_str())
            .unwrap_or("")
            .to_string();
        out.push(OnCall {
            id: id.to_string(),
            name: user["name"]
                .as_str()
                .or(user["summary"].as_str())
                .unwrap_or(id)
                .to_string(),
            email: user["email"].as_str().map(str::to_string),
            level: o["escalation_level"].as_i64().unwrap_or(1),
            via,
        });
    }
    Ok((out, v["more"].as_bool().unwrap_or(false)))
}

/// Who answers first: the lowest escalation level present, each user once.
pub fn first_responders(all: Vec<OnCall>) -> Vec<OnCall> {
    let Some(level) = all.iter().map(|o| o.level).min() else {
        return all;
    };
    let mut out: Vec<OnCall> = Vec::new();
    for o in all.into_iter().filter(|o| o.level == level) {
        if !out.iter().any(|x| x.id == o.id) {
            out.push(o);
        }
    }
    out
}

/// Whom a REST-created incident is assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    Policy(String),
    User(String),
}

/// PagerDuty's urgency for our severity.
pub fn urgency(sev: Severity) -> &'static str {
    &sev.level().pagerduty_urgency
}

/// The `POST /incidents` body of a page to `to` about `inc`, under `key` (one per
/// page, so a retried request cannot open a second incident).
pub fn incident_body(
    inc: &Incident,
    service_id: &str,
    to: &Assignee,
    key: &str,
    message: &str,
    link: Option<&str>,
) -> Value {
    let title: String = if message.is_empty() {
        format!("{} {}: {}", inc.id, inc.severity, inc.title.plain())
    } else {
        format!("{} {}: {}", inc.id, inc.severity, message)
    }
    .chars()
    .take(MAX_TITLE)
    .collect();
    let mut details = format!("{} ({}): {}", inc.id, inc.severity, inc.title.plain());
    if let Some(url) = link {
        details.push_str(&format!("\n{url}"));
    }
    let mut incident = json!({
        "type": "incident",
        "title": title,
        "service": {"id": service_id, "type": "service_reference"},
        "urgency": urgency(inc.severity),
        "incident_key": key,
        "body": {"type": "incident_body", "details": details},
    });
    match to {
        Assignee::Policy(id) => {
            incident["escalation_policy"] = json!({"id": id, "type": "escalation_policy_reference"})
        }
        Assignee::User(id) => {
            incident["assignments"] = json!([{"assignee": {"id": id, "type": "user_reference"}}])
        }
    }
    json!({"incident": incident})
}

/// The created incident's ID and number.
pub fn parse_created(v: &Value) -> Option<(String, Option<i64>)> {
    let inc = &v["incident"];
    // It goes into URL paths and channel text: only an ID's shape is taken.
    let id = inc["id"]
        .as_str()
        .filter(|id| super::targets::is_pagerduty_id(id))?
        .to_string();
    Some((id, inc["incident_number"].as_i64()))
}

/// True when a 400 says an open incident already has this key: an earlier attempt
/// got through, and nothing more is to be done.
pub fn is_duplicate_key(status: u16, body: &str) -> bool {
    let b = body.to_ascii_lowercase();
    status == 400 && (b.contains("incident_key") || b.contains("dedup") || b.contains("matching"))
}

/// The first incident of a `GET /incidents?incident_key=` answer, by ID.
pub fn first_listed(v: &Value) -> Option<String> {
    let first = v["incidents"].as_array()?.first()?;
    parse_created(&json!({"incident": first})).map(|(id, _)| id)
}

/// The `PUT /incidents/{id}` body that resolves it.
pub fn resolve_body() -> Value {
    json!({"incident": {"type": "incident_reference", "status": "resolved"}})
}

/// The user in a `GET /users?query=<email>` answer whose email is exactly `email`.
pub fn user_with_email(v: &Value, email: &str) -> Option<String> {
    v["users"].as_array()?.iter().find_map(|u| {
        let e = u["email"].as_str()?;
        e.eq_ignore_ascii_case(email)
            .then(|| u["id"].as_str().map(str::to_string))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oc(id: &str, level: i64) -> OnCall {
        OnCall {
            id: id.into(),
            name: id.into(),
            email: None,
            level,
            via: "Payments".into(),
        }
    }

    #[test]
    fn the_first_level_answers_each_user_once() {
        let got = first_responders(vec![oc("A", 2), oc("B", 1), oc("B", 1), oc("C", 1)]);
        assert_eq!(
            got.iter().map(|o| &o.id[..]).collect::<Vec<_>>(),
            ["B", "C"]
        );
        assert!(first_responders(vec![]).is_empty());
    }

    #[test]
    fn oncalls_answers_are_read_with_their_users() {
        let v = json!({"oncalls": [
            {"user": {"id": "PU1", "name": "Ana Ruiz", "email": "ana@example.com"},
             "escalation_policy": {"id": "PE1", "summary": "Payments"}, "escalation_level": 1},
            {"user": {"id": "PU2", "summary": "Bo"}, "schedule": {"summary": "Primary"},
             "escalation_level": 2},
            {"user": null}
        ], "more": true});
        let (got, more) = parse_oncalls(&v).unwrap();
        assert!(more);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].email.as_deref(), Some("ana@example.com"));
        assert_eq!(
            (got[0].via.as_str(), got[1].via.as_str()),
            ("Payments", "Primary")
        );
        assert_eq!(got[1].name, "Bo");
        assert!(parse_oncalls(&json!({"error": {}})).is_err());
    }

    #[test]
    fn a_schedule_wins_over_the_policy_in_the_query() {
        let mut t = Target {
            name: "db".into(),
            pagerduty_escalation_policy: "PE1".into(),
            ..Target::default()
        };
        assert!(oncalls_query(&t, 0).contains(&("escalation_policy_ids[]", "PE1".into())));
        t.pagerduty_schedule = "PS1".into();
        let q = oncalls_query(&t, 100);
        assert!(q.contains(&("schedule_ids[]", "PS1".into())));
        assert!(q.contains(&("offset", "100".into())));
        assert!(!q.iter().any(|(k, _)| *k == "escalation_policy_ids[]"));
    }

    #[test]
    fn only_id_shaped_ids_are_taken() {
        assert_eq!(
            parse_created(&json!({"incident": {"id": "Q1ABC", "incident_number": 7}})),
            Some(("Q1ABC".into(), Some(7)))
        );
        assert_eq!(
            parse_created(&json!({"incident": {"id": "../users"}})),
            None
        );
        assert_eq!(
            first_listed(&json!({"incidents": [{"id": "Q2"}]})).as_deref(),
            Some("Q2")
        );
        assert_eq!(first_listed(&json!({"incidents": []})), None);
    }

    #[test]
    fn duplicate_keys_are_recognised() {
        assert!(is_duplicate_key(
            400,
            r#"{"error":{"message":"Open incident with matching dedup key already exists on this service"}}"#
        ));
        assert!(!is_duplicate_key(
            400,
            r#"{"error":{"message":"Invalid Input Provided"}}"#
        ));
        assert!(!is_duplicate_key(500, "incident_key"));
    }

    #[test]
    fn users_are_matched_on_the_whole_email() {
        let v = json!({"users": [{"id": "P1", "email": "ana.r@example.com"}, {"id": "P2", "email": "Ana@example.com"}]});
        assert_eq!(
            user_with_email(&v, "ana@example.com").as_deref(),
            Some("P2")
        );
        assert_eq!(user_with_email(&v, "bo@example.com"), None);
    }
}
