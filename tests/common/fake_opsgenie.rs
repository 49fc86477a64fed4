//! A fake of Opsgenie's Alert API, built from its published reference:
//! `Authorization: GenieKey <key>` (401 otherwise); `POST /v2/alerts` needs a
//! `message` of at most 130 characters, an `alias` of at most 512, a `priority` of
//! P1..P5 if any, at most 20 tags; `POST /v2/alerts/{id}/acknowledge|close` takes the
//! alias only with `identifierType=alias`. Valid requests get `202 {"result":"Request
//! will be processed",…}`, invalid ones 422 (or 400 for bad JSON). The fake keeps
//! the alerts by alias and what was done to them; tests can make it answer a status
//! (e.g. 429 or 500) to the next authorised requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::faults::{Faults, Record, answer, header, serve};

#[derive(Default)]
struct Inner {
    /// Alias → status: open, acked, closed.
    alerts: HashMap<String, String>,
    /// Alias → who acknowledged it on their phone (set by the test).
    acked_by: HashMap<String, String>,
}

#[derive(Clone)]
pub struct FakeOpsgenie {
    inner: Arc<Mutex<Inner>>,
    key: String,
    /// Answers queued for the next authorised requests.
    pub faults: Faults,
    /// (what was done, body) of every accepted request: create, acknowledge, close.
    pub accepted: Record<(String, Value)>,
    pub url: String,
}

impl FakeOpsgenie {
    pub async fn start(key: &str) -> FakeOpsgenie {
        let mut fake = FakeOpsgenie {
            inner: Arc::default(),
            key: key.to_string(),
            faults: Faults::default(),
            accepted: Record::default(),
            url: String::new(),
        };
        let app = axum::Router::new()
            .route("/v2/alerts", axum::routing::post(create))
            .route("/v2/alerts/{id}", axum::routing::get(get_alert))
            .route("/v2/alerts/{id}/{verb}", axum::routing::post(act))
            .with_state(fake.clone());
        fake.url = serve(app).await;
        fake
    }

    /// Someone acknowledges the alert in Opsgenie's app, 90 s after it was created.
    pub fn acknowledge_by(&self, alias: &str, who: &str) {
        self.inner
            .lock()
            .unwrap()
            .acked_by
            .insert(alias.into(), who.into());
    }

    pub fn status(&self, alias: &str) -> Option<String> {
        self.inner.lock().unwrap().alerts.get(alias).cloned()
    }

    /// Checks the key every call needs, and takes a queued failure. Some: the refusal.
    fn refuse(&self, headers: &HeaderMap) -> Option<Response> {
        if header(headers, "authorization") != Some(format!("GenieKey {}", self.key)) {
            return Some(error(StatusCode::UNAUTHORIZED, "Key format is not valid!"));
        }
        let status = self.faults.next()?;
        Some(error(status, "Request failed"))
    }
}

fn processed() -> Response {
    answer(
        StatusCode::ACCEPTED,
        json!({"result": "Request will be processed", "took": 0.01, "requestId": "7f1d-fake"}),
    )
}

fn error(status: StatusCode, message: &str) -> Response {
    answer(
        status,
        json!({"message": message, "took": 0.0, "requestId": "7f1d-fake"}),
    )
}

async fn create(State(fake): State<FakeOpsgenie>, headers: HeaderMap, body: String) -> Response {
    if let Some(r) = fake.refuse(&headers) {
        return r;
    }
    let Ok(b) = serde_json::from_str::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Could not parse JSON");
    };
    let message = b["message"].as_str().unwrap_or("");
    if message.is_empty() || message.chars().count() > 130 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Message can not be empty or longer than 130 characters.",
        );
    }
    let alias = b["alias"].as_str().unwrap_or("").to_string();
    if alias.chars().count() > 512 {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Alias is too long");
    }
    if let Some(p) = b["priority"].as_str()
        && !["P1", "P2", "P3", "P4", "P5"].contains(&p)
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Priority should be one of P1..P5",
        );
    }
    if b["tags"].as_array().is_some_and(|t| t.len() > 20) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "At most 20 tags");
    }
    fake.inner
        .lock()
        .unwrap()
        .alerts
        .insert(alias, "open".into());
    fake.accepted.push(("create".into(), b));
    processed()
}

/// `GET /v2/alerts/{alias}?identifierType=alias`: the alert, as the Alert API shows it.
async fn get_alert(
    State(fake): State<FakeOpsgenie>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = fake.refuse(&headers) {
        return r;
    }
    let w = fake.inner.lock().unwrap();
    if q.get("identifierType").map(String::as_str) != Some("alias") {
        return error(StatusCode::NOT_FOUND, "Alert does not exist");
    }
    let Some(status) = w.alerts.get(&id) else {
        return error(StatusCode::NOT_FOUND, "Alert does not exist");
    };
    let by = w.acked_by.get(&id);
    let created = chrono::Utc::now() - chrono::Duration::seconds(120);
    let mut data = json!({"alias": id, "status": if status == "closed" { "closed" } else { "open" },
        "acknowledged": by.is_some() || status == "acked",
        "createdAt": created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)});
    if let Some(by) = by {
        data["report"] = json!({"ackTime": 90_000, "acknowledgedBy": by});
    }
    answer(
        StatusCode::OK,
        json!({"data": data, "took": 0.01, "requestId": "7f1d-fake"}),
    )
}

async fn act(
    State(fake): State<FakeOpsgenie>,
    Path((id, verb)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(r) = fake.refuse(&headers) {
        return r;
    }
    if !["acknowledge", "close"].contains(&verb.as_str()) {
        return error(StatusCode::NOT_FOUND, "No such action");
    }
    // Without identifierType=alias the path is read as an alert id: not found here
    // (Opsgenie answers 202 and fails later; the fake refuses at once, so it shows).
    if q.get("identifierType").map(String::as_str) != Some("alias") {
        return error(StatusCode::NOT_FOUND, "Alert does not exist");
    }
    let mut w = fake.inner.lock().unwrap();
    let Some(state) = w.alerts.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "Alert does not exist");
    };
    *state = if verb == "close" {
        "closed".into()
    } else {
        "acked".into()
    };
    drop(w);
    let b: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    fake.accepted.push((verb, b));
    processed()
}
