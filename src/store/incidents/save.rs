//! Writing an incident back: its row lock and version, every field a use case may
//! change, and its channel and headline once Slack has made them.

use crate::domain::{Incident, IncidentId, UserText};
use crate::store::{Result, Tx, ms};

/// Takes the incident's row lock for the rest of the transaction (PostgreSQL) and
/// bumps its version. False when there is no such incident.
pub async fn lock(tx: &mut Tx, id: IncidentId) -> Result<bool> {
    let r = sqlx::query("UPDATE incidents SET version = version + 1 WHERE id = $1")
        .bind(id.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Writes back every field a use case may change (not the roles).
pub async fn save(tx: &mut Tx, i: &Incident) -> Result<()> {
    sqlx::query(
        "UPDATE incidents SET title = $2, description = $3, severity = $4, status = $5, \
         acknowledged_at = $6, identified_at = $7, mitigated_at = $8, resolved_at = $9, \
         impact_started_at = $10, impact = $11, impact_ppm = $12, summary = $13, \
         services = $14, postmortem_done_at = $15, last_update_at = $16, unanswered_reminders = $17, \
         ic_ack_pending_since = $18, postmortem_reminders = $19, last_reminder_at = $20, tags = $21, kind = $22, fields = $23 WHERE id = $1",
    )
    .bind(i.id.0)
    .bind(i.title.stored())
    .bind(i.description.as_ref().map(UserText::stored))
    .bind(i.severity.key())
    .bind(i.status.key())
    .bind(i.acknowledged_at.map(ms))
    .bind(i.identified_at.map(ms))
    .bind(i.mitigated_at.map(ms))
    .bind(i.resolved_at.map(ms))
    .bind(i.impact_started_at.map(ms))
    .bind(i.impact.as_ref().map(UserText::stored))
    // Stored as parts per million: sqlx's Any driver mistypes NULL doubles on PostgreSQL.
    .bind(i.impact_percent.map(|p| (p * 10_000.0).round() as i64))
    .bind(i.summary.as_ref().map(UserText::stored))
    .bind(i.services.join(","))
    .bind(i.postmortem_done_at.map(ms))
    .bind(i.last_update_at.map(ms))
    .bind(i.unanswered_reminders)
    .bind(i.ic_ack_pending_since.map(ms))
    .bind(i.postmortem_reminders)
    .bind(i.last_reminder_at.map(ms))
    .bind(crate::domain::tags::join(&i.tags))
    .bind(i.kind.as_deref().unwrap_or(""))
    .bind(crate::domain::fields::to_json(&i.fields))
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn set_channel(tx: &mut Tx, id: IncidentId, channel_id: &str, name: &str) -> Result<()> {
    sqlx::query(
        "UPDATE incidents SET channel_id = $2, channel_name = $3, channel_error = NULL WHERE id = $1",
    )
        .bind(id.0)
        .bind(channel_id)
        .bind(name)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Records why Slack refused the channel (None: cleared, a new attempt is under way).
pub async fn set_channel_error(tx: &mut Tx, id: IncidentId, error: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE incidents SET channel_error = $2 WHERE id = $1 AND channel_id IS NULL")
        .bind(id.0)
        .bind(error)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_headline(tx: &mut Tx, id: IncidentId, ts: &str) -> Result<()> {
    sqlx::query("UPDATE incidents SET headline_ts = $2 WHERE id = $1")
        .bind(id.0)
        .bind(ts)
        .execute(tx.conn())
        .await?;
    Ok(())
}
