//! The incidents table and its roles.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Conn, Result, Store, StoreError, from_ms, ms, opt_from_ms};
use crate::domain::{Incident, IncidentId, Role, Roles, Severity, Status, UserText};

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
}

/// Only these constants are ever formatted into SQL; values are always bound.
const COLUMNS: &str = "id, title, description, severity, status, private, channel_id, channel_name, \
    headline_ts, declared_by, declared_at, acknowledged_at, identified_at, mitigated_at, resolved_at, \
    impact_started_at, impact, impact_ppm, summary, services, source, postmortem_done_at, \
    last_update_at, unanswered_reminders, ic_ack_pending_since, postmortem_reminders, last_reminder_at, \
    channel_error, origin_channel_id";

/// Writes a declaration: the incident, acknowledged by `commander` (who holds that
/// role from now) or, without one, awaiting a commander's acknowledgement. Returns the
/// incident as stored, without reading it back: two statements, however busy.
pub async fn create(conn: &mut Conn, n: &NewIncident, commander: Option<&str>) -> Result<Incident> {
    // As the database keeps it (milliseconds), so the returned incident is what a
    // read would give.
    let at = from_ms(ms(n.declared_at));
    let (acknowledged, pending) = match commander {
        Some(_) => (Some(at), None),
        None => (None, Some(at)),
    };
    let row = sqlx::query(
        "INSERT INTO incidents (title, description, severity, status, private, team_id, \
         origin_channel_id, declared_by, declared_at, source, acknowledged_at, ic_ack_pending_since) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(n.title.stored())
    .bind(n.description.as_ref().map(UserText::stored))
    .bind(n.severity.number())
    .bind(Status::Investigating.key())
    .bind(i64::from(n.private))
    .bind(&n.team_id)
    .bind(&n.origin_channel_id)
    .bind(&n.declared_by)
    .bind(ms(n.declared_at))
    .bind(&n.source)
    .bind(acknowledged.map(ms))
    .bind(pending.map(ms))
    .fetch_one(&mut *conn)
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
        .execute(&mut *conn)
        .await?;
    }
    Ok(Incident {
        description: n.description.clone(),
        private: n.private,
        acknowledged_at: acknowledged,
        ic_ack_pending_since: pending,
        source: n.source.clone(),
        origin_channel_id: n.origin_channel_id.clone(),
        roles: Roles {
            commander: commander.map(str::to_string),
            ..Roles::default()
        },
        ..Incident::new(id, n.title.clone(), n.severity, n.declared_by.clone(), at)
    })
}

/// Takes the incident's row lock for the rest of the transaction (PostgreSQL) and
/// bumps its version. False when there is no such incident.
pub async fn lock(conn: &mut Conn, id: IncidentId) -> Result<bool> {
    let r = sqlx::query("UPDATE incidents SET version = version + 1 WHERE id = $1")
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

fn from_row(row: &AnyRow) -> Result<Incident> {
    let sev: i64 = row.try_get("severity")?;
    let status: String = row.try_get("status")?;
    let services: String = row.try_get("services")?;
    Ok(Incident {
        id: IncidentId(row.try_get("id")?),
        title: UserText::from_stored(row.try_get("title")?),
        description: row
            .try_get::<Option<String>, _>("description")?
            .map(UserText::from_stored),
        severity: Severity::from_number(sev)
            .ok_or_else(|| StoreError::Corrupt(format!("severity {sev}")))?,
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

async fn load_roles(conn: &mut Conn, incident: &mut Incident) -> Result<()> {
    let rows = sqlx::query(
        "SELECT role, user_id FROM incident_roles WHERE incident_id = $1 ORDER BY assigned_at, user_id",
    )
    .bind(incident.id.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut roles = Roles::default();
    for r in rows {
        let role: String = r.try_get(0)?;
        let user: String = r.try_get(1)?;
        match Role::parse(&role) {
            Ok(Role::Commander) => roles.commander = Some(user),
            Ok(Role::Operations) => roles.operations = Some(user),
            Ok(Role::Communications) => roles.communications = Some(user),
            Ok(Role::Expert) => roles.experts.push(user),
            Err(_) => return Err(StoreError::Corrupt(format!("role {role}"))),
        }
    }
    incident.roles = roles;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: IncidentId) -> Result<Option<Incident>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM incidents WHERE id = $1"
    )))
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => {
            let mut i = from_row(&row)?;
            load_roles(conn, &mut i).await?;
            Ok(Some(i))
        }
        None => Ok(None),
    }
}

/// The incident whose channel this is.
pub async fn by_channel(conn: &mut Conn, channel_id: &str) -> Result<Option<Incident>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM incidents WHERE channel_id = $1"
    )))
    .bind(channel_id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => {
            let mut i = from_row(&row)?;
            load_roles(conn, &mut i).await?;
            Ok(Some(i))
        }
        None => Ok(None),
    }
}

