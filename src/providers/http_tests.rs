//! The client's limits and the classification, against a local server.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::*;

/// Serves the answers below on 127.0.0.1:0; returns its base URL.
async fn server() -> String {
    let app = Router::new()
        .route("/ok", get(|| async { r#"{"ok":true}"# }))
        .route("/agent", get(|h: HeaderMap| async move { agent(&h) }))
        .route(
            "/moved",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/ok")], "") }),
        )
        .route("/big", get(|| async { "x".repeat(4096) }))
        .route("/big-stream", get(|| async { streamed(8, 512) }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/retry-after",
            get(|| async { (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "7")], "") }),
        )
        .route(
            "/ratelimit-reset",
            get(|| async {
                let h = [("ratelimit-reset", "3"), ("ratelimit-remaining", "0")];
                (StatusCode::TOO_MANY_REQUESTS, h, "")
            }),
        )
        .route(
            "/too-long-wait",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "86400")],
                    "",
                )
            }),
        )
        .route("/down", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .route(
            "/refused",
            get(|| async { (StatusCode::BAD_REQUEST, "no ".repeat(1000)) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn agent(h: &HeaderMap) -> String {
    h.get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// `n` chunks of `size` bytes, without a Content-Length.
fn streamed(n: usize, size: usize) -> Response {
    let chunks = (0..n).map(move |_| Ok::<_, std::io::Error>(vec![b'y'; size]));
    Body::from_stream(futures::stream::iter(chunks)).into_response()
}

fn client(metrics: Option<Arc<Metrics>>) -> Http {
    let limits = Limits {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(500),
        max_body: 1024,
    };
    Http::new(&limits, metrics).unwrap()
}

async fn get_from(http: &Http, base: &str, path: &str) -> Result<Vec<u8>, ProviderError> {
    let req = http.request(Method::GET, &format!("{base}{path}"));
    http.send(Service::PagerDuty, req).await
}

#[test]
fn statuses_are_sorted_into_three_classes() {
    let class = |s: u16| classify(StatusCode::from_u16(s).unwrap());
    for s in [408, 420, 429, 500, 502, 503, 504] {
        assert_eq!(class(s), Class::Retry, "{s}");
    }
    for s in [200, 201, 202, 204] {
        assert_eq!(class(s), Class::Ok, "{s}");
    }
    for s in [301, 302, 400, 401, 403, 404, 409, 422] {
        assert_eq!(class(s), Class::Refused, "{s}");
    }
}

#[test]
fn waits_come_from_either_header_and_are_bounded() {
    let mut h = HeaderMap::new();
    assert_eq!(wait_asked(&h), None);
    h.insert("ratelimit-reset", "7".parse().unwrap());
    assert_eq!(wait_asked(&h), Some(Duration::from_secs(7)));
    let mut h = HeaderMap::new();
    h.insert("retry-after", "99999".parse().unwrap());
    assert_eq!(wait_asked(&h), Some(MAX_WAIT));
    let mut h = HeaderMap::new();
    h.insert(
        "retry-after",
        "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
    );
    assert_eq!(wait_asked(&h), None);
}

#[test]
fn githubs_limits_are_waits_and_its_other_403s_refusals() {
    let forbidden = StatusCode::FORBIDDEN;
    let mut h = HeaderMap::new();
    assert_eq!(limited(Service::GitHub, forbidden, &h), None);
    h.insert("retry-after", "60".parse().unwrap());
    assert_eq!(
        limited(Service::GitHub, forbidden, &h),
        Some(Duration::from_secs(60))
    );
    // Another service's 403 with the same header stays a refusal.
    assert_eq!(limited(Service::Jira, forbidden, &h), None);
    let mut h = HeaderMap::new();
    h.insert("x-ratelimit-remaining", "0".parse().unwrap());
    let reset = chrono::Utc::now().timestamp() + 30;
    h.insert("x-ratelimit-reset", reset.to_string().parse().unwrap());
    let wait = limited(Service::GitHub, forbidden, &h).unwrap();
    assert!((28..=30).contains(&wait.as_secs()), "{wait:?}");
    h.insert("x-ratelimit-remaining", "12".parse().unwrap());
    assert_eq!(limited(Service::GitHub, forbidden, &h), None);
}

#[test]
fn bodies_that_are_not_json_read_as_null() {
    assert_eq!(json(br#"{"a":1}"#)["a"], 1);
    assert_eq!(json(b""), Value::Null);
    assert_eq!(json(b"<html>"), Value::Null);
}

#[tokio::test]
async fn a_2xx_is_read_and_counted() {
    let base = server().await;
    let metrics = Arc::new(Metrics::new());
    let http = client(Some(metrics.clone()));
    let body = get_from(&http, &base, "/ok").await.unwrap();
    assert_eq!(json(&body)["ok"], true);
    let _ = get_from(&http, &base, "/refused").await;
    let _ = get_from(&http, &base, "/down").await;
    let text = metrics.render_counters();
    for outcome in ["ok", "refused", "retry"] {
        let line = format!(
            "warroom_provider_calls_total{{outcome=\"{outcome}\",provider=\"pagerduty\"}} 1"
        );
        assert!(text.contains(&line), "{line} not in\n{text}");
    }
}

#[tokio::test]
async fn the_user_agent_names_warroom_and_its_version() {
    let base = server().await;
    let body = get_from(&client(None), &base, "/agent").await.unwrap();
    let agent = String::from_utf8(body).unwrap();
    assert_eq!(agent, format!("warroom/{}", env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn a_redirect_is_not_followed_but_refused() {
    let base = server().await;
    match get_from(&client(None), &base, "/moved").await {
        Err(ProviderError::Refused { status: 302, .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_oversized_answer_is_not_read() {
    let base = server().await;
    let http = client(None);
    for path in ["/big", "/big-stream"] {
        match get_from(&http, &base, path).await {
            Err(ProviderError::Retry {
                after: None,
                reason,
            }) => {
                assert!(reason.contains("more than 1 KiB"), "{path}: {reason}")
            }
            other => panic!("{path}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let base = server().await;
    let started = std::time::Instant::now();
    match get_from(&client(None), &base, "/slow").await {
        Err(ProviderError::Retry {
            after: None,
            reason,
        }) => {
            assert!(reason.starts_with("PagerDuty unreachable"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn rate_limits_give_the_wait_asked_for() {
    let base = server().await;
    let http = client(None);
    for (path, wait) in [
        ("/retry-after", Some(Duration::from_secs(7))),
        ("/ratelimit-reset", Some(Duration::from_secs(3))),
        ("/too-long-wait", Some(MAX_WAIT)),
        ("/down", None),
    ] {
        match get_from(&http, &base, path).await {
            Err(ProviderError::Retry { after, reason }) => {
                assert_eq!(after, wait, "{path}");
                assert!(reason.starts_with("PagerDuty answered"), "{reason}");
            }
            other => panic!("{path}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_refusal_keeps_the_start_of_what_it_said() {
    let base = server().await;
    match get_from(&client(None), &base, "/refused").await {
        Err(ProviderError::Refused { status, text }) => {
            assert_eq!(status, 400);
            assert_eq!(text.chars().count(), REFUSAL_CHARS);
            assert!(text.starts_with("no no"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn nothing_listening_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    match get_from(&client(None), &format!("http://{addr}"), "/ok").await {
        Err(ProviderError::Retry {
            after: None,
            reason,
        }) => {
            assert!(reason.starts_with("PagerDuty unreachable"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}
