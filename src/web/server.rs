//! The HTTP listener, bounded so that nobody can exhaust it. Requests must send their
//! headers within `http.header_timeout` (hyper closes the connection otherwise) and
//! their bodies within `http.body_timeout`; at most `http.max_connections` connections
//! are open. At the cap, the connection that has waited longest without a request in
//! hand (idle, or still sending one) is closed to make room, so Slack's requests get
//! through while someone holds sockets open; when every connection is busy with a
//! request, a new one gets `503` at once. The cap is lowered to what the open-files
//! limit allows; should accepting still fail for want of a file, the same eviction
//! makes room at once (and with nothing to evict, the error is waited out, never spun
//! on).

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use http_body_util::BodyExt;
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

use crate::metrics::Metrics;

/// How the listener is bounded.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

/// What a connection is doing: only one with a whole request in hand is never evicted.
const WAITING: u8 = 0;
const RECEIVING: u8 = 1;
const HANDLING: u8 = 2;

struct Conn {
    state: AtomicU8,
    /// When it entered its state (the oldest waiting one makes room first).
    since: Mutex<Instant>,
    kill: Notify,
}

impl Conn {
    fn set(&self, state: u8) {
        self.state.store(state, Ordering::Release);
        if let Ok(mut s) = self.since.lock() {
            *s = Instant::now();
        }
    }
}

#[derive(Default)]
struct Registry {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    next: AtomicU64,
}

impl Registry {
    fn len(&self) -> usize {
        self.conns.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Closes the connection that waited longest without a whole request; false when
    /// every connection is handling one.
    fn evict_one(&self) -> bool {
        let Ok(mut conns) = self.conns.lock() else {
            return false;
        };
        let victim = conns
            .iter()
            .filter(|(_, c)| c.state.load(Ordering::Acquire) != HANDLING)
            .min_by_key(|(_, c)| {
                c.since
                    .lock()
                    .map(|s| *s)
                    .unwrap_or_else(|_| Instant::now())
            })
            .map(|(id, _)| *id);
        // Out of the count at once: the next connection must not pick it again.
        match victim.and_then(|id| conns.remove(&id)) {
            Some(c) => {
                c.kill.notify_one();
                true
            }
            None => false,
        }
    }
}

/// A request body that says when it has arrived whole: from then on the connection
/// is busy with a request and is not evicted.
struct Tracked {
    inner: Incoming,
    conn: Arc<Conn>,
}

impl hyper::body::Body for Tracked {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.conn.set(HANDLING);
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Files kept free for everything that is not an inbound connection: the database
/// pools, outbound calls to Slack and the providers, logs, the SQLite files.
const FILES_FOR_THE_REST: u64 = 128;

/// The connection cap that fits the open-files limit: `configured`, or fewer when
/// the limit leaves no room for that many (a cap above it would never be reached:
/// accepting would fail for want of a file first, and nobody would be evicted).
pub fn connection_cap(configured: usize) -> usize {
    #[cfg(unix)]
    {
        use nix::sys::resource::{Resource, getrlimit};
        if let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NOFILE) {
            let room = soft.saturating_sub(FILES_FOR_THE_REST).max(16);
            if (configured as u64) > room {
                tracing::warn!(
                    configured,
                    open_files = soft,
                    cap = room,
                    "http.max_connections is above what the open-files limit allows; capped"
                );
                return room as usize;
            }
        }
    }
    configured
}

/// Raises the open-files soft limit to the hard limit (each connection is a file).
pub fn raise_fd_limit() {
    #[cfg(unix)]
    {
        use nix::sys::resource::{Resource, getrlimit, setrlimit};
        if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE)
            && soft < hard
        {
            match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
                Ok(()) => tracing::info!(from = soft, to = hard, "raised the open-files limit"),
                Err(e) => tracing::warn!(error = %e, "could not raise the open-files limit"),
            }
        }
    }
}

/// Serves `router` on `listener` until `stop` turns true, then lets requests in
/// progress finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let registry = Arc::new(Registry::default());
    let mut accept_errors = 0u64;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => break,
        };
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) => {
                // EMFILE and friends: make room at once by closing the connection that
                // waited longest without a request, as at the cap; with none to
                // close, wait for one to end rather than spin.
                accept_errors += 1;
                if accept_errors.is_power_of_two() {
                    tracing::warn!(error = %e, count = accept_errors, "could not accept a connection");
                }
                if registry.evict_one() {
                    metrics.request("connections", "evicted");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                } else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
        };
        if registry.len() >= limits.max_connections {
            if registry.evict_one() {
                metrics.request("connections", "evicted");
            } else {
                metrics.request("connections", "refused");
                tokio::spawn(refuse(stream));
                continue;
            }
        }
        let conn = Arc::new(Conn {
            state: AtomicU8::new(WAITING),
            since: Mutex::new(Instant::now()),
            kill: Notify::new(),
        });
        let id = registry.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut c) = registry.conns.lock() {
            c.insert(id, conn.clone());
        }
        let registry = registry.clone();
        let router = router.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            serve_one(stream, router, limits, conn, stop).await;
            if let Ok(mut c) = registry.conns.lock() {
                c.remove(&id);
            }
        });
    }
    // Let connections finish what they are doing (each got the stop signal).
    let until = Instant::now() + Duration::from_secs(10);
    while registry.len() > 0 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Tells a connection beyond the cap to come back, and closes it.
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(
        Duration::from_millis(200),
        stream.write_all(
            b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
    )
    .await;
}

async fn serve_one(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    conn: Arc<Conn>,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let tracked = conn.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let conn = tracked.clone();
        let router = router.clone();
        async move {
            conn.set(if req.body().is_end_stream() {
                HANDLING
            } else {
                RECEIVING
            });
            let req = req.map(|b| {
                Body::new(
                    Tracked {
                        inner: b,
                        conn: conn.clone(),
                    }
                    .boxed(),
                )
            });
            let resp = router
                .oneshot(req)
                .await
                .unwrap_or_else(|e: Infallible| match e {});
            conn.set(WAITING);
            Ok::<_, Infallible>(resp)
        }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let served = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(served);
    tokio::select! {
        _ = served.as_mut() => {}
        _ = conn.kill.notified() => {}
        _ = stop.changed() => {
            served.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(10), served).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(state: u8, age: Duration) -> Arc<Conn> {
        Arc::new(Conn {
            state: AtomicU8::new(state),
            since: Mutex::new(Instant::now() - age),
            kill: Notify::new(),
        })
    }

    #[tokio::test]
    async fn the_oldest_connection_without_a_request_in_hand_makes_room() {
        let r = Registry::default();
        let busy = conn(HANDLING, Duration::from_secs(60));
        let old_idle = conn(WAITING, Duration::from_secs(30));
        let new_idle = conn(RECEIVING, Duration::from_secs(1));
        for (i, c) in [&busy, &old_idle, &new_idle].into_iter().enumerate() {
            r.conns.lock().unwrap().insert(i as u64, c.clone());
        }
        assert!(r.evict_one());
        // The notification is stored for the oldest waiting one, not the busy one.
        tokio::time::timeout(Duration::from_millis(100), old_idle.kill.notified())
            .await
            .expect("the oldest waiting connection is told to close");
        assert!(
            tokio::time::timeout(Duration::from_millis(50), busy.kill.notified())
                .await
                .is_err()
        );
        let all_busy = Registry::default();
        all_busy.conns.lock().unwrap().insert(0, busy.clone());
        assert!(
            !all_busy.evict_one(),
            "nothing to evict: refuse the new one"
        );
    }
}
