//! Writing a declaration: the incident row and, when someone declared it for
//! themselves, their commander role, in the caller's transaction.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::domain::{Incident, IncidentId, Role, Roles, Severity, Status, UserText};
use crate::store::{Result, Tx, from_ms, ms};

/// What a declaration writes.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub title: UserText,
    pub description: Option<UserText>,
    pub severity: Severity,
    pub private: bool,
    pub team_id: Option<String>,
    pub origin_channel_id: Option<String>,
    pub declared_by: String,
    pub declared_at: DateTime<Utc>,
    pub source: Option<String>,
    /// The incident type's key.
    pub kind: Option<String>,
    /// Custom field values given at declaration.
    pub fields: crate::domain::fields::Values,
}

/// Writes a declaration: the incident, acknowledged by `commander` (who holds that
/// role from now) or, without one, awaiting a commander's acknowledgement. Returns the
/// incident as stored, without reading it back: two statements, however busy.
pub async fn create(tx: &mut Tx, n: &NewIncident, commander: Option<&str>) -> Result<Incident> {
    // As the database keeps it (milliseconds), so the returned incident is what a
    // read would give.
    let at = from_ms(ms(n.declared_at));
    let (acknowledged, pending) = match commander {
        Some(_) => (Some(at), None),
        None => (None, Some(at)),
    };
    let row = sqlx::query(
        "INSERT INTO incidents (title, description, severity, status, private, team_id, \
         origin_channel_id, declared_by, declared_at, source, acknowledged_at, ic_ack_pending_since, kind, fields) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(n.title.stored())
    .bind(n.description.as_ref().map(UserText::stored))
    .bind(n.severity.key())
    .bind(Status::Investigating.key())
    .bind(i64::from(n.private))
    .bind(&n.team_id)
    .bind(&n.origin_channel_id)
    .bind(&n.declared_by)
    .bind(ms(n.declared_at))
    .bind(&n.source)
    .bind(acknowledged.map(ms))
    .bind(pending.map(ms))
    .bind(n.kind.as_deref().unwrap_or(""))
    .bind(crate::domain::fields::to_json(&n.fields))
    .fetch_one(tx.conn())
    .await?;
    let id = IncidentId(row.try_get::<i64, _>(0)?);
    if let Some(user) = commander {
        sqlx::query(
            "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.0)
        .bind(Role::Commander.key())
        .bind(user)
        .bind(ms(at))
        .execute(tx.conn())
        .await?;
    }
    Ok(Incident {
        description: n.description.clone(),
        private: n.private,
        acknowledged_at: acknowledged,
        ic_ack_pending_since: pending,
        source: n.source.clone(),
        origin_channel_id: n.origin_channel_id.clone(),
        kind: n.kind.clone(),
        roles: Roles {
            commander: commander.map(str::to_string),
            ..Roles::default()
        },
        fields: n.fields.clone(),
        ..Incident::new(id, n.title.clone(), n.severity, n.declared_by.clone(), at)
    })
}
