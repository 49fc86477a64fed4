//! A fake of the parts of PagerDuty's REST API v2 warroom uses, built from its
//! published reference (api-schema `openapiv3.json`, developer-docs on
//! authentication, versioning, pagination, includes, errors and rate limits):
//! `Authorization: Token token=…` or 401 (code 2006); the versioned `Accept`;
//! `GET /oncalls` filtered by `escalation_policy_ids[]`/`schedule_ids[]`, paged by
//! `limit`/`offset` with `more`, users as references unless `include[]=users`;
//! `GET /users?query=`; `POST /incidents` (needs `From`, a service reference, and
//! not both `escalation_policy` and `assignments`; a second open incident with the
//! same `incident_key` on a service is a 400) → 201; `PUT /incidents/{id}` → 200.
//! It pages at most [`MAX_LIMIT`] entries at a time, so pagination is exercised, and
//! can answer 429 (with `ratelimit-*` headers) or 500 for the next requests.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::faults::{Faults, Record, answer, header, serve};

pub const TOKEN: &str = "u+pd-rest-token-1234";
pub const FROM: &str = "warroom-bot@example.com";
pub const SERVICE: &str = "PSVC001";
const ACCEPT: &str = "application/vnd.pagerduty+json;version=2";
/// The fake's page size, below what warroom asks for.
pub const MAX_LIMIT: usize = 2;

/// A person on an escalation policy or schedule.
#[derive(Clone)]
pub struct Person {
    pub id: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub policy: &'static str,
    pub schedule: Option<&'static str>,
    pub level: i64,
}

#[derive(Default)]
struct Inner {
    people: Vec<Person>,
    created: Vec<Value>,
    resolved: Vec<String>,
    unauthorised: usize,
    /// Incident ID or incident key → who acknowledged it, and when (RFC 3339).
    acked: Vec<(String, String, String)>,
}

#[derive(Clone)]
pub struct FakePagerDutyRest {
    inner: Arc<Mutex<Inner>>,
    /// Answers queued for the next authorised requests (429 with `ratelimit-*`).
    pub faults: Faults,
    /// (method, path with query, From header) of every authorised request.
    pub log: Record<(String, String, Option<String>)>,
    pub url: String,
}

impl FakePagerDutyRest {
    pub async fn start(people: Vec<Person>) -> FakePagerDutyRest {
        let mut fake = FakePagerDutyRest {
            inner: Arc::new(Mutex::new(Inner {
                people,
                ..Inner::default()
            })),
            faults: Faults::default(),
            log: Record::default(),
            url: String::new(),
        };
        let app = axum::Router::new()
            .route("/oncalls", axum::routing::get(oncalls))
            .route("/users", axum::routing::get(users))
            .route("/incidents", axum::routing::post(create).get(list))
            .route("/incidents/{id}", axum::routing::put(update).get(show))
            .with_state(fake.clone());
        fake.url = serve(app).await;
        fake
    }

    /// Incidents created, as sent.
    pub fn created(&self) -> Vec<Value> {
        self.inner.lock().unwrap().created.clone()
    }

    pub fn resolved(&self) -> Vec<String> {
        self.inner.lock().unwrap().resolved.clone()
    }

    /// Someone acknowledges, on their phone, the incident with this ID or incident key
    /// (an Events v2 trigger's dedup key), a minute ago.
    pub fn acknowledge(&self, id_or_key: &str, who: &str) {
        let at = (chrono::Utc::now() - chrono::Duration::seconds(60))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.inner
            .lock()
            .unwrap()
            .acked
            .push((id_or_key.into(), who.into(), at));
    }

    pub fn unauthorised(&self) -> usize {
        self.inner.lock().unwrap().unauthorised
    }
}

fn error(status: StatusCode, code: i64, message: &str) -> Response {
    answer(
        status,
        json!({"error": {"message": message, "code": code, "errors": [message]}}),
    )
}

/// Decodes `a%5B%5D=b&c=d` into pairs (PagerDuty repeats `key[]` per value).
fn pairs(q: &str) -> Vec<(String, String)> {
    let dec = |s: &str| {
        let b = s.replace('+', " ").into_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                if let Ok(v) = u8::from_str_radix(h, 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).to_string()
    };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k), dec(v))
        })
        .collect()
}

