//! How fast alerts are taken in: one Alertmanager notification carrying 1,000 alerts
//! of one group, and 1,000 notifications of one alert each (16 senders at once, as
//! Alertmanager flushes groups in parallel), against the real server on SQLite and
//! PostgreSQL with the fake Slack behind it. Each case is timed from the first send
//! to the last 2xx (every alert durably stored), then the test waits for delivery and
//! counts: exactly one warning per group. Target: < 1 s per case.
//! Run: `cargo bench --bench alert_intake`.

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::fake_slack::FakeSlack;
use futures::StreamExt;
use serde_json::{Value, json};

const TOKEN: &str = "bench-token";
const N: usize = 1_000;
const SENDERS: usize = 16;

fn alert(i: usize, status: &str) -> Value {
    json!({"status": status,
           "labels": {"alertname": "BenchAlert", "instance": format!("host-{i}:9100"), "severity": "warning"},
           "annotations": {"summary": format!("disk filling on host-{i}")},
           "startsAt": "2026-03-02T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
           "generatorURL": "http://prom:9090/graph", "fingerprint": format!("{i:016x}")})
}

fn body(key: &str, alerts: Vec<Value>) -> String {
    json!({"version": "4", "groupKey": key, "status": "firing", "receiver": "warroom",
           "groupLabels": {"alertname": "BenchAlert"}, "commonLabels": {}, "commonAnnotations": {},
           "externalURL": "http://am:9093", "truncatedAlerts": 0, "alerts": alerts})
    .to_string()
}

async fn send(t: &common::TestApp, body: String) {
    let r = t
        .http
        .post(format!("{}/alerts/alertmanager", t.base))
        .bearer_auth(TOKEN)
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

async fn warnings(t: &common::TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM warnings WHERE watcher = 'alerts'")
        .fetch_one(&t.peek().await)
        .await
        .expect("counted")
}

fn posts(fake: &FakeSlack) -> usize {
    fake.calls("chat.postMessage")
        .iter()
        .filter(|b| b["text"].as_str().unwrap_or("").contains("FIRING"))
        .count()
}

async fn run(label: &str, db: &common::TestDb) {
    let fake = FakeSlack::start().await;
    let cfg = format!("[alerts]\nalertmanager.token = \"{TOKEN}\"\n");
    let t = common::spawn(db, &fake, &cfg).await;
    // One group of 1,000 alerts.
    let big = body(
        "{}:{alertname=\"BenchAlert\"}",
        (0..N).map(|i| alert(i, "firing")).collect(),
    );
    let bytes = big.len();
    let start = Instant::now();
    send(&t, big.clone()).await;
    let one_group = start.elapsed();
    // Its re-send (every group_interval) is answered as fast and posts nothing new.
    let start = Instant::now();
    send(&t, big).await;
    let resend = start.elapsed();
    // 1,000 groups of one alert, 16 at a time.
    let bodies: Vec<String> = (0..N)
        .map(|i| {
            body(
                &format!("{{}}:{{instance=\"host-{i}\"}}"),
                vec![alert(i, "firing")],
            )
        })
        .collect();
    let start = Instant::now();
    futures::stream::iter(bodies)
        .for_each_concurrent(SENDERS, |b| {
            let t = &t;
            async move { send(t, b).await }
        })
        .await;
    let many = start.elapsed();
    let stored = warnings(&t).await;
    fake.wait("every warning posted", Duration::from_secs(120), |f| {
        posts(f) > N
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("\n{label}");
    println!(
        "  1 group of {N} alerts ({} KiB): accepted in {:.0} ms (re-send {:.0} ms)",
        bytes / 1024,
        one_group.as_secs_f64() * 1e3,
        resend.as_secs_f64() * 1e3
    );
    println!(
        "  {N} groups of 1 alert, {SENDERS} senders: accepted in {:.0} ms ({:.0} groups/s)",
        many.as_secs_f64() * 1e3,
        N as f64 / many.as_secs_f64()
    );
    println!(
        "  warnings stored {stored} (want {}), posted {} (want {})",
        N + 1,
        posts(&fake),
        N + 1
    );
    assert_eq!(stored as usize, N + 1);
    assert_eq!(posts(&fake), N + 1, "exactly one warning per group");
    t.stop().await;
}

#[tokio::main]
async fn main() {
    let db = common::sqlite();
    run("SQLite", &db).await;
    if let Some(pg) = common::postgres().await {
        run("PostgreSQL", &pg).await;
        pg.cleanup().await;
    }
}
