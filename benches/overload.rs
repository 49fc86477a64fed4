//! warroom under more load than the machine can serve, as a separate process (its own
//! memory is read from /proc): page views at a fixed rate (open loop: a request every
//! 1/rate s whatever the answers do), slash commands beside them at 10/s, then a quiet
//! spell to see whether memory is given back; and 1,000 connections held open with half
//! a request. Prints, per rate: reads answered / shed / failed, their p50 and p99, the
//! commands' p50, p99 and max, resident memory at the peak and after.
//!
//! Run: `cargo bench --bench overload` (SQLite). `WR_BENCH_BIN=/path/to/warroom` runs
//! another build (e.g. an older one, to compare); `WR_BENCH_RATES=1000,3000` and
//! `WR_BENCH_SECS=10` change the load.

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/common/timing.rs"]
mod timing;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::child::signed_command_on;
use common::fake_slack::FakeSlack;
use timing::{Served, serve_on_sqlite};
use tokio::io::AsyncWriteExt;

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    v[(((v.len() - 1) as f64) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[derive(Default)]
struct Tally {
    ok: Vec<Duration>,
    shed: usize,
    failed: usize,
}

async fn phase(server: &Served, rate: u64, secs: u64) {
    let pid = server.child.0.id();
    let reads = Arc::new(Mutex::new(Tally::default()));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let url = format!("{}/incidents/INC-1", server.base);
    let peak = Arc::new(Mutex::new(0f64));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                let r = rss_mib(pid);
                if let Ok(mut p) = peak.lock() {
                    *p = p.max(r);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let commands = {
        let c = client.clone();
        let base = server.base.clone();
        tokio::spawn(async move {
            let mut v = Vec::new();
            let until = Instant::now() + Duration::from_secs(secs);
            let mut i = 0;
            while Instant::now() < until {
                let (s, body, d) =
                    signed_command_on(&c, &base, &format!("INC-1 note load {i}")).await;
                let answered = s == 200 && body.contains("timeline");
                v.push((d, answered));
                i += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            v
        })
    };
    let per_ms = rate as f64 / 1000.0;
    let started = Instant::now();
    let mut sent = 0u64;
    let mut tasks = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    while started.elapsed() < Duration::from_secs(secs) {
        tick.tick().await;
        let due = (started.elapsed().as_secs_f64() * 1000.0 * per_ms) as u64;
        while sent < due {
            sent += 1;
            let c = client.clone();
            let url = url.clone();
            let reads = reads.clone();
            tasks.push(tokio::spawn(async move {
                let t0 = Instant::now();
                let r = c.get(&url).send().await;
                let status = match r {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        let _ = r.bytes().await;
                        s
                    }
                    Err(_) => 0,
                };
                let d = t0.elapsed();
                if let Ok(mut t) = reads.lock() {
                    match status {
                        200 => t.ok.push(d),
                        503 => t.shed += 1,
                        _ => t.failed += 1,
                    }
                }
            }));
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let cmds = commands.await.unwrap_or_default();
    let during = *peak.lock().unwrap();
    tokio::time::sleep(Duration::from_secs(15)).await;
    let after = rss_mib(pid);
    sampler.abort();
    let mut t = reads.lock().unwrap();
    let mut cd: Vec<Duration> = cmds.iter().map(|(d, _)| *d).collect();
    let unanswered = cmds.iter().filter(|(_, a)| !a).count();
    let (p50, p99) = (pct(&mut t.ok, 0.5), pct(&mut t.ok, 0.99));
    println!(
        "{rate:>5}/s for {secs} s: reads {} ok ({} / {} p50/p99), {} shed (503), {} failed; commands {} (p50 {}, p99 {}, max {}; {} not answered); memory peak {:.0} MiB, {:.0} MiB 15 s after",
        t.ok.len(),
        ms(p50),
        ms(p99),
        t.shed,
        t.failed,
        cd.len(),
        ms(pct(&mut cd, 0.5)),
        ms(pct(&mut cd, 0.99)),
        ms(pct(&mut cd, 1.0)),
        unanswered,
        during,
        after
    );
}

async fn held_connections(server: &Served, n: usize) {
    let pid = server.child.0.id();
    let before = rss_mib(pid);
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut held = Vec::new();
    for _ in 0..n {
        if let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await {
            let _ = s
                .write_all(b"POST /slack/commands HTTP/1.1\r\nHost: w\r\nContent-Length: 9\r\n")
                .await;
            held.push(s);
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let with = rss_mib(pid);
    let c = reqwest::Client::new();
    let (s, _, d) = signed_command_on(&c, &server.base, "list").await;
    let h = c
        .get(format!("{}/healthz", server.base))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    println!(
        "{n} connections held with half a request: memory {before:.0} → {with:.0} MiB; a signed command answered {s} in {}, /healthz {h}",
        ms(d)
    );
    drop(held);
}

#[tokio::main]
async fn main() {
    let bin =
        std::env::var("WR_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_warroom").to_string());
    let rates: Vec<u64> = std::env::var("WR_BENCH_RATES")
        .unwrap_or_else(|_| "1000,3000".into())
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let secs: u64 = std::env::var("WR_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let fake = FakeSlack::start().await;
    println!("overload: {bin}");
    let server = serve_on_sqlite(&bin, &fake.api_url()).await;
    let c = reqwest::Client::new();
    for i in 0..20 {
        signed_command_on(&c, &server.base, &format!("declare sev3 Load {i}")).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("memory at rest {:.0} MiB", rss_mib(server.child.0.id()));
    for rate in rates {
        phase(&server, rate, secs).await;
    }
    held_connections(&server, 1000).await;
}
