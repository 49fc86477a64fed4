//! The HTTP server: Slack's endpoints, the incident and postmortem pages, health and
//! readiness, Prometheus metrics.

pub mod pages;
pub mod slack;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::app::App;
use crate::chat::slack::inbound::SlackInbound;
use crate::config::Secret;

/// What the handlers share.
#[derive(Clone)]
pub struct WebState {
    pub app: Arc<App>,
    /// Present when Slack is configured in HTTP mode.
    pub slack: Option<SlackInbound>,
    pub signing_secret: Secret,
}

/// All routes.
pub fn router(state: WebState) -> Router {
    let slack_routes = Router::new()
        .route("/slack/commands", post(slack::commands))
        .route("/slack/events", post(slack::events))
        .route("/slack/interactions", post(slack::interactions))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            slack::verify,
        ));
    let page_routes = Router::new()
        .route("/incidents", get(pages::list))
        .route("/incidents/{key}", get(pages::show))
        .route("/incidents/{key}/postmortem", get(pages::postmortem))
        .route("/incidents/{key}/postmortem.md", get(pages::postmortem_md))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::require_reader,
        ));
    Router::new()
        .merge(slack_routes)
        .merge(page_routes)
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/incidents") }),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready when the database takes a write; answered within a second either way.
async fn readyz(State(st): State<WebState>) -> Response {
    match st.app.store.ready(READY_WITHIN).await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {why}\n"),
        )
            .into_response(),
    }
}

/// How long /readyz waits for the database's answer.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_millis(800);

async fn metrics(State(st): State<WebState>) -> Response {
    let body = st.app.metrics.render(&st.app.store).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
