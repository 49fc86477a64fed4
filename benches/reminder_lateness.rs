//! How far from its due time a reminder fires: SEV1 incidents on a 3-second cadence
//! (instead of 15 minutes) with the production poll interval (1 s), the real clock,
//! SQLite, and the fake Slack recording when each reminder arrives.
//! Run: `cargo bench --bench reminder_lateness` (prints p50/p90/p99/max).

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use common::fake_slack::FakeSlack;

fn pct(sorted: &[i64], p: f64) -> i64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let incidents: i64 = std::env::var("BENCH_INCIDENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let secs: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let fake = FakeSlack::start().await;
    let db = common::sqlite();
    let t = common::spawn(
        &db,
        &fake,
        "[reminders]\nsev1 = \"3s\"\nescalate_after = 0\n[jobs]\npoll_interval = \"1s\"",
    )
    .await;
    for i in 1..=incidents {
        t.say(
            "UALICE",
            "CGENERAL",
            &format!("declare sev1 Lateness probe {i}"),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let pool = t.peek().await;
    t.stop().await;

    // Reminder jobs that fired, by incident, in due order.
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT payload, run_at, finished_at FROM jobs WHERE kind = 'reminder.update' AND state = 'done' ORDER BY run_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut due: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    let mut fired = Vec::new();
    for (payload, run_at, finished) in rows {
        let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
        due.entry(v["incident"].as_i64().unwrap())
            .or_default()
            .push((run_at, finished));
        fired.push(finished - run_at);
    }
    // Reminder messages as Slack received them, matched in order to their jobs.
    let mut posted = Vec::new();
    for (id, jobs) in &due {
        let ch = fake
            .channels_named(&format!("inc-{id}-"))
            .pop()
            .expect("channel");
        let msgs: Vec<i64> = fake
            .messages(&ch.id)
            .iter()
            .filter(|m| m.text.starts_with(":alarm_clock:"))
            .map(|m| m.at.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64)
            .collect();
        for ((run_at, _), at) in jobs.iter().zip(msgs) {
            posted.push(at - run_at);
        }
    }
    fired.sort();
    posted.sort();
    println!(
        "\nReminder lateness: {incidents} SEV1 incidents on a 3 s cadence for {secs} s, poll interval 1 s, SQLite"
    );
    println!(
        "{:<34} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "measured from the due time to", "n", "p50", "p90", "p99", "max"
    );
    for (label, v) in [
        ("the reminder job committed", &fired),
        ("the message received by Slack", &posted),
    ] {
        println!(
            "{:<34} {:>6} {:>6}ms {:>6}ms {:>6}ms {:>6}ms",
            label,
            v.len(),
            pct(v, 0.5),
            pct(v, 0.9),
            pct(v, 0.99),
            v.last().unwrap()
        );
    }
}
