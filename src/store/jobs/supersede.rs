//! Skipping work a later job will redo: a job whose successor of the same kind, for
//! the same thing, already waits in its queue need not run (the successor carries
//! newer state); and merging repeats: a job may do the work of those waiting behind
//! it, which are then cancelled.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{AssertSqlSafe, Row};

use super::Job;
use crate::store::{Result, Store, StoreError, Tx, ms, numbered};

/// True when a later job of the same kind and payload waits in the same queue (it
/// will do the same work with newer state). The payload tells apart jobs of one
/// queue about different things: the edits of two warnings in one channel.
pub async fn superseded(store: &Store, job: &Job) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE queue = $1 AND kind = $2 AND state = 'pending' AND id > $3 \
         AND payload = $4",
    )
    .bind(&job.queue)
    .bind(&job.kind)
    .bind(job.id)
    .bind(job.payload.to_string())
    .fetch_one(&store.pool)
    .await?;
    Ok(n > 0)
}

/// The jobs of the same kind waiting behind `job` in its queue, oldest first (at most
/// `limit`): repeats it may merge. They cannot start while `job` holds the queue.
pub async fn behind(store: &Store, job: &Job, limit: i64) -> Result<Vec<(i64, Value)>> {
    let rows = sqlx::query(
        "SELECT id, payload FROM jobs WHERE queue = $1 AND kind = $2 AND state = 'pending' AND id > $3 \
         ORDER BY id LIMIT $4",
    )
    .bind(&job.queue)
    .bind(&job.kind)
    .bind(job.id)
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let payload: String = r.try_get(1)?;
            let payload = serde_json::from_str(&payload)
                .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?;
            Ok((r.try_get(0)?, payload))
        })
        .collect()
}

/// Cancels the pending jobs `ids` (merged into another that did their work).
pub async fn cancel_merged(tx: &mut Tx, ids: &[i64], now: DateTime<Utc>) -> Result<u64> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        let sql = format!(
            "UPDATE jobs SET state = 'cancelled', finished_at = $1 WHERE state = 'pending' AND id IN ({})",
            numbered(2, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(ms(now));
        for id in chunk {
            q = q.bind(*id);
        }
        n += q.execute(tx.conn()).await?.rows_affected();
    }
    Ok(n)
}

/// Replaces the payload of the pending job `id` (a repeat that took in the ones
/// merged into it, so that a retry posts the same).
pub async fn set_payload(tx: &mut Tx, id: i64, payload: &Value) -> Result<bool> {
    let r = sqlx::query("UPDATE jobs SET payload = $2 WHERE id = $1 AND state = 'pending'")
        .bind(id)
        .bind(payload.to_string())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() > 0)
}
