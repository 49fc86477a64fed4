//! Postmortem drafts as use cases: written on resolution (a job, after the resolve
//! notices) and on `/incident postmortem`, stored as a new version when the content
//! changed, then published in the incident channel (canvas, or Markdown file) with a
//! link there and in the announcements channel.

use chrono::{DateTime, Utc};

use crate::app::delivery::outbox::{self, ChatOp, Target};
use crate::app::jobs::JobKind;
use crate::app::{Actor, AppError, Reply, Reports, refuse};
use crate::chat::{Document, Message, Published};
use crate::domain::timeline::{BOT_ACTOR, Entry, EntryKind};
use crate::domain::{Incident, IncidentId, UserText};
use crate::postmortem::{self, NAME_KEY};
use crate::store::jobs::{self, Job};
use crate::store::postmortems::{self, Publication};
use crate::store::{StoreError, Tx, events, timeline};

use crate::app::delivery::JobError;

impl Reports<'_> {
    /// Learns the display names of everyone in the record that the cache lacks.
    async fn learn_names(&self, id: IncidentId) {
        let Ok(Some(rec)) = load_record(&self.store, id).await else {
            return;
        };
        let mut users: Vec<String> = rec.incident.roles.people();
        users.extend(rec.entries.iter().map(|e| e.actor.clone()));
        users.extend(rec.actions.iter().filter_map(|a| a.owner.clone()));
        users.sort();
        users.dedup();
        for u in users {
            if u == BOT_ACTOR || u == "unknown" || rec.names.contains_key(&u) {
                continue;
            }
            if let Ok(name) = self.chat.user_name(&u).await {
                let _ =
                    events::kv_set(&self.store, &format!("{NAME_KEY}{u}"), &name, self.now()).await;
            }
        }
    }

    /// Writes the draft as it stands; stores a new version when its content changed.
    /// Returns the current version and whether it is new.
    pub(crate) async fn write_postmortem(
        &self,
        tx: &mut Tx,
        id: IncidentId,
    ) -> Result<(i64, bool), AppError> {
        let rec = load_record(&self.store, id)
            .await?
            .ok_or_else(|| refuse(format!("There is no incident {id}."), "postmortem"))?;
        let latest = postmortems::latest(tx, id).await?;
        let next = latest.as_ref().map(|v| v.version + 1).unwrap_or(1);
        let now = self.now();
        let md = postmortem::markdown(&self.cfg.postmortem_rules(), &rec, now, next);
        if let Some(v) = &latest
            && postmortem::substance(&v.markdown) == postmortem::substance(&md)
        {
            return Ok((v.version, false));
        }
        let version = postmortems::add(tx, id, &md, now).await?;
        let e = Entry {
            at: now,
            actor: BOT_ACTOR.into(),
            kind: EntryKind::Postmortem,
            text: UserText::from_mrkdwn(&format!("Postmortem draft v{version} written")),
        };
        timeline::add(tx, id, &e, None, now).await?;
        self.queue_documents(tx, &rec.incident).await?;
        Ok((version, true))
    }

    /// Queues the drafting job (on resolution).
    pub(crate) async fn queue_postmortem(
        &self,
        tx: &mut Tx,
        id: IncidentId,
    ) -> Result<(), StoreError> {
        let job = JobKind::PostmortemDraft { incident: id }
            .at(Some(outbox::incident_queue(id)), self.now());
        jobs::enqueue(tx, &job, self.now()).await?;
        Ok(())
    }

    /// The drafting job: names, draft, publication.
    pub(crate) async fn fire_postmortem_draft(
        &self,
        job: &Job,
        id: IncidentId,
    ) -> Result<(), JobError> {
        self.learn_names(id).await;
        let mut tx = self.cadence().begin_scheduled(job).await?;
        let (_, new) = self.write_postmortem(&mut tx, id).await?;
        if new {
            outbox::to_incident(
                &mut tx,
                id,
                &ChatOp::PublishPostmortem { incident: id.0 },
                self.now(),
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(())
    }

    /// Publishes the latest draft in the incident channel and says where it is.
    pub(crate) async fn publish_postmortem(
        &self,
        job: &Job,
        id: IncidentId,
    ) -> Result<(), JobError> {
        let Some(due) = self.unpublished_draft(id).await? else {
            return self.delivery().finish(job).await;
        };
        let Some(channel) = due.incident.channel_id.clone() else {
            return Err(JobError::Skip(format!("{id} has no channel")));
        };
        let published = self.publish_draft(&channel, &due).await?;
        let web = self
            .incidents()
            .page_url(&due.incident, "/postmortem")
            .await;
        let now = self.now();
        let mut tx = self.store.begin_background().await?;
        let publication = publication(&published, due.latest.version);
        postmortems::set_publication(&mut tx, id, &publication, now).await?;
        // The incident's ticket gets the postmortem's link.
        self.tickets()
            .queue(&mut tx, &due.incident, crate::tickets::Subject::Incident)
            .await?;
        let where_ = where_published(&published, publication.link.as_deref(), web.as_deref());
        let text = ready_text(id, &due, &where_);
        outbox::post_in_incident(&mut tx, id, Message::text(text), now).await?;
        if due.before.is_none() {
            self.announce_draft(&mut tx, &due.incident, &channel, web.as_deref(), now)
                .await?;
        }
        self.delivery().finish_job(tx, job).await?;
        self.kick();
        Ok(())
    }

    /// The latest draft of `id` when it is newer than what was published, with the
    /// earlier publication and the incident; None when there is nothing to publish.
    async fn unpublished_draft(&self, id: IncidentId) -> Result<Option<Unpublished>, JobError> {
        let mut conn = self.store.conn().await?;
        let Some(latest) = postmortems::latest(&mut conn, id).await? else {
            return Ok(None);
        };
        let before = postmortems::publication(&mut conn, id).await?;
        let incident = crate::store::incidents::get(&mut conn, id)
            .await?
            .ok_or_else(|| JobError::Fatal(format!("no incident {id}")))?;
        drop(conn);
        if before.as_ref().is_some_and(|p| p.version >= latest.version) {
            return Ok(None);
        }
        Ok(Some(Unpublished {
            latest,
            before,
            incident,
        }))
    }

    /// Puts the draft in the channel: replaces the content of the canvas published
    /// before, or publishes anew.
    async fn publish_draft(&self, channel: &str, due: &Unpublished) -> Result<Published, JobError> {
        let id = due.incident.id;
        let existing =
            due.before
                .as_ref()
                .filter(|p| p.kind == "canvas")
                .map(|p| Published::Canvas {
                    id: p.reference.clone(),
                });
        let doc = Document {
            // No version in the title: a canvas keeps the title it was created with,
            // and later versions only replace its content (which names the version).
            title: format!("Postmortem {id}: {}", due.incident.title.plain()),
            filename: format!("{id}-postmortem-v{}.md", due.latest.version),
            markdown: due.latest.markdown.clone(),
        };
        Ok(self.chat.publish(channel, &doc, existing.as_ref()).await?)
    }

    /// Tells the announcements channel that a public incident's first draft is ready.
    async fn announce_draft(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        channel: &str,
        web: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let announce = &self.cfg.slack.announcements_channel;
        if inc.private || announce.is_empty() {
            return Ok(());
        }
        let link = web
            .map(|w| format!("<{w}|read it>"))
            .unwrap_or_else(|| format!("in <#{channel}>"));
        let msg = Message::text(format!(
            ":page_facing_up: Postmortem draft for *{}: {}* ({}): {link}",
            inc.id,
            inc.title.mrkdwn(),
            inc.severity
        ));
        outbox::to_incident(
            tx,
            inc.id,
            &ChatOp::Post {
                to: Target::Channel(announce.clone()),
                message: msg,
            },
            now,
        )
        .await
    }

    /// `/incident postmortem [done]`: draft now, or mark it complete.
    pub(crate) async fn postmortem_command(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        done: bool,
    ) -> Result<Reply, AppError> {
        let mut change = self.open_change(actor, named, "postmortem").await?;
        let now = self.now();
        let id = change.id();
        if done {
            if change.inc.postmortem_done_at.is_some() {
                return Err(refuse(
                    format!("The postmortem of {id} is already marked complete."),
                    "postmortem",
                ));
            }
            change.inc.postmortem_done_at = Some(now);
            change.save().await?;
            jobs::cancel(
                change.tx(),
                &crate::app::cadence::updates::postmortem_key(id),
                now,
            )
            .await?;
            change
                .record(
                    &actor.user_id,
                    EntryKind::Postmortem,
                    "Postmortem marked complete".into(),
                )
                .await?;
            change.close().await?;
            return Ok(Reply::Ephemeral(Message::text(format!(
                ":white_check_mark: Postmortem of {id} marked complete."
            ))));
        }
        let (version, new) = self.write_postmortem(change.tx(), id).await?;
        if new {
            change
                .send(&ChatOp::PublishPostmortem { incident: id.0 })
                .await?;
        }
        let inc = change.done().await?;
        let web = self
            .incidents()
            .page_url(&inc, "/postmortem")
            .await
            .map(|u| format!(" Read it <{u}|on the web>."))
            .unwrap_or_default();
        let what = if new {
            format!(
                "Drafted v{version} of the postmortem of {}; it is being posted in its channel.",
                inc.id
            )
        } else {
            format!(
                "Nothing new since draft v{version} of the postmortem of {}.",
                inc.id
            )
        };
        Ok(Reply::Ephemeral(Message::text(format!(
            ":page_facing_up: {what}{web}"
        ))))
    }
}

/// A draft version not published yet, with what publishing it needs.
struct Unpublished {
    latest: postmortems::Version,
    /// The earlier publication, if any.
    before: Option<Publication>,
    incident: Incident,
}

/// What to remember of a publication of `version`.
fn publication(published: &Published, version: i64) -> Publication {
    let (kind, reference, link) = match published {
        Published::Canvas { id } => ("canvas", id.clone(), None),
        Published::File { id, permalink } => ("file", id.clone(), permalink.clone()),
    };
    Publication {
        kind: kind.into(),
        reference,
        link,
        version,
    }
}

/// Where the draft can be read, for the message in the incident channel.
fn where_published(published: &Published, link: Option<&str>, web: Option<&str>) -> String {
    let mut where_ = match (published, link) {
        (Published::Canvas { .. }, _) => {
            "in this channel's canvas (top of the channel)".to_string()
        }
        (_, Some(l)) => format!("<{l}|as a Markdown file>"),
        _ => "as a Markdown file in this channel".to_string(),
    };
    if let Some(w) = web {
        where_.push_str(&format!(" and <{w}|on the web>"));
    }
    where_
}

/// The incident channel's message: the first draft is ready, or it was updated.
fn ready_text(id: IncidentId, due: &Unpublished, where_: &str) -> String {
    if due.before.is_none() {
        format!(
            ":page_facing_up: The postmortem draft of *{id}* is ready {where_}. Fill in what warroom marked **[to fill]**; `/incident postmortem done` when it is complete."
        )
    } else {
        format!(
            ":page_facing_up: The postmortem draft of *{id}* was updated to v{} {where_}.",
            due.latest.version
        )
    }
}

/// What `warroom postmortem` prints from: the incident's record and its latest stored
/// version (1 when none is stored yet); None when there is no such incident.
pub async fn for_cli(
    store: &crate::store::Store,
    id: IncidentId,
) -> Result<Option<(crate::postmortem::Record, i64)>, StoreError> {
    let Some(record) = load_record(store, id).await? else {
        return Ok(None);
    };
    let latest = crate::store::postmortems::latest(&mut store.conn().await?, id)
        .await?
        .map(|v| v.version)
        .unwrap_or(1);
    Ok(Some((record, latest)))
}

/// Reads the record (user names from the cache; IDs where unknown).
pub(crate) async fn load_record(
    store: &crate::store::Store,
    id: IncidentId,
) -> Result<Option<postmortem::Record>, StoreError> {
    let mut conn = store.conn().await?;
    let Some(incident) = crate::store::incidents::get(&mut conn, id).await? else {
        return Ok(None);
    };
    let entries = timeline::list(&mut conn, id).await?;
    let actions = crate::store::actions::list(&mut conn, id).await?;
    let earlier =
        crate::store::actions::open_on_services(&mut conn, &incident.services, id, 50).await?;
    drop(conn);
    let names = events::kv_prefix(store, NAME_KEY)
        .await?
        .into_iter()
        .map(|(k, v)| (k.trim_start_matches(NAME_KEY).to_string(), v))
        .collect();
    Ok(Some(postmortem::Record {
        incident,
        entries,
        actions,
        earlier,
        names,
    }))
}
