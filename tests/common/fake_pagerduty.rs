//! A fake of PagerDuty's Events API v2 (`POST /v2/enqueue`), built from its published
//! reference: JSON only; `routing_key` of 32 characters; `event_action` one of
//! trigger, acknowledge, resolve; a trigger needs `payload.summary` (at most 1,024
//! characters), `payload.source` and `payload.severity` (critical, error, warning,
//! info); acknowledge and resolve need a `dedup_key` (at most 255). A good event gets
//! `202 {"status":"success","message":"Event processed","dedup_key":…}`, a bad one
//! `400 {"status":"invalid event","message":"Event object is invalid","errors":[…]}`.
//! Tests can make it answer 429 or 500 for the next requests.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Default)]
struct Inner {
    accepted: Vec<Value>,
    /// Statuses to answer before accepting again.
    failures: Vec<u16>,
    requests: usize,
}

#[derive(Clone)]
pub struct FakePagerDuty {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
}

impl FakePagerDuty {
    pub async fn start() -> FakePagerDuty {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/v2/enqueue", axum::routing::post(enqueue))
            .with_state(inner.clone());
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v2/enqueue", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.ok() });
        FakePagerDuty { inner, url }
    }

    /// Answers `status` to the next `n` requests.
    pub fn fail(&self, n: usize, status: u16) {
        self.inner
            .lock()
            .unwrap()
            .failures
            .extend(std::iter::repeat_n(status, n));
    }

    /// The events accepted, in order.
    pub fn accepted(&self) -> Vec<Value> {
        self.inner.lock().unwrap().accepted.clone()
    }

    pub fn requests(&self) -> usize {
        self.inner.lock().unwrap().requests
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

async fn enqueue(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut w = inner.lock().unwrap();
    w.requests += 1;
    if !w.failures.is_empty() {
        let status = w.failures.remove(0);
        return (StatusCode::from_u16(status).unwrap(), "{}").into_response();
    }
    let json_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let Ok(e) = serde_json::from_str::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"status": "invalid event", "message": "Event object is invalid", "errors": ["Invalid JSON"]}))).into_response();
    };
    let mut errors = check(&e);
    if !json_type {
        errors.push("Content-Type must be application/json".into());
    }
    if !errors.is_empty() {
        return (StatusCode::BAD_REQUEST, Json(json!({"status": "invalid event", "message": "Event object is invalid", "errors": errors}))).into_response();
    }
    let key = e["dedup_key"].as_str().unwrap_or("generated").to_string();
    w.accepted.push(e);
    (
        StatusCode::ACCEPTED,
        Json(json!({"status": "success", "message": "Event processed", "dedup_key": key})),
    )
        .into_response()
}
