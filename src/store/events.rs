//! Slack event IDs already processed (Slack redelivers events it thinks were lost),
//! and a small key-value cache (the bot's own user ID, user display names).

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{Db, Result, Store, Tx, ms};

/// Records an event ID; false when it was seen before (a retry to ignore).
pub async fn first_delivery(tx: &mut Tx, event_id: &str, at: DateTime<Utc>) -> Result<bool> {
    let r = sqlx::query("INSERT INTO processed_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(event_id)
        .bind(ms(at))
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Forgets event IDs older than `before` (Slack stops retrying after hours).
pub async fn prune(store: &Store, before: DateTime<Utc>) -> Result<u64> {
    let r = sqlx::query("DELETE FROM processed_events WHERE received_at < $1")
        .bind(ms(before))
        .execute(&store.pool)
        .await?;
    Ok(r.rows_affected())
}

/// A cached value, read on a connection of its own.
pub async fn kv_get(store: &Store, key: &str) -> Result<Option<String>> {
    kv_get_in(&mut store.conn().await?, key).await
}

/// Caches a value, written on its own (outside any transaction).
pub async fn kv_set(store: &Store, key: &str, value: &str, at: DateTime<Utc>) -> Result<()> {
    upsert(&mut *store.pool.acquire().await?, key, value, at).await
}

/// [`kv_get`] inside a transaction or on a reader.
pub async fn kv_get_in(db: &mut impl Db, key: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT value FROM kv WHERE key = $1")
        .bind(key)
        .fetch_optional(db.conn())
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get(0)?),
        None => None,
    })
}

/// [`kv_set`] inside a transaction.
pub async fn kv_set_in(tx: &mut Tx, key: &str, value: &str, at: DateTime<Utc>) -> Result<()> {
    upsert(tx.conn(), key, value, at).await
}

async fn upsert(conn: &mut AnyConnection, key: &str, value: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(ms(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets `key` unless it is set already (the first writer wins).
pub async fn kv_add(store: &Store, key: &str, value: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(value)
    .bind(ms(at))
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// Cached values whose key starts with `prefix` (e.g. every known user name).
pub async fn kv_prefix(store: &Store, prefix: &str) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT key, value FROM kv WHERE key LIKE $1")
        .bind(format!("{}%", prefix.replace('%', "")))
        .fetch_all(&store.pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}