/// One query parameter's value ("" when absent).
fn param(q: &str, key: &str) -> String {
    pairs(q)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

impl FakePagerDutyRest {
    /// Checks the headers every call needs, records the call, and takes a queued
    /// failure. Some: the refusal to answer.
    fn refuse(&self, headers: &HeaderMap, method: &str, path: String) -> Option<Response> {
        if header(headers, "authorization") != Some(format!("Token token={TOKEN}")) {
            self.inner.lock().unwrap().unauthorised += 1;
            return Some(error(StatusCode::UNAUTHORIZED, 2006, "Unauthorized"));
        }
        if header(headers, "accept").as_deref() != Some(ACCEPT) {
            return Some(error(
                StatusCode::BAD_REQUEST,
                2001,
                "Invalid Accept header",
            ));
        }
        self.log
            .push((method.into(), path, header(headers, "from")));
        let status = self.faults.next()?;
        let mut r = error(status, 2020, "Rate Limit Exceeded");
        if status == StatusCode::TOO_MANY_REQUESTS {
            let hs = r.headers_mut();
            hs.insert("ratelimit-limit", "960".parse().unwrap());
            hs.insert("ratelimit-remaining", "0".parse().unwrap());
            hs.insert("ratelimit-reset", "1".parse().unwrap());
        }
        Some(r)
    }
}

async fn oncalls(
    State(fake): State<FakePagerDutyRest>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let q = q.unwrap_or_default();
    if let Some(r) = fake.refuse(&headers, "GET", format!("/oncalls?{q}")) {
        return r;
    }
    let w = fake.inner.lock().unwrap();
    let ps = pairs(&q);
    let all = |k: &str| -> Vec<String> {
        ps.iter()
            .filter(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let one = |k: &str| all(k).into_iter().next();
    let policies = all("escalation_policy_ids[]");
    let schedules = all("schedule_ids[]");
    let with_users = all("include[]").iter().any(|v| v == "users");
    let limit: usize = one("limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(25)
        .min(MAX_LIMIT);
    let offset: usize = one("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    if offset + limit > 10_000 {
        return error(
            StatusCode::BAD_REQUEST,
            2001,
            "Offset must be less than 10000",
        );
    }
    let matching: Vec<&Person> = w
        .people
        .iter()
        .filter(|p| {
            (policies.is_empty() || policies.iter().any(|x| x == p.policy))
                && (schedules.is_empty()
                    || schedules.iter().any(|x| Some(x.as_str()) == p.schedule))
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|p| {
            let user = if with_users {
                json!({"id": p.id, "type": "user", "name": p.name, "email": p.email, "summary": p.name})
            } else {
                json!({"id": p.id, "type": "user_reference", "summary": p.name})
            };
            json!({"user": user,
                "escalation_policy": {"id": p.policy, "type": "escalation_policy_reference", "summary": "Database"},
                "schedule": p.schedule.map(|s| json!({"id": s, "type": "schedule_reference", "summary": "DB primary"})),
                "escalation_level": p.level, "start": null, "end": null})
        })
        .collect();
    let more = offset + limit < matching.len();
    Json(json!({"oncalls": page, "limit": limit, "offset": offset, "more": more, "total": null}))
        .into_response()
}

async fn users(
    State(fake): State<FakePagerDutyRest>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let q = q.unwrap_or_default();
    if let Some(r) = fake.refuse(&headers, "GET", format!("/users?{q}")) {
        return r;
    }
    let w = fake.inner.lock().unwrap();
    let query = param(&q, "query").to_ascii_lowercase();
    let mut seen = Vec::new();
    let found: Vec<Value> = w
        .people
        .iter()
        .filter(|p| p.email.contains(&query) || p.name.to_ascii_lowercase().contains(&query))
        .filter(|p| {
            let new = !seen.contains(&p.id);
            seen.push(p.id);
            new
        })
        .map(|p| json!({"id": p.id, "type": "user", "name": p.name, "email": p.email}))
        .collect();
    Json(json!({"users": found, "limit": 25, "offset": 0, "more": false, "total": null}))
        .into_response()
}

async fn create(
    State(fake): State<FakePagerDutyRest>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(r) = fake.refuse(&headers, "POST", "/incidents".into()) {
        return r;
    }
    let mut w = fake.inner.lock().unwrap();
    if !header(&headers, "from").is_some_and(|f| f.contains('@')) {
        return error(
            StatusCode::BAD_REQUEST,
            2001,
            "You must specify a user's email address in the \"From\" header to perform this action",
        );
    }
    let Ok(v) = serde_json::from_str::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, 2001, "Invalid Input Provided");
    };
    let i = &v["incident"];
    let ok = i["type"] == "incident"
        && i["title"].as_str().is_some_and(|t| !t.is_empty())
        && i["service"]["type"] == "service_reference"
        && i["service"]["id"].is_string()
        && !(i.get("escalation_policy").is_some() && i.get("assignments").is_some())
        && (i.get("urgency").is_none()
            || ["high", "low"].contains(&i["urgency"].as_str().unwrap_or("")));
    if !ok {
        return error(StatusCode::BAD_REQUEST, 2001, "Invalid Input Provided");
    }
    let key = i["incident_key"].as_str().unwrap_or("");
    if !key.is_empty()
        && w.created
            .iter()
            .any(|c| c["incident"]["incident_key"] == key)
    {
        return error(
            StatusCode::BAD_REQUEST,
            2001,
            "Open incident with matching dedup key already exists on this service",
        );
    }
    w.created.push(v.clone());
    let n = w.created.len();
    let id = format!("Q{n:05}");
    (
        StatusCode::CREATED,
        Json(
            json!({"incident": {"id": id, "type": "incident", "incident_number": n,
            "status": "triggered", "title": i["title"], "incident_key": key,
            "html_url": format!("https://example.pagerduty.com/incidents/{id}")}}),
        ),
    )
        .into_response()
}

async fn update(
    State(fake): State<FakePagerDutyRest>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: String,
) -> Response {
    if let Some(r) = fake.refuse(&headers, "PUT", format!("/incidents/{id}")) {
        return r;
    }
    let mut w = fake.inner.lock().unwrap();
    if !header(&headers, "from").is_some_and(|f| f.contains('@')) {
        return error(StatusCode::BAD_REQUEST, 2001, "From header required");
    }
    let n: usize = id.trim_start_matches('Q').parse().unwrap_or(0);
    if n == 0 || n > w.created.len() {
        return error(StatusCode::NOT_FOUND, 2100, "Not Found");
    }
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if v["incident"]["type"] != "incident_reference" || v["incident"]["status"] != "resolved" {
        return error(StatusCode::BAD_REQUEST, 2001, "Invalid Input Provided");
    }
    w.resolved.push(id.clone());
    Json(json!({"incident": {"id": id, "type": "incident", "status": "resolved"}})).into_response()
}

/// An incident as `GET /incidents` shows it, acknowledged or not.
fn incident_view(w: &Inner, id: &str, key: &str) -> Value {
    let ack = w
        .acked
        .iter()
        .find(|(k, _, _)| k == id || (!key.is_empty() && k == key));
    let resolved = w.resolved.iter().any(|r| r == id);
    let status = match (resolved, ack) {
        (true, _) => "resolved",
        (false, Some(_)) => "acknowledged",
        (false, None) => "triggered",
    };
    let acks: Vec<Value> = ack
        .map(|(_, by, at)| json!({"at": at, "acknowledger": {"id": "PUX", "type": "user_reference", "summary": by}}))
        .into_iter()
        .collect();
    json!({"id": id, "type": "incident", "status": status, "incident_key": key, "acknowledgements": acks})
}

async fn list(
    State(fake): State<FakePagerDutyRest>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let q = q.unwrap_or_default();
    if let Some(r) = fake.refuse(&headers, "GET", format!("/incidents?{q}")) {
        return r;
    }
    let w = fake.inner.lock().unwrap();
    let key = param(&q, "incident_key");
    // Incidents created here, or one an Events trigger opened (known once acknowledged).
    let mut found: Vec<Value> = (1..=w.created.len())
        .filter(|n| w.created[n - 1]["incident"]["incident_key"] == key.as_str())
        .map(|n| incident_view(&w, &format!("Q{n:05}"), &key))
        .collect();
    if found.is_empty() && w.acked.iter().any(|(k, _, _)| *k == key) {
        found.push(incident_view(&w, "QEVENTS", &key));
    }
    Json(json!({"incidents": found, "limit": 25, "offset": 0, "more": false, "total": null}))
        .into_response()
}

async fn show(
    State(fake): State<FakePagerDutyRest>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = fake.refuse(&headers, "GET", format!("/incidents/{id}")) {
        return r;
    }
    let w = fake.inner.lock().unwrap();
    let n: usize = id.trim_start_matches('Q').parse().unwrap_or(0);
    if n == 0 || n > w.created.len() {
        return error(StatusCode::NOT_FOUND, 2100, "Not Found");
    }
    let key = w.created[n - 1]["incident"]["incident_key"]
        .as_str()
        .unwrap_or("")
        .to_string();
    Json(json!({"incident": incident_view(&w, &id, &key)})).into_response()
}
