//! Where each postmortem is kept outside Slack (a pull request in the team's
//! repository, a Confluence page): which one, the draft version it holds, the page
//! version warroom last wrote, the page beside one people edited, the blame findings
//! already left as review comments, and whether it was merged.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Db, Result, Tx, ms};
use crate::domain::IncidentId;

/// One postmortem's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub incident: IncidentId,
    /// `github`.
    pub target: String,
    /// The repository (`owner/name`).
    pub place: String,
    /// The pull request's number, once opened (or found again).
    pub reference: Option<String>,
    pub link: Option<String>,
    /// The draft version it holds (0: none yet).
    pub version: i64,
    /// The fingerprint of the review comments left.
    pub reviewed: String,
    /// The page version warroom last wrote (Confluence).
    pub remote_version: i64,
    /// warroom's own draft page beside one people edited: its ID and address.
    pub alternate: Option<String>,
    pub alternate_link: Option<String>,
    pub merged_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "incident_id, target, place, reference, link, version, reviewed, \
                       remote_version, alternate, alternate_link, merged_at";

fn from_row(r: &AnyRow) -> Result<Document> {
    let merged: Option<i64> = r.try_get("merged_at")?;
    Ok(Document {
        incident: IncidentId(r.try_get("incident_id")?),
        target: r.try_get("target")?,
        place: r.try_get("place")?,
        reference: r.try_get("reference")?,
        link: r.try_get("link")?,
        version: r.try_get("version")?,
        reviewed: r.try_get("reviewed")?,
        remote_version: r.try_get("remote_version")?,
        alternate: r.try_get("alternate")?,
        alternate_link: r.try_get("alternate_link")?,
        merged_at: merged.map(super::from_ms),
    })
}

/// The postmortem's place at `target`, if one was started.
pub async fn get(db: &mut impl Db, id: IncidentId, target: &str) -> Result<Option<Document>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM postmortem_documents WHERE incident_id = $1 AND target = $2"
    )))
    .bind(id.0)
    .bind(target)
    .fetch_optional(db.conn())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The postmortem whose place is `reference` in `place` (a pull request's number).
pub async fn by_reference(
    db: &mut impl Db,
    target: &str,
    place: &str,
    reference: &str,
) -> Result<Option<Document>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM postmortem_documents \
         WHERE target = $1 AND place = $2 AND reference = $3"
    )))
    .bind(target)
    .bind(place)
    .bind(reference)
    .fetch_optional(db.conn())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records the place of `id`'s postmortem (kept when it is there already).
pub async fn start(
    tx: &mut Tx,
    id: IncidentId,
    target: &str,
    place: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO postmortem_documents (incident_id, target, place, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(id.0)
    .bind(target)
    .bind(place)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The place now holds draft `version`, at `reference` (`link` for people).
pub async fn pushed(
    tx: &mut Tx,
    id: IncidentId,
    target: &str,
    reference: &str,
    link: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE postmortem_documents SET reference = $3, link = $4, version = $5, \
         updated_at = $6 WHERE incident_id = $1 AND target = $2",
    )
    .bind(id.0)
    .bind(target)
    .bind(reference)
    .bind(link)
    .bind(version)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The review comments of `fingerprint` were left.
pub async fn reviewed(
    tx: &mut Tx,
    id: IncidentId,
    target: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE postmortem_documents SET reviewed = $3, updated_at = $4 \
         WHERE incident_id = $1 AND target = $2",
    )
    .bind(id.0)
    .bind(target)
    .bind(fingerprint)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Marks it merged; false when it was already (a delivery seen twice).
pub async fn merged(tx: &mut Tx, id: IncidentId, target: &str, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE postmortem_documents SET merged_at = $3, updated_at = $3 \
         WHERE incident_id = $1 AND target = $2 AND merged_at IS NULL",
    )
    .bind(id.0)
    .bind(target)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The page now holds draft `version` as its page version `remote_version`.
pub async fn written(
    tx: &mut Tx,
    id: IncidentId,
    target: &str,
    page: (&str, &str),
    version: i64,
    remote_version: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE postmortem_documents SET reference = $3, link = $4, version = $5, \
         remote_version = $6, updated_at = $7 WHERE incident_id = $1 AND target = $2",
    )
    .bind(id.0)
    .bind(target)
    .bind(page.0)
    .bind(page.1)
    .bind(version)
    .bind(remote_version)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// warroom's draft `version` went to its own page beside the one people edited.
pub async fn beside(
    tx: &mut Tx,
    id: IncidentId,
    target: &str,
    page: (&str, &str),
    version: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE postmortem_documents SET alternate = $3, alternate_link = $4, version = $5, \
         updated_at = $6 WHERE incident_id = $1 AND target = $2",
    )
    .bind(id.0)
    .bind(target)
    .bind(page.0)
    .bind(page.1)
    .bind(version)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}
