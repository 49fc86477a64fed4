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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::faults::{Faults, Record, answer, header, serve};

pub const KEY: &str = "sp-oauth-key-1";
pub const PAGE: &str = "wr0000000001";

#[derive(Default)]
struct Inner {
    /// Incidents by id, with their updates appended.
    incidents: Vec<Value>,
    /// Creates whose answer is lost (500 after creating).
    lose_next_answers: usize,
}

#[derive(Clone)]
pub struct FakeStatuspage {
    inner: Arc<Mutex<Inner>>,
    /// Answers queued for the next authorised requests (429 and 420 with `Retry-After`).
    pub faults: Faults,
    /// (method, path) of every authorised request.
    pub log: Record<(String, String)>,
    pub url: String,
}

impl FakeStatuspage {
    pub async fn start() -> FakeStatuspage {
        let mut fake = FakeStatuspage {
            inner: Arc::default(),
            faults: Faults::default(),
            log: Record::default(),
            url: String::new(),
        };
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
            .with_state(fake.clone());
        fake.url = format!("{}/v1", serve(app).await);
        fake
    }

    /// The next create goes through but its answer is a 500.
    pub fn lose_next_answer(&self) {
        self.inner.lock().unwrap().lose_next_answers += 1;
    }

    pub fn incidents(&self) -> Vec<Value> {
        self.inner.lock().unwrap().incidents.clone()
    }

    /// Checks the key and the page every call needs, records the call, and takes a
    /// queued failure. Some: the refusal.
    fn refuse(
        &self,
        headers: &HeaderMap,
        page: &str,
        method: &str,
        path: &str,
    ) -> Option<Response> {
        if header(headers, "authorization") != Some(format!("OAuth {KEY}")) {
            return Some(error(StatusCode::UNAUTHORIZED, "Could not authenticate"));
        }
        if page != PAGE {
            return Some(error(StatusCode::NOT_FOUND, "The page could not be found"));
        }
        self.log.push((method.into(), path.into()));
        if let Some(status) = self.faults.next() {
            let mut r = error(status, "Rate limit exceeded");
            if status == 429 || status == 420 {
                r.headers_mut().insert("retry-after", "1".parse().unwrap());
            }
            return Some(r);
        }
        None
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    answer(status, json!({"message": message}))
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
    State(fake): State<FakeStatuspage>,
    Path(page): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(r) = fake.refuse(&headers, &page, "POST", "/incidents") {
        return r;
    }
    let mut w = fake.inner.lock().unwrap();
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
    State(fake): State<FakeStatuspage>,
    Path((page, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(r) = fake.refuse(&headers, &page, "PATCH", &format!("/incidents/{id}")) {
        return r;
    }
    let mut w = fake.inner.lock().unwrap();
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
    State(fake): State<FakeStatuspage>,
    Path(page): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = fake.refuse(&headers, &page, "GET", "/incidents") {
        return r;
    }
    let w = fake.inner.lock().unwrap();
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
    State(fake): State<FakeStatuspage>,
    Path(page): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = fake.refuse(&headers, &page, "GET", "/incidents/unresolved") {
        return r;
    }
    let w = fake.inner.lock().unwrap();
    let open: Vec<Value> = w
        .incidents
        .iter()
        .filter(|i| i["status"] != "resolved")
        .cloned()
        .collect();
    Json(Value::Array(open)).into_response()
}
