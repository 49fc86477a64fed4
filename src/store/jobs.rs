//! The durable jobs table: queue and scheduler in one. A job has a kind, a JSON
//! payload, a due time and an optional queue name; jobs of one queue (one Slack
//! channel, one incident) run strictly in order. Workers claim due jobs with a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so with several replicas each job runs
//! once, and a crashed worker's job is claimed again when its lease runs out.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use super::{Backend, Conn, Result, Store, StoreError, from_ms, ms};

/// Which due jobs go first when there are more than workers. Order within a queue is
/// kept whatever the priorities: this only orders the heads of different queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Someone is waiting for it: an answer, a headline, an announcement, a reminder.
    People = 0,
    Normal = 1,
    /// Nobody misses it for a while: a channel topic.
    Cosmetic = 2,
}

/// A job to add.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub queue: Option<String>,
    pub payload: Value,
    pub run_at: DateTime<Utc>,
    /// At most one pending job per key (a reminder, a digest slot).
    pub dedupe_key: Option<String>,
    pub priority: Priority,
}

impl NewJob {
    pub fn now(kind: &str, queue: Option<String>, payload: Value, now: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: kind.to_string(),
            queue,
            payload,
            run_at: now,
            dedupe_key: None,
            priority: Priority::Normal,
        }
    }

    pub fn with_priority(mut self, priority: Priority) -> NewJob {
        self.priority = priority;
        self
    }
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub queue: Option<String>,
    pub payload: Value,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub run_at: DateTime<Utc>,
    pub locked_by: String,
}

/// Adds a job; None when a pending job with the same dedupe key exists.
pub async fn enqueue(conn: &mut Conn, job: &NewJob, now: DateTime<Utc>) -> Result<Option<i64>> {
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
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get(0)?),
        None => None,
    })
}

/// Adds jobs in one statement, in order (each queue keeps it); those whose dedupe key
/// a pending job holds are left out. Returns how many were added.
pub async fn enqueue_all(conn: &mut Conn, jobs: &[NewJob], now: DateTime<Utc>) -> Result<u64> {
    if jobs.is_empty() {
        return Ok(0);
    }
    let rows = super::placeholders(jobs.len(), 7);
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
    Ok(q.execute(&mut *conn).await?.rows_affected())
}

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
    let lock = match store.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET locked_until = $3, locked_by = $4, attempts = attempts + 1 \
         WHERE id IN ( \
           SELECT j.id FROM jobs j \
           WHERE j.state = 'pending' AND j.run_at <= $1 \
             AND (j.locked_until IS NULL OR j.locked_until < $1) \
             AND (j.queue IS NULL OR NOT EXISTS ( \
                   SELECT 1 FROM jobs e WHERE e.queue = j.queue AND e.state = 'pending' AND e.id < j.id)) \
           ORDER BY j.priority, j.run_at, j.id LIMIT $2 {lock}) \
         RETURNING id, kind, queue, payload, attempts, run_at"
    );
    let mut tx = store.begin_background().await?;
    for chunk in done.chunks(500) {
        let ids = (0..chunk.len())
            .map(|i| format!("${}", i + 3))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE jobs SET state = 'done', finished_at = $1, locked_until = NULL, last_error = NULL \
             WHERE locked_by = $2 AND state = 'pending' AND id IN ({ids})"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(ms(now)).bind(worker);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *tx).await?;
    }
    if limit <= 0 {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(ms(now))
        .bind(limit)
        .bind(ms(now + lease))
        .bind(worker)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut jobs = Vec::with_capacity(rows.len());
    for r in rows {
        let payload: String = r.try_get(3)?;
        jobs.push(Job {
            id: r.try_get(0)?,
            kind: r.try_get(1)?,
            queue: r.try_get(2)?,
            payload: serde_json::from_str(&payload)
                .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?,
            attempts: r.try_get(4)?,
            run_at: from_ms(r.try_get(5)?),
            locked_by: worker.to_string(),
        });
    }
    // Oldest first, so that a batch is processed in due order.
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

/// Marks a job done inside the caller's transaction (with whatever else the job
/// wrote). False when the job's lease was lost to another worker: roll back then.
pub async fn complete(conn: &mut Conn, job: &Job, now: DateTime<Utc>) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET state = 'done', finished_at = $2, locked_until = NULL, last_error = NULL \
         WHERE id = $1 AND locked_by = $3 AND state = 'pending'",
    )
    .bind(job.id)
    .bind(ms(now))
    .bind(&job.locked_by)
    .execute(&mut *conn)
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

