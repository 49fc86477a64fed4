//! The HTTP server: Slack's endpoints, the incident and postmortem pages, health and
//! readiness, Prometheus metrics.

pub mod alerts;
pub mod pages;
pub mod public;
pub mod server;
pub mod shed;
pub mod slack;
pub mod tickets;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::middleware::from_fn_with_state as with;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::Semaphore;

use crate::app::App;
use crate::config::Secret;
use crate::slack::inbound::SlackInbound;
use shed::{Busy, Gate};

/// What the handlers share.
#[derive(Clone)]
pub struct WebState {
    pub app: Arc<App>,
    /// Present when Slack is configured in HTTP mode.
    pub slack: Option<SlackInbound>,
    pub signing_secret: Secret,
    /// The public status page's rendered pages.
    pub status_cache: Arc<public::Cache>,
}

/// All routes, each kind behind its own bound on work in flight ([`shed`]).
pub fn router(state: WebState) -> Router {
    Router::new()
        .merge(slack_routes(&state))
        .merge(page_routes(&state))
        .merge(alert_routes(&state))
        .merge(status_routes(&state))
        .merge(health_routes(&state))
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/incidents") }),
        )
        .with_state(state)
}

/// A bound on work in flight: `slots` at once, each waiting at most `wait` for
/// one, answered as `busy` when none frees up in time.
fn gate(
    state: &WebState,
    name: &'static str,
    slots: Arc<Semaphore>,
    wait: std::time::Duration,
    busy: Busy,
) -> Arc<Gate> {
    Gate::new(name, slots, wait, busy, state.app.metrics().clone())
}

/// Slack's endpoints, signed requests only. Slash commands and the rest share one
/// pool of slots, but a busy command gets an answer Slack shows, not an error.
fn slack_routes(state: &WebState) -> Router<WebState> {
    let slots = Arc::new(Semaphore::new(shed::SLACK_SLOTS));
    let commands_gate = gate(
        state,
        "commands",
        slots.clone(),
        shed::SLACK_WAIT,
        Busy::SlackAnswer,
    );
    let slack_gate = gate(state, "slack", slots, shed::SLACK_WAIT, Busy::Unavailable);
    let commands = Router::new()
        .route("/slack/commands", post(slack::commands))
        .route_layer(with(state.clone(), slack::verify))
        .route_layer(with(commands_gate, shed::limit));
    let rest = Router::new()
        .route("/slack/events", post(slack::events))
        .route("/slack/interactions", post(slack::interactions))
        .route_layer(with(state.clone(), slack::verify))
        .route_layer(with(slack_gate, shed::limit));
    commands.merge(rest)
}

/// The incident, postmortem and insights pages, for readers only.
fn page_routes(state: &WebState) -> Router<WebState> {
    let page_gate = gate(
        state,
        "pages",
        Arc::new(Semaphore::new(shed::page_slots())),
        shed::PAGE_WAIT,
        Busy::Unavailable,
    );
    Router::new()
        .route("/incidents", get(pages::list))
        .route("/incidents/{key}", get(pages::show))
        .route("/incidents/{key}/postmortem", get(pages::postmortem))
        .route("/incidents/{key}/postmortem.md", get(pages::postmortem_md))
        .route("/insights", get(pages::insights))
        .route("/insights.csv", get(pages::insights_csv))
        .route("/insights.json", get(pages::insights_json))
        .route_layer(with(state.clone(), pages::require_reader))
        .route_layer(with(page_gate, shed::limit))
}

/// Alert webhooks: Alertmanager, Grafana and PagerDuty's Events API v2 shape.
fn alert_routes(state: &WebState) -> Router<WebState> {
    let alerts_gate = gate(
        state,
        "alerts",
        Arc::new(Semaphore::new(shed::ALERT_SLOTS)),
        shed::ALERT_WAIT,
        Busy::Unavailable,
    );
    Router::new()
        .route("/alerts/alertmanager", post(alerts::alertmanager))
        .route(
            "/alerts/grafana",
            post(alerts::grafana).put(alerts::grafana),
        )
        .route("/alerts/events-v2", post(alerts::events_v2))
        .route("/v2/enqueue", post(alerts::events_v2))
        .route("/webhooks/github", post(tickets::github))
        .route("/webhooks/jira", post(tickets::jira))
        .route_layer(with(alerts_gate, shed::limit))
}

/// The public status page under `/status`: no login, its own bound on work in
/// flight. Served here unless it has a listener of its own.
fn status_routes(state: &WebState) -> Router<WebState> {
    if state.app.cfg().status.listen.is_some() {
        return Router::new();
    }
    let status_gate = gate(
        state,
        "status",
        Arc::new(Semaphore::new(shed::page_slots())),
        shed::PAGE_WAIT,
        Busy::Unavailable,
    );
    public::routes("/status").route_layer(with(status_gate, shed::limit))
}

/// Readiness and metrics behind the operators' bound; liveness with none, so it
/// answers however busy the rest is.
fn health_routes(state: &WebState) -> Router<WebState> {
    let ops_gate = gate(
        state,
        "ops",
        Arc::new(Semaphore::new(shed::OPS_SLOTS)),
        shed::OPS_WAIT,
        Busy::Unavailable,
    );
    Router::new()
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route_layer(with(ops_gate, shed::limit))
        .route("/healthz", get(healthz))
}

/// The public status page alone, for `status.listen`: nothing else is reachable there.
pub fn status_router(state: WebState) -> Router {
    let gate = gate(
        &state,
        "status",
        Arc::new(Semaphore::new(shed::page_slots())),
        shed::PAGE_WAIT,
        Busy::Unavailable,
    );
    public::routes("")
        .route_layer(with(gate, shed::limit))
        .route("/healthz", get(healthz))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready when the database takes a write; answered within a second either way.
async fn readyz(State(st): State<WebState>) -> Response {
    match st.app.ready(READY_WITHIN).await {
        Ok(()) => {
            // The queue, when it answers at once: a long one is worth seeing here.
            let queue =
                match tokio::time::timeout(QUEUE_WITHIN, st.app.incidents().queue_state()).await {
                    Ok(Ok(q)) => format!(
                        "queue: {} pending, {} due, oldest due {:.1} s ago\n",
                        q.pending, q.due, q.oldest_due_seconds
                    ),
                    _ => "queue: not read in time\n".to_string(),
                };
            (StatusCode::OK, format!("ready\n{queue}")).into_response()
        }
        Err(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {why}\n"),
        )
            .into_response(),
    }
}

/// How long /readyz waits for the queue's figures.
const QUEUE_WITHIN: std::time::Duration = std::time::Duration::from_millis(200);

/// How long /readyz waits for the database's answer.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_millis(800);

async fn metrics(State(st): State<WebState>) -> Response {
    let body = st.app.render_metrics().await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
