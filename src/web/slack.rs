//! Slack's HTTP endpoints. Every request's signature is checked over the raw body
//! before anything in it is parsed; a bad, missing or stale signature gets 401 and a
//! log line without the body.

use axum::Json;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::WebState;
use crate::slack::inbound::CommandRequest;
use crate::slack::signature;

/// Slack bodies are small; anything bigger is not from Slack.
const MAX_BODY: usize = 1 << 20;

fn endpoint(path: &str) -> &'static str {
    match path {
        "/slack/commands" => "commands",
        "/slack/events" => "events",
        "/slack/interactions" => "interactions",
        _ => "other",
    }
}

/// Checks the v0 signature and hands the verified body on.
pub async fn verify(State(st): State<WebState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let ep = endpoint(&path);
    let (parts, body) = req.into_parts();
    // A body sent slowly holds a connection: it has `http.body_timeout` to arrive.
    let within = st.app.cfg().http.body_timeout.0;
    let bytes = match tokio::time::timeout(within, to_bytes(body, MAX_BODY)).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            st.app.metrics().request(ep, "too_large");
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        }
        Err(_) => {
            st.app.metrics().request(ep, "body_timeout");
            return StatusCode::REQUEST_TIMEOUT.into_response();
        }
    };
    let h = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let now = st.app.now().timestamp();
    if let Err(e) = signature::verify(
        st.signing_secret.expose(),
        h("x-slack-signature"),
        h("x-slack-request-timestamp"),
        &bytes,
        now,
    ) {
        tracing::warn!(endpoint = ep, reason = %e, bytes = bytes.len(), "request refused: bad Slack signature");
        st.app.metrics().request(ep, "unauthorized");
        return (StatusCode::UNAUTHORIZED, "invalid signature").into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn json_or_empty(v: Option<Value>) -> Response {
    match v {
        Some(v) => Json(v).into_response(),
        None => StatusCode::OK.into_response(),
    }
}

pub async fn commands(State(st): State<WebState>, body: Bytes) -> Response {
    let Some(inbound) = st.slack.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let req = match CommandRequest::from_form(&body) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable slash command");
            st.app.metrics().request("commands", "bad_request");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let answer = inbound.command(req).await;
    st.app.metrics().request("commands", "ok");
    json_or_empty(answer)
}

pub async fn events(State(st): State<WebState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(inbound) = st.slack.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        st.app.metrics().request("events", "bad_request");
        return StatusCode::BAD_REQUEST.into_response();
    };
    if let Some(n) = headers
        .get("x-slack-retry-num")
        .and_then(|v| v.to_str().ok())
    {
        let reason = headers
            .get("x-slack-retry-reason")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info!(retry = n, reason, "Slack redelivered an event");
    }
    match inbound.event(&v).await {
        Ok(Some(challenge)) => {
            st.app.metrics().request("events", "ok");
            ([(header::CONTENT_TYPE, "text/plain")], challenge).into_response()
        }
        Ok(None) => {
            st.app.metrics().request("events", "ok");
            StatusCode::OK.into_response()
        }
        Err(e) => {
            // Not acknowledged: Slack retries, and the event ID makes the retry safe.
            tracing::error!(error = %e, "event not recorded");
            st.app.metrics().request("events", "error");
            match e {
                crate::app::AppError::Store(s) if s.outage().is_some() => {
                    StatusCode::SERVICE_UNAVAILABLE.into_response()
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct InteractionForm {
    payload: String,
}

pub async fn interactions(State(st): State<WebState>, body: Bytes) -> Response {
    let Some(inbound) = st.slack.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let payload = serde_urlencoded::from_bytes::<InteractionForm>(&body)
        .ok()
        .and_then(|f| serde_json::from_str::<Value>(&f.payload).ok());
    let Some(payload) = payload else {
        st.app.metrics().request("interactions", "bad_request");
        return StatusCode::BAD_REQUEST.into_response();
    };
    let answer = inbound.interaction(&payload).await;
    st.app.metrics().request("interactions", "ok");
    json_or_empty(answer)
}
