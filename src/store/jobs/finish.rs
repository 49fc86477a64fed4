//! What a claimed run ends in: done, another attempt later, parked for a rate slot,
//! or given up; each only while the worker still holds the job's lease. And the
//! pruning of finished jobs.

use chrono::{DateTime, Utc};

use super::Job;
use crate::store::{Result, Store, Tx, ms};

/// Marks a job done inside the caller's transaction (with whatever else the job
/// wrote). False when the job's lease was lost to another worker: roll back then.
pub async fn complete(tx: &mut Tx, job: &Job, now: DateTime<Utc>) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET state = 'done', finished_at = $2, locked_until = NULL, last_error = NULL \
         WHERE id = $1 AND locked_by = $3 AND state = 'pending'",
    )
    .bind(job.id)
    .bind(ms(now))
    .bind(&job.locked_by)
    .execute(tx.conn())
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Puts a job back for another attempt at `run_at`.
pub async fn retry_at(store: &Store, job: &Job, run_at: DateTime<Utc>, error: &str) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET run_at = $2, locked_until = NULL, last_error = $3 \
         WHERE id = $1 AND locked_by = $4 AND state = 'pending'",
    )
    .bind(job.id)
    .bind(ms(run_at))
    .bind(truncate(error))
    .bind(&job.locked_by)
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// Keeps a claimed job for its worker until `until` (it waits in the worker's memory
/// for a rate slot: its queue stays held, its order kept), without counting this run
/// as an attempt. `counted` keeps the attempt when the run did something outside (a
/// later run must look for it).
pub async fn park(store: &Store, job: &Job, until: DateTime<Utc>, counted: bool) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET locked_until = $2, attempts = attempts - $3 \
         WHERE id = $1 AND locked_by = $4 AND state = 'pending'",
    )
    .bind(job.id)
    .bind(ms(until))
    .bind(if counted { 0i64 } else { 1i64 })
    .bind(&job.locked_by)
    .execute(&store.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Gives a job up: it stays in the table as `failed`, counted in /metrics.
pub async fn fail(store: &Store, job: &Job, now: DateTime<Utc>, error: &str) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'failed', finished_at = $2, locked_until = NULL, last_error = $3 \
         WHERE id = $1 AND locked_by = $4 AND state = 'pending'",
    )
    .bind(job.id)
    .bind(ms(now))
    .bind(truncate(error))
    .bind(&job.locked_by)
    .execute(&store.pool)
    .await?;
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(1000).collect()
}

/// Deletes finished jobs older than `before`.
pub async fn prune(store: &Store, before: DateTime<Utc>) -> Result<u64> {
    let r = sqlx::query("DELETE FROM jobs WHERE state <> 'pending' AND finished_at < $1")
        .bind(ms(before))
        .execute(&store.pool)
        .await?;
    Ok(r.rows_affected())
}
