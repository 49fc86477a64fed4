//! Warning state per finding key.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Db, Result, Store, StoreError, Tx, from_ms, ms, opt_from_ms};
use crate::domain::IncidentId;
use crate::domain::finding::{Finding, Level};
use crate::domain::policy::Prior;

/// A stored warning.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub key: String,
    pub watcher: String,
    pub level: Level,
    pub step: i32,
    pub finding: Finding,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub notified_level: Option<Level>,
    pub notified_step: i32,
    pub notified_at: Option<DateTime<Utc>>,
    pub channel: Option<String>,
    pub message_ts: Option<String>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub snoozed_by: Option<String>,
    pub acked_by: Option<String>,
    pub acked_at: Option<DateTime<Utc>>,
    pub incident: Option<IncidentId>,
    /// The storm rollup listing it while it is owed a message of its own.
    pub rollup: Option<i64>,
    /// The notice that message will carry (`first`, `rose`, `reminder`, `recovered`).
    pub rollup_notice: Option<String>,
    /// When it joined the rollup (the rollup's order).
    pub rolled_at: Option<DateTime<Utc>>,
}

impl Warning {
    /// A warning as its first notice leaves it: seen and notified now, not yet posted.
    pub fn first(f: &Finding, now: DateTime<Utc>) -> Warning {
        Warning {
            key: f.key.clone(),
            watcher: f.watcher.clone(),
            level: f.level,
            step: f.step,
            finding: f.clone(),
            first_seen: now,
            last_seen: now,
            notified_level: Some(f.level),
            notified_step: f.step,
            notified_at: Some(now),
            channel: None,
            message_ts: None,
            snoozed_until: None,
            snoozed_by: None,
            acked_by: None,
            acked_at: None,
            incident: None,
            rollup: None,
            rollup_notice: None,
            rolled_at: None,
        }
    }

    pub fn prior(&self) -> Prior {
        Prior {
            level: self.level,
            step: self.step,
            fingerprint: self.finding.fingerprint.clone(),
            summary: self.finding.summary.clone(),
            notified_level: self.notified_level,
            notified_step: self.notified_step,
            notified_at: self.notified_at,
            snoozed_until: self.snoozed_until,
            acked: self.acked_by.is_some(),
        }
    }
}

const COLUMNS: &str = "key, watcher, level, step, finding, first_seen, last_seen, notified_level, notified_step, \
    notified_at, channel, message_ts, snoozed_until, snoozed_by, acked_by, acked_at, incident_id, \
    rollup_id, rollup_notice, rolled_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Warning> {
    let level: String = r.try_get("level")?;
    let finding: String = r.try_get("finding")?;
    let notified: Option<String> = r.try_get("notified_level")?;
    Ok(Warning {
        key: r.try_get("key")?,
        watcher: r.try_get("watcher")?,
        level: Level::parse(&level).ok_or_else(|| StoreError::Corrupt(format!("level {level}")))?,
        step: r.try_get::<i64, _>("step")? as i32,
        finding: serde_json::from_str(&finding)
            .map_err(|e| StoreError::Corrupt(format!("finding: {e}")))?,
        first_seen: from_ms(r.try_get("first_seen")?),
        last_seen: from_ms(r.try_get("last_seen")?),
        notified_level: notified.as_deref().and_then(Level::parse),
        notified_step: r.try_get::<i64, _>("notified_step")? as i32,
        notified_at: opt_from_ms(r.try_get("notified_at")?),
        channel: r.try_get("channel")?,
        message_ts: r.try_get("message_ts")?,
        snoozed_until: opt_from_ms(r.try_get("snoozed_until")?),
        snoozed_by: r.try_get("snoozed_by")?,
        acked_by: r.try_get("acked_by")?,
        acked_at: opt_from_ms(r.try_get("acked_at")?),
        incident: r.try_get::<Option<i64>, _>("incident_id")?.map(IncidentId),
        rollup: r.try_get("rollup_id")?,
        rollup_notice: r.try_get("rollup_notice")?,
        rolled_at: opt_from_ms(r.try_get("rolled_at")?),
    })
}

