//! External updates as published, the public incidents made of them (private
//! incidents never), and the Statuspage incident each warroom incident became.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Db, Result, StoreError, Tx, from_ms, ms};
use crate::domain::IncidentId;
use crate::domain::public::{ComponentState, ExternalUpdate, Impact, PublicIncident, PublicStatus};
use crate::domain::severity::Scale;

/// An external update to store.
#[derive(Debug, Clone)]
pub struct NewExternal<'a> {
    pub incident: IncidentId,
    pub status: PublicStatus,
    pub title: &'a str,
    pub body: &'a str,
    pub components: &'a [(String, ComponentState)],
    pub posted_by: &'a str,
    pub at: DateTime<Utc>,
}

/// Stores one; returns its id.
pub async fn add(tx: &mut Tx, u: &NewExternal<'_>) -> Result<i64> {
    let components: Vec<(&str, &str)> = u
        .components
        .iter()
        .map(|(n, s)| (n.as_str(), s.key()))
        .collect();
    let row = sqlx::query(
        "INSERT INTO external_updates (incident_id, status, title, body, components, posted_by, posted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(u.incident.0)
    .bind(u.status.key())
    .bind(u.title)
    .bind(u.body)
    .bind(serde_json::to_string(&components).unwrap_or_default())
    .bind(u.posted_by)
    .bind(ms(u.at))
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get(0)?)
}

const COLUMNS: &str = "e.id, e.incident_id, e.status, e.title, e.body, e.components, e.posted_by, e.posted_at, i.severity";

fn from_row(r: &AnyRow) -> Result<(ExternalUpdate, String)> {
    let status: String = r.try_get("status")?;
    let components: String = r.try_get("components")?;
    let pairs: Vec<(String, String)> = serde_json::from_str(&components).unwrap_or_default();
    Ok((
        ExternalUpdate {
            id: r.try_get("id")?,
            incident: r.try_get("incident_id")?,
            status: PublicStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("external status {status}")))?,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
            components: pairs
                .into_iter()
                .filter_map(|(n, s)| ComponentState::parse(&s).map(|s| (n, s)))
                .collect(),
            posted_by: r.try_get("posted_by")?,
            posted_at: from_ms(r.try_get("posted_at")?),
        },
        r.try_get("severity")?,
    ))
}

/// Groups rows (ordered by incident, then id) into public incidents, newest first.
fn group(rows: Vec<(ExternalUpdate, String)>, scale: &Scale) -> Vec<PublicIncident> {
    let mut by: BTreeMap<i64, PublicIncident> = BTreeMap::new();
    for (u, sev) in rows {
        let impact = scale.stored(&sev).map_or(Impact::None, Impact::of);
        by.entry(u.incident)
            .or_insert_with(|| PublicIncident {
                id: u.incident,
                impact,
                updates: vec![],
            })
            .updates
            .push(u);
    }
    let mut out: Vec<PublicIncident> = by.into_values().collect();
    out.sort_by_key(|p| std::cmp::Reverse(p.latest().map(|u| (u.posted_at, u.id))));
    out
}

/// Only `COLUMNS` (a constant) is formatted into these queries; values are bound.
///
/// The public incidents still open or updated since `since`: public (not private)
/// incidents with external updates only.
pub async fn public_since(db: &mut impl Db, since: DateTime<Utc>) -> Result<Vec<PublicIncident>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM external_updates e JOIN incidents i ON i.id = e.incident_id \
         WHERE i.private = 0 AND (i.status <> 'resolved' OR e.incident_id IN \
         (SELECT incident_id FROM external_updates WHERE posted_at >= $1)) \
         ORDER BY e.incident_id, e.id"
    )))
    .bind(ms(since))
    .fetch_all(db.conn())
    .await?;
    let rows = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(group(rows, db.scale()))
}

/// One public incident; None when it is private or was never published.
pub async fn public_one(db: &mut impl Db, id: IncidentId) -> Result<Option<PublicIncident>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM external_updates e JOIN incidents i ON i.id = e.incident_id \
         WHERE i.private = 0 AND e.incident_id = $1 ORDER BY e.incident_id, e.id"
    )))
    .bind(id.0)
    .fetch_all(db.conn())
    .await?;
    let rows = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(group(rows, db.scale()).into_iter().next())
}

/// The external updates of one incident, oldest first (private ones too: for its
/// own channel and postmortem).
pub async fn of_incident(db: &mut impl Db, id: IncidentId) -> Result<Vec<ExternalUpdate>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM external_updates e JOIN incidents i ON i.id = e.incident_id \
         WHERE e.incident_id = $1 ORDER BY e.id"
    )))
    .bind(id.0)
    .fetch_all(db.conn())
    .await?;
    rows.iter().map(|r| from_row(r).map(|(u, _)| u)).collect()
}

/// One stored update by id.
pub async fn get(db: &mut impl Db, id: i64) -> Result<Option<ExternalUpdate>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM external_updates e JOIN incidents i ON i.id = e.incident_id WHERE e.id = $1"
    )))
    .bind(id)
    .fetch_optional(db.conn())
    .await?;
    row.as_ref()
        .map(|r| from_row(r).map(|(u, _)| u))
        .transpose()
}

/// The Statuspage incident this incident became, if any.
pub async fn statuspage_link(db: &mut impl Db, id: IncidentId) -> Result<Option<String>> {
    let row =
        sqlx::query("SELECT page_incident_id FROM statuspage_incidents WHERE incident_id = $1")
            .bind(id.0)
            .fetch_optional(db.conn())
            .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// Remembers the Statuspage incident; false when one was linked already.
pub async fn set_statuspage_link(
    tx: &mut Tx,
    id: IncidentId,
    page_incident: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO statuspage_incidents (incident_id, page_incident_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (incident_id) DO NOTHING",
    )
    .bind(id.0)
    .bind(page_incident)
    .bind(ms(at))
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// What the public page depends on, cheaply: how many public updates there are and
/// the newest one's id. Equal answers mean an equal page (for the same minute).
pub async fn public_version(db: &mut impl Db) -> Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*), COALESCE(MAX(e.id), 0) FROM external_updates e \
         JOIN incidents i ON i.id = e.incident_id WHERE i.private = 0",
    )
    .fetch_one(db.conn())
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}
