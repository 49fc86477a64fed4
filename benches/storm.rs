//! The storm of `tests/storm.rs` as figures: 50 declares within half a (scaled)
//! minute against a fake Slack enforcing Slack's tiers with 429s; prints the 429s
//! received, each incident's time from declare to headline (p50/p99), the declares'
//! and a mid-storm command's answer times, and when everything was set up.
//!
//! Run: `cargo bench --bench storm` (BENCH_SCALE: how much faster than Slack's tiers,
//! default 10; BENCH_RUNS, default 3).

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/common/timing.rs"]
mod timing;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let scale: f64 = timing::env_num("BENCH_SCALE", 10.0);
    let runs: usize = timing::env_num("BENCH_RUNS", 3);
    for run in 1..=runs {
        let db = common::sqlite();
        let s = common::storm::run(&db, scale, 50).await;
        println!("run {run} {}", s.figures(scale));
        db.cleanup().await;
        if let Some(pg) = common::postgres().await {
            let s = common::storm::run(&pg, scale, 50).await;
            println!("run {run} {}", s.figures(scale));
            pg.cleanup().await;
        }
    }
}
