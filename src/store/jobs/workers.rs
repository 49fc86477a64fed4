//! The workers' heartbeats, judged by the database's clock: how many replicas share
//! Slack's rate limits, and the release of claims held by workers that stopped beating.

use chrono::Duration;
use sqlx::AssertSqlSafe;

use crate::store::{Backend, Result, Store};

/// How many workers beat within `stale` (by the database's clock): the replicas
/// sharing Slack's rate limits.
pub async fn live_workers(store: &Store, stale: Duration) -> Result<i64> {
    let now = db_now_ms(store.backend);
    let sql = format!("SELECT COUNT(*) FROM workers WHERE heartbeat_at >= {now} - $1");
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(stale.num_milliseconds())
        .fetch_one(&store.pool)
        .await?;
    Ok(n)
}

/// The database's clock in UTC milliseconds, as SQL: workers on several hosts judge
/// each other's heartbeats by one clock, whatever their own say.
fn db_now_ms(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT",
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
    }
}

/// Records that `worker` is alive (and when it started, the first time).
pub async fn heartbeat(store: &Store, worker: &str) -> Result<()> {
    let now = db_now_ms(store.backend);
    let sql = format!(
        "INSERT INTO workers (id, heartbeat_at, started_at) VALUES ($1, {now}, {now}) \
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = {now}"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(worker)
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// Releases the claims of workers whose last heartbeat is older than `stale` (or that
/// never had one): their jobs can be claimed again at once rather than after their
/// lease. A worker that comes back finds its claims gone and cannot complete them.
/// Returns how many jobs were released.
pub async fn release_stale(store: &Store, stale: Duration) -> Result<u64> {
    let now = db_now_ms(store.backend);
    let sql = format!(
        "UPDATE jobs SET locked_until = NULL, locked_by = NULL \
         WHERE state = 'pending' AND locked_until IS NOT NULL \
           AND (locked_by IS NULL OR locked_by NOT IN ( \
                SELECT id FROM workers WHERE heartbeat_at >= {now} - $1))"
    );
    let r = sqlx::query(AssertSqlSafe(sql))
        .bind(stale.num_milliseconds())
        .execute(&store.pool)
        .await?;
    // Workers gone for a day are forgotten.
    let gone = format!("DELETE FROM workers WHERE heartbeat_at < {now} - 86400000");
    sqlx::query(AssertSqlSafe(gone))
        .execute(&store.pool)
        .await?;
    Ok(r.rows_affected())
}

/// A worker that stops cleanly says so (its claims are all finished by then).
pub async fn retire(store: &Store, worker: &str) -> Result<()> {
    sqlx::query("DELETE FROM workers WHERE id = $1")
        .bind(worker)
        .execute(&store.pool)
        .await?;
    Ok(())
}