/// What `user` declared since `since`: (number, title, when), newest first.
pub async fn declared_by_since(
    conn: &mut Conn,
    user: &str,
    since: DateTime<Utc>,
) -> Result<Vec<(IncidentId, UserText, DateTime<Utc>)>> {
    let rows = sqlx::query(
        "SELECT id, title, declared_at FROM incidents WHERE declared_by = $1 AND declared_at >= $2 \
         ORDER BY declared_at DESC LIMIT 20",
    )
    .bind(user)
    .bind(ms(since))
    .fetch_all(&mut *conn)
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

/// Filters for listings.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub open_only: bool,
    pub status: Option<Status>,
    pub severity: Option<Severity>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
    /// Leave out private incidents, except the one whose channel this is.
    pub public_or_channel: Option<String>,
}

/// Incidents, newest first.
pub async fn list(conn: &mut Conn, f: &Filter) -> Result<Vec<Incident>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM incidents \
         WHERE ($1 = 0 OR status <> 'resolved') \
           AND ($2 = '' OR status = $2) \
           AND ($3 = 0 OR severity = $3) \
           AND ($4 = 0 OR declared_at >= $4) \
           AND ($5 = 0 OR declared_at < $5) \
           AND ($7 = 0 OR private = 0 OR channel_id = $8) \
         ORDER BY id DESC LIMIT $6"
    )))
    .bind(i64::from(f.open_only))
    .bind(f.status.map(|s| s.key()).unwrap_or(""))
    .bind(f.severity.map(|s| s.number()).unwrap_or(0))
    .bind(f.since.map(ms).unwrap_or(0))
    .bind(f.until.map(ms).unwrap_or(0))
    .bind(if f.limit > 0 { f.limit } else { 1000 })
    .bind(i64::from(f.public_or_channel.is_some()))
    .bind(f.public_or_channel.as_deref().unwrap_or(""))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    load_roles_of(conn, &mut out).await?;
    Ok(out)
}

/// Fills the roles of many incidents with one query.
async fn load_roles_of(conn: &mut Conn, incs: &mut [Incident]) -> Result<()> {
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
    .fetch_all(&mut *conn)
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
        match Role::parse(&role) {
            Ok(Role::Commander) => inc.roles.commander = Some(user),
            Ok(Role::Operations) => inc.roles.operations = Some(user),
            Ok(Role::Communications) => inc.roles.communications = Some(user),
            Ok(Role::Expert) => inc.roles.experts.push(user),
            Err(_) => return Err(StoreError::Corrupt(format!("role {role}"))),
        }
    }
    Ok(())
}

/// How many incidents match (listings show the first page and say how many more).
/// Open incidents, private ones left out except the one whose channel is `channel`.
pub async fn count_open_visible(conn: &mut Conn, channel: &str) -> Result<i64> {
    let r = sqlx::query(
        "SELECT COUNT(*) FROM incidents WHERE status <> 'resolved' AND (private = 0 OR channel_id = $1)",
    )
    .bind(channel)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get(0)?)
}

