//! A fake of Confluence Cloud's REST v2 pages, built from the published reference
//! (developer.atlassian.com/cloud/confluence/rest/v2: Page, "Get pages in space",
//! "Create page", "Update page"), with its shapes: pages with `version.number` and
//! `_links.webui`, errors as `{"errors": [{"status", "code", "title", "detail"}]}`, 400
//! for a title already used in the space, 409 "Version must be incremented on update.
//! Current version is: N" for a stale version, 404 for an unknown space or page, 401
//! for a wrong account or token. A test can lose the answers to the next writes (the
//! page made, the client sees a 502) and edit a page by hand, as a person would.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::faults::{Losses, Record, serve};

pub const EMAIL: &str = "warroom@acme.example";
pub const TOKEN: &str = "atl-confluence-token";
pub const SPACE: &str = "65537";
pub const PARENT: &str = "1000";

#[derive(Clone, Debug)]
pub struct Page {
    pub id: String,
    pub title: String,
    pub parent: Option<String>,
    pub version: i64,
    pub body: String,
    /// Who wrote the current version (`warroom`, or a person).
    pub author: String,
}

#[derive(Default)]
struct Inner {
    pages: Vec<Page>,
    /// Updates to refuse with a 409 (as when the version moved on in between).
    stale: usize,
    next_id: u64,
}

#[derive(Clone)]
pub struct FakeConfluence {
    inner: Arc<Mutex<Inner>>,
    /// (method, path) of every authorised request.
    pub log: Record<(String, String)>,
    losses: Losses,
    /// The site (`http://127.0.0.1:…`): the client appends `/wiki/api/v2/…`.
    pub url: String,
}

fn errors(status: StatusCode, code: &str, title: &str) -> Response {
    (status, Json(json!({"errors": [{"status": status.as_u16(), "code": code, "title": title, "detail": null}]}))).into_response()
}

fn page_json(p: &Page) -> Value {
    json!({
        "id": p.id, "status": "current", "title": p.title, "spaceId": SPACE, "parentId": p.parent,
        "parentType": "page", "authorId": "5b10ac8d82e05b22cc7d4ef5",
        "version": {"number": p.version, "message": "", "minorEdit": false, "authorId": p.author, "createdAt": "2026-12-08T10:00:00.000Z"},
        "body": {"storage": {"representation": "storage", "value": p.body}},
        "_links": {"webui": format!("/spaces/OPS/pages/{}/{}", p.id, p.title.replace(' ', "+")),
            "editui": format!("/pages/resumedraft.action?draftId={}", p.id), "tinyui": "/x/AbCd"},
    })
}

