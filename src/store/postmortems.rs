//! Postmortem draft versions and where the latest one was published.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Db, Result, Tx, from_ms, ms};
use crate::domain::IncidentId;
pub use crate::domain::listing::DraftVersion as Version;

/// Where a draft went in Slack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// `canvas` or `file`.
    pub kind: String,
    pub reference: String,
    pub link: Option<String>,
    pub version: i64,
}

/// A `version, markdown, created_at` row.
fn version_of(r: &sqlx::any::AnyRow) -> Result<Version> {
    Ok(Version {
        version: r.try_get(0)?,
        markdown: r.try_get(1)?,
        created_at: from_ms(r.try_get(2)?),
    })
}

pub async fn latest(db: &mut impl Db, id: IncidentId) -> Result<Option<Version>> {
    let row = sqlx::query("SELECT version, markdown, created_at FROM postmortems WHERE incident_id = $1 ORDER BY version DESC LIMIT 1")
        .bind(id.0)
        .fetch_optional(db.conn())
        .await?;
    row.as_ref().map(version_of).transpose()
}

/// One stored version.
pub async fn version(db: &mut impl Db, id: IncidentId, version: i64) -> Result<Option<Version>> {
    let row = sqlx::query(
        "SELECT version, markdown, created_at FROM postmortems WHERE incident_id = $1 AND version = $2",
    )
    .bind(id.0)
    .bind(version)
    .fetch_optional(db.conn())
    .await?;
    row.as_ref().map(version_of).transpose()
}

/// Versions, oldest first, without their text.
pub async fn history(db: &mut impl Db, id: IncidentId) -> Result<Vec<(i64, DateTime<Utc>)>> {
    let rows = sqlx::query(
        "SELECT version, created_at FROM postmortems WHERE incident_id = $1 ORDER BY version",
    )
    .bind(id.0)
    .fetch_all(db.conn())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, from_ms(r.try_get(1)?))))
        .collect()
}

/// Stores the next version; returns its number.
pub async fn add(tx: &mut Tx, id: IncidentId, markdown: &str, at: DateTime<Utc>) -> Result<i64> {
    let next: i64 =
        sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 FROM postmortems WHERE incident_id = $1")
            .bind(id.0)
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
    sqlx::query("INSERT INTO postmortems (incident_id, version, markdown, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id.0)
        .bind(next)
        .bind(markdown)
        .bind(ms(at))
        .execute(tx.conn())
        .await?;
    Ok(next)
}

pub async fn publication(db: &mut impl Db, id: IncidentId) -> Result<Option<Publication>> {
    let row = sqlx::query(
        "SELECT kind, reference, link, version FROM postmortem_publications WHERE incident_id = $1",
    )
    .bind(id.0)
    .fetch_optional(db.conn())
    .await?;
    Ok(match row {
        Some(r) => Some(Publication {
            kind: r.try_get(0)?,
            reference: r.try_get(1)?,
            link: r.try_get(2)?,
            version: r.try_get(3)?,
        }),
        None => None,
    })
}

pub async fn set_publication(
    tx: &mut Tx,
    id: IncidentId,
    p: &Publication,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO postmortem_publications (incident_id, kind, reference, link, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (incident_id) DO UPDATE SET kind = excluded.kind, reference = excluded.reference, link = excluded.link, \
         version = excluded.version, updated_at = excluded.updated_at",
    )
    .bind(id.0)
    .bind(&p.kind)
    .bind(&p.reference)
    .bind(&p.link)
    .bind(p.version)
    .bind(ms(at))
    .execute(tx.conn())
    .await?;
    Ok(())
}
