//! Timeline entries of incidents.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Db, Result, Tx, from_ms, ms};
use crate::domain::timeline::{Counted, Entry, EntryKind};
use crate::domain::{IncidentId, UserText};

/// Appends an entry. With a `source_key` (e.g. the Slack message it came from) the
/// entry is written once however often it is offered; returns false for a repeat.
pub async fn add(
    tx: &mut Tx,
    id: IncidentId,
    entry: &Entry,
    source_key: Option<&str>,
    recorded_at: DateTime<Utc>,
) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO timeline (incident_id, at, actor, kind, text, source_key, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(id.0)
    .bind(ms(entry.at))
    .bind(&entry.actor)
    .bind(entry.kind.key())
    .bind(entry.text.stored())
    .bind(source_key)
    .bind(ms(recorded_at))
    .execute(tx.conn())
    .await?;
    let added = r.rows_affected() == 1;
    if added {
        keep_counts(tx, id, entry).await?;
    }
    Ok(added)
}

/// Keeps `incident_counts` in step with an entry just written.
async fn keep_counts(tx: &mut Tx, id: IncidentId, entry: &Entry) -> Result<()> {
    let Some(c) = Counted::of(entry.kind, entry.text.stored()) else {
        return Ok(());
    };
    let col = c.column();
    let sql = format!(
        "INSERT INTO incident_counts (incident_id, {col}) VALUES ($1, 1) \
         ON CONFLICT (incident_id) DO UPDATE SET {col} = incident_counts.{col} + 1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Appends entries in one statement (a use case's entries of one moment).
pub async fn add_all(
    tx: &mut Tx,
    id: IncidentId,
    entries: &[Entry],
    recorded_at: DateTime<Utc>,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows = super::placeholders(entries.len(), 7);
    let sql = format!(
        "INSERT INTO timeline (incident_id, at, actor, kind, text, source_key, recorded_at) \
         VALUES {rows} ON CONFLICT DO NOTHING"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for e in entries {
        q = q
            .bind(id.0)
            .bind(ms(e.at))
            .bind(e.actor.clone())
            .bind(e.kind.key())
            .bind(e.text.stored().to_string())
            .bind(None::<String>)
            .bind(ms(recorded_at));
    }
    q.execute(tx.conn()).await?;
    for e in entries {
        keep_counts(tx, id, e).await?;
    }
    Ok(())
}

/// All entries in time order (ties in the order they were recorded).
pub async fn list(db: &mut impl Db, id: IncidentId) -> Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT at, actor, kind, text FROM timeline WHERE incident_id = $1 ORDER BY at, id",
    )
    .bind(id.0)
    .fetch_all(db.conn())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: String = r.try_get(2)?;
        out.push(Entry {
            at: from_ms(r.try_get(0)?),
            actor: r.try_get(1)?,
            kind: EntryKind::from_key(&kind)
                .unwrap_or(EntryKind::Note(crate::domain::command::NoteKind::Plain)),
            text: UserText::from_stored(r.try_get(3)?),
        });
    }
    Ok(out)
}

/// Number of entries (the shell and tests count them).
pub async fn count(db: &mut impl Db, id: IncidentId) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) FROM timeline WHERE incident_id = $1")
        .bind(id.0)
        .fetch_one(db.conn())
        .await?;
    Ok(r.try_get(0)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{incidents, testing};

    fn new_incident() -> incidents::NewIncident {
        incidents::NewIncident {
            fields: Default::default(),
            title: "t".into(),
            description: None,
            severity: crate::domain::severity::sev(3),
            private: false,
            team_id: None,
            origin_channel_id: None,
            declared_by: "U1".into(),
            declared_at: Utc::now(),
            source: None,
            kind: None,
        }
    }

    #[tokio::test]
    async fn source_keys_deduplicate() {
        let (store, _d) = testing::sqlite().await;
        let mut tx = store.begin().await.unwrap();
        let id = incidents::create(&mut tx, &new_incident(), None)
            .await
            .unwrap()
            .id;
        let e = Entry {
            at: Utc::now(),
            actor: "U1".into(),
            kind: EntryKind::Message,
            text: "x".into(),
        };
        assert!(
            add(&mut tx, id, &e, Some("msg:C1:1.0"), Utc::now())
                .await
                .unwrap()
        );
        assert!(
            !add(&mut tx, id, &e, Some("msg:C1:1.0"), Utc::now())
                .await
                .unwrap()
        );
        assert!(add(&mut tx, id, &e, None, Utc::now()).await.unwrap());
        assert!(add(&mut tx, id, &e, None, Utc::now()).await.unwrap());
        assert_eq!(count(&mut tx, id).await.unwrap(), 3);
        assert_eq!(list(&mut tx, id).await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn add_all_keeps_the_order_given() {
        let (store, _d) = testing::sqlite().await;
        let mut tx = store.begin().await.unwrap();
        let id = incidents::create(&mut tx, &new_incident(), None)
            .await
            .unwrap()
            .id;
        let at = Utc::now();
        let entries: Vec<Entry> = ["first", "second", "third"]
            .into_iter()
            .map(|t| Entry {
                at,
                actor: "U1".into(),
                kind: EntryKind::Message,
                text: t.into(),
            })
            .collect();
        add_all(&mut tx, id, &entries, at).await.unwrap();
        add_all(&mut tx, id, &[], at).await.unwrap();
        let texts: Vec<String> = list(&mut tx, id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.text.stored().to_string())
            .collect();
        assert_eq!(texts, ["first", "second", "third"]);
    }
}
