//! Adding jobs: one, or a batch in one statement; a dedupe key a pending job holds
//! keeps the new one out.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use sqlx::Row;

use super::NewJob;
use crate::store::{Result, Tx, ms, placeholders};

/// Adds a job; None when a pending job with the same dedupe key exists.
pub async fn enqueue(tx: &mut Tx, job: &NewJob, now: DateTime<Utc>) -> Result<Option<i64>> {
    let row = sqlx::query(
        "INSERT INTO jobs (kind, queue, payload, run_at, dedupe_key, created_at, priority) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(&job.kind)
    .bind(&job.queue)
    .bind(job.payload.to_string())
    .bind(ms(job.run_at))
    .bind(&job.dedupe_key)
    .bind(ms(now))
    .bind(job.priority as i32)
    .fetch_optional(tx.conn())
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get(0)?),
        None => None,
    })
}

/// Adds jobs in one statement, in order (each queue keeps it); those whose dedupe key
/// a pending job holds are left out. Returns how many were added.
pub async fn enqueue_all(tx: &mut Tx, jobs: &[NewJob], now: DateTime<Utc>) -> Result<u64> {
    if jobs.is_empty() {
        return Ok(0);
    }
    let rows = placeholders(jobs.len(), 7);
    let sql = format!(
        "INSERT INTO jobs (kind, queue, payload, run_at, dedupe_key, created_at, priority) \
         VALUES {rows} ON CONFLICT DO NOTHING"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for job in jobs {
        q = q
            .bind(job.kind.clone())
            .bind(job.queue.clone())
            .bind(job.payload.to_string())
            .bind(ms(job.run_at))
            .bind(job.dedupe_key.clone())
            .bind(ms(now))
            .bind(job.priority as i32);
    }
    Ok(q.execute(tx.conn()).await?.rows_affected())
}
