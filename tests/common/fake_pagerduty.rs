//! A fake of PagerDuty's Events API v2 (`POST /v2/enqueue`), built from its published
//! reference: JSON only; `routing_key` of 32 characters; `event_action` one of
//! trigger, acknowledge, resolve; a trigger needs `payload.summary` (at most 1,024
//! characters), `payload.source` and `payload.severity` (critical, error, warning,
//! info); acknowledge and resolve need a `dedup_key` (at most 255). A good event gets
//! `202 {"status":"success","message":"Event processed","dedup_key":…}`, a bad one
//! `400 {"status":"invalid event","message":"Event object is invalid","errors":[…]}`.
//! Tests can make it answer 429 or 500 for the next requests.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::faults::{Faults, Record, answer, header, serve};

#[derive(Clone)]
pub struct FakePagerDuty {
    /// Answers queued for the next requests.
    pub faults: Faults,
    /// The events accepted, in order.
    pub accepted: Record<Value>,
    /// Every request's body, accepted or not.
    pub received: Record<String>,
    pub url: String,
}

impl FakePagerDuty {
    pub async fn start() -> FakePagerDuty {
        let (faults, accepted, received) = Default::default();
        let mut fake = FakePagerDuty {
            faults,
            accepted,
            received,
            url: String::new(),
        };
        let app = axum::Router::new()
            .route("/v2/enqueue", axum::routing::post(enqueue))
            .with_state(fake.clone());
        fake.url = format!("{}/v2/enqueue", serve(app).await);
        fake
    }
}

fn check(e: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    if s(&e["routing_key"]).chars().count() != 32 {
        errors.push("Invalid routing key".to_string());
    }
    let action = s(&e["event_action"]);
    if !["trigger", "acknowledge", "resolve"].contains(&action.as_str()) {
        errors.push("'event_action' is invalid".into());
    }
    let dedup = s(&e["dedup_key"]);
    if dedup.chars().count() > 255 {
        errors.push("'dedup_key' is too long".into());
    }
    if action == "trigger" {
        let p = &e["payload"];
        let summary = s(&p["summary"]);
        if summary.is_empty() || summary.chars().count() > 1024 {
            errors.push("'payload.summary' is missing or too long".into());
        }
        if s(&p["source"]).is_empty() {
            errors.push("'payload.source' is missing".into());
        }
        if !["critical", "error", "warning", "info"].contains(&s(&p["severity"]).as_str()) {
            errors.push("'payload.severity' is invalid".into());
        }
    } else if dedup.is_empty() {
        errors.push("'dedup_key' is required".into());
    }
    errors
}

async fn enqueue(State(fake): State<FakePagerDuty>, headers: HeaderMap, body: String) -> Response {
    fake.received.push(body.clone());
    if let Some(status) = fake.faults.next() {
        return answer(status, json!({}));
    }
    let json_type =
        header(&headers, "content-type").is_some_and(|v| v.starts_with("application/json"));
    let invalid = |errors: Vec<String>| {
        answer(
            StatusCode::BAD_REQUEST,
            json!({"status": "invalid event", "message": "Event object is invalid", "errors": errors}),
        )
    };
    let Ok(e) = serde_json::from_str::<Value>(&body) else {
        return invalid(vec!["Invalid JSON".into()]);
    };
    let mut errors = check(&e);
    if !json_type {
        errors.push("Content-Type must be application/json".into());
    }
    if !errors.is_empty() {
        return invalid(errors);
    }
    let key = e["dedup_key"].as_str().unwrap_or("generated").to_string();
    fake.accepted.push(e);
    answer(
        StatusCode::ACCEPTED,
        json!({"status": "success", "message": "Event processed", "dedup_key": key}),
    )
}
