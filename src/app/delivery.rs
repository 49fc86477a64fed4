//! Delivers the outbound chat calls queued by the use cases. Calls that create
//! something (a channel, a message) are made idempotent: a retried channel creation
//! adopts the channel an earlier attempt made, and a retried post first looks for the
//! message an earlier attempt left (by a key stored in the message's metadata), so a
//! crash or a lost answer never doubles anything.

use std::time::Duration;

use super::events::pinned_text;
use super::outbox::{self, Announcement, ChatOp, Target};
use super::views;
use super::{App, AppError};
use crate::chat::{ChatError, Message};
use crate::domain::channel_name;
use crate::domain::timeline::{Entry, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::store::jobs::{self, Job};
use crate::store::{StoreError, Tx, incidents, timeline};

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Try again later (`after` when the other side said when).
    #[error("retry: {reason}")]
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// Trying again cannot help.
    #[error("failed: {0}")]
    Fatal(String),
    /// Slack refused it for good, with this code (someone is told).
    #[error("Slack refused: {0}")]
    Refused(String),
    /// Nothing to do any more (e.g. the channel Slack would not create): done.
    #[error("skipped: {0}")]
    Skip(String),
    /// Not yet: come back after this long (a rate slot, a channel still being made).
    /// Not a failed attempt.
    #[error("later: {reason}")]
    Later { after: Duration, reason: String },
}

impl From<ChatError> for JobError {
    fn from(e: ChatError) -> JobError {
        match e {
            ChatError::Throttled(after) => JobError::Later {
                after,
                reason: "waiting for a rate slot".into(),
            },
            ChatError::RateLimited(after) => JobError::Retry {
                after,
                reason: "rate limited".into(),
            },
            e if e.is_retryable() => JobError::Retry {
                after: None,
                reason: e.to_string(),
            },
            ChatError::Api(code) => JobError::Refused(code),
            e => JobError::Fatal(e.to_string()),
        }
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> JobError {
        JobError::Retry {
            after: None,
            reason: e.to_string(),
        }
    }
}

impl From<AppError> for JobError {
    fn from(e: AppError) -> JobError {
        match e {
            AppError::Store(e) => e.into(),
            AppError::User(e) => JobError::Fatal(e.message),
        }
    }
}

tokio::task_local! {
    /// Set by [`App::finish`] inside [`in_batch`]: the job is done, mark it later.
    static BATCH: std::cell::Cell<bool>;
}

/// Runs a job so that finishing it only notes it; returns the job's result and
/// whether it is left for the caller to mark done.
pub async fn in_batch<F: std::future::Future>(f: F) -> (F::Output, bool) {
    BATCH
        .scope(std::cell::Cell::new(false), async {
            let out = f.await;
            let left = BATCH.try_with(|b| b.get()).unwrap_or(false);
            (out, left)
        })
        .await
}

/// Alternative channel names tried when the first is taken.
const NAME_ATTEMPTS: u32 = 20;

impl App {
    /// Marks a job done in `tx` and commits; a lost lease rolls everything back.
    pub async fn finish_job(&self, mut tx: Tx, job: &Job) -> Result<(), JobError> {
        if jobs::complete(&mut tx, job, self.now()).await? {
            tx.commit().await?;
            Ok(())
        } else {
            tx.rollback().await?;
            Err(JobError::Fatal("lease lost to another worker".into()))
        }
    }

    /// Marks a job done when it wrote nothing else. Run by the worker, it is marked
    /// with the other jobs of its round, in the transaction that claims the next ones
    /// ([`in_batch`]): one write for many jobs.
    pub async fn finish(&self, job: &Job) -> Result<(), JobError> {
        if BATCH.try_with(|b| b.set(true)).is_ok() {
            return Ok(());
        }
        let tx = self.store.begin_background().await?;
        self.finish_job(tx, job).await
    }

    async fn incident(&self, id: i64) -> Result<Incident, JobError> {
        let mut conn = self.store.conn().await?;
        incidents::get(&mut conn, IncidentId(id))
            .await?
            .ok_or_else(|| JobError::Fatal(format!("no incident {id}")))
    }

    /// The incident's channel; a job for a channel Slack refused to create stands
    /// down (the headline shows the state once a later command sets it up).
    pub fn channel_of(inc: &Incident) -> Result<&str, JobError> {
        match (&inc.channel_id, &inc.channel_error) {
            (Some(c), _) => Ok(c),
            (None, Some(e)) => Err(JobError::Skip(format!("{} has no channel ({e})", inc.id))),
            (None, None) => Err(JobError::Fatal(format!("{} has no channel", inc.id))),
        }
    }

    /// True when a later job of the same kind waits in the same queue: it will render
    /// the newer state, so this one can stand down.
    async fn superseded(&self, job: &Job) -> Result<bool, JobError> {
        Ok(jobs::superseded(&self.store, job).await?)
    }

