//! Usage samples of local filesystems (the disk watcher's own history).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Result, Store, from_ms, ms};

pub use crate::domain::finding::Sample;

pub async fn add(store: &Store, key: &str, s: Sample) -> Result<()> {
    sqlx::query("INSERT INTO disk_samples (key, at, used, size) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(key)
        .bind(ms(s.at))
        .bind(s.used)
        .bind(s.size)
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// Samples of `key` since `since`, oldest first.
pub async fn since(store: &Store, key: &str, since: DateTime<Utc>) -> Result<Vec<Sample>> {
    let rows = sqlx::query(
        "SELECT at, used, size FROM disk_samples WHERE key = $1 AND at >= $2 ORDER BY at",
    )
    .bind(key)
    .bind(ms(since))
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Sample {
                at: from_ms(r.try_get(0)?),
                used: r.try_get(1)?,
                size: r.try_get(2)?,
            })
        })
        .collect()
}

/// Forgets samples older than `before`.
pub async fn prune(store: &Store, before: DateTime<Utc>) -> Result<u64> {
    let r = sqlx::query("DELETE FROM disk_samples WHERE at < $1")
        .bind(ms(before))
        .execute(&store.pool)
        .await?;
    Ok(r.rows_affected())
}
