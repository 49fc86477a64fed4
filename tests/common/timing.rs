//! What only the benchmarks use, beside the shared test helpers (`mod common`, which
//! a benchmark declares next to this): their knobs from the environment, a slow fake
//! Slack and the time of its last call, timing GETs (sequential requests measured at
//! the client, their percentiles printed as a table), and the real binary serving a
//! fresh SQLite file as a child process.

use std::time::{Duration, Instant};

use crate::common::TestApp;
use crate::common::child::{Killed, free_port, wait_http};
use crate::common::fake_slack::FakeSlack;

/// A number from the environment (benchmarks' knobs), else `default`.
pub fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

impl FakeSlack {
    /// Every call answers after `d`.
    pub fn set_latency(&self, d: Duration) {
        self.world.lock().unwrap().latency = d;
    }

    /// How many calls so far, and when the last one came.
    pub fn last_call(&self) -> (usize, Option<Instant>) {
        let w = self.world.lock().unwrap();
        (w.calls.len(), w.calls.last().map(|c| c.at))
    }
}

/// The nearest-rank-ish percentile `p` of sorted durations.
pub fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// `n` sequential GETs of each path (each must answer 200), printed as p50, p90,
/// p99, max and the body's size.
pub async fn print_gets(t: &TestApp, paths: &[&str], n: usize) {
    let width = paths.iter().map(|p| p.len()).max().unwrap_or(4) + 2;
    println!(
        "{:<width$} {:>10} {:>10} {:>10} {:>10} {:>9}",
        "path", "p50", "p90", "p99", "max", "bytes"
    );
    for path in paths {
        let mut v = Vec::with_capacity(n);
        let mut bytes = 0;
        for _ in 0..n {
            let start = Instant::now();
            let r = t.get(path).await;
            assert_eq!(r.status(), 200, "{path}");
            bytes = r.bytes().await.unwrap().len();
            v.push(start.elapsed());
        }
        v.sort();
        println!(
            "{:<width$} {:>10} {:>10} {:>10} {:>10} {:>9}",
            path,
            ms(pct(&v, 0.5)),
            ms(pct(&v, 0.9)),
            ms(pct(&v, 0.99)),
            ms(*v.last().unwrap()),
            bytes
        );
    }
}

/// `warroom serve` run from `bin` on a fresh SQLite file, against the Slack at
/// `api_url`, with the tests' signing secret, on a free port, logging errors only.
pub struct Served {
    pub child: Killed,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    _dir: tempfile::TempDir,
}

/// Starts [`Served`] and returns once it answers `/healthz`.
pub async fn serve_on_sqlite(bin: &str, api_url: &str) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = std::process::Command::new(bin)
        .arg("serve")
        .env("WARROOM_SLACK__BOT_TOKEN", "xoxb-test")
        .env("WARROOM_SLACK__SIGNING_SECRET", crate::common::SECRET)
        .env("WARROOM_SLACK__API_URL", api_url)
        .env("WARROOM_SLACK__ANNOUNCEMENTS_CHANNEL", "CANNOUNCE")
        .env(
            "WARROOM_DATABASE__URL",
            format!("sqlite://{}/warroom.db", dir.path().display()),
        )
        .env("WARROOM_HTTP__LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("warroom starts");
    let served = Served {
        child: Killed(child),
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    wait_http(&format!("{}/healthz", served.base)).await;
    served
}
