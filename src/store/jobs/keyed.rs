//! The pending job that holds a dedupe key (a reminder, a digest slot): cancel it, or
//! read when it is due and what it carries.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;

use crate::store::{Db, Result, StoreError, Tx, from_ms, ms};

/// Cancels the pending job with this dedupe key (a reminder no longer wanted).
pub async fn cancel(tx: &mut Tx, dedupe_key: &str, now: DateTime<Utc>) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET state = 'cancelled', finished_at = $2 WHERE dedupe_key = $1 AND state = 'pending'",
    )
    .bind(dedupe_key)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Due time of the pending job with this dedupe key.
pub async fn pending_run_at(db: &mut impl Db, dedupe_key: &str) -> Result<Option<DateTime<Utc>>> {
    let row = sqlx::query("SELECT run_at FROM jobs WHERE dedupe_key = $1 AND state = 'pending'")
        .bind(dedupe_key)
        .fetch_optional(db.conn())
        .await?;
    Ok(match row {
        Some(r) => Some(from_ms(r.try_get(0)?)),
        None => None,
    })
}

/// Payload of the pending job with this dedupe key.
pub async fn pending_payload(db: &mut impl Db, dedupe_key: &str) -> Result<Option<Value>> {
    let row = sqlx::query("SELECT payload FROM jobs WHERE dedupe_key = $1 AND state = 'pending'")
        .bind(dedupe_key)
        .fetch_optional(db.conn())
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