/// Reads a warning, taking its row lock (PostgreSQL) for the rest of the transaction.
/// A key seen for the first time gets a row (level ok) first, so there is always
/// something to lock.
pub async fn lock(tx: &mut Tx, f: &Finding, now: DateTime<Utc>) -> Result<Warning> {
    let json = serde_json::to_string(f).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let inserted = sqlx::query(
        "INSERT INTO warnings (key, watcher, level, finding, first_seen, last_seen) VALUES ($1, $2, 'ok', $3, $4, $4) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(&f.key)
    .bind(&f.watcher)
    .bind(&json)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    // A row this transaction inserted is locked already; an existing one is locked by
    // writing to it.
    if inserted.rows_affected() == 0 {
        sqlx::query("UPDATE warnings SET last_seen = $2 WHERE key = $1")
            .bind(&f.key)
            .bind(ms(now))
            .execute(tx.conn())
            .await?;
    }
    get(tx, &f.key)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("warning {} vanished", f.key)))
}

/// Reads an existing warning, taking its row lock for the rest of the transaction
/// (so two clicks, or a click and a rule, act one after the other).
pub async fn get_locked(tx: &mut Tx, key: &str) -> Result<Option<Warning>> {
    sqlx::query("UPDATE warnings SET last_seen = last_seen WHERE key = $1")
        .bind(key)
        .execute(tx.conn())
        .await?;
    get(tx, key).await
}

pub async fn get(db: &mut impl Db, key: &str) -> Result<Option<Warning>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM warnings WHERE key = $1"
    )))
    .bind(key)
    .fetch_optional(db.conn())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Writes a warning back.
pub async fn save(tx: &mut Tx, w: &Warning) -> Result<()> {
    let json = serde_json::to_string(&w.finding).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "UPDATE warnings SET level = $2, step = $3, fingerprint = $4, finding = $5, first_seen = $6, last_seen = $7, \
         notified_level = $8, notified_step = $9, notified_at = $10, channel = $11, message_ts = $12, \
         snoozed_until = $13, snoozed_by = $14, acked_by = $15, acked_at = $16, incident_id = $17, \
         rollup_id = $18, rollup_notice = $19, rolled_at = $20 WHERE key = $1",
    )
    .bind(&w.key)
    .bind(w.level.key())
    .bind(i64::from(w.step))
    .bind(&w.finding.fingerprint)
    .bind(json)
    .bind(ms(w.first_seen))
    .bind(ms(w.last_seen))
    .bind(w.notified_level.map(|l| l.key()))
    .bind(i64::from(w.notified_step))
    .bind(w.notified_at.map(ms))
    .bind(&w.channel)
    .bind(&w.message_ts)
    .bind(w.snoozed_until.map(ms))
    .bind(&w.snoozed_by)
    .bind(&w.acked_by)
    .bind(w.acked_at.map(ms))
    .bind(w.incident.map(|i| i.0))
    .bind(w.rollup)
    .bind(&w.rollup_notice)
    .bind(w.rolled_at.map(ms))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records where a warning's latest message is.
pub async fn set_message(tx: &mut Tx, key: &str, channel: &str, ts: &str) -> Result<()> {
    sqlx::query("UPDATE warnings SET channel = $2, message_ts = $3 WHERE key = $1")
        .bind(key)
        .bind(channel)
        .bind(ts)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Current warnings of a watcher.
pub async fn of_watcher(store: &Store, watcher: &str) -> Result<Vec<Warning>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM warnings WHERE watcher = $1 ORDER BY key"
    )))
    .bind(watcher)
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A storm's rollup message: one per channel while open.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollup {
    pub id: i64,
    pub channel: String,
    pub open: bool,
    pub message_ts: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub last_joined_at: DateTime<Utc>,
}

