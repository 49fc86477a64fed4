//! Postmortem drafts as use cases: written on resolution (a job, after the resolve
//! notices) and on `/incident postmortem`, stored as a new version when the content
//! changed, then published in the incident channel (canvas, or Markdown file) with a
//! link there and in the announcements channel.

use serde_json::json;

use super::outbox::{self, ChatOp, Target};
use super::{Actor, App, AppError, Reply, refuse};
use crate::chat::{Document, Message, Published};
use crate::domain::timeline::{BOT_ACTOR, Entry, EntryKind};
use crate::domain::{IncidentId, UserText};
use crate::postmortem::{self, NAME_KEY};
use crate::store::jobs::{self, Job, NewJob};
use crate::store::postmortems::{self, Publication};
use crate::store::{StoreError, Tx, events, timeline};

use super::delivery::JobError;

/// Job kind: write the draft (then publish it).
pub const DRAFT_JOB: &str = "postmortem.draft";

impl App {
    /// Learns the display names of everyone in the record that the cache lacks.
    async fn learn_names(&self, id: IncidentId) {
        let Ok(Some(rec)) = postmortem::load(&self.store, id).await else {
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
    pub async fn write_postmortem(
        &self,
        tx: &mut Tx,
        id: IncidentId,
    ) -> Result<(i64, bool), AppError> {
        let rec = postmortem::load(&self.store, id)
            .await?
            .ok_or_else(|| refuse(format!("There is no incident {id}."), "postmortem"))?;
        let latest = postmortems::latest(tx, id).await?;
        let next = latest.as_ref().map(|v| v.version + 1).unwrap_or(1);
        let now = self.now();
        let md = postmortem::markdown(&self.cfg, &rec, now, next);
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
        Ok((version, true))
    }

    /// Queues the drafting job (on resolution).
    pub async fn queue_postmortem(&self, tx: &mut Tx, id: IncidentId) -> Result<(), StoreError> {
        let job = NewJob::now(
            DRAFT_JOB,
            Some(outbox::incident_queue(id)),
            json!({"incident": id.0}),
            self.now(),
        );
        jobs::enqueue(tx, &job, self.now()).await?;
        Ok(())
    }

    /// The drafting job: names, draft, publication.
    pub async fn fire_postmortem_draft(&self, job: &Job) -> Result<(), JobError> {
        let id = job
            .payload
            .get("incident")
            .and_then(serde_json::Value::as_i64)
            .map(IncidentId)
            .ok_or_else(|| JobError::Fatal("draft without an incident".into()))?;
        self.learn_names(id).await;
        let mut tx = self.begin_scheduled(job).await?;
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
    pub async fn publish_postmortem(&self, job: &Job, id: IncidentId) -> Result<(), JobError> {
        let mut conn = self.store.conn().await?;
        let Some(latest) = postmortems::latest(&mut conn, id).await? else {
            drop(conn);
            return self.finish(job).await;
        };
        let before = postmortems::publication(&mut conn, id).await?;
        let inc = crate::store::incidents::get(&mut conn, id)
            .await?
            .ok_or_else(|| JobError::Fatal(format!("no incident {id}")))?;
        drop(conn);
        if before.as_ref().is_some_and(|p| p.version >= latest.version) {
            return self.finish(job).await;
        }
        let Some(channel) = inc.channel_id.clone() else {
            return Err(JobError::Skip(format!("{id} has no channel")));
        };
        let existing = before
            .as_ref()
            .filter(|p| p.kind == "canvas")
            .map(|p| Published::Canvas {
                id: p.reference.clone(),
            });
        let doc = Document {
            // No version in the title: a canvas keeps the title it was created with,
            // and later versions only replace its content (which names the version).
            title: format!("Postmortem {id}: {}", inc.title.plain()),
            filename: format!("{id}-postmortem-v{}.md", latest.version),
            markdown: latest.markdown.clone(),
        };
        let published = self.chat.publish(&channel, &doc, existing.as_ref()).await?;
        let (kind, reference, link) = match &published {
            Published::Canvas { id } => ("canvas", id.clone(), None),
            Published::File { id, permalink } => ("file", id.clone(), permalink.clone()),
        };
        let web = self.page_url(&inc, "/postmortem").await;
        let mut where_ = match (&published, &link) {
            (Published::Canvas { .. }, _) => {
                "in this channel's canvas (top of the channel)".to_string()
            }
            (_, Some(l)) => format!("<{l}|as a Markdown file>"),
            _ => "as a Markdown file in this channel".to_string(),
        };
        if let Some(w) = &web {
            where_.push_str(&format!(" and <{w}|on the web>"));
        }
        let now = self.now();
        let mut tx = self.store.begin_background().await?;
        postmortems::set_publication(
            &mut tx,
            id,
            &Publication {
                kind: kind.into(),
                reference,
                link: link.clone(),
                version: latest.version,
            },
            now,
        )
        .await?;
        let text = if before.is_none() {
            format!(
                ":page_facing_up: The postmortem draft of *{id}* is ready {where_}. Fill in what warroom marked **[to fill]**; `/incident postmortem done` when it is complete."
            )
        } else {
            format!(
                ":page_facing_up: The postmortem draft of *{id}* was updated to v{} {where_}.",
                latest.version
            )
        };
        outbox::post_in_incident(&mut tx, id, Message::text(text), now).await?;
        let announce = &self.cfg.slack.announcements_channel;
        if before.is_none() && !inc.private && !announce.is_empty() {
            let link = web
                .map(|w| format!("<{w}|read it>"))
                .unwrap_or_else(|| format!("in <#{channel}>"));
            let msg = Message::text(format!(
                ":page_facing_up: Postmortem draft for *{id}: {}* ({}): {link}",
                inc.title.mrkdwn(),
                inc.severity
            ));
            outbox::to_incident(
                &mut tx,
                id,
                &ChatOp::Post {
                    to: Target::Channel(announce.clone()),
                    message: msg,
                },
                now,
            )
            .await?;
        }
        self.finish_job(tx, job).await?;
        self.kick();
        Ok(())
    }

    /// `/incident postmortem [done]`: draft now, or mark it complete.
    pub async fn postmortem_command(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        done: bool,
    ) -> Result<Reply, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "postmortem").await?;
        let now = self.now();
        if done {
            if inc.postmortem_done_at.is_some() {
                return Err(refuse(
                    format!("The postmortem of {} is already marked complete.", inc.id),
                    "postmortem",
                ));
            }
            inc.postmortem_done_at = Some(now);
            crate::store::incidents::save(&mut tx, &inc).await?;
            jobs::cancel(&mut tx, &super::cadence::postmortem_key(inc.id), now).await?;
            self.log(
                &mut tx,
                inc.id,
                &actor.user_id,
                EntryKind::Postmortem,
                "Postmortem marked complete".into(),
            )
            .await?;
            tx.commit().await?;
            return Ok(Reply::Ephemeral(Message::text(format!(
                ":white_check_mark: Postmortem of {} marked complete.",
                inc.id
            ))));
        }
        let (version, new) = self.write_postmortem(&mut tx, inc.id).await?;
        if new {
            outbox::to_incident(
                &mut tx,
                inc.id,
                &ChatOp::PublishPostmortem { incident: inc.id.0 },
                now,
            )
            .await?;
        }
        self.commit(tx).await?;
        let web = self
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

/// What `warroom postmortem` prints from: the incident's record and its latest stored
/// version (1 when none is stored yet); None when there is no such incident.
pub async fn for_cli(
    store: &crate::store::Store,
    id: IncidentId,
) -> Result<Option<(crate::postmortem::Record, i64)>, StoreError> {
    let Some(record) = crate::postmortem::load(store, id).await? else {
        return Ok(None);
    };
    let latest = crate::store::postmortems::latest(&mut *store.conn().await?, id)
        .await?
        .map(|v| v.version)
        .unwrap_or(1);
    Ok(Some((record, latest)))
}
