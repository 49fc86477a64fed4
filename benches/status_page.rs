//! How fast the public status page answers with a long history: 1,000 past public
//! incidents of three external updates each over the last 90 days (and a private one
//! that must not count), seeded straight into the database, then sequential GETs
//! of the page, its JSON and its feed, measured at the client (SQLite file, and
//! PostgreSQL when reachable). Run: `cargo bench --bench status_page`.

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/common/timing.rs"]
mod timing;

use common::fake_slack::FakeSlack;

const INCIDENTS: i64 = 1_000;

/// Seeds the history through a connection of its own, in one transaction.
async fn seed(t: &common::TestApp) {
    let pool = t.peek().await;
    let mut tx = pool.begin().await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let day = 86_400_000i64;
    for n in 0..=INCIDENTS {
        let start = now - (n * 85 * day) / INCIDENTS - 3_600_000;
        let private = i64::from(n == INCIDENTS);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incidents (title, severity, status, private, declared_by, declared_at, resolved_at, services) \
             VALUES ($1, $2, 'resolved', $3, 'UBENCH', $4, $5, 'api') RETURNING id",
        )
        .bind(format!("Seeded incident {n}"))
        .bind(format!("sev{}", 1 + n % 4))
        .bind(private)
        .bind(start)
        .bind(start + 3_000_000)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        for (k, status) in ["investigating", "identified", "resolved"]
            .iter()
            .enumerate()
        {
            let state = if *status == "resolved" {
                "operational"
            } else {
                "partial_outage"
            };
            sqlx::query(
                "INSERT INTO external_updates (incident_id, status, title, body, components, posted_by, posted_at) \
                 VALUES ($1, $2, $3, $4, $5, 'UBENCH', $6)",
            )
            .bind(id)
            .bind(*status)
            .bind(format!("Elevated errors {n}"))
            .bind("We are investigating elevated error rates for the API. Some users may experience timeouts.")
            .bind(format!("[[\"API\",\"{state}\"]]"))
            .bind(start + k as i64 * 1_200_000)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

async fn measure(label: &str, t: &common::TestApp, n: usize) {
    seed(t).await;
    println!("\n{label}: {INCIDENTS} past public incidents, {n} sequential GETs each, client-side");
    timing::print_gets(
        t,
        &[
            "/status/",
            "/status/api/v2/summary.json",
            "/status/feed.atom",
            "/status/incidents/500",
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
        .unwrap_or(200);
    let settings = "[[status.components]]\nname = \"API\"\nservices = [\"api\"]\n";
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
