//! The queue's figures for /metrics, the shell and tests: pending, due, how late the
//! oldest due job is, failed, and counts by kind.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::store::{Result, Store, StoreError, ms};

/// The queue as it stands: what is waiting and for how long.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct QueueState {
    /// Pending jobs, due or not.
    pub pending: i64,
    /// Pending jobs due by now.
    pub due: i64,
    /// How long the oldest due job has been due (0 when none is).
    pub oldest_due_seconds: f64,
    /// Jobs given up, kept for inspection.
    pub failed: i64,
}

/// The queue as it stands at `now`: one pass over the pending and failed jobs.
pub async fn queue(store: &Store, now: DateTime<Utc>) -> Result<QueueState> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN state = 'pending' AND run_at <= $1 THEN 1 ELSE 0 END), 0), \
                MIN(CASE WHEN state = 'pending' AND run_at <= $1 THEN run_at END), \
                COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) \
         FROM jobs WHERE state IN ('pending', 'failed')",
    )
    .bind(ms(now))
    .fetch_one(&store.pool)
    .await?;
    // SUM is NUMERIC on PostgreSQL; read it through text to stay portable.
    let count = |i: usize| -> Result<i64> {
        if let Ok(v) = row.try_get::<i64, _>(i) {
            return Ok(v);
        }
        if let Ok(v) = row.try_get::<f64, _>(i) {
            return Ok(v as i64);
        }
        let s: String = row.try_get(i)?;
        s.parse()
            .map_err(|_| StoreError::Corrupt(format!("count {s}")))
    };
    let oldest: Option<i64> = row.try_get(2)?;
    Ok(QueueState {
        pending: count(0)?,
        due: count(1)?,
        oldest_due_seconds: oldest
            .map(|t| ((ms(now) - t).max(0)) as f64 / 1000.0)
            .unwrap_or(0.0),
        failed: count(3)?,
    })
}

/// Counts by state: (pending, failed).
pub async fn counts(store: &Store) -> Result<(i64, i64)> {
    let q = queue(store, Utc::now()).await?;
    Ok((q.pending, q.failed))
}

/// Jobs of a kind in a state (tests and the shell inspect them).
pub async fn count_kind(store: &Store, kind: &str, state: &str) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = $2")
        .bind(kind)
        .bind(state)
        .fetch_one(&store.pool)
        .await?;
    Ok(row.try_get(0)?)
}
