//! How fast the durable outbox drains: N declares (each six Slack calls: channel,
//! invite, topic, headline, pin, announcement) sent at 20 at a time, then the time
//! from the first declare to the last Slack call. Against a fake Slack answering at
//! once and one taking 150 ms per call, on SQLite and PostgreSQL, with warroom's rate
//! limiter off (the fake does not limit). Also prints the declares' answer times at
//! 20 concurrent.
//!
//! Run: `cargo bench --bench outbox_drain` (BENCH_N declares, default 300; BENCH_RUNS
//! runs per case, default 3, printed as min/median/max; BENCH_CONFIG, TOML added to
//! the configuration, e.g. `[database]` `max_connections = 20`).

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/common/timing.rs"]
mod timing;

use std::time::{Duration, Instant};

use common::fake_slack::FakeSlack;

struct Run {
    calls: usize,
    drain: Duration,
    answers: Vec<f64>,
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// PostgreSQL: a checkpoint before a run, so the last run's dropped database is not
/// flushed to disk during this one (it made one run in three twice as slow).
async fn settle_postgres(db: &common::TestDb) {
    if db.label() != "postgres" {
        return;
    }
    if let Ok(mut c) =
        <sqlx::AnyConnection as sqlx::Connection>::connect(&common::pg_admin_url()).await
    {
        let _ = sqlx::query("CHECKPOINT").execute(&mut c).await;
    }
}

async fn once(db: &common::TestDb, n: usize, latency: Duration) -> Run {
    let fake = FakeSlack::start().await;
    fake.set_latency(latency);
    // BENCH_CONFIG adds TOML (e.g. another pool size) to try a setting.
    let extra = format!(
        "[slack.rate_limits]\nenabled = false\n{}",
        std::env::var("BENCH_CONFIG").unwrap_or_default()
    );
    settle_postgres(db).await;
    let t = common::spawn(db, &fake, &extra).await;
    // Warm up (bot ID cached, pools open), then count from here.
    t.say("UALICE", "CGENERAL", "declare sev3 Warm-up").await;
    t.wait_ready(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (before, _) = fake.last_call();
    let start = Instant::now();
    let mut answers = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let batch: Vec<_> = (i..(i + 20).min(n))
            .map(|k| {
                let t = &t;
                async move {
                    let at = Instant::now();
                    t.say("UALICE", "CGENERAL", &format!("declare sev3 Drain {k}"))
                        .await;
                    at.elapsed().as_secs_f64()
                }
            })
            .collect();
        answers.extend(futures::future::join_all(batch).await);
        i += 20;
    }
    // Done when every incident is pinned and announced and the calls stop coming.
    let want = n + 1;
    fake.wait("drained", Duration::from_secs(600), |f| {
        f.pins().len() >= want && f.messages("CANNOUNCE").len() >= want
    })
    .await;
    loop {
        let (_, last) = fake.last_call();
        if last
            .is_some_and(|l| l.elapsed() > Duration::from_millis(latency.as_millis() as u64 + 500))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (after, last) = fake.last_call();
    t.stop().await;
    answers.sort_by(f64::total_cmp);
    Run {
        calls: after - before,
        drain: last.map(|l| l - start).unwrap_or_default(),
        answers,
    }
}

async fn case(
    label: &str,
    db: impl Fn() -> futures::future::BoxFuture<'static, Option<common::TestDb>>,
    n: usize,
    latency: Duration,
    runs: usize,
) {
    let mut rates = Vec::new();
    let mut drains = Vec::new();
    let mut p99s = Vec::new();
    let mut calls = 0;
    for _ in 0..runs {
        let Some(d) = db().await else {
            println!("{label}: skipped (no database)");
            return;
        };
        let r = once(&d, n, latency).await;
        d.cleanup().await;
        calls = r.calls;
        rates.push(r.calls as f64 / r.drain.as_secs_f64());
        drains.push(r.drain.as_secs_f64());
        p99s.push(pct(&r.answers, 0.99) * 1000.0);
    }
    for v in [&mut rates, &mut drains, &mut p99s] {
        v.sort_by(f64::total_cmp);
    }
    let mmm = |v: &[f64], prec: usize| {
        format!(
            "{:.p$} / {:.p$} / {:.p$}",
            v[0],
            v[v.len() / 2],
            v[v.len() - 1],
            p = prec
        )
    };
    println!(
        "{label:<34} {n} declares, {calls} calls: drained in {} s; {} calls/s; declare p99 at 20 concurrent {} ms  (min / median / max of {runs})",
        mmm(&drains, 2),
        mmm(&rates, 0),
        mmm(&p99s, 1),
    );
}

#[tokio::main]
async fn main() {
    let n: usize = timing::env_num("BENCH_N", 300);
    let runs: usize = timing::env_num("BENCH_RUNS", 3);
    let sqlite =
        || Box::pin(async { Some(common::sqlite()) }) as futures::future::BoxFuture<'static, _>;
    let pg = || Box::pin(common::postgres()) as futures::future::BoxFuture<'static, _>;
    println!("outbox drain, rate limiter off");
    case(
        "SQLite, Slack answers at once",
        sqlite,
        n,
        Duration::ZERO,
        runs,
    )
    .await;
    case(
        "PostgreSQL, Slack answers at once",
        pg,
        n,
        Duration::ZERO,
        runs,
    )
    .await;
    let slow_n = (n / 5).max(10);
    case(
        "SQLite, Slack takes 150 ms",
        sqlite,
        slow_n,
        Duration::from_millis(150),
        runs,
    )
    .await;
    case(
        "PostgreSQL, Slack takes 150 ms",
        pg,
        slow_n,
        Duration::from_millis(150),
        runs,
    )
    .await;
}