impl FakeConfluence {
    pub async fn start() -> FakeConfluence {
        let mut fake = FakeConfluence {
            inner: Arc::new(Mutex::new(Inner {
                next_id: 98_000,
                ..Inner::default()
            })),
            log: Record::default(),
            losses: Losses::default(),
            url: String::new(),
        };
        let app = axum::Router::new()
            .route(
                "/wiki/api/v2/spaces/{space}/pages",
                axum::routing::get(in_space),
            )
            .route("/wiki/api/v2/pages", axum::routing::post(create))
            .route(
                "/wiki/api/v2/pages/{id}",
                axum::routing::get(show).put(update),
            )
            .fallback(|| async { errors(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found") })
            .layer(axum::middleware::from_fn_with_state(fake.clone(), gate))
            .with_state(fake.clone());
        fake.url = serve(app).await;
        fake
    }

    /// The next `n` writes are done but their answers lost (502).
    pub fn lose_next(&self, n: usize) {
        self.losses.next(n);
    }

    /// The next update is refused with a 409, as if another save came in between.
    pub fn conflict_next_update(&self) {
        self.inner.lock().unwrap().stale += 1;
    }

    pub fn pages(&self) -> Vec<Page> {
        self.inner.lock().unwrap().pages.clone()
    }

    /// A person edits page `id` in Confluence: a new version by them.
    pub fn edit_by_hand(&self, id: &str, body: &str) {
        let mut w = self.inner.lock().unwrap();
        let p = w.pages.iter_mut().find(|p| p.id == id).expect("the page");
        p.version += 1;
        p.body = body.into();
        p.author = "557058:a-person".into();
    }
}

/// Basic auth, the record, the answers to lose.
async fn gate(State(fake): State<FakeConfluence>, req: Request, next: Next) -> Response {
    let want = format!("Basic {}", STANDARD.encode(format!("{EMAIL}:{TOKEN}")));
    if req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        != Some(want.as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": 401, "message": "Unauthorized"})),
        )
            .into_response();
    }
    let write = req.method() != axum::http::Method::GET;
    fake.log
        .push((req.method().to_string(), req.uri().to_string()));
    let answer = next.run(req).await;
    fake.losses.pass(write, answer)
}

async fn in_space(
    State(f): State<FakeConfluence>,
    Path(space): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if space != SPACE {
        return errors(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found");
    }
    let w = f.inner.lock().unwrap();
    let results: Vec<Value> = w
        .pages
        .iter()
        .filter(|p| q.get("title").is_none_or(|t| *t == p.title))
        .map(page_json)
        .collect();
    Json(json!({"results": results, "_links": {"base": format!("{}/wiki", "https://acme.atlassian.net")}})).into_response()
}

async fn show(State(f): State<FakeConfluence>, Path(id): Path<String>) -> Response {
    let w = f.inner.lock().unwrap();
    match w.pages.iter().find(|p| p.id == id) {
        Some(p) => Json(page_json(p)).into_response(),
        None => errors(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found"),
    }
}

async fn create(State(f): State<FakeConfluence>, Json(b): Json<Value>) -> Response {
    let (Some(space), Some(title), Some(body)) = (
        b["spaceId"].as_str(),
        b["title"].as_str(),
        b.pointer("/body/value").and_then(Value::as_str),
    ) else {
        return errors(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_PARAMETER",
            "spaceId, title and body are required",
        );
    };
    if space != SPACE {
        return errors(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found");
    }
    if b.pointer("/body/representation").and_then(Value::as_str) != Some("storage") {
        return errors(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_PARAMETER",
            "body.representation must be storage",
        );
    }
    let parent = b["parentId"].as_str().map(str::to_string);
    if parent.as_deref().is_some_and(|p| p != PARENT) {
        return errors(StatusCode::NOT_FOUND, "NOT_FOUND", "Parent page not found");
    }
    let mut w = f.inner.lock().unwrap();
    if w.pages.iter().any(|p| p.title == title) {
        return errors(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "A page with this title already exists: A page already exists with the same TITLE in this space",
        );
    }
    w.next_id += 1;
    let p = Page {
        id: w.next_id.to_string(),
        title: title.into(),
        parent,
        version: 1,
        body: body.into(),
        author: "warroom".into(),
    };
    let v = page_json(&p);
    w.pages.push(p);
    Json(v).into_response()
}

async fn update(
    State(f): State<FakeConfluence>,
    Path(id): Path<String>,
    Json(b): Json<Value>,
) -> Response {
    let mut w = f.inner.lock().unwrap();
    let stale = w.stale > 0;
    if stale {
        w.stale -= 1;
    }
    let Some(p) = w.pages.iter_mut().find(|p| p.id == id) else {
        return errors(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found");
    };
    if stale {
        return errors(
            StatusCode::CONFLICT,
            "CONFLICT",
            &format!(
                "Version must be incremented on update. Current version is: {}",
                p.version + 1
            ),
        );
    }
    let (Some(number), Some(body)) = (
        b.pointer("/version/number").and_then(Value::as_i64),
        b.pointer("/body/value").and_then(Value::as_str),
    ) else {
        return errors(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_PARAMETER",
            "version.number and body are required",
        );
    };
    if number != p.version + 1 {
        return errors(
            StatusCode::CONFLICT,
            "CONFLICT",
            &format!(
                "Version must be incremented on update. Current version is: {}",
                p.version
            ),
        );
    }
    p.version = number;
    p.body = body.into();
    p.author = "warroom".into();
    if let Some(t) = b["title"].as_str() {
        p.title = t.into();
    }
    Json(page_json(p)).into_response()
}
