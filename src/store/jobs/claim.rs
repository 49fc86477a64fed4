//! Claiming due jobs under a lease: the heads of their queues, by priority then due
//! time, skipped by other replicas while leased; and when the next one falls due.

use chrono::{DateTime, Duration, Utc};
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Job;
use crate::store::{Backend, Result, Store, StoreError, Tx, from_ms, ms, numbered};

/// Claims up to `limit` due jobs for `worker`, at most one per queue, each the
/// oldest pending job of its queue; by priority, then due time.
pub async fn claim(
    store: &Store,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Job>> {
    complete_and_claim(store, worker, &[], now, lease, limit).await
}

/// Marks `done` (jobs of this worker that wrote nothing else) done and claims up to
/// `limit` due jobs, in one transaction: a round of the worker is one write.
pub async fn complete_and_claim(
    store: &Store,
    worker: &str,
    done: &[i64],
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Job>> {
    let sql = claim_sql(store.backend);
    let mut tx = store.begin_background().await?;
    mark_done(&mut tx, worker, done, now).await?;
    if limit <= 0 {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(ms(now))
        .bind(limit)
        .bind(ms(now + lease))
        .bind(worker)
        .fetch_all(tx.conn())
        .await?;
    tx.commit().await?;
    let mut jobs = rows
        .iter()
        .map(|r| job_from_row(r, worker))
        .collect::<Result<Vec<_>>>()?;
    // Oldest first, so that a batch is processed in due order.
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

/// The claiming statement: leases the heads of their queues ($1 now, $2 limit,
/// $3 lease end, $4 worker), skipping rows other replicas hold on PostgreSQL.
fn claim_sql(backend: Backend) -> String {
    let lock = match backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    format!(
        "UPDATE jobs SET locked_until = $3, locked_by = $4, attempts = attempts + 1 \
         WHERE id IN ( \
           SELECT j.id FROM jobs j \
           WHERE j.state = 'pending' AND j.run_at <= $1 \
             AND (j.locked_until IS NULL OR j.locked_until < $1) \
             AND (j.queue IS NULL OR NOT EXISTS ( \
                   SELECT 1 FROM jobs e WHERE e.queue = j.queue AND e.state = 'pending' AND e.id < j.id)) \
           ORDER BY j.priority, j.run_at, j.id LIMIT $2 {lock}) \
         RETURNING id, kind, queue, payload, attempts, run_at"
    )
}

/// Marks the worker's finished jobs done, 500 ids to a statement.
async fn mark_done(tx: &mut Tx, worker: &str, done: &[i64], now: DateTime<Utc>) -> Result<()> {
    for chunk in done.chunks(500) {
        let ids = numbered(3, chunk.len());
        let sql = format!(
            "UPDATE jobs SET state = 'done', finished_at = $1, locked_until = NULL, last_error = NULL \
             WHERE locked_by = $2 AND state = 'pending' AND id IN ({ids})"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(ms(now)).bind(worker);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// A claimed row as a job of `worker`.
fn job_from_row(r: &AnyRow, worker: &str) -> Result<Job> {
    let payload: String = r.try_get(3)?;
    Ok(Job {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        queue: r.try_get(2)?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?,
        attempts: r.try_get(4)?,
        run_at: from_ms(r.try_get(5)?),
        locked_by: worker.to_string(),
    })
}

/// When the next pending job becomes claimable: falls due or its lease runs out.
/// Jobs waiting behind an earlier job of their queue are left out (the earlier one
/// decides when they can run).
pub async fn next_run_at(store: &Store) -> Result<Option<DateTime<Utc>>> {
    let row = sqlx::query(
        "SELECT MIN(CASE WHEN j.locked_until IS NOT NULL AND j.locked_until > j.run_at \
                    THEN j.locked_until ELSE j.run_at END) FROM jobs j \
         WHERE j.state = 'pending' AND (j.queue IS NULL OR NOT EXISTS ( \
               SELECT 1 FROM jobs e WHERE e.queue = j.queue AND e.state = 'pending' AND e.id < j.id))",
    )
    .fetch_one(&store.pool)
    .await?;
    Ok(row.try_get::<Option<i64>, _>(0)?.map(from_ms))
}
