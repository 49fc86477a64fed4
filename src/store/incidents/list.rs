//! Listings of incidents (filtered, newest first, roles filled in one query) and the
//! counts and channel lists built over the whole table.

use sqlx::AssertSqlSafe;
use sqlx::Row;

use super::roles::load_roles_of;
use super::row::{COLUMNS, from_row};
pub use crate::domain::keys::StoredKeys;
pub use crate::domain::listing::Filter;
use crate::domain::{Incident, Severity};
use crate::store::{Db, Result, Store, ms};

/// Incidents, newest first.
pub async fn list(db: &mut impl Db, f: &Filter) -> Result<Vec<Incident>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM incidents \
         WHERE ($1 = 0 OR status <> 'resolved') \
           AND ($2 = '' OR status = $2) \
           AND ($3 = '' OR severity = $3) \
           AND ($4 = 0 OR declared_at >= $4) \
           AND ($5 = 0 OR declared_at < $5) \
           AND ($7 = 0 OR private = 0 OR channel_id = $8) \
           AND ($9 = '' OR (',' || tags || ',') LIKE $9 ESCAPE '\\') \
         ORDER BY id DESC LIMIT $6"
    )))
    .bind(i64::from(f.open_only))
    .bind(f.status.map(|s| s.key()).unwrap_or(""))
    .bind(f.severity.map(|s| s.key()).unwrap_or(""))
    .bind(f.since.map(ms).unwrap_or(0))
    .bind(f.until.map(ms).unwrap_or(0))
    .bind(if f.limit > 0 { f.limit } else { 1000 })
    .bind(i64::from(f.public_or_channel.is_some()))
    .bind(f.public_or_channel.as_deref().unwrap_or(""))
    .bind(f.tag.as_deref().map(tag_pattern).unwrap_or_default())
    .fetch_all(db.conn())
    .await?;
    let scale = db.scale();
    let mut out = rows
        .iter()
        .map(|r| from_row(r, scale))
        .collect::<Result<Vec<_>>>()?;
    load_roles_of(db, &mut out).await?;
    Ok(out)
}

/// `LIKE` pattern for one tag in the comma-joined column (`_` is a tag character and
/// a wildcard: escaped; tags hold no `%` or `\`).
fn tag_pattern(tag: &str) -> String {
    format!("%,{},%", tag.replace('_', "\\_"))
}

/// How many incidents match (listings show the first page and say how many more).
/// Open incidents, private ones left out except the one whose channel is `channel`.
pub async fn count_open_visible(db: &mut impl Db, channel: &str) -> Result<i64> {
    let r = sqlx::query(
        "SELECT COUNT(*) FROM incidents WHERE status <> 'resolved' AND (private = 0 OR channel_id = $1)",
    )
    .bind(channel)
    .fetch_one(db.conn())
    .await?;
    Ok(r.try_get(0)?)
}

/// Open incidents per configured severity (0 for none), for /metrics.
pub async fn open_by_severity(store: &Store) -> Result<Vec<(Severity, i64)>> {
    let rows = sqlx::query(
        "SELECT severity, COUNT(*) FROM incidents WHERE status <> 'resolved' GROUP BY severity",
    )
    .fetch_all(&store.pool)
    .await?;
    let mut out: Vec<(Severity, i64)> = store.scale.all().map(|s| (s, 0)).collect();
    for r in rows {
        let sev: String = r.try_get(0)?;
        if let Some(level) = store.scale.stored(&sev)
            && let Some(slot) = out.iter_mut().find(|(s, _)| *s == level)
        {
            slot.1 += r.try_get::<i64, _>(1)?;
        }
    }
    Ok(out)
}

/// How many incidents, open or resolved, keep each severity, type and field key: what
/// start-up checks against the configuration.
pub async fn stored_keys(store: &Store) -> Result<StoredKeys> {
    let counts = |sql: &'static str| {
        let pool = store.pool.clone();
        async move {
            let rows = sqlx::query(sql).fetch_all(&pool).await?;
            rows.iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
                .collect::<Result<Vec<_>>>()
        }
    };
    let severities =
        counts("SELECT severity, COUNT(*) FROM incidents GROUP BY severity ORDER BY severity")
            .await?;
    let kinds = counts("SELECT kind, COUNT(*) FROM incidents GROUP BY kind ORDER BY kind").await?;
    let mut fields: std::collections::BTreeMap<String, i64> = Default::default();
    for json in
        counts("SELECT fields, COUNT(*) FROM incidents WHERE fields <> '{}' GROUP BY fields")
            .await?
    {
        for key in crate::domain::fields::from_json(&json.0).into_keys() {
            *fields.entry(key).or_default() += json.1;
        }
    }
    Ok(StoredKeys {
        severities,
        kinds,
        fields: fields.into_iter().collect(),
    })
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
