//! Reading one incident, by number or by its channel, with its roles; what a user
//! declared lately; whether a channel is taken.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::roles::load_roles;
use super::row::{COLUMNS, from_row};
use crate::domain::{Incident, IncidentId, UserText};
use crate::store::{Db, Result, from_ms, ms};

pub async fn get(db: &mut impl Db, id: IncidentId) -> Result<Option<Incident>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM incidents WHERE id = $1"
    )))
    .bind(id.0)
    .fetch_optional(db.conn())
    .await?;
    with_roles(db, row).await
}

/// The incident whose channel this is.
pub async fn by_channel(db: &mut impl Db, channel_id: &str) -> Result<Option<Incident>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM incidents WHERE channel_id = $1"
    )))
    .bind(channel_id)
    .fetch_optional(db.conn())
    .await?;
    with_roles(db, row).await
}

/// The incident of a row read, if any, with its roles.
async fn with_roles(db: &mut impl Db, row: Option<AnyRow>) -> Result<Option<Incident>> {
    match row {
        Some(row) => {
            let mut i = from_row(&row, db.scale())?;
            load_roles(db, &mut i).await?;
            Ok(Some(i))
        }
        None => Ok(None),
    }
}

/// What `user` declared since `since`: (number, title, when), newest first.
pub async fn declared_by_since(
    db: &mut impl Db,
    user: &str,
    since: DateTime<Utc>,
) -> Result<Vec<(IncidentId, UserText, DateTime<Utc>)>> {
    let rows = sqlx::query(
        "SELECT id, title, declared_at FROM incidents WHERE declared_by = $1 AND declared_at >= $2 \
         ORDER BY declared_at DESC LIMIT 20",
    )
    .bind(user)
    .bind(ms(since))
    .fetch_all(db.conn())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                IncidentId(r.try_get(0)?),
                UserText::from_stored(r.try_get(1)?),
                from_ms(r.try_get(2)?),
            ))
        })
        .collect()
}

/// True when another incident already uses this channel.
pub async fn channel_in_use(db: &mut impl Db, channel_id: &str) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) FROM incidents WHERE channel_id = $1")
        .bind(channel_id)
        .fetch_one(db.conn())
        .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}
