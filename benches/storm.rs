//! Storms as figures, against a fake Slack enforcing Slack's tiers with 429s: for 20
//! and 50 incidents declared at once, on one instance and on two replicas sharing
//! PostgreSQL, the time from each declare to its channel (p50, p99, max), the 429s
//! received, the declares' answer times, a mid-storm command's, and when everything
//! was set up.
//!
//! Run: `cargo bench --bench storm`. BENCH_SCALE: how much faster than Slack's tiers
//! both sides run (default 1: Slack's own pace; the 50-incident storms wait minutes
//! for Tier 2 at that pace); BENCH_RUNS (default 3); BENCH_STORMS: which storms, e.g.
//! `20`, `50` or `20,50` (default).

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/common/timing.rs"]
mod timing;

use common::storm::{self, Plan};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let scale: f64 = timing::env_num("BENCH_SCALE", 1.0);
    let runs: usize = timing::env_num("BENCH_RUNS", 3);
    let storms: Vec<usize> = std::env::var("BENCH_STORMS")
        .unwrap_or_else(|_| "20,50".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    for &declares in &storms {
        for run in 1..=runs {
            let one = Plan {
                declares,
                replicas: 1,
                at_once: true,
            };
            let db = common::sqlite();
            let s = storm::run_plan(&db, scale, one).await;
            println!("storm {declares} run {run} {}", s.figures(scale));
            db.cleanup().await;
            if let Some(pg) = common::postgres().await {
                let s = storm::run_plan(&pg, scale, one).await;
                println!("storm {declares} run {run} {}", s.figures(scale));
                pg.cleanup().await;
            }
            if let Some(pg) = common::postgres().await {
                let two = Plan { replicas: 2, ..one };
                let s = storm::run_plan(&pg, scale, two).await;
                println!("storm {declares} run {run} {}", s.figures(scale));
                pg.cleanup().await;
            }
        }
    }
}
