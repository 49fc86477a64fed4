//! Follow-up action items of incidents.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;
use sqlx::Row;

use super::{Db, Result, Store, Tx, from_ms, ms, opt_from_ms};
use crate::domain::action::{ActionItem, TicketRef};
use crate::domain::command::Priority;
use crate::domain::{IncidentId, UserText};

/// Adds an item and returns its number within the incident.
#[allow(clippy::too_many_arguments)]
pub async fn add(
    tx: &mut Tx,
    id: IncidentId,
    text: &UserText,
    owner: Option<&str>,
    priority: Option<Priority>,
    due: Option<NaiveDate>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<i64> {
    let seq: i64 =
        sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 FROM action_items WHERE incident_id = $1")
            .bind(id.0)
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
    sqlx::query(
        "INSERT INTO action_items (incident_id, seq, text, owner, priority, due, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.0)
    .bind(seq)
    .bind(text.stored())
    .bind(owner)
    .bind(priority.map(|p| p.key()))
    .bind(due.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(by)
    .bind(ms(at))
    .execute(tx.conn())
    .await?;
    Ok(seq)
}

/// Marks an item done. Returns the item's text, or None when there is no such item;
/// `Some((text, false))` when it was already done.
pub async fn mark_done(
    tx: &mut Tx,
    id: IncidentId,
    seq: i64,
    at: DateTime<Utc>,
) -> Result<Option<(UserText, bool)>> {
    let row =
        sqlx::query("SELECT text, status FROM action_items WHERE incident_id = $1 AND seq = $2")
            .bind(id.0)
            .bind(seq)
            .fetch_optional(tx.conn())
            .await?;
    let Some(row) = row else { return Ok(None) };
    let text = UserText::from_stored(row.try_get(0)?);
    let status: String = row.try_get(1)?;
    if status == "done" {
        return Ok(Some((text, false)));
    }
    sqlx::query(
        "UPDATE action_items SET status = 'done', done_at = $3 WHERE incident_id = $1 AND seq = $2",
    )
    .bind(id.0)
    .bind(seq)
    .bind(ms(at))
    .execute(tx.conn())
    .await?;
    Ok(Some((text, true)))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<ActionItem> {
    let priority: Option<String> = r.try_get("priority")?;
    let due: Option<String> = r.try_get("due")?;
    let status: String = r.try_get("status")?;
    let key: Option<String> = r.try_get("ticket_key")?;
    let url: Option<String> = r.try_get("ticket_url")?;
    let tracker: Option<String> = r.try_get("ticket_tracker")?;
    let project: Option<String> = r.try_get("ticket_project")?;
    let ticket = match (key, url) {
        (Some(key), Some(url)) => Some(TicketRef {
            name: super::tickets::name(
                tracker.as_deref().unwrap_or_default(),
                project.as_deref().unwrap_or_default(),
                &key,
            ),
            url,
        }),
        _ => None,
    };
    Ok(ActionItem {
        incident: IncidentId(r.try_get("incident_id")?),
        seq: r.try_get("seq")?,
        text: UserText::from_stored(r.try_get("text")?),
        owner: r.try_get("owner")?,
        priority: priority.as_deref().and_then(Priority::parse),
        due: due.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
        done: status == "done",
        created_by: r.try_get("created_by")?,
        created_at: from_ms(r.try_get("created_at")?),
        done_at: opt_from_ms(r.try_get("done_at")?),
        ticket,
    })
}

/// Only these constants are ever formatted into SQL; values are always bound. An
/// item's ticket comes with it (`a`: the items, `t`: their tickets).
const COLUMNS: &str = "a.incident_id, a.seq, a.text, a.owner, a.priority, a.due, a.status, \
     a.created_by, a.created_at, a.done_at, t.ticket_key AS ticket_key, t.url AS ticket_url, \
     t.tracker AS ticket_tracker, t.project AS ticket_project";
/// The items with their tickets.
const FROM: &str = "action_items a LEFT JOIN tickets t \
     ON t.incident_id = a.incident_id AND t.subject = 'action:' || a.seq";

pub async fn list(db: &mut impl Db, id: IncidentId) -> Result<Vec<ActionItem>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE a.incident_id = $1 ORDER BY a.seq"
    )))
    .bind(id.0)
    .fetch_all(db.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

/// The most services a follow-up search looks at.
const MAX_SERVICES: usize = 20;

/// Open items of incidents declared before `before` that affected one of `services`,
/// oldest first, at most `limit`: the follow-ups a new incident on those services
/// should hear about.
pub async fn open_on_services(
    db: &mut impl Db,
    services: &[String],
    before: IncidentId,
    limit: i64,
) -> Result<Vec<ActionItem>> {
    let services: Vec<&String> = services.iter().take(MAX_SERVICES).collect();
    if services.is_empty() {
        return Ok(vec![]);
    }
    // Only placeholders are formatted into the SQL; the patterns are bound.
    let any: Vec<String> = (0..services.len())
        .map(|k| format!("(',' || i.services || ',') LIKE ${} ESCAPE '\\'", k + 3))
        .collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} JOIN incidents i ON i.id = a.incident_id \
         WHERE a.status <> 'done' AND a.incident_id < $1 AND ({}) \
         ORDER BY a.incident_id, a.seq LIMIT $2",
        any.join(" OR ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(before.0).bind(limit);
    for s in services {
        q = q.bind(format!(
            "%,{},%",
            s.replace('\\', "\\\\")
                .replace('_', "\\_")
                .replace('%', "\\%")
        ));
    }
    let rows = q.fetch_all(db.conn()).await?;
    rows.iter().map(from_row).collect()
}

/// Every open item of every incident (the weekly digest).
pub async fn all_open(store: &Store) -> Result<Vec<ActionItem>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE a.status <> 'done' ORDER BY a.incident_id, a.seq"
    )))
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One item of `id`.
pub async fn get(db: &mut impl Db, id: IncidentId, seq: i64) -> Result<Option<ActionItem>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE a.incident_id = $1 AND a.seq = $2"
    )))
    .bind(id.0)
    .bind(seq)
    .fetch_optional(db.conn())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Opens a done item again. False when it was open.
pub async fn reopen(tx: &mut Tx, id: IncidentId, seq: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE action_items SET status = 'open', done_at = NULL \
         WHERE incident_id = $1 AND seq = $2 AND status = 'done'",
    )
    .bind(id.0)
    .bind(seq)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives an item to `owner` (a Slack user).
pub async fn set_owner(tx: &mut Tx, id: IncidentId, seq: i64, owner: &str) -> Result<()> {
    sqlx::query("UPDATE action_items SET owner = $3 WHERE incident_id = $1 AND seq = $2")
        .bind(id.0)
        .bind(seq)
        .bind(owner)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Moves (or clears) an item's due date.
pub async fn set_due(tx: &mut Tx, id: IncidentId, seq: i64, due: Option<NaiveDate>) -> Result<()> {
    sqlx::query("UPDATE action_items SET due = $3 WHERE incident_id = $1 AND seq = $2")
        .bind(id.0)
        .bind(seq)
        .bind(due.map(|d| d.format("%Y-%m-%d").to_string()))
        .execute(tx.conn())
        .await?;
    Ok(())
}
