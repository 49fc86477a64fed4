//! Slack's rate buckets shared by the replicas on PostgreSQL ([`crate::pace`]): a row
//! per bucket, held with `FOR UPDATE` for one decision on the database's clock, and
//! the slots reserved for queued jobs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Row;

use super::{Backend, Result, Store, StoreError, Tx};
use crate::pace::{Bucket, Decide, Held, Leave, NEVER, SharedBuckets, Verdict};

/// A reserved slot older than this (seconds) belongs to a job that never came back.
const STALE_TICKET: f64 = 600.0;

/// A bucket idle this long (seconds) is full and trusted again: its row can go.
const IDLE_BUCKET: f64 = 3600.0;
/// Every this many decisions, a process clears idle buckets and stale tickets.
const PRUNE_EVERY: u64 = 1000;

/// The shared buckets, on a store of their own (a small pool).
#[derive(Debug, Clone)]
pub struct RateBuckets {
    store: Store,
    decisions: Arc<AtomicU64>,
}

impl RateBuckets {
    /// Shared buckets on `store`; None on SQLite (one instance keeps its own).
    pub fn on(store: Store) -> Option<RateBuckets> {
        (store.backend == Backend::Postgres).then(|| RateBuckets {
            store,
            decisions: Arc::default(),
        })
    }

    /// Drops the rows of buckets idle for an hour (one per channel ever posted to
    /// would otherwise pile up) and tickets no job came back for.
    async fn prune(&self, tx: &mut Tx, now: f64) -> Result<()> {
        sqlx::query("DELETE FROM rate_buckets WHERE at < $1 AND tokens >= 0")
            .bind(now - IDLE_BUCKET)
            .execute(tx.conn())
            .await?;
        sqlx::query("DELETE FROM rate_tickets WHERE at < $1")
            .bind(now - STALE_TICKET)
            .execute(tx.conn())
            .await?;
        Ok(())
    }

    async fn decide(&self, key: &str, job: Option<i64>, decide: &Decide) -> Result<Verdict> {
        let mut tx = self.store.begin().await?;
        // Creates the bucket if new, and holds its row either way.
        let row = sqlx::query(
            "INSERT INTO rate_buckets (key, tokens, at, trust, trust_at) VALUES ($1, 0, $2, 1, 0) \
             ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key \
             RETURNING tokens, at, trust, trust_at, EXTRACT(EPOCH FROM clock_timestamp())::float8",
        )
        .bind(key)
        .bind(NEVER)
        .fetch_one(tx.conn())
        .await?;
        let bucket = Bucket {
            tokens: row.try_get(0)?,
            at: row.try_get(1)?,
            trust: row.try_get(2)?,
            trust_at: row.try_get(3)?,
        };
        let now: f64 = row.try_get(4)?;
        let ticket = match job {
            Some(job) => {
                sqlx::query("DELETE FROM rate_tickets WHERE key = $1 AND job = $2 RETURNING at")
                    .bind(key)
                    .bind(job)
                    .fetch_optional(tx.conn())
                    .await?
                    .map(|r| r.try_get::<f64, _>(0))
                    .transpose()?
            }
            None => None,
        };
        let (leave, verdict) = decide(Held {
            bucket,
            ticket,
            now,
        });
        let b = leave.bucket;
        if ![b.tokens, b.at, b.trust, b.trust_at]
            .iter()
            .all(|v| v.is_finite())
        {
            return Err(StoreError::Corrupt(format!("rate bucket {key}: {b:?}")));
        }
        write(&mut tx, key, job, &leave).await?;
        tx.commit().await?;
        if self.decisions.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            // Outside the decision's transaction: it holds no row another waits for.
            let mut tx = self.store.begin().await?;
            self.prune(&mut tx, now).await?;
            tx.commit().await?;
        }
        Ok(verdict)
    }
}

/// Writes back what a decision left: the bucket, the tickets moved, the asker's new
/// ticket.
async fn write(tx: &mut Tx, key: &str, job: Option<i64>, leave: &Leave) -> Result<()> {
    let b = leave.bucket;
    sqlx::query(
        "UPDATE rate_buckets SET tokens = $2, at = $3, trust = $4, trust_at = $5 WHERE key = $1",
    )
    .bind(key)
    .bind(b.tokens)
    .bind(b.at)
    .bind(b.trust)
    .bind(b.trust_at)
    .execute(tx.conn())
    .await?;
    if leave.shift > 0.0 {
        sqlx::query("UPDATE rate_tickets SET at = at + $2 WHERE key = $1")
            .bind(key)
            .bind(leave.shift)
            .execute(tx.conn())
            .await?;
    }
    if let (Some(job), Some(at)) = (job, leave.ticket) {
        sqlx::query(
            "INSERT INTO rate_tickets (key, job, at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key, job) DO UPDATE SET at = EXCLUDED.at",
        )
        .bind(key)
        .bind(job)
        .bind(at)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl SharedBuckets for RateBuckets {
    async fn with_bucket(
        &self,
        key: &str,
        job: Option<i64>,
        decide: &Decide,
    ) -> std::result::Result<Verdict, String> {
        self.decide(key, job, decide)
            .await
            .map_err(|e| e.to_string())
    }
}