/// True when a later job of the same kind waits in the same queue (it will do the
/// same work with newer state).
pub async fn superseded(store: &Store, job: &Job) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE queue = $1 AND kind = $2 AND state = 'pending' AND id > $3",
    )
    .bind(&job.queue)
    .bind(&job.kind)
    .bind(job.id)
    .fetch_one(&store.pool)
    .await?;
    Ok(n > 0)
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

/// Cancels the pending job with this dedupe key (a reminder no longer wanted).
pub async fn cancel(conn: &mut Conn, dedupe_key: &str, now: DateTime<Utc>) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET state = 'cancelled', finished_at = $2 WHERE dedupe_key = $1 AND state = 'pending'",
    )
    .bind(dedupe_key)
    .bind(ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Due time of the pending job with this dedupe key.
pub async fn pending_run_at(conn: &mut Conn, dedupe_key: &str) -> Result<Option<DateTime<Utc>>> {
    let row = sqlx::query("SELECT run_at FROM jobs WHERE dedupe_key = $1 AND state = 'pending'")
        .bind(dedupe_key)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => Some(from_ms(r.try_get(0)?)),
        None => None,
    })
}

/// Payload of the pending job with this dedupe key.
pub async fn pending_payload(conn: &mut Conn, dedupe_key: &str) -> Result<Option<Value>> {
    let row = sqlx::query("SELECT payload FROM jobs WHERE dedupe_key = $1 AND state = 'pending'")
        .bind(dedupe_key)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => {
            let p: String = r.try_get(0)?;
            Ok(Some(serde_json::from_str(&p).map_err(|e| {
                StoreError::Corrupt(format!("job payload: {e}"))
            })?))
        }
        None => Ok(None),
    }
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

