//! How fast the managers' insights answer at scale: 10,000 incidents over the last
//! 90 days with 1,000,000 timeline entries (a realistic mix of notes, status changes,
//! updates, late-update reminders and escalations) and 20,000 action items, seeded
//! straight into the database, then sequential GETs of `/insights` and its JSON and
//! CSV for the whole period, measured at the client (SQLite file, and PostgreSQL
//! when reachable). Run: `cargo bench --bench insights`.

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/common/timing.rs"]
mod timing;

use std::time::{Duration, Instant};

use common::fake_slack::FakeSlack;

const INCIDENTS: i64 = 10_000;
const ENTRIES: i64 = 1_000_000;
const ACTIONS: i64 = 20_000;

/// Seeds the history with three statements (recursive CTEs, on both databases).
async fn seed(t: &common::TestApp) -> Duration {
    let started = Instant::now();
    let pool = t.peek().await;
    let now = chrono::Utc::now().timestamp_millis();
    let span = 89 * 86_400_000i64;
    sqlx::query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $1) \
         INSERT INTO incidents (title, severity, status, private, declared_by, declared_at, \
           acknowledged_at, identified_at, mitigated_at, resolved_at, services, impact_ppm) \
         SELECT 'Seeded incident', 'sev' || (1 + x % 4), 'resolved', CASE WHEN x % 50 = 0 THEN 1 ELSE 0 END, 'UBENCH', \
           $2 - (x * $3) / $1, $2 - (x * $3) / $1 + 60000 * (1 + x % 20), $2 - (x * $3) / $1 + 60000 * (10 + x % 30), \
           $2 - (x * $3) / $1 + 60000 * (20 + x % 60), $2 - (x * $3) / $1 + 60000 * (30 + x % 240), \
           CASE x % 3 WHEN 0 THEN 'api' WHEN 1 THEN 'web' ELSE 'api,db' END, 10000 * (x % 30) FROM n",
    )
    .bind(INCIDENTS)
    .bind(now)
    .bind(span)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $1) \
         INSERT INTO timeline (incident_id, at, actor, kind, text, recorded_at) \
         SELECT 1 + x % $2, $3, 'UBENCH', \
           CASE (x / $2) % 10 WHEN 0 THEN 'update' WHEN 1 THEN 'reminder' WHEN 2 THEN 'escalation' \
             WHEN 3 THEN 'status' WHEN 4 THEN 'message' ELSE 'note' END, \
           CASE (x / $2) % 10 WHEN 1 THEN 'Update reminder: an update is due' \
             WHEN 2 THEN '2 update reminders went unanswered' \
             ELSE 'Restarted the api pods and watched the error rate' END, $3 FROM n",
    )
    .bind(ENTRIES)
    .bind(INCIDENTS)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    // Written around warroom, the timeline's counts are filled as its migration does.
    sqlx::query("DELETE FROM incident_counts")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO incident_counts (incident_id, updates, reminders, escalations, reopenings) \
         SELECT incident_id, SUM(CASE WHEN kind = 'update' THEN 1 ELSE 0 END), \
           SUM(CASE WHEN kind = 'reminder' THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 'escalation' THEN 1 ELSE 0 END), 0 \
         FROM timeline GROUP BY incident_id",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $1) \
         INSERT INTO action_items (incident_id, seq, text, owner, due, status, created_by, created_at, done_at) \
         SELECT 1 + x % $2, 1 + x / $2, 'Add a canary', CASE x % 3 WHEN 0 THEN 'UBOB' WHEN 1 THEN 'UCAROL' ELSE NULL END, \
           CASE x % 2 WHEN 0 THEN '2026-10-01' ELSE NULL END, CASE x % 4 WHEN 0 THEN 'open' ELSE 'done' END, \
           'UBENCH', $3, CASE x % 4 WHEN 0 THEN NULL ELSE $3 END FROM n",
    )
    .bind(ACTIONS)
    .bind(INCIDENTS)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    started.elapsed()
}

async fn measure(label: &str, t: &common::TestApp, n: usize) {
    let seeded = seed(t).await;
    println!(
        "\n{label}: {INCIDENTS} incidents, {ENTRIES} timeline entries, {ACTIONS} action items (seeded in {:.1} s); {n} sequential GETs each, the whole 90 days",
        seeded.as_secs_f64()
    );
    timing::print_gets(
        t,
        &[
            "/insights",
            "/insights.json",
            "/insights.csv",
            "/insights?severity=sev1&service=api",
        ],
        n,
    )
    .await;
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let settings = "[[slos]]\nname = \"api-availability\"\nservice = \"api\"\ntarget = 99.9\nwindow = \"30d\"\n";
    let fake = FakeSlack::start().await;
    let db = common::sqlite();
    let t = common::spawn(&db, &fake, settings).await;
    measure("SQLite", &t, n).await;
    t.stop().await;
    if let Some(pg) = common::postgres().await {
        let fake = FakeSlack::start().await;
        let t = common::spawn(&pg, &fake, settings).await;
        measure("PostgreSQL", &t, n).await;
        t.stop().await;
        pg.cleanup().await;
    }
}
