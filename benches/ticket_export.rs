//! Exporting action items to GitHub Issues under GitHub's secondary limits: 200
//! items recorded one after another, against a fake GitHub that allows 80
//! content-creating requests a minute (the documented secondary limit) and answers
//! more with 403 and `retry-after`, and that loses the answer to one create in
//! twenty after making the issue. Prints the time until every item had its issue,
//! the issues GitHub made, the duplicates (issues carrying the same item's marker:
//! the figure must be 0), the 403s GitHub gave and the answers it lost, on SQLite and
//! (when reachable) PostgreSQL.
//!
//! Run: `cargo bench --bench ticket_export`. BENCH_SCALE: how much faster than
//! GitHub's own minute both sides run (default 1: GitHub's pace, about three
//! minutes a database); BENCH_ITEMS (default 200); BENCH_SPACING_MS: warroom's
//! `write_spacing` (default GitHub's second, scaled; 0: only GitHub's 403s pace it).

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/common/timing.rs"]
mod timing;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::fake_github::{FakeGitHub, TOKEN};
use common::fake_slack::FakeSlack;

/// GitHub's documented secondary limit on content-creating requests.
const WRITES_PER_MINUTE: usize = 80;

async fn run(db: &common::TestDb, items: usize, scale: f64) {
    let fake = FakeSlack::start().await;
    let gh = FakeGitHub::start().await;
    let minute = Duration::from_secs_f64(60.0 / scale);
    gh.secondary_limit(WRITES_PER_MINUTE, minute);
    // warroom keeps GitHub's "a second between writes" at the same scale.
    let spacing_ms: u64 = timing::env_num("BENCH_SPACING_MS", (1000.0 / scale).round() as u64);
    let extra = format!(
        "[tickets.github]\napi_url = \"{}\"\ntoken = \"{TOKEN}\"\nwrite_spacing = \"{spacing_ms}ms\"\n\
         [[tickets.routes]]\ntracker = \"github\"\nproject = \"acme/api\"\n",
        gh.url
    );
    let t = common::spawn(db, &fake, &extra).await;
    t.say("UALICE", "CGENERAL", "declare sev2 Bench: export storm")
        .await;
    let ch = t.wait_ready(1).await.id;
    let started = Instant::now();
    let mut lost = 0;
    for i in 1..=items {
        if i % 20 == 7 {
            gh.lose_next_creates(1);
            lost += 1;
        }
        t.say(
            "UALICE",
            &ch,
            &format!("action follow-up number {i} <@UBOB> p2"),
        )
        .await;
    }
    let recorded = started.elapsed();
    let pool = t.peek().await;
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        let linked: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tickets WHERE ticket_key IS NOT NULL AND subject LIKE 'action:%'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if linked as usize >= items || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let all = started.elapsed();
    let mut per_marker: BTreeMap<String, usize> = BTreeMap::new();
    for issue in gh.issues("acme/api") {
        let body = issue["body"].as_str().unwrap_or("").to_string();
        if let Some(m) = body.split("<!-- warroom:").nth(1) {
            *per_marker
                .entry(m.split(' ').next().unwrap_or("").to_string())
                .or_default() += 1;
        }
    }
    let duplicates: usize = per_marker.values().map(|n| n.saturating_sub(1)).sum();
    println!(
        "ticket_export {} items={items} scale={scale} spacing={spacing_ms}ms: recorded in {:.1} s; every item had its issue after {:.1} s; \
         issues={} duplicates={duplicates} items_without_issue={} secondary_403s={} lost_answers={lost}",
        db.label(),
        recorded.as_secs_f64(),
        all.as_secs_f64(),
        gh.issues("acme/api").len(),
        items.saturating_sub(per_marker.len()),
        gh.secondary_refusals(),
    );
    t.stop().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let scale: f64 = timing::env_num("BENCH_SCALE", 1.0);
    let items: usize = timing::env_num("BENCH_ITEMS", 200);
    let db = common::sqlite();
    run(&db, items, scale).await;
    if let Some(pg) = common::postgres().await {
        run(&pg, items, scale).await;
        pg.cleanup().await;
    }
}
