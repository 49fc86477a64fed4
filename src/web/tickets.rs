//! The trackers' webhooks: `POST /webhooks/github` (an `issues` event, or a
//! `pull_request` merged that holds a postmortem, signed with
//! `X-Hub-Signature-256`) and `POST /webhooks/jira` (`jira:issue_updated` signed
//! with `X-Hub-Signature`). The signature is checked over the exact body before it is
//! read (wrong, missing, or no secret configured: 401, nothing stored); a delivery
//! warroom follows is stored as a job and answered 202 at once; others 200 with
//! nothing done; a database that cannot take it 503 (both trackers redeliver).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::WebState;
use crate::tickets::Tracker;
use crate::tickets::inbound::{self, MAX_DELIVERY};

/// `POST /webhooks/github`.
pub async fn github(State(st): State<WebState>, req: Request) -> Response {
    receive(st, req, Tracker::GitHub).await
}

/// `POST /webhooks/jira`.
pub async fn jira(State(st): State<WebState>, req: Request) -> Response {
    receive(st, req, Tracker::Jira).await
}

async fn receive(st: WebState, req: Request, tracker: Tracker) -> Response {
    let what = format!("webhook_{}", tracker.key());
    let (parts, body): (_, Body) = req.into_parts();
    let within = st.app.cfg().http.body_timeout.0;
    let bytes = match tokio::time::timeout(within, to_bytes(body, MAX_DELIVERY)).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            st.app.metrics().request(&what, "too_large");
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        }
        Err(_) => {
            st.app.metrics().request(&what, "body_timeout");
            return StatusCode::REQUEST_TIMEOUT.into_response();
        }
    };
    let h = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let cfg = &st.app.cfg().tickets;
    let (secret, signature) = match tracker {
        Tracker::GitHub => (&cfg.github.webhook_secret, h("x-hub-signature-256")),
        Tracker::Jira => (&cfg.jira.webhook_secret, h("x-hub-signature")),
    };
    if !inbound::verify(secret.expose(), &bytes, signature) {
        tracing::warn!(
            tracker = tracker.key(),
            "a tracker webhook with a wrong or missing signature was refused"
        );
        st.app.metrics().request(&what, "unauthorized");
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    }
    let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
        st.app.metrics().request(&what, "invalid");
        return (StatusCode::BAD_REQUEST, "the body is not JSON").into_response();
    };
    if tracker == Tracker::GitHub
        && let Some(m) = inbound::github_merged(h("x-github-event").unwrap_or(""), &v)
    {
        return merged(&st, &what, &m).await;
    }
    let remote = match tracker {
        Tracker::GitHub => inbound::github_event(h("x-github-event").unwrap_or(""), &v),
        Tracker::Jira => inbound::jira_event(&v),
    };
    let Some(remote) = remote else {
        st.app.metrics().request(&what, "ignored");
        return (StatusCode::OK, "not followed").into_response();
    };
    match st.app.tickets().receive(&remote).await {
        Ok(()) => {
            st.app.metrics().request(&what, "ok");
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "a tracker webhook could not be stored");
            st.app.metrics().request(&what, "unavailable");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// A merged pull request: the postmortem it holds marked complete, at once (one
/// transaction); GitHub redelivers on a 503.
async fn merged(st: &WebState, what: &str, m: &inbound::Merged) -> Response {
    match st
        .app
        .reports()
        .pull_request_merged(&m.repo, m.number, m.by.as_deref())
        .await
    {
        Ok(true) => {
            st.app.metrics().request(what, "ok");
            StatusCode::ACCEPTED.into_response()
        }
        Ok(false) => {
            st.app.metrics().request(what, "ignored");
            (StatusCode::OK, "not followed").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "a merged pull request could not be stored");
            st.app.metrics().request(what, "unavailable");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
