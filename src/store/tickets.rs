//! Tickets in the team's tracker, one per subject (the incident, or one of its
//! action items): written before the first create is tried, linked when the tracker
//! answers, and what warroom last knew of each (state moved to, closed, assignee,
//! due date, the text last sent, the comments made).

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Db, Result, Tx, ms};
use crate::domain::IncidentId;

/// One ticket row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub incident: IncidentId,
    /// `incident` or `action:3`.
    pub subject: String,
    /// `jira` or `github`.
    pub tracker: String,
    pub project: String,
    /// None while the create has not been answered.
    pub key: Option<String>,
    pub url: Option<String>,
    /// The warroom state the ticket was last moved to (`resolved`, `done`, …).
    pub state: String,
    pub closed: bool,
    pub assignee: Option<String>,
    pub due: Option<String>,
    pub fingerprint: String,
    pub comments: String,
    /// When the first create was tried.
    pub started_at: DateTime<Utc>,
}

impl Ticket {
    /// The ticket's name as people read it (`OPS-12`, `acme/api#7`).
    pub fn name(&self) -> Option<String> {
        Some(name(&self.tracker, &self.project, self.key.as_deref()?))
    }

    pub fn has_comment(&self, name: &str) -> bool {
        self.comments.split_whitespace().any(|c| c == name)
    }
}

/// A ticket's name as people read it: Jira's key, GitHub's `repo#number`.
pub fn name(tracker: &str, project: &str, key: &str) -> String {
    if tracker == "github" {
        format!("{project}#{key}")
    } else {
        key.to_string()
    }
}

const COLUMNS: &str = "incident_id, subject, tracker, project, ticket_key, url, state, closed, \
                       assignee, due, fingerprint, comments, started_at";

fn from_row(r: &AnyRow) -> Result<Ticket> {
    let closed: i64 = r.try_get("closed")?;
    Ok(Ticket {
        incident: IncidentId(r.try_get("incident_id")?),
        subject: r.try_get("subject")?,
        tracker: r.try_get("tracker")?,
        project: r.try_get("project")?,
        key: r.try_get("ticket_key")?,
        url: r.try_get("url")?,
        state: r.try_get("state")?,
        closed: closed != 0,
        assignee: r.try_get("assignee")?,
        due: r.try_get("due")?,
        fingerprint: r.try_get("fingerprint")?,
        comments: r.try_get("comments")?,
        started_at: super::from_ms(r.try_get("started_at")?),
    })
}

/// The ticket of `subject`, if one was ever started.
pub async fn get(db: &mut impl Db, id: IncidentId, subject: &str) -> Result<Option<Ticket>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tickets WHERE incident_id = $1 AND subject = $2"
    )))
    .bind(id.0)
    .bind(subject)
    .fetch_optional(db.conn())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The ticket a tracker knows as `key` in `project`.
pub async fn by_key(
    db: &mut impl Db,
    tracker: &str,
    project: &str,
    key: &str,
) -> Result<Option<Ticket>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tickets WHERE tracker = $1 AND project = $2 AND ticket_key = $3"
    )))
    .bind(tracker)
    .bind(project)
    .bind(key)
    .fetch_optional(db.conn())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Linked tickets of `tracker` to read back, most recently changed first (at most
/// `limit`): those still open, and those closed in the last `recent`.
pub async fn to_poll(
    db: &mut impl Db,
    tracker: &str,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Ticket>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tickets WHERE tracker = $1 AND ticket_key IS NOT NULL \
         AND (closed = 0 OR updated_at >= $2) ORDER BY updated_at DESC LIMIT $3"
    )))
    .bind(tracker)
    .bind(ms(since))
    .bind(limit)
    .fetch_all(db.conn())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Records that a create of `subject`'s ticket is about to be tried. False when a
/// row was there already (an earlier attempt: look before creating).
pub async fn start(
    tx: &mut Tx,
    id: IncidentId,
    subject: &str,
    tracker: &str,
    project: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO tickets (incident_id, subject, tracker, project, started_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING",
    )
    .bind(id.0)
    .bind(subject)
    .bind(tracker)
    .bind(project)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a ticket is now, as its tracker answered.
#[derive(Debug, Clone)]
pub struct Linked<'a> {
    pub key: &'a str,
    pub url: &'a str,
    pub state: &'a str,
    pub closed: bool,
    pub assignee: Option<&'a str>,
    pub due: Option<&'a str>,
    pub fingerprint: &'a str,
}

/// Links `subject` to the ticket the tracker made (or that was found again).
pub async fn link(
    tx: &mut Tx,
    id: IncidentId,
    subject: &str,
    l: &Linked<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE tickets SET ticket_key = $3, url = $4, state = $5, closed = $6, assignee = $7, \
         due = $8, fingerprint = $9, updated_at = $10 WHERE incident_id = $1 AND subject = $2",
    )
    .bind(id.0)
    .bind(subject)
    .bind(l.key)
    .bind(l.url)
    .bind(l.state)
    .bind(i64::from(l.closed))
    .bind(l.assignee)
    .bind(l.due)
    .bind(l.fingerprint)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The text sent last.
pub async fn set_fingerprint(
    tx: &mut Tx,
    id: IncidentId,
    subject: &str,
    fingerprint: &str,
    due: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE tickets SET fingerprint = $3, due = $4, updated_at = $5 \
         WHERE incident_id = $1 AND subject = $2",
    )
    .bind(id.0)
    .bind(subject)
    .bind(fingerprint)
    .bind(due)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The state the ticket was moved to.
pub async fn set_state(
    tx: &mut Tx,
    id: IncidentId,
    subject: &str,
    state: &str,
    closed: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE tickets SET state = $3, closed = $4, updated_at = $5 \
         WHERE incident_id = $1 AND subject = $2",
    )
    .bind(id.0)
    .bind(subject)
    .bind(state)
    .bind(i64::from(closed))
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The ticket as its tracker has it now (a webhook or a poll).
pub async fn set_remote(
    tx: &mut Tx,
    id: IncidentId,
    subject: &str,
    closed: bool,
    assignee: Option<&str>,
    due: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE tickets SET closed = $3, assignee = $4, due = $5, updated_at = $6 \
         WHERE incident_id = $1 AND subject = $2",
    )
    .bind(id.0)
    .bind(subject)
    .bind(i64::from(closed))
    .bind(assignee)
    .bind(due)
    .bind(ms(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records the comment `name` as made.
pub async fn add_comment(tx: &mut Tx, id: IncidentId, subject: &str, name: &str) -> Result<()> {
    sqlx::query(
        "UPDATE tickets SET comments = comments || ' ' || $3 WHERE incident_id = $1 AND subject = $2",
    )
    .bind(id.0)
    .bind(subject)
    .bind(name)
    .execute(tx.conn())
    .await?;
    Ok(())
}
