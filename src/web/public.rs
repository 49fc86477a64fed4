//! The public status page: no login whatever `web.token` says, served under
//! `/status/` on the main listener or at `/` on `status.listen`'s own. HTML with
//! the pages' strict CSP and no script, an Atom feed, and JSON in Statuspage's
//! public `summary.json`/`status.json` shapes (CORS open, as Statuspage's are).
//! Every answer carries an ETag (a hash of its body) and a short public max-age;
//! a matching `If-None-Match` gets 304. Rendered pages are kept until a public
//! update is published or the minute turns (one cheap query decides), so a
//! crowd reading the page during an outage costs little. The database down
//! answers 503 at once.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::WebState;
use crate::domain::IncidentId;
use crate::html::SECURITY_HEADERS;
use crate::public::{atom, html, json};

/// The rendered public pages, by what they are, with the version they show.
#[derive(Default)]
pub struct Cache {
    pages: std::sync::Mutex<std::collections::HashMap<&'static str, (String, Arc<String>)>>,
    /// The last version read, and when: read again at most once a [`RECHECK`], so a
    /// crowd on the page does not take the connections slash commands need.
    version: std::sync::Mutex<Option<(std::time::Instant, String)>>,
}

/// How long a version read holds.
const RECHECK: Duration = Duration::from_secs(1);

impl Cache {
    fn recent_version(&self) -> Option<String> {
        let v = self.version.lock().unwrap_or_else(|p| p.into_inner());
        v.as_ref()
            .filter(|(at, _)| at.elapsed() < RECHECK)
            .map(|(_, v)| v.clone())
    }

    fn remember_version(&self, v: &str) {
        *self.version.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((std::time::Instant::now(), v.to_string()));
    }
}

/// Entries the feed carries (the newest incidents).
pub const FEED_ENTRIES: usize = 50;

/// How long a reader may keep an answer.
const MAX_AGE: &str = "public, max-age=30";
/// How long the store may take before the page says it is unavailable.
const READ_WITHIN: Duration = Duration::from_secs(2);

/// The public routes under `prefix` (`/status` on the main listener, empty on a
/// listener of its own). The page is at `{prefix}/` so that its relative links
/// stay under it; `{prefix}` without the slash redirects there.
pub fn routes(prefix: &str) -> Router<WebState> {
    let mut r = Router::new()
        .route(&format!("{prefix}/"), get(index))
        .route(&format!("{prefix}/incidents/{{id}}"), get(incident))
        .route(&format!("{prefix}/feed.atom"), get(feed))
        .route(&format!("{prefix}/api/v2/summary.json"), get(summary))
        .route(&format!("{prefix}/api/v2/status.json"), get(status));
    if !prefix.is_empty() {
        let to = format!("{prefix}/");
        r = r.route(
            prefix,
            get(move || async move { axum::response::Redirect::permanent(&to) }),
        );
    }
    r
}

/// `Content-Type`, ETag and caching for `body`; 304 when the reader has it.
fn cached(req: &HeaderMap, content_type: &'static str, body: String) -> Response {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    let etag = format!("\"{:016x}\"", h.finish());
    let matches = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut r = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let hs = r.headers_mut();
    hs.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    hs.insert(header::CACHE_CONTROL, HeaderValue::from_static(MAX_AGE));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        hs.insert(header::ETAG, v);
    }
    for (k, v) in SECURITY_HEADERS {
        hs.insert(k, HeaderValue::from_static(v));
    }
    if content_type.starts_with("application/json") {
        hs.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    r
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::warn!(error = %e, "the status page could not be read");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "30")],
        "The status page is briefly unavailable; try again in a minute.\n",
    )
        .into_response()
}

/// The page `kind` rendered by `render`, from the cache when nothing public
/// changed; or the answer to give instead.
async fn page(
    st: &WebState,
    kind: &'static str,
    render: fn(&crate::public::StatusView) -> String,
) -> Result<Arc<String>, Response> {
    let now = st.app.now();
    let version = match st.status_cache.recent_version() {
        Some(v) => v,
        None => match tokio::time::timeout(READ_WITHIN, st.app.comms().status_version(now)).await {
            Ok(Ok(v)) => {
                st.status_cache.remember_version(&v);
                v
            }
            Ok(Err(e)) => return Err(unavailable(e)),
            Err(_) => return Err(unavailable("timed out")),
        },
    };
    let lock = || {
        st.status_cache
            .pages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    };
    if let Some((v, body)) = lock().get(kind)
        && *v == version
    {
        return Ok(body.clone());
    }
    let view = match tokio::time::timeout(READ_WITHIN, st.app.comms().status_view(now)).await {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return Err(unavailable(e)),
        Err(_) => return Err(unavailable("timed out")),
    };
    let body = Arc::new(render(&view));
    lock().insert(kind, (version, body.clone()));
    Ok(body)
}

async fn index(State(st): State<WebState>, req: HeaderMap) -> Response {
    match page(&st, "index", html::index).await {
        Ok(b) => cached(&req, "text/html; charset=utf-8", b.as_str().to_owned()),
        Err(r) => r,
    }
}

async fn incident(State(st): State<WebState>, Path(id): Path<String>, req: HeaderMap) -> Response {
    let Some(id) = id.parse::<i64>().ok().filter(|n| *n > 0).map(IncidentId) else {
        return (StatusCode::NOT_FOUND, "No such incident.\n").into_response();
    };
    let now = st.app.now();
    match tokio::time::timeout(READ_WITHIN, st.app.comms().public_incident(id, now)).await {
        Ok(Ok(Some((v, inc)))) => {
            cached(&req, "text/html; charset=utf-8", html::incident(&v, &inc))
        }
        Ok(Ok(None)) => (StatusCode::NOT_FOUND, "No such incident.\n").into_response(),
        Ok(Err(e)) => unavailable(e),
        Err(_) => unavailable("timed out"),
    }
}

async fn feed(State(st): State<WebState>, req: HeaderMap) -> Response {
    fn newest(v: &crate::public::StatusView) -> String {
        let mut v = v.clone();
        v.incidents.truncate(FEED_ENTRIES);
        atom::feed(&v)
    }
    match page(&st, "feed", newest).await {
        Ok(b) => cached(
            &req,
            "application/atom+xml; charset=utf-8",
            b.as_str().to_owned(),
        ),
        Err(r) => r,
    }
}

async fn summary(State(st): State<WebState>, req: HeaderMap) -> Response {
    match page(&st, "summary", |v| json::summary(v).to_string()).await {
        Ok(b) => cached(&req, "application/json", b.as_str().to_owned()),
        Err(r) => r,
    }
}

async fn status(State(st): State<WebState>, req: HeaderMap) -> Response {
    match page(&st, "status", |v| json::status(v).to_string()).await {
        Ok(b) => cached(&req, "application/json", b.as_str().to_owned()),
        Err(r) => r,
    }
}
