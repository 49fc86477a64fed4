//! Overload is shed, not absorbed. Each kind of request has its own bound on work in
//! flight and a short wait for a free slot; beyond that it is answered at once: a slash
//! command with a short "busy, try again" (Slack does not retry those), other Slack
//! requests and page views with 503 and `Retry-After` (Slack retries its events).
//! Slack's slots are separate from the pages' and scrapes', so a flood of page views
//! cannot take them; the pages get fewer slots than the machine has cores twice over,
//! so the CPU stays free for Slack. Memory grown under load is handed back to the
//! system once it passes ([`give_back_memory`]).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::metrics::Metrics;

/// How a request beyond the bound is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// 200 with an ephemeral "busy" answer (slash commands).
    SlackAnswer,
    /// 503 with `Retry-After`.
    Unavailable,
}

/// A bound on one kind of request.
pub struct Gate {
    name: &'static str,
    slots: Arc<Semaphore>,
    wait: Duration,
    busy: Busy,
    metrics: Arc<Metrics>,
}

impl Gate {
    pub fn new(
        name: &'static str,
        slots: Arc<Semaphore>,
        wait: Duration,
        busy: Busy,
        metrics: Arc<Metrics>,
    ) -> Arc<Gate> {
        Arc::new(Gate {
            name,
            slots,
            wait,
            busy,
            metrics,
        })
    }
}

/// Slack's requests in flight at once, and how long one waits for a slot (the rest of
/// Slack's 3 s belongs to the answer itself).
pub const SLACK_SLOTS: usize = 64;
pub const SLACK_WAIT: Duration = Duration::from_millis(300);
/// Page views in flight per core, and their wait.
pub const PAGE_SLOTS_PER_CORE: usize = 2;
pub const PAGE_WAIT: Duration = Duration::from_millis(50);
/// Scrapes and readiness checks in flight.
/// Alert webhooks: each holds a database transaction, so fewer than the pool can
/// serve at once would only queue there; a busy answer (503) is retried by senders.
pub const ALERT_SLOTS: usize = 16;
pub const ALERT_WAIT: Duration = Duration::from_millis(2000);
pub const OPS_SLOTS: usize = 4;
pub const OPS_WAIT: Duration = Duration::from_millis(100);

/// Page views in flight on this machine.
pub fn page_slots() -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    (cores * PAGE_SLOTS_PER_CORE).max(2)
}

/// The middleware: run the request in a slot, or answer it at once.
pub async fn limit(State(g): State<Arc<Gate>>, req: Request, next: Next) -> Response {
    let permit = tokio::time::timeout(g.wait, g.slots.clone().acquire_owned()).await;
    match permit {
        Ok(Ok(p)) => {
            let resp = next.run(req).await;
            drop(p);
            resp
        }
        _ => {
            g.metrics.request(g.name, "shed");
            busy(g.busy)
        }
    }
}

fn busy(kind: Busy) -> Response {
    match kind {
        Busy::SlackAnswer => axum::Json(serde_json::json!({
            "response_type": "ephemeral",
            "text": ":hourglass: warroom is very busy right now and did not take this command; nothing was recorded. Please send it again in a few seconds.",
        }))
        .into_response(),
        Busy::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "warroom is busy; try again in a moment\n",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn status(app: &Router, path: &str) -> (StatusCode, String) {
        let req = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 10_000)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn beyond_its_slots_a_request_is_answered_at_once() {
        let metrics = Arc::new(Metrics::new());
        let release = Arc::new(tokio::sync::Notify::new());
        let slots = Arc::new(Semaphore::new(1));
        let held = release.clone();
        let pages = Gate::new(
            "pages",
            slots.clone(),
            Duration::from_millis(30),
            Busy::Unavailable,
            metrics.clone(),
        );
        let commands = Gate::new(
            "commands",
            slots,
            Duration::from_millis(30),
            Busy::SlackAnswer,
            metrics.clone(),
        );
        let app = Router::new()
            .route(
                "/slow",
                get(move || {
                    let held = held.clone();
                    async move {
                        held.notified().await;
                        "done"
                    }
                }),
            )
            .route("/page", get(|| async { "page" }))
            .route_layer(axum::middleware::from_fn_with_state(pages, limit))
            .merge(
                Router::new()
                    .route("/command", get(|| async { "answer" }))
                    .route_layer(axum::middleware::from_fn_with_state(commands, limit)),
            );
        let slow = tokio::spawn({
            let app = app.clone();
            async move { status(&app, "/slow").await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let (s, _) = status(&app, "/page").await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "the only slot is taken");
        let (s, body) = status(&app, "/command").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            body.contains("very busy") && body.contains("ephemeral"),
            "{body}"
        );
        release.notify_one();
        assert_eq!(slow.await.unwrap().0, StatusCode::OK);
        assert_eq!(status(&app, "/page").await.0, StatusCode::OK, "free again");
        let m = metrics.render_counters();
        assert!(m.contains("outcome=\"shed\""), "{m}");
    }
}
