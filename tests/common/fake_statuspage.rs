//! A fake of Atlassian Statuspage's Manage API (the parts warroom uses), built from
//! its published reference: `Authorization: OAuth <key>` (401 otherwise); a page by
//! ID (404 otherwise); `POST /v1/pages/{page}/incidents` needs `incident.name`
//! (≤ 255) and a realtime `status`, takes `body` (≤ 25,000), `components`
//! (component id → one of the five statuses), `component_ids`, `metadata` and
//! `deliver_notifications`, and answers 201 with the incident; `PATCH
//! …/incidents/{id}` the same fields, 200 (a status or body adds an incident update);
//! `GET …/incidents?q=` searches names, statuses and update bodies (not metadata, as
//! the reference says); `GET …/incidents/unresolved` lists the open ones. Bad input is 422 with
//! `{"message"}`. It can answer 429 with `Retry-After`, or accept a create and
//! drop the connection's answer (a lost reply), for the next requests.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const KEY: &str = "sp-oauth-key-1";
pub const PAGE: &str = "wr0000000001";

#[derive(Default)]
struct Inner {
    /// Incidents by id, with their updates appended.
    incidents: Vec<Value>,
    /// (method, path) of every authorised request.
    log: Vec<(String, String)>,
    failures: Vec<u16>,
    /// Creates whose answer is lost (500 after creating).
    lose_next_answers: usize,
}

#[derive(Clone)]
pub struct FakeStatuspage {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
}

impl FakeStatuspage {
    pub async fn start() -> FakeStatuspage {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route(
                "/v1/pages/{page}/incidents",
                axum::routing::post(create).get(search),
            )
            .route(
                "/v1/pages/{page}/incidents/unresolved",
                axum::routing::get(unresolved),
            )
            .route(
                "/v1/pages/{page}/incidents/{id}",
                axum::routing::patch(update),
            )
            .with_state(inner.clone());
        let url = format!("http://{}/v1", super::serve_fake(app).await);
        FakeStatuspage { inner, url }
    }

    pub fn fail(&self, n: usize, status: u16) {
        self.inner
            .lock()
            .unwrap()
            .failures
            .extend(std::iter::repeat_n(status, n));
    }

    /// The next create goes through but its answer is a 500.
    pub fn lose_next_answer(&self) {
        self.inner.lock().unwrap().lose_next_answers += 1;
    }

    pub fn incidents(&self) -> Vec<Value> {
        self.inner.lock().unwrap().incidents.clone()
    }

    pub fn log(&self) -> Vec<(String, String)> {
        self.inner.lock().unwrap().log.clone()
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"message": message}))).into_response()
}

fn admit(w: &mut Inner, headers: &HeaderMap, page: &str, what: String) -> Option<Response> {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("OAuth {KEY}")) {
        return Some(error(StatusCode::UNAUTHORIZED, "Could not authenticate"));
    }
    if page != PAGE {
        return Some(error(StatusCode::NOT_FOUND, "The page could not be found"));
    }
    w.log.push(
        what.split_once(' ')
            .map(|(a, b)| (a.into(), b.into()))
            .unwrap_or_default(),
    );
    if !w.failures.is_empty() {
        let status = w.failures.remove(0);
        let mut r = error(StatusCode::from_u16(status).unwrap(), "Rate limit exceeded");
        if status == 429 || status == 420 {
            r.headers_mut().insert("retry-after", "1".parse().unwrap());
        }
        return Some(r);
    }
    None
}

const STATUSES: [&str; 4] = ["investigating", "identified", "monitoring", "resolved"];
const COMPONENT_STATES: [&str; 5] = [
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
];

/// The reasons `i` is not a valid incident (`creating`: name and status required).
fn invalid(i: &Value, creating: bool) -> Option<String> {
    let name = i["name"].as_str().unwrap_or("");
    if (creating && name.is_empty()) || name.chars().count() > 255 {
        return Some("name is missing or longer than 255 characters".into());
    }
    match i["status"].as_str() {
        Some(s) if STATUSES.contains(&s) => {}
        None if !creating => {}
        _ => return Some("status is invalid".into()),
    }
    if i["body"]
        .as_str()
        .is_some_and(|b| b.chars().count() > 25_000)
    {
        return Some("body is too long".into());
    }
    if let Some(m) = i["components"].as_object()
        && m.values()
            .any(|v| !COMPONENT_STATES.contains(&v.as_str().unwrap_or("")))
    {
        return Some("components has an invalid status".into());
    }
    if let Some(m) = i["metadata"].as_object()
        && m.values().any(|v| !v.is_object())
    {
        return Some("metadata values must be objects".into());
    }
    None
}

fn update_of(i: &Value, n: usize) -> Value {
    json!({"id": format!("u{n}"), "status": i["status"], "body": i["body"],
        "components": i["components"], "deliver_notifications": i["deliver_notifications"]})
}

async fn create(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(page): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut w = inner.lock().unwrap();
    if let Some(r) = admit(&mut w, &headers, &page, "POST /incidents".to_string()) {
        return r;
    }
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let i = &v["incident"];
    if let Some(why) = invalid(i, true) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, &why);
    }
    let id = format!("p3nq8v2c7r{:02}", w.incidents.len());
    let mut inc = i.clone();
    inc["id"] = json!(id);
    inc["incident_updates"] = json!([update_of(i, 0)]);
    w.incidents.push(inc.clone());
    if w.lose_next_answers > 0 {
        w.lose_next_answers -= 1;
        return error(StatusCode::INTERNAL_SERVER_ERROR, "upstream timeout");
    }
    (StatusCode::CREATED, Json(inc)).into_response()
}

async fn update(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path((page, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut w = inner.lock().unwrap();
    if let Some(r) = admit(&mut w, &headers, &page, format!("PATCH /incidents/{id}")) {
        return r;
    }
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let i = &v["incident"];
    if let Some(why) = invalid(i, false) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, &why);
    }
    let Some(inc) = w.incidents.iter_mut().find(|x| x["id"] == id.as_str()) else {
        return error(StatusCode::NOT_FOUND, "The incident could not be found");
    };
    let n = inc["incident_updates"].as_array().map_or(0, Vec::len);
    for k in ["name", "status", "body", "components", "metadata"] {
        if !i[k].is_null() {
            inc[k] = i[k].clone();
        }
    }
    if let Some(list) = inc["incident_updates"].as_array_mut() {
        list.push(update_of(i, n));
    }
    (StatusCode::OK, Json(inc.clone())).into_response()
}

async fn search(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(page): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut w = inner.lock().unwrap();
    if let Some(r) = admit(&mut w, &headers, &page, "GET /incidents".to_string()) {
        return r;
    }
    let q = q.get("q").cloned().unwrap_or_default();
    let found: Vec<Value> = w
        .incidents
        .iter()
        .filter(|i| {
            let mut text = format!("{} {}", i["name"], i["status"]);
            text.push_str(&i["incident_updates"].to_string());
            text.contains(&q)
        })
        .cloned()
        .collect();
    Json(Value::Array(found)).into_response()
}

async fn unresolved(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(page): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut w = inner.lock().unwrap();
    if let Some(r) = admit(
        &mut w,
        &headers,
        &page,
        "GET /incidents/unresolved".to_string(),
    ) {
        return r;
    }
    let open: Vec<Value> = w
        .incidents
        .iter()
        .filter(|i| i["status"] != "resolved")
        .cloned()
        .collect();
    Json(Value::Array(open)).into_response()
}
