//! A fake of Google's OAuth token endpoint and Calendar API v3 `events.insert` /
//! `events.get`, built from the published reference
//! (developers.google.com/workspace/calendar/api/v3/reference/events/insert,
//! developers.google.com/identity/protocols/oauth2/web-server#offline): a refresh
//! token traded for an access token (`invalid_grant` otherwise); an insert with
//! `conferenceDataVersion=1` and a `createRequest` gets a Meet link (`hangoutLink`,
//! `conferenceData.entryPoints`), without it none; a client-chosen ID used twice
//! answers 409 "The requested identifier already exists."; a wrong token answers 401
//! `UNAUTHENTICATED`. A test can lose the answer to the next insert.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::faults::serve;

pub const CLIENT_ID: &str = "1234-warroom.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "GOCSPX-fake-secret";
pub const REFRESH_TOKEN: &str = "1//0g-fake-refresh-token";
const ACCESS_TOKEN: &str = "ya29.fake-access-token";

#[derive(Default)]
struct Inner {
    events: BTreeMap<String, Value>,
    lose: usize,
    tokens_issued: usize,
    /// The query of every insert.
    inserts: Vec<BTreeMap<String, String>>,
}

#[derive(Clone)]
pub struct FakeGoogleCalendar {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
}

fn google_error(status: StatusCode, reason: &str, message: &str, state: &str) -> Response {
    (
        status,
        Json(
            json!({"error": {"code": status.as_u16(), "message": message,
        "errors": [{"domain": "global", "reason": reason, "message": message}], "status": state}}),
        ),
    )
        .into_response()
}

impl FakeGoogleCalendar {
    pub async fn start() -> FakeGoogleCalendar {
        let mut fake = FakeGoogleCalendar {
            inner: Arc::default(),
            url: String::new(),
        };
        let app = axum::Router::new()
            .route("/token", axum::routing::post(token))
            .route(
                "/calendar/v3/calendars/{cal}/events",
                axum::routing::post(insert),
            )
            .route(
                "/calendar/v3/calendars/{cal}/events/{id}",
                axum::routing::get(get_event),
            )
            .with_state(fake.clone());
        fake.url = serve(app).await;
        fake
    }

    pub fn lose_next_insert(&self) {
        self.inner.lock().unwrap().lose = 1;
    }

    pub fn events(&self) -> Vec<Value> {
        self.inner
            .lock()
            .unwrap()
            .events
            .values()
            .cloned()
            .collect()
    }

    pub fn inserts(&self) -> Vec<BTreeMap<String, String>> {
        self.inner.lock().unwrap().inserts.clone()
    }

    pub fn tokens_issued(&self) -> usize {
        self.inner.lock().unwrap().tokens_issued
    }
}

async fn token(State(f): State<FakeGoogleCalendar>, body: String) -> Response {
    let form: BTreeMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let get = |k: &str| form.get(k).map(String::as_str);
    if get("grant_type") != Some("refresh_token") {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}))).into_response();
    }
    if get("client_id") != Some(CLIENT_ID) || get("client_secret") != Some(CLIENT_SECRET) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": "The OAuth client was not found."}))).into_response();
    }
    if get("refresh_token") != Some(REFRESH_TOKEN) {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}))).into_response();
    }
    f.inner.lock().unwrap().tokens_issued += 1;
    Json(json!({"access_token": ACCESS_TOKEN, "expires_in": 3599, "scope": "https://www.googleapis.com/auth/calendar.events", "token_type": "Bearer"})).into_response()
}

fn authorised(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {ACCESS_TOKEN}"))
}

fn unauthenticated() -> Response {
    google_error(
        StatusCode::UNAUTHORIZED,
        "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        "UNAUTHENTICATED",
    )
}

async fn insert(
    State(f): State<FakeGoogleCalendar>,
    Path(cal): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    Json(mut b): Json<Value>,
) -> Response {
    if !authorised(&headers) {
        return unauthenticated();
    }
    let mut w = f.inner.lock().unwrap();
    w.inserts.push(q.clone());
    let id = b["id"].as_str().unwrap_or("generated0001").to_string();
    if id.len() < 5
        || !id
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c))
    {
        return google_error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "Invalid resource id value.",
            "INVALID_ARGUMENT",
        );
    }
    if w.events.contains_key(&id) {
        return google_error(
            StatusCode::CONFLICT,
            "duplicate",
            "The requested identifier already exists.",
            "ALREADY_EXISTS",
        );
    }
    for key in ["start", "end"] {
        if b.pointer(&format!("/{key}/dateTime"))
            .and_then(Value::as_str)
            .is_none()
        {
            return google_error(
                StatusCode::BAD_REQUEST,
                "required",
                "Missing end time.",
                "INVALID_ARGUMENT",
            );
        }
    }
    b["htmlLink"] = json!(format!("https://www.google.com/calendar/event?eid={id}"));
    b["status"] = json!("confirmed");
    b["organizer"] = json!({"email": cal, "self": true});
    let asked = b
        .pointer("/conferenceData/createRequest/requestId")
        .and_then(Value::as_str)
        .map(str::to_string);
    match asked.filter(|_| q.get("conferenceDataVersion").map(String::as_str) == Some("1")) {
        Some(request) => {
            let code = format!("abc-{}-xyz", &id[..4]);
            b["hangoutLink"] = json!(format!("https://meet.google.com/{code}"));
            b["conferenceData"] = json!({
                "createRequest": {"requestId": request, "conferenceSolutionKey": {"type": "hangoutsMeet"}, "status": {"statusCode": "success"}},
                "entryPoints": [{"entryPointType": "video", "uri": format!("https://meet.google.com/{code}"), "label": format!("meet.google.com/{code}")}],
                "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
                "conferenceId": code,
            });
        }
        None => {
            if let Some(o) = b.as_object_mut() {
                o.remove("conferenceData");
            }
        }
    }
    w.events.insert(id, b.clone());
    if w.lose > 0 {
        w.lose -= 1;
        return StatusCode::BAD_GATEWAY.into_response();
    }
    Json(b).into_response()
}

async fn get_event(
    State(f): State<FakeGoogleCalendar>,
    Path((_cal, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&headers) {
        return unauthenticated();
    }
    match f.inner.lock().unwrap().events.get(&id) {
        Some(e) => Json(e.clone()).into_response(),
        None => google_error(StatusCode::NOT_FOUND, "notFound", "Not Found", "NOT_FOUND"),
    }
}
