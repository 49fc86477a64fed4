//! An incident row as read: the columns every read selects and their decoding into an
//! [`Incident`] (roles are read separately).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::domain::severity::Scale;
use crate::domain::{Incident, IncidentId, Roles, Status, UserText};
use crate::store::{Result, StoreError, from_ms, opt_from_ms, severity};

/// Only these constants are ever formatted into SQL; values are always bound.
pub(super) const COLUMNS: &str = "id, title, description, severity, status, private, channel_id, channel_name, \
    headline_ts, declared_by, declared_at, acknowledged_at, identified_at, mitigated_at, resolved_at, \
    impact_started_at, impact, impact_ppm, summary, services, source, postmortem_done_at, \
    last_update_at, unanswered_reminders, ic_ack_pending_since, postmortem_reminders, last_reminder_at, \
    channel_error, origin_channel_id, tags, kind, fields";

/// Decodes a row of [`COLUMNS`], roles left empty.
pub(super) fn from_row(row: &AnyRow, scale: &Scale) -> Result<Incident> {
    let sev: String = row.try_get("severity")?;
    let status: String = row.try_get("status")?;
    let services: String = row.try_get("services")?;
    let tags: String = row.try_get("tags")?;
    Ok(Incident {
        id: IncidentId(row.try_get("id")?),
        title: UserText::from_stored(row.try_get("title")?),
        description: row
            .try_get::<Option<String>, _>("description")?
            .map(UserText::from_stored),
        severity: severity(scale, &sev)?,
        status: Status::parse(&status)
            .map_err(|_| StoreError::Corrupt(format!("status {status}")))?,
        private: row.try_get::<i64, _>("private")? != 0,
        channel_id: row.try_get("channel_id")?,
        channel_name: row.try_get("channel_name")?,
        headline_ts: row.try_get("headline_ts")?,
        declared_by: row.try_get("declared_by")?,
        declared_at: from_ms(row.try_get("declared_at")?),
        acknowledged_at: opt_from_ms(row.try_get("acknowledged_at")?),
        identified_at: opt_from_ms(row.try_get("identified_at")?),
        mitigated_at: opt_from_ms(row.try_get("mitigated_at")?),
        resolved_at: opt_from_ms(row.try_get("resolved_at")?),
        impact_started_at: opt_from_ms(row.try_get("impact_started_at")?),
        impact: row
            .try_get::<Option<String>, _>("impact")?
            .map(UserText::from_stored),
        impact_percent: row
            .try_get::<Option<i64>, _>("impact_ppm")?
            .map(|ppm| ppm as f64 / 10_000.0),
        summary: row
            .try_get::<Option<String>, _>("summary")?
            .map(UserText::from_stored),
        services: services
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        tags: crate::domain::tags::split(&tags),
        fields: crate::domain::fields::from_json(&row.try_get::<String, _>("fields")?),
        kind: Some(row.try_get::<String, _>("kind")?).filter(|k| !k.is_empty()),
        source: row.try_get("source")?,
        postmortem_done_at: opt_from_ms(row.try_get("postmortem_done_at")?),
        last_update_at: opt_from_ms(row.try_get("last_update_at")?),
        last_reminder_at: opt_from_ms(row.try_get("last_reminder_at")?),
        unanswered_reminders: row.try_get("unanswered_reminders")?,
        ic_ack_pending_since: opt_from_ms(row.try_get("ic_ack_pending_since")?),
        postmortem_reminders: row.try_get("postmortem_reminders")?,
        channel_error: row.try_get("channel_error")?,
        origin_channel_id: row.try_get("origin_channel_id")?,
        roles: Roles::default(),
    })
}