/// Writes back every field a use case may change (not the roles).
pub async fn save(conn: &mut Conn, i: &Incident) -> Result<()> {
    sqlx::query(
        "UPDATE incidents SET title = $2, description = $3, severity = $4, status = $5, \
         acknowledged_at = $6, identified_at = $7, mitigated_at = $8, resolved_at = $9, \
         impact_started_at = $10, impact = $11, impact_ppm = $12, summary = $13, \
         services = $14, postmortem_done_at = $15, last_update_at = $16, unanswered_reminders = $17, \
         ic_ack_pending_since = $18, postmortem_reminders = $19, last_reminder_at = $20 WHERE id = $1",
    )
    .bind(i.id.0)
    .bind(i.title.stored())
    .bind(i.description.as_ref().map(UserText::stored))
    .bind(i.severity.number())
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
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_channel(
    conn: &mut Conn,
    id: IncidentId,
    channel_id: &str,
    name: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE incidents SET channel_id = $2, channel_name = $3, channel_error = NULL WHERE id = $1",
    )
        .bind(id.0)
        .bind(channel_id)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records why Slack refused the channel (None: cleared, a new attempt is under way).
pub async fn set_channel_error(conn: &mut Conn, id: IncidentId, error: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE incidents SET channel_error = $2 WHERE id = $1 AND channel_id IS NULL")
        .bind(id.0)
        .bind(error)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_headline(conn: &mut Conn, id: IncidentId, ts: &str) -> Result<()> {
    sqlx::query("UPDATE incidents SET headline_ts = $2 WHERE id = $1")
        .bind(id.0)
        .bind(ts)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// True when another incident already uses this channel.
pub async fn channel_in_use(conn: &mut Conn, channel_id: &str) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) FROM incidents WHERE channel_id = $1")
        .bind(channel_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// Sets a single-holder role (replacing the holder) or adds an SME. False when the
/// user already held it.
pub async fn assign_role(
    conn: &mut Conn,
    id: IncidentId,
    role: Role,
    user: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let exists = sqlx::query(
        "SELECT COUNT(*) FROM incident_roles WHERE incident_id = $1 AND role = $2 AND user_id = $3",
    )
    .bind(id.0)
    .bind(role.key())
    .bind(user)
    .fetch_one(&mut *conn)
    .await?
    .try_get::<i64, _>(0)?;
    if exists > 0 {
        return Ok(false);
    }
    if !role.is_multi() {
        sqlx::query("DELETE FROM incident_roles WHERE incident_id = $1 AND role = $2")
            .bind(id.0)
            .bind(role.key())
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id.0)
    .bind(role.key())
    .bind(user)
    .bind(ms(at))
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Removes a role holder (any holder when `user` is None). Returns the removed users.
pub async fn remove_role(
    conn: &mut Conn,
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
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
        .collect()
}

/// Open incidents per severity, for /metrics.
pub async fn open_by_severity(store: &Store) -> Result<Vec<(Severity, i64)>> {
    let rows = sqlx::query(
        "SELECT severity, COUNT(*) FROM incidents WHERE status <> 'resolved' GROUP BY severity",
    )
    .fetch_all(&store.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let sev: i64 = r.try_get(0)?;
        if let Some(s) = Severity::from_number(sev) {
            out.push((s, r.try_get::<i64, _>(1)?));
        }
    }
    Ok(out)
}

/// Channel IDs and names of every incident channel (the shell shows them by name).
pub async fn channels(store: &Store) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT channel_id, channel_name FROM incidents WHERE channel_id IS NOT NULL AND channel_name IS NOT NULL",
    )
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    fn new(title: &str) -> NewIncident {
        NewIncident {
            title: title.into(),
            description: None,
            severity: Severity::Sev2,
            private: false,
            team_id: Some("T1".into()),
            origin_channel_id: Some("C0".into()),
            declared_by: "U1".into(),
            declared_at: Utc::now(),
            source: None,
        }
    }

    #[tokio::test]
    async fn create_returns_what_a_read_gives() {
        let (store, _d) = testing::sqlite().await;
        let mut tx = store.begin().await.unwrap();
        let mut n = new("db down");
        n.description = Some("primary lost".into());
        n.source = Some("disk:/var".into());
        let by_person = create(&mut tx, &n, Some("U1")).await.unwrap();
        let read = get(&mut tx, by_person.id).await.unwrap().unwrap();
        assert_eq!(by_person, read);
        assert_eq!(read.roles.commander.as_deref(), Some("U1"));
        assert!(read.acknowledged_at.is_some() && read.ic_ack_pending_since.is_none());
        let by_warroom = create(&mut tx, &new("disk full"), None).await.unwrap();
        let read = get(&mut tx, by_warroom.id).await.unwrap().unwrap();
        assert_eq!(by_warroom, read);
        assert_eq!(read.roles, Roles::default());
        assert!(read.acknowledged_at.is_none() && read.ic_ack_pending_since.is_some());
    }

    #[tokio::test]
    async fn insert_get_save_roles() {
        let (store, _d) = testing::sqlite().await;
        let mut tx = store.begin().await.unwrap();
        let id = create(&mut tx, &new("db down"), None).await.unwrap().id;
        assert_eq!(id, IncidentId(1));
        assert!(
            assign_role(&mut tx, id, Role::Commander, "U1", Utc::now())
                .await
                .unwrap()
        );
        assert!(
            !assign_role(&mut tx, id, Role::Commander, "U1", Utc::now())
                .await
                .unwrap()
        );
        assert!(
            assign_role(&mut tx, id, Role::Commander, "U2", Utc::now())
                .await
                .unwrap()
        );
        assert!(
            assign_role(&mut tx, id, Role::Expert, "U3", Utc::now())
                .await
                .unwrap()
        );
        assert!(
            assign_role(&mut tx, id, Role::Expert, "U4", Utc::now())
                .await
                .unwrap()
        );
        let mut i = get(&mut tx, id).await.unwrap().unwrap();
        assert_eq!(i.roles.commander.as_deref(), Some("U2"));
        assert_eq!(i.roles.experts, vec!["U3", "U4"]);
        i.status = Status::Monitoring;
        i.impact_percent = Some(12.5);
        i.services = vec!["api".into(), "db".into()];
        save(&mut tx, &i).await.unwrap();
        set_channel(&mut tx, id, "C9", "inc-1-db-down")
            .await
            .unwrap();
        let j = by_channel(&mut tx, "C9").await.unwrap().unwrap();
        assert_eq!(j.status, Status::Monitoring);
        assert_eq!(j.impact_percent, Some(12.5));
        assert_eq!(j.services, vec!["api", "db"]);
        assert_eq!(
            remove_role(&mut tx, id, Role::Expert, Some("U3"))
                .await
                .unwrap(),
            vec!["U3"]
        );
        assert!(lock(&mut tx, id).await.unwrap());
        assert!(!lock(&mut tx, IncidentId(99)).await.unwrap());
        tx.commit().await.unwrap();
        let open = open_by_severity(&store).await.unwrap();
        assert_eq!(open, vec![(Severity::Sev2, 1)]);
        let mut conn = store.pool.acquire().await.unwrap();
        let l = list(
            &mut conn,
            &Filter {
                open_only: true,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(l.len(), 1);
        let l = list(
            &mut conn,
            &Filter {
                status: Some(Status::Resolved),
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert!(l.is_empty());
    }
}
