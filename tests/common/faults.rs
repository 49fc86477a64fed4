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

/// Answers a fake loses: the next writes are done, and their clients get a 502 as if
/// the answer never came back (the case every look-before-create is for).
#[derive(Clone, Default)]
pub struct Losses(Arc<Mutex<usize>>);

impl Losses {
    /// Loses the answers to the next `n` writes that succeed.
    pub fn next(&self, n: usize) {
        *self.0.lock().unwrap() = n;
    }

    /// `answer`, or a 502 in its place when a write's answer is to be lost.
    pub fn pass(&self, write: bool, answer: Response) -> Response {
        let mut left = self.0.lock().unwrap();
        if write && answer.status().is_success() && *left > 0 {
            *left -= 1;
            return StatusCode::BAD_GATEWAY.into_response();
        }
        answer
    }
}
