//! Connections cannot be exhausted: sockets held open with half a request (no
//! signature needed) neither run warroom out of files nor lock Slack out; slow headers
//! and slow bodies are cut off.

use std::time::Duration;

use crate::common::fake_slack::FakeSlack;
use crate::common::{spawn, sqlite};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// True when the server closed `s` (or says so) within `within`.
async fn closed(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    match tokio::time::timeout(within, s.read(&mut buf)).await {
        Ok(Ok(0)) | Ok(Err(_)) => true,
        Ok(Ok(_)) => true, // an answer (408/503) means it is done with us too
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_sockets_do_not_lock_out_slack() {
    // As on the machine that found it: 1,024 open files, soft limit.
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    setrlimit(Resource::RLIMIT_NOFILE, 1024.min(hard), hard).unwrap();
    let db = sqlite();
    let fake = FakeSlack::start().await;
    let t = spawn(
        &db,
        &fake,
        "[http]\nmax_connections = 512\nheader_timeout = \"30s\"",
    )
    .await;
    let (soft, _) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    assert_eq!(soft, hard, "warroom raised the soft limit at start");

    let mut held = Vec::new();
    for _ in 0..1100 {
        let mut s = TcpStream::connect(t.app.addr).await.unwrap();
        s.write_all(b"POST /slack/commands HTTP/1.1\r\nHost: warroom\r\nContent-Length: 50\r\n")
            .await
            .unwrap();
        held.push(s);
    }
    // Slack's requests and health checks still get through, again and again.
    for i in 0..5 {
        let a = t
            .say(
                "UALICE",
                "CGENERAL",
                &format!("declare sev3 Held sockets {i}"),
            )
            .await;
        assert!(a.contains("Declared"), "{a}");
        assert_eq!(t.get("/healthz").await.status(), 200);
    }
    let checks = held
        .iter_mut()
        .map(|s| closed(s, Duration::from_millis(200)));
    let gone = futures::future::join_all(checks)
        .await
        .into_iter()
        .filter(|c| *c)
        .count();
    assert!(
        gone >= 1100 - 512,
        "the oldest held sockets made room: {gone}"
    );
    let m = t.get("/metrics").await.text().await.unwrap();
    assert!(
        m.contains("warroom_http_requests_total{endpoint=\"connections\",outcome=\"evicted\"}"),
        "{m}"
    );
    drop(held);
    t.stop().await;
}

#[tokio::test]
async fn slow_headers_and_slow_bodies_are_cut_off() {
    let db = sqlite();
    let fake = FakeSlack::start().await;
    let t = spawn(
        &db,
        &fake,
        "[http]\nheader_timeout = \"300ms\"\nbody_timeout = \"300ms\"",
    )
    .await;
    // Headers that never end.
    let mut s = TcpStream::connect(t.app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: w\r\n")
        .await
        .unwrap();
    assert!(
        closed(&mut s, Duration::from_secs(3)).await,
        "closed after the header timeout"
    );
    // A body that never ends: 408, well before Slack would have given up.
    let mut s = TcpStream::connect(t.app.addr).await.unwrap();
    s.write_all(b"POST /slack/commands HTTP/1.1\r\nHost: w\r\nContent-Length: 100\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ntext=dec")
        .await
        .unwrap();
    let mut buf = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf))
        .await
        .expect("answered")
        .unwrap();
    let head = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    t.stop().await;
}