/// Pending jobs of these kinds in these queues: how far a channel's posts are behind.
pub async fn pending_in_queues(tx: &mut Tx, queues: [&str; 2], kinds: [&str; 2]) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE queue IN ($1, $2) AND state = 'pending' AND kind IN ($3, $4)",
    )
    .bind(queues[0])
    .bind(queues[1])
    .bind(kinds[0])
    .bind(kinds[1])
    .fetch_one(tx.conn())
    .await?)
}

/// Joins the channel's open rollup, if there is one: its ID. Taking the rollup's row
/// lock (PostgreSQL) orders a join against the rollup's closing.
pub async fn join_open_rollup(
    tx: &mut Tx,
    channel: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE warning_rollups SET last_joined_at = $2 WHERE channel = $1 AND state = 'open' RETURNING id",
    )
    .bind(channel)
    .bind(ms(now))
    .fetch_optional(tx.conn())
    .await?)
}

/// Opens the channel's rollup: its ID, and whether this call made it (another
/// transaction may have opened it first; then this joins that one).
pub async fn open_rollup(tx: &mut Tx, channel: &str, now: DateTime<Utc>) -> Result<(i64, bool)> {
    let made: Option<i64> = sqlx::query_scalar(
        "INSERT INTO warning_rollups (channel, opened_at, last_joined_at) VALUES ($1, $2, $2) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(channel)
    .bind(ms(now))
    .fetch_optional(tx.conn())
    .await?;
    if let Some(id) = made {
        return Ok((id, true));
    }
    join_open_rollup(tx, channel, now)
        .await?
        .map(|id| (id, false))
        .ok_or_else(|| StoreError::Corrupt(format!("no open rollup in {channel}")))
}

pub async fn rollup(db: &mut impl Db, id: i64) -> Result<Option<Rollup>> {
    let row = sqlx::query(
        "SELECT id, channel, state, message_ts, opened_at, last_joined_at FROM warning_rollups WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.conn())
    .await?;
    row.map(|r| -> Result<Rollup> {
        Ok(Rollup {
            id: r.try_get("id")?,
            channel: r.try_get("channel")?,
            open: r.try_get::<String, _>("state")? == "open",
            message_ts: r.try_get("message_ts")?,
            opened_at: from_ms(r.try_get("opened_at")?),
            last_joined_at: from_ms(r.try_get("last_joined_at")?),
        })
    })
    .transpose()
}

/// The first `limit` warnings a rollup lists, in the order they joined, and how many
/// it holds in all.
pub async fn rollup_members(db: &mut impl Db, id: i64, limit: i64) -> Result<(Vec<Warning>, i64)> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM warnings WHERE rollup_id = $1 ORDER BY rolled_at, key LIMIT $2"
    )))
    .bind(id)
    .bind(limit)
    .fetch_all(db.conn())
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM warnings WHERE rollup_id = $1")
        .bind(id)
        .fetch_one(db.conn())
        .await?;
    Ok((rows.iter().map(from_row).collect::<Result<_>>()?, total))
}

/// Every warning a rollup still owes a message, in the order they joined.
pub async fn rollup_keys(tx: &mut Tx, id: i64) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT key FROM warnings WHERE rollup_id = $1 ORDER BY rolled_at, key")
            .bind(id)
            .fetch_all(tx.conn())
            .await?,
    )
}

/// Records where the rollup's message is.
pub async fn set_rollup_message(tx: &mut Tx, id: i64, ts: &str) -> Result<()> {
    sqlx::query("UPDATE warning_rollups SET message_ts = $2 WHERE id = $1")
        .bind(id)
        .bind(ts)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Closes an open rollup: false when it was closed already.
pub async fn close_rollup(tx: &mut Tx, id: i64) -> Result<bool> {
    let r =
        sqlx::query("UPDATE warning_rollups SET state = 'closed' WHERE id = $1 AND state = 'open'")
            .bind(id)
            .execute(tx.conn())
            .await?;
    Ok(r.rows_affected() > 0)
}
