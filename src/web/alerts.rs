//! The alert webhooks: `POST /alerts/alertmanager`, `/alerts/grafana` and
//! `/alerts/events-v2` (also at `/v2/enqueue`, where PagerDuty-shaped senders post).
//! Each checks its sender's secret before reading the body (wrong or missing: 401,
//! nothing stored), reads a bounded body (bad: 400 with the reason), and answers 2xx
//! only once the alert is durably stored; a database that cannot take it gets 503,
//! which Alertmanager retries.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::WebState;
use crate::alerts::{AlertError, Source, events_v2, webhook};
use crate::app::AppError;
use crate::app::warnings::alerts::AlertOutcome;
use crate::domain::secret::Secret;

/// `POST /alerts/alertmanager`.
pub async fn alertmanager(State(st): State<WebState>, req: Request) -> Response {
    receive_group(st, req, Source::Alertmanager).await
}

/// `POST /alerts/grafana` (Grafana may also `PUT`).
pub async fn grafana(State(st): State<WebState>, req: Request) -> Response {
    receive_group(st, req, Source::Grafana).await
}

/// `POST /alerts/events-v2` and `POST /v2/enqueue`.
pub async fn events_v2(State(st): State<WebState>, req: Request) -> Response {
    let (_, bytes) = match read(&st, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let now = st.app.now();
    let event = match events_v2::parse(&bytes, now, new_dedup_key) {
        Ok(e) => e,
        Err(e) => return invalid(&st, Source::EventsV2, &e),
    };
    if !st.app.cfg().alerts.events_v2.accepts(&event.routing_key) {
        return unauthorized(&st, Source::EventsV2, "unknown routing_key");
    }
    match st.app.warnings().receive_event(&event).await {
        Ok(outcome) => {
            log_outcome(Source::EventsV2, &event.dedup_key, &outcome);
            st.app.metrics().request("alerts", "ok");
            (
                StatusCode::ACCEPTED,
                axum::Json(json!({
                    "status": "success",
                    "message": "Event processed",
                    "dedup_key": event.dedup_key,
                })),
            )
                .into_response()
        }
        Err(e) => unavailable(&st, Source::EventsV2, &e),
    }
}

async fn receive_group(st: WebState, req: Request, source: Source) -> Response {
    let (headers, bytes) = match read(&st, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(why) = authorized(&st, source, &headers, &bytes) {
        return unauthorized(&st, source, why);
    }
    let group = match webhook::parse(&bytes, source) {
        Ok(g) => g,
        Err(e) => return invalid(&st, source, &e),
    };
    match st.app.warnings().receive_alert_group(&group).await {
        Ok(outcome) => {
            log_outcome(source, &group.key, &outcome);
            st.app.metrics().request("alerts", "ok");
            let body = match outcome {
                AlertOutcome::Warning(k) => json!({"status": "ok", "warning": k}),
                AlertOutcome::OnTimeline(id) => json!({"status": "ok", "incident": id.to_string()}),
                AlertOutcome::Unknown => json!({"status": "ok"}),
            };
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        Err(e) => unavailable(&st, source, &e),
    }
}

/// The body, within `alerts.max_body` and `http.body_timeout`.
async fn read(st: &WebState, req: Request) -> Result<(HeaderMap, bytes::Bytes), Response> {
    let (parts, body): (_, Body) = req.into_parts();
    let max = st.app.cfg().alerts.max_body;
    let within = st.app.cfg().http.body_timeout.0;
    match tokio::time::timeout(within, to_bytes(body, max)).await {
        Ok(Ok(b)) => Ok((parts.headers, b)),
        Ok(Err(_)) => {
            st.app.metrics().request("alerts", "too_large");
            Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than alerts.max_body ({max} bytes)"),
            )
                .into_response())
        }
        Err(_) => {
            st.app.metrics().request("alerts", "body_timeout");
            Err(StatusCode::REQUEST_TIMEOUT.into_response())
        }
    }
}

/// Checks the sender's secret: a bearer token or the basic-auth password, and for
/// Grafana the HMAC signature when one is configured.
fn authorized(
    st: &WebState,
    source: Source,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), &'static str> {
    let cfg = &st.app.cfg().alerts;
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match source {
        Source::Alertmanager => token_matches(&cfg.alertmanager.token, h("authorization")),
        Source::Grafana => {
            let g = &cfg.grafana;
            if !g.token.is_set() && !g.hmac_secret.is_set() {
                return Err("alerts.grafana.token is not set");
            }
            if g.token.is_set() {
                token_matches(&g.token, h("authorization"))?;
            }
            if g.hmac_secret.is_set() {
                let ts = (!g.timestamp_header.is_empty())
                    .then(|| h(&g.timestamp_header))
                    .flatten();
                hmac_matches(&g.hmac_secret, h("x-grafana-alerting-signature"), ts, body)?;
            }
            Ok(())
        }
        Source::EventsV2 => Ok(()),
    }
}

fn token_matches(want: &Secret, header: Option<&str>) -> Result<(), &'static str> {
    if !want.is_set() {
        return Err("no token is configured for this sender");
    }
    let header = header.ok_or("missing Authorization header")?;
    let (scheme, value) = header
        .split_once(' ')
        .ok_or("malformed Authorization header")?;
    let given = if scheme.eq_ignore_ascii_case("bearer") {
        value.trim().to_string()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| "malformed basic credentials")?;
        let text = String::from_utf8(raw).map_err(|_| "malformed basic credentials")?;
        let (_, password) = text.split_once(':').ok_or("malformed basic credentials")?;
        password.to_string()
    } else {
        return Err("unsupported Authorization scheme");
    };
    if bool::from(given.as_bytes().ct_eq(want.expose().as_bytes())) {
        Ok(())
    } else {
        Err("wrong token")
    }
}

fn hmac_matches(
    secret: &Secret,
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
) -> Result<(), &'static str> {
    let sig = signature.ok_or("missing X-Grafana-Alerting-Signature")?;
    let sig = hex::decode(sig.trim()).map_err(|_| "malformed signature")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .map_err(|_| "bad HMAC secret")?;
    if let Some(ts) = timestamp {
        mac.update(ts.as_bytes());
        mac.update(b":");
    }
    mac.update(body);
    mac.verify_slice(&sig).map_err(|_| "wrong signature")
}

fn new_dedup_key() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

fn log_outcome(source: Source, key: &str, outcome: &AlertOutcome) {
    tracing::info!(source = %source, group = %crate::alerts::clip(key, 120), outcome = ?outcome, "alert received");
}

fn unauthorized(st: &WebState, source: Source, why: &str) -> Response {
    tracing::warn!(source = %source, reason = why, "alert refused: not authorized");
    st.app.metrics().request("alerts", "unauthorized");
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"status": "unauthorized", "message": why})),
    )
        .into_response()
}

fn invalid(st: &WebState, source: Source, e: &AlertError) -> Response {
    tracing::warn!(source = %source, reason = %e, "alert refused: invalid body");
    st.app.metrics().request("alerts", "invalid");
    let errors = match e {
        AlertError::Events(list) => list.clone(),
        other => vec![other.to_string()],
    };
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"status": "invalid event", "message": e.to_string(), "errors": errors})),
    )
        .into_response()
}

/// Storage failed: 503, so Alertmanager (which retries only 5xx) sends it again.
fn unavailable(st: &WebState, source: Source, e: &AppError) -> Response {
    tracing::error!(source = %source, error = %e, "alert not stored");
    st.app.metrics().request("alerts", "unavailable");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({"status": "unavailable", "message": "the alert could not be stored; send it again"})),
    )
        .into_response()
}
