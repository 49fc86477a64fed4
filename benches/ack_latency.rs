//! How long Slack waits for warroom to acknowledge a slash command: signed HTTP
//! requests against the real server (SQLite file, and PostgreSQL when reachable), the
//! fake Slack behind it, measured at the client from send to full response.
//! Run: `cargo bench --bench ack_latency` (prints p50/p90/p99/max per command).

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::fake_slack::FakeSlack;

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn measure(label: &str, t: &common::TestApp, n: usize) {
    let mut rows: Vec<(&str, Vec<Duration>)> = Vec::new();
    // Warm up: the first declare creates the channel and fills caches.
    t.say("UALICE", "CGENERAL", "declare sev3 Warm-up incident")
        .await;
    t.wait_ready(1).await;
    let ch = t.incident_channel(1).unwrap().id;
    let cases: [(&str, String, &str); 6] = [
        (
            "declare",
            "declare sev3 Benchmark incident".into(),
            "CGENERAL",
        ),
        ("note", "note benchmark note".into(), &ch),
        ("status", "status identified".into(), &ch),
        ("timeline", "timeline".into(), &ch),
        ("list", "list".into(), "CGENERAL"),
        ("bad input", "sev 9".into(), &ch),
    ];
    for (name, text, channel) in &cases {
        let mut v = Vec::with_capacity(n);
        for i in 0..n {
            // Alternate so status changes are legal every time.
            let text = if *name == "status" {
                if i % 2 == 0 {
                    "status identified".to_string()
                } else {
                    "status investigating".to_string()
                }
            } else if *name == "declare" {
                // A title declared twice within a minute asks first; each is new.
                format!("{text} {i}")
            } else {
                text.clone()
            };
            let start = Instant::now();
            let _ = t.command("UALICE", channel, &text).await;
            v.push(start.elapsed());
        }
        v.sort();
        rows.push((name, v));
    }
    println!(
        "\n{label}: slash-command acknowledgement, {n} requests each, sequential, client-side"
    );
    println!(
        "{:<12} {:>10} {:>10} {:>10} {:>10}",
        "command", "p50", "p90", "p99", "max"
    );
    let mut all = Vec::new();
    for (name, v) in &rows {
        println!(
            "{:<12} {:>10} {:>10} {:>10} {:>10}",
            name,
            ms(pct(v, 0.5)),
            ms(pct(v, 0.9)),
            ms(pct(v, 0.99)),
            ms(*v.last().unwrap())
        );
        all.extend(v.iter().copied());
    }
    all.sort();
    println!(
        "{:<12} {:>10} {:>10} {:>10} {:>10}",
        "all",
        ms(pct(&all, 0.5)),
        ms(pct(&all, 0.9)),
        ms(pct(&all, 0.99)),
        ms(*all.last().unwrap())
    );
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let fake = FakeSlack::start().await;
    let db = common::sqlite();
    let t = common::spawn(&db, &fake, "").await;
    measure("SQLite", &t, n).await;
    t.stop().await;
    if let Some(pg) = common::postgres().await {
        let fake = FakeSlack::start().await;
        let t = common::spawn(&pg, &fake, "").await;
        measure("PostgreSQL", &t, n).await;
        t.stop().await;
        pg.cleanup().await;
    }
}