    /// Posts once: on a retry, first look for the message an earlier attempt left.
    async fn post_once(&self, channel: &str, msg: &Message, job: &Job) -> Result<String, JobError> {
        let key = format!("warroom-job-{}", job.id);
        if job.attempts > 1
            && let Ok(Some(ts)) = self.chat.find_posted(channel, &key).await
        {
            tracing::info!(
                job = job.id,
                channel,
                "message from an earlier attempt found; not posting again"
            );
            return Ok(ts);
        }
        Ok(self.chat.post(channel, msg, &key).await?)
    }

    /// Runs one `chat.*` job.
    pub async fn deliver(&self, job: &Job) -> Result<(), JobError> {
        let op: ChatOp = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("bad payload: {e}")))?;
        match op {
            ChatOp::CreateChannel { incident } => self.create_channel(job, incident).await,
            ChatOp::Invite { incident, users } => {
                let inc = self.incident(incident).await?;
                let channel = Self::channel_of(&inc)?;
                let bot = self.chat.bot_user_id().await?;
                let users: Vec<String> = users
                    .into_iter()
                    .filter(|u| *u != bot && u != crate::domain::timeline::BOT_ACTOR)
                    .collect();
                self.chat.invite(channel, &users).await?;
                self.finish(job).await
            }
            ChatOp::SetTopic { incident } => {
                if self.superseded(job).await? {
                    return self.finish(job).await;
                }
                let inc = self.incident(incident).await?;
                // Its own queue: the channel may still be on its way, and its creation
                // queues the topic then (with the state of that moment).
                if inc.channel_id.is_none() && inc.channel_error.is_none() {
                    return self.finish(job).await;
                }
                let channel = Self::channel_of(&inc)?;
                let ic_name = match inc.commander() {
                    Some(ic) => Some(self.user_name(ic).await),
                    None => None,
                };
                self.chat
                    .set_topic(channel, &inc.topic(ic_name.as_deref()))
                    .await?;
                self.finish(job).await
            }
            ChatOp::PostHeadline { incident } => {
                let inc = self.incident(incident).await?;
                if inc.headline_ts.is_some() {
                    return self.finish(job).await;
                }
                let channel = Self::channel_of(&inc)?.to_string();
                let ts = self
                    .post_once(&channel, &views::headline(&inc, self.tz), job)
                    .await?;
                let mut tx = self.store.begin_background().await?;
                incidents::set_headline(&mut tx, inc.id, &ts).await?;
                outbox::to_incident(
                    &mut tx,
                    inc.id,
                    &ChatOp::PinHeadline { incident },
                    self.now(),
                )
                .await?;
                self.finish_job(tx, job).await
            }
            ChatOp::PinHeadline { incident } => {
                let inc = self.incident(incident).await?;
                let channel = Self::channel_of(&inc)?;
                if let Some(ts) = &inc.headline_ts {
                    self.chat.pin(channel, ts).await?;
                }
                self.finish(job).await
            }
            ChatOp::RefreshHeadline { incident } => {
                if self.superseded(job).await? {
                    return self.finish(job).await;
                }
                let inc = self.incident(incident).await?;
                // Before the headline exists, its first post will show the current state.
                if let (Some(channel), Some(ts)) = (&inc.channel_id, &inc.headline_ts) {
                    self.chat
                        .update(channel, ts, &views::headline(&inc, self.tz))
                        .await?;
                }
                self.finish(job).await
            }
            ChatOp::Announce { incident, what } => {
                let inc = self.incident(incident).await?;
                let msg = match what {
                    Announcement::Declared => views::announce_declared(&inc),
                    Announcement::Resolved => views::announce_resolved(&inc),
                    Announcement::Reopened => views::announce_reopened(&inc),
                };
                let channel = self.cfg.slack.announcements_channel.clone();
                if channel.is_empty() {
                    return self.finish(job).await;
                }
                self.post_once(&channel, &msg, job).await?;
                self.finish(job).await
            }
            ChatOp::Post { to, message } => {
                let channel = match to {
                    Target::Channel(c) => c,
                    Target::Incident(id) => {
                        let inc = self.incident(id).await?;
                        Self::channel_of(&inc)?.to_string()
                    }
                };
                self.post_once(&channel, &message, job).await?;
                self.finish(job).await
            }
            ChatOp::Ephemeral {
                channel,
                user,
                message,
            } => {
                self.tell(&user, Some(&channel), &message, job).await?;
                self.finish(job).await
            }
            ChatOp::Tell {
                user,
                channel,
                message,
            } => {
                self.tell(&user, channel.as_deref(), &message, job).await?;
                self.finish(job).await
            }
            ChatOp::PublishPostmortem { incident } => {
                self.publish_postmortem(job, IncidentId(incident)).await
            }
            ChatOp::PostWarning { key, notice } => {
                let Some((w, msg)) = self.warning_message(&key, Some(&notice)).await? else {
                    return self.finish(job).await;
                };
                let channel = self.watch_channel(&w.watcher);
                let ts = self.post_once(&channel, &msg, job).await?;
                let mut tx = self.store.begin_background().await?;
                crate::store::warnings::set_message(&mut tx, &key, &channel, &ts).await?;
                self.finish_job(tx, job).await
            }
            ChatOp::RefreshWarning { key } => {
                if self.superseded(job).await? {
                    return self.finish(job).await;
                }
                if let Some((w, msg)) = self.warning_message(&key, None).await?
                    && let (Some(channel), Some(ts)) = (&w.channel, &w.message_ts)
                {
                    self.chat.update(channel, ts, &msg).await?;
                }
                self.finish(job).await
            }
            ChatOp::RecordReaction {
                incident,
                channel,
                ts,
            } => {
                let Some(msg) = self.chat.fetch_message(&channel, &ts).await? else {
                    return self.finish(job).await;
                };
                let now = self.now();
                let entry = Entry {
                    at: super::events::ts_time(&ts).unwrap_or(now),
                    actor: msg.user.unwrap_or_else(|| "unknown".into()),
                    kind: EntryKind::Message,
                    text: pinned_text(&msg.text),
                };
                let mut tx = self.store.begin_background().await?;
                timeline::add(
                    &mut tx,
                    IncidentId(incident),
                    &entry,
                    Some(&super::events::message_key(&channel, &ts)),
                    now,
                )
                .await?;
                self.finish_job(tx, job).await
            }
        }
    }

    /// Tells one person: ephemeral in `channel` when warroom can post there, else a
    /// direct message (a user ID as the channel posts in the app's messages with them).
    async fn tell(
        &self,
        user: &str,
        channel: Option<&str>,
        msg: &Message,
        job: &Job,
    ) -> Result<(), JobError> {
        if let Some(channel) = channel.filter(|c| !c.is_empty()) {
            match self.chat.post_ephemeral(channel, user, msg).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_retryable() => return Err(e.into()),
                Err(e) => {
                    tracing::info!(channel, user, error = %e, "ephemeral not possible there; sending a direct message");
                }
            }
        }
        self.post_once(user, msg, job).await?;
        Ok(())
    }

    /// A user's display name, cached.
    async fn user_name(&self, user: &str) -> String {
        let key = format!("user-name:{user}");
        if let Ok(Some(n)) = self.store.kv_get(&key).await {
            return n;
        }
        match self.chat.user_name(user).await {
            Ok(n) => {
                let _ = crate::store::events::kv_set(&self.store, &key, &n, self.now()).await;
                n
            }
            Err(e) => {
                tracing::warn!(user, error = %e, "could not read a user's name");
                user.to_string()
            }
        }
    }

    /// Creates the incident's channel under Slack's naming rules, never failing the
    /// declaration over a name: a taken name gets a suffix, and a channel an earlier
    /// attempt of this job created (the answer was lost, or warroom was killed) is
    /// adopted rather than made twice.
    async fn create_channel(&self, job: &Job, incident: i64) -> Result<(), JobError> {
        let inc = self.incident(incident).await?;
        if inc.channel_id.is_some() {
            return self.finish(job).await;
        }
        let base =
            channel_name::for_incident(&self.cfg.slack.channel_prefix, inc.id, &inc.title.plain());
        let bot = self.chat.bot_user_id().await?;
        let mut chosen: Option<(String, String)> = None;
        for n in 1..=NAME_ATTEMPTS {
            let name = if n == 1 {
                base.clone()
            } else {
                channel_name::alternative(&base, n)
            };
            match self.chat.create_channel(&name, inc.private).await {
                Ok(id) => {
                    chosen = Some((id, name));
                    break;
                }
                Err(ChatError::Api(code)) if code == "name_taken" => {
                    if let Some(ch) = self.chat.find_channel(&name).await?
                        && ch.creator.as_deref() == Some(bot.as_str())
                        && !ch.archived
                    {
                        let mut conn = self.store.conn().await?;
                        if !incidents::channel_in_use(&mut conn, &ch.id).await? {
                            tracing::info!(incident = %inc.id, channel = %ch.id, "adopting the channel an earlier attempt created");
                            chosen = Some((ch.id, name));
                            break;
                        }
                    }
                    continue;
                }
                Err(ChatError::Api(code)) if code.starts_with("invalid_name") => {
                    // Our names follow the rules; a workspace with stricter ones gets the bare form.
                    tracing::warn!(name, code, "channel name refused");
                    if n == NAME_ATTEMPTS {
                        break;
                    }
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let Some((channel_id, name)) = chosen else {
            return Err(JobError::Retry {
                after: Some(Duration::from_secs(60)),
                reason: format!("no free channel name after {NAME_ATTEMPTS} tries"),
            });
        };
        let mut tx = self.store.begin_background().await?;
        incidents::set_channel(&mut tx, inc.id, &channel_id, &name).await?;
        outbox::to_incident(&mut tx, inc.id, &ChatOp::SetTopic { incident }, self.now()).await?;
        self.finish_job(tx, job).await?;
        tracing::info!(incident = %inc.id, channel = %channel_id, name = %name, "incident channel ready");
        Ok(())
    }
}
