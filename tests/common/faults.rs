//! What the fakes of outside services (Slack aside: it has its own richer failures)
//! share: the answers a test queues for the next requests (fault injection), the record
//! of what was sent, reading a header, a JSON answer, and serving on a free port.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// Statuses to answer, in order, before a fake serves normally again.
#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<VecDeque<StatusCode>>>);

impl Faults {
    /// Answers `status` to the next `n` requests.
    pub fn fail(&self, n: usize, status: u16) {
        let status = StatusCode::from_u16(status).expect("an HTTP status");
        self.0
            .lock()
            .unwrap()
            .extend(std::iter::repeat_n(status, n));
    }

    /// The status queued for this request, if any (taken off the queue).
    pub fn next(&self) -> Option<StatusCode> {
        self.0.lock().unwrap().pop_front()
    }
}

/// What a fake received, in order.
#[derive(Clone)]
pub struct Record<T>(Arc<Mutex<Vec<T>>>);

impl<T> Default for Record<T> {
    fn default() -> Self {
        Record(Arc::default())
    }
}

impl<T: Clone> Record<T> {
    pub fn push(&self, item: T) {
        self.0.lock().unwrap().push(item);
    }

    /// Everything recorded so far.
    pub fn all(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A request header as text, if present and readable.
pub fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A JSON answer.
pub fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// Serves a fake on a free local port; returns its base URL (`http://127.0.0.1:…`).
pub async fn serve(app: axum::Router) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.ok() });
    url
}