/// Deletes finished jobs older than `before`.
pub async fn prune(store: &Store, before: DateTime<Utc>) -> Result<u64> {
    let r = sqlx::query("DELETE FROM jobs WHERE state <> 'pending' AND finished_at < $1")
        .bind(ms(before))
        .execute(&store.pool)
        .await?;
    Ok(r.rows_affected())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;
    use serde_json::json;

    async fn add(
        store: &Store,
        kind: &str,
        queue: Option<&str>,
        at: DateTime<Utc>,
        key: Option<&str>,
    ) -> Option<i64> {
        let mut tx = store.begin().await.unwrap();
        let id = enqueue(
            &mut tx,
            &NewJob {
                kind: kind.into(),
                queue: queue.map(str::to_string),
                payload: json!({"k": kind}),
                run_at: at,
                dedupe_key: key.map(str::to_string),
                priority: Priority::Normal,
            },
            at,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    }

    #[tokio::test]
    async fn queues_run_in_order_and_leases_expire() {
        let (store, _d) = testing::sqlite().await;
        let t0 = Utc::now();
        add(&store, "a1", Some("q:a"), t0, None).await.unwrap();
        add(&store, "a2", Some("q:a"), t0, None).await.unwrap();
        add(&store, "b1", Some("q:b"), t0, None).await.unwrap();
        add(&store, "free", None, t0, None).await.unwrap();
        add(&store, "later", None, t0 + Duration::minutes(5), None)
            .await
            .unwrap();

        let lease = Duration::seconds(30);
        let got = claim(&store, "w1", t0, lease, 10).await.unwrap();
        let kinds: Vec<_> = got.iter().map(|j| j.kind.as_str()).collect();
        assert_eq!(kinds, vec!["a1", "b1", "free"]);
        // Nothing else is claimable while a1 holds its queue.
        assert!(claim(&store, "w2", t0, lease, 10).await.unwrap().is_empty());

        let a1 = got.iter().find(|j| j.kind == "a1").unwrap();
        let mut tx = store.begin().await.unwrap();
        assert!(complete(&mut tx, a1, t0).await.unwrap());
        tx.commit().await.unwrap();
        let got2 = claim(&store, "w2", t0, lease, 10).await.unwrap();
        assert_eq!(
            got2.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(),
            vec!["a2"]
        );

        // b1's worker died: after the lease, another worker takes it, and the old
        // worker can no longer complete it.
        let b1 = got.iter().find(|j| j.kind == "b1").unwrap();
        let later = t0 + Duration::seconds(31);
        let again = claim(&store, "w3", later, lease, 10).await.unwrap();
        let b1_again = again.iter().find(|j| j.kind == "b1").expect("reclaimed");
        assert_eq!(b1_again.attempts, 2);
        let mut tx = store.begin().await.unwrap();
        assert!(!complete(&mut tx, b1, later).await.unwrap());
        assert!(complete(&mut tx, b1_again, later).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(
            next_run_at(&store)
                .await
                .unwrap()
                .map(|t| t.timestamp_millis() / 1000),
            Some((later + lease).timestamp_millis() / 1000),
            "a2 and free were reclaimed at `later`"
        );
    }

    #[tokio::test]
    async fn people_go_before_cosmetics_and_order_holds_within_a_queue() {
        let (store, _d) = testing::sqlite().await;
        let t0 = Utc::now();
        let mut tx = store.begin().await.unwrap();
        for (kind, queue, priority, at) in [
            ("topic", "incident:1:topic", Priority::Cosmetic, 0),
            ("pin", "incident:2:pin", Priority::Normal, 1),
            ("post-a", "incident:3", Priority::Normal, 2),
            ("post-b", "incident:3", Priority::People, 3),
            ("answer", "channel:C1", Priority::People, 4),
        ] {
            let job = NewJob::now(
                kind,
                Some(queue.into()),
                json!({}),
                t0 + Duration::milliseconds(at),
            )
            .with_priority(priority);
            enqueue(&mut tx, &job, t0).await.unwrap();
        }
        tx.commit().await.unwrap();
        let later = t0 + Duration::seconds(1);
        let kinds = |jobs: &[Job]| jobs.iter().map(|j| j.kind.clone()).collect::<Vec<_>>();
        // One slot: the person's answer first, though it is the newest. post-b waits
        // behind post-a in its queue whatever its priority.
        let first = claim(&store, "w", later, Duration::seconds(30), 1)
            .await
            .unwrap();
        assert_eq!(kinds(&first), vec!["answer"]);
        let next = claim(&store, "w", later, Duration::seconds(30), 2)
            .await
            .unwrap();
        let mut got = kinds(&next);
        got.sort();
        assert_eq!(got, vec!["pin", "post-a"], "normal before cosmetic");
        let last = claim(&store, "w", later, Duration::seconds(30), 5)
            .await
            .unwrap();
        assert_eq!(kinds(&last), vec!["topic"], "post-b still waits for post-a");
        // Finishing a round and claiming the next is one transaction.
        let done: Vec<i64> = next.iter().map(|j| j.id).collect();
        let after = complete_and_claim(&store, "w", &done, later, Duration::seconds(30), 5)
            .await
            .unwrap();
        assert_eq!(kinds(&after), vec!["post-b"]);
        assert_eq!(counts(&store).await.unwrap(), (3, 0));
    }

    #[tokio::test]
    async fn enqueue_all_writes_in_order_and_skips_held_keys() {
        let (store, _d) = testing::sqlite().await;
        let t0 = Utc::now();
        assert!(add(&store, "held", None, t0, Some("rem:1")).await.is_some());
        let q = || Some("incident:1".to_string());
        let batch = [
            NewJob::now("first", q(), json!({"n": 1}), t0),
            NewJob {
                dedupe_key: Some("rem:1".into()),
                ..NewJob::now("dup", None, json!({}), t0)
            },
            NewJob::now("second", q(), json!({"n": 2}), t0),
        ];
        let mut tx = store.begin().await.unwrap();
        assert_eq!(enqueue_all(&mut tx, &batch, t0).await.unwrap(), 2);
        assert_eq!(enqueue_all(&mut tx, &[], t0).await.unwrap(), 0);
        tx.commit().await.unwrap();
        assert_eq!(counts(&store).await.unwrap(), (3, 0));
        // The queue runs them in the order given.
        let later = t0 + Duration::seconds(1);
        let lease = Duration::seconds(30);
        let mut order = Vec::new();
        let mut done = Vec::new();
        for _ in 0..3 {
            let got = complete_and_claim(&store, "w", &done, later, lease, 10)
                .await
                .unwrap();
            done = got.iter().map(|j| j.id).collect();
            order.extend(got.into_iter().map(|j| j.kind).filter(|k| k != "held"));
        }
        assert_eq!(order, ["first", "second"]);
    }

    #[test]
    fn placeholders_number_rows_then_columns() {
        assert_eq!(
            crate::store::placeholders(2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(crate::store::placeholders(1, 1), "($1)");
    }

    #[tokio::test]
    async fn dedupe_keys_and_counts() {
        let (store, _d) = testing::sqlite().await;
        let t0 = Utc::now();
        assert!(add(&store, "r", None, t0, Some("rem:1")).await.is_some());
        assert!(add(&store, "r", None, t0, Some("rem:1")).await.is_none());
        assert_eq!(counts(&store).await.unwrap(), (1, 0));
        let got = claim(&store, "w", t0, Duration::seconds(5), 10)
            .await
            .unwrap();
        fail(&store, &got[0], t0, "boom").await.unwrap();
        assert_eq!(counts(&store).await.unwrap(), (0, 1));
        // Once the first is no longer pending, the key is free again.
        assert!(add(&store, "r", None, t0, Some("rem:1")).await.is_some());
        let mut tx = store.begin().await.unwrap();
        assert!(cancel(&mut tx, "rem:1", t0).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(counts(&store).await.unwrap(), (0, 1));
    }

    #[tokio::test]
    async fn claims_of_a_worker_that_stopped_beating_are_released() {
        let (store, _d) = testing::sqlite().await;
        let t0 = Utc::now();
        add(&store, "a", Some("q:a"), t0, None).await;
        add(&store, "b", Some("q:b"), t0, None).await;
        let lease = Duration::seconds(30);
        heartbeat(&store, "alive").await.unwrap();
        let a = claim(&store, "alive", t0, lease, 1).await.unwrap();
        let b = claim(&store, "dead", t0, lease, 1).await.unwrap();
        assert_eq!((a.len(), b.len()), (1, 1));
        // "dead" never beat: its claim goes; "alive" keeps its own.
        assert_eq!(
            release_stale(&store, Duration::seconds(3)).await.unwrap(),
            1
        );
        let again = claim(&store, "alive", t0, lease, 10).await.unwrap();
        assert_eq!(again.len(), 1, "the dead worker's job, at once");
        assert_eq!(again[0].kind, b[0].kind);
        let mut tx = store.begin().await.unwrap();
        assert!(
            !complete(&mut tx, &b[0], t0).await.unwrap(),
            "the dead one cannot finish it"
        );
        tx.commit().await.unwrap();
        assert_eq!(
            release_stale(&store, Duration::seconds(3)).await.unwrap(),
            0
        );
        retire(&store, "alive").await.unwrap();
    }

    #[tokio::test]
    async fn retry_moves_the_due_time() {
        let (store, _d) = testing::sqlite().await;
        let t0 = Utc::now();
        add(&store, "x", Some("q"), t0, None).await;
        add(&store, "y", Some("q"), t0, None).await;
        let got = claim(&store, "w", t0, Duration::seconds(5), 10)
            .await
            .unwrap();
        retry_at(&store, &got[0], t0 + Duration::seconds(60), "503")
            .await
            .unwrap();
        // The queue waits for x: y must not overtake it.
        assert!(
            claim(
                &store,
                "w",
                t0 + Duration::seconds(10),
                Duration::seconds(5),
                10
            )
            .await
            .unwrap()
            .is_empty()
        );
        let got = claim(
            &store,
            "w",
            t0 + Duration::seconds(61),
            Duration::seconds(5),
            10,
        )
        .await
        .unwrap();
        assert_eq!(got[0].kind, "x");
        assert_eq!(got[0].attempts, 2);
    }
}
