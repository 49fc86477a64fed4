//! The role holders of incidents: read for one incident or many, assigned, removed.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::domain::{Incident, IncidentId, Role, Roles};
use crate::store::{Db, Result, StoreError, Tx, ms};

/// The stored role of the people a pager service says are on call for the incident's
/// service (not assignable by command).
const ON_CALL: &str = "oncall";

/// Records `user` as holding the stored role `role` in `roles`.
fn hold(roles: &mut Roles, role: &str, user: String) -> Result<()> {
    if role == ON_CALL {
        roles.on_call.push(user);
        return Ok(());
    }
    match Role::parse(role) {
        Ok(Role::Commander) => roles.commander = Some(user),
        Ok(Role::Operations) => roles.operations = Some(user),
        Ok(Role::Communications) => roles.communications = Some(user),
        Ok(Role::Expert) => roles.experts.push(user),
        Ok(Role::Custom(key)) => roles.others.push((key, user)),
        Err(_) => return Err(StoreError::Corrupt(format!("role {role}"))),
    }
    Ok(())
}

pub(super) async fn load_roles(db: &mut impl Db, incident: &mut Incident) -> Result<()> {
    let rows = sqlx::query(
        "SELECT role, user_id FROM incident_roles WHERE incident_id = $1 ORDER BY assigned_at, user_id",
    )
    .bind(incident.id.0)
    .fetch_all(db.conn())
    .await?;
    let mut roles = Roles::default();
    for r in rows {
        let role: String = r.try_get(0)?;
        let user: String = r.try_get(1)?;
        hold(&mut roles, &role, user)?;
    }
    incident.roles = roles;
    Ok(())
}

/// Fills the roles of many incidents with one query.
pub(super) async fn load_roles_of(db: &mut impl Db, incs: &mut [Incident]) -> Result<()> {
    let (Some(lo), Some(hi)) = (
        incs.iter().map(|i| i.id.0).min(),
        incs.iter().map(|i| i.id.0).max(),
    ) else {
        return Ok(());
    };
    let rows = sqlx::query(
        "SELECT incident_id, role, user_id FROM incident_roles WHERE incident_id BETWEEN $1 AND $2 \
         ORDER BY assigned_at, user_id",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(db.conn())
    .await?;
    let mut by_id: std::collections::HashMap<i64, &mut Incident> =
        incs.iter_mut().map(|i| (i.id.0, i)).collect();
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let Some(inc) = by_id.get_mut(&id) else {
            continue;
        };
        let role: String = r.try_get(1)?;
        let user: String = r.try_get(2)?;
        hold(&mut inc.roles, &role, user)?;
    }
    Ok(())
}

/// Sets a single-holder role (replacing the holder) or adds a holder of a role
/// `multiple` people may hold (SMEs). False when the user already held it.
pub async fn assign_role(
    tx: &mut Tx,
    id: IncidentId,
    role: Role,
    multiple: bool,
    user: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let exists = sqlx::query(
        "SELECT COUNT(*) FROM incident_roles WHERE incident_id = $1 AND role = $2 AND user_id = $3",
    )
    .bind(id.0)
    .bind(role.key())
    .bind(user)
    .fetch_one(tx.conn())
    .await?
    .try_get::<i64, _>(0)?;
    if exists > 0 {
        return Ok(false);
    }
    if !multiple {
        sqlx::query("DELETE FROM incident_roles WHERE incident_id = $1 AND role = $2")
            .bind(id.0)
            .bind(role.key())
            .execute(tx.conn())
            .await?;
    }
    sqlx::query(
        "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id.0)
    .bind(role.key())
    .bind(user)
    .bind(ms(at))
    .execute(tx.conn())
    .await?;
    Ok(true)
}

/// Removes a role holder (any holder when `user` is None). Returns the removed users.
pub async fn remove_role(
    tx: &mut Tx,
    id: IncidentId,
    role: Role,
    user: Option<&str>,
) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "DELETE FROM incident_roles WHERE incident_id = $1 AND role = $2 AND ($3 = '' OR user_id = $3) \
         RETURNING user_id",
    )
    .bind(id.0)
    .bind(role.key())
    .bind(user.unwrap_or(""))
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
        .collect()
}

/// Replaces who is on call for the incident. True when that changed.
pub async fn set_on_call(
    tx: &mut Tx,
    id: IncidentId,
    users: &[String],
    at: DateTime<Utc>,
) -> Result<bool> {
    let rows = sqlx::query(
        "SELECT user_id FROM incident_roles WHERE incident_id = $1 AND role = $2 ORDER BY assigned_at, user_id",
    )
    .bind(id.0)
    .bind(ON_CALL)
    .fetch_all(tx.conn())
    .await?;
    let mut before: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<std::result::Result<_, _>>()?;
    let mut after = users.to_vec();
    before.sort();
    after.sort();
    after.dedup();
    if before == after {
        return Ok(false);
    }
    sqlx::query("DELETE FROM incident_roles WHERE incident_id = $1 AND role = $2")
        .bind(id.0)
        .bind(ON_CALL)
        .execute(tx.conn())
        .await?;
    for (i, u) in users.iter().enumerate() {
        if users[..i].contains(u) {
            continue;
        }
        sqlx::query(
            "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.0)
        .bind(ON_CALL)
        .bind(u)
        // Keeps PagerDuty's order when read back.
        .bind(ms(at) + i as i64)
        .execute(tx.conn())
        .await?;
    }
    Ok(true)
}
