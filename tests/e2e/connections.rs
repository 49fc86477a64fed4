//! Connections cannot be exhausted: sockets held open with half a request (no
//! signature needed) neither run warroom out of files nor lock Slack out; slow headers
//! and slow bodies are cut off.

use std::time::Duration;

use crate::common::child::{Killed, free_port, signed_command, wait_http};
use crate::common::fake_slack::FakeSlack;
use crate::common::{SECRET, spawn, sqlite};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The open-files limit is the whole test process's: the tests here that change it
/// or fill it take turns.
static FILES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
    let _turn = FILES.lock().await;
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

/// The real binary with the open-files limit at 1,024 (soft and hard, as `ulimit -n`
/// sets it) and the default connection cap, which is above that: 1,100 sockets held
/// with half a request must not make a signed command wait for a file to free up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_gets_through_at_the_open_files_limit() {
    let _turn = FILES.lock().await;
    let db = sqlite();
    let fake = FakeSlack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let config = dir.path().join("warroom.toml");
    std::fs::write(
        &config,
        format!(
            "[slack]\napi_url = \"{api}\"\nbot_token = \"xoxb-test-token\"\nsigning_secret = \"{SECRET}\"\nannouncements_channel = \"CANNOUNCE\"\n[http]\nlisten = \"127.0.0.1:{port}\"\nheader_timeout = \"60s\"\n[database]\nurl = \"{db}\"\n[watch.disk]\nlocal = false\n[digest]\nschedule = \"\"\n",
            api = fake.api_url(),
            db = db.url()
        ),
    )
    .unwrap();
    // Held sockets need files on this side too.
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    if hard < 2400 {
        crate::common::skip::skip(
            crate::common::skip::Need::Root,
            "this process may open fewer than 2,400 files (raise its hard limit)",
        );
        return;
    }
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    let _child = Killed(
        std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 1024 && exec \"$0\" --config \"$1\" serve")
            .arg(env!("CARGO_BIN_EXE_warroom"))
            .arg(&config)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("warroom starts"),
    );
    wait_http(&format!("{base}/healthz")).await;
    let mut held = Vec::new();
    for _ in 0..1100 {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await else {
            continue;
        };
        let _ = s
            .write_all(b"POST /slack/commands HTTP/1.1\r\nHost: warroom\r\nContent-Length: 50\r\n")
            .await;
        held.push(s);
    }
    let mut took = Vec::new();
    for i in 0..5 {
        let (status, text, t) =
            signed_command(&base, &format!("declare sev3 Held files {i}")).await;
        assert_eq!(status, 200, "command {i}: {text} after {t:?}");
        assert!(text.contains("Declared"), "{text}");
        took.push(t);
    }
    println!("answers with 1,100 sockets held at 1,024 files: {took:?}");
    // Slack gives up after 3 s: each of them was answered well within it.
    assert!(took.iter().all(|t| *t < Duration::from_secs(1)), "{took:?}");
    drop(held);
}
