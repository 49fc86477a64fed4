//! The facts the insights are computed from, read in three queries whatever the
//! number of incidents: the incidents declared in a period, their counts (updates,
//! late-update reminders, escalations, reopenings: `incident_counts`, kept as the
//! timeline is written) and their action items.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::{Db, Result, StoreError, from_ms, ms, opt_from_ms};
use crate::domain::Status;
use crate::domain::facts::IncidentFacts;

/// An incident's row as the insights need it: its facts (counts, budget and the
/// postmortem rule left for the caller) and what its budget is priced from.
#[derive(Debug, Clone)]
pub struct IncidentRow {
    pub facts: IncidentFacts,
    pub impact_started_at: Option<DateTime<Utc>>,
    pub impact_percent: Option<f64>,
}

/// Timeline counts of one incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub updates: u32,
    pub reminders: u32,
    pub escalations: u32,
    pub reopened: bool,
}

/// One action item's dates and owner.
#[derive(Debug, Clone)]
pub struct ActionRow {
    pub incident: i64,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    /// It has a ticket in the team's tracker.
    pub ticketed: bool,
}

/// Incidents read at most for one report.
pub const MAX_INCIDENTS: i64 = 50_000;

/// The incidents declared in `[since, until)`.
pub async fn incidents(
    db: &mut impl Db,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<IncidentRow>> {
    let rows = sqlx::query(
        "SELECT id, severity, status, private, services, tags, kind, fields, declared_at, acknowledged_at, identified_at, \
         mitigated_at, resolved_at, impact_started_at, impact_ppm, postmortem_done_at \
         FROM incidents WHERE declared_at >= $1 AND declared_at < $2 ORDER BY declared_at, id LIMIT $3",
    )
    .bind(ms(since))
    .bind(ms(until))
    .bind(MAX_INCIDENTS)
    .fetch_all(db.conn())
    .await?;
    let scale = db.scale();
    rows.iter()
        .map(|r| {
            let sev: String = r.try_get("severity")?;
            let status: String = r.try_get("status")?;
            let services: String = r.try_get("services")?;
            let tags: String = r.try_get("tags")?;
            let declared_at = from_ms(r.try_get("declared_at")?);
            Ok(IncidentRow {
                facts: IncidentFacts {
                    id: r.try_get("id")?,
                    severity: crate::store::severity(scale, &sev)?,
                    status: Status::parse(&status)
                        .map_err(|_| StoreError::Corrupt(format!("status {status}")))?,
                    private: r.try_get::<i64, _>("private")? != 0,
                    services: services
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    tags: crate::domain::tags::split(&tags),
                    fields: crate::domain::fields::from_json(&r.try_get::<String, _>("fields")?),
                    kind: Some(r.try_get::<String, _>("kind")?).filter(|k| !k.is_empty()),
                    declared_at,
                    acknowledged_at: opt_from_ms(r.try_get("acknowledged_at")?),
                    identified_at: opt_from_ms(r.try_get("identified_at")?),
                    mitigated_at: opt_from_ms(r.try_get("mitigated_at")?),
                    resolved_at: opt_from_ms(r.try_get("resolved_at")?),
                    reopened: false,
                    postmortem_required: false,
                    postmortem_done_at: opt_from_ms(r.try_get("postmortem_done_at")?),
                    updates: 0,
                    reminders: 0,
                    escalations: 0,
                    budget: vec![],
                },
                impact_started_at: opt_from_ms(r.try_get("impact_started_at")?),
                impact_percent: r
                    .try_get::<Option<i64>, _>("impact_ppm")?
                    .map(|p| p as f64 / 10_000.0),
            })
        })
        .collect()
}

/// The counts (`incident_counts`, kept as entries are written) of the incidents
/// declared in `[since, until)`, by incident.
pub async fn counts(
    db: &mut impl Db,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<HashMap<i64, Counts>> {
    let rows = sqlx::query(
        "SELECT c.incident_id, c.updates, c.reminders, c.escalations, c.reopenings \
         FROM incident_counts c JOIN incidents i ON i.id = c.incident_id \
         WHERE i.declared_at >= $1 AND i.declared_at < $2",
    )
    .bind(ms(since))
    .bind(ms(until))
    .fetch_all(db.conn())
    .await?;
    let mut out = HashMap::new();
    for r in rows {
        let n = |i: usize| -> Result<u32> { Ok(r.try_get::<i64, _>(i)?.max(0) as u32) };
        out.insert(
            r.try_get::<i64, _>(0)?,
            Counts {
                updates: n(1)?,
                reminders: n(2)?,
                escalations: n(3)?,
                reopened: n(4)? > 0,
            },
        );
    }
    Ok(out)
}

/// The action items of the incidents declared in `[since, until)`.
pub async fn actions(
    db: &mut impl Db,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<ActionRow>> {
    let rows = sqlx::query(
        "SELECT a.incident_id, a.owner, a.due, a.created_at, a.done_at, \
         CAST(CASE WHEN t.ticket_key IS NULL THEN 0 ELSE 1 END AS BIGINT) AS ticketed \
         FROM action_items a JOIN incidents i ON i.id = a.incident_id \
         LEFT JOIN tickets t ON t.incident_id = a.incident_id AND t.subject = 'action:' || a.seq \
         WHERE i.declared_at >= $1 AND i.declared_at < $2",
    )
    .bind(ms(since))
    .bind(ms(until))
    .fetch_all(db.conn())
    .await?;
    rows.iter()
        .map(|r| {
            let due: Option<String> = r.try_get("due")?;
            Ok(ActionRow {
                incident: r.try_get("incident_id")?,
                owner: r.try_get("owner")?,
                due: due.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                created_at: from_ms(r.try_get("created_at")?),
                done_at: opt_from_ms(r.try_get("done_at")?),
                ticketed: r.try_get::<i64, _>("ticketed")? != 0,
            })
        })
        .collect()
}
