//! Delivers the outbound chat calls queued by the use cases. Calls that create
//! something (a channel, a message) are made idempotent: a retried channel creation
//! adopts the channel an earlier attempt made, and a retried post first looks for the
//! message an earlier attempt left (by a key stored in the message's metadata), so a
//! crash or a lost answer never doubles anything.

pub(crate) mod channel_setup;
pub(crate) mod outbox;
pub(crate) mod provider_refusals;
mod repeats;
pub(crate) mod slack_refusals;

use std::time::Duration;

use crate::app::delivery::outbox::{Announcement, ChatOp, Target};
use crate::app::entry::events::pinned_text;
use crate::app::messages;
use crate::app::{AppError, Delivery};
use crate::chat::{ChatError, Message};
use crate::domain::timeline::{Entry, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::store::jobs::{self, Job};
use crate::store::{StoreError, Tx, incidents, timeline};

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JobError {
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
pub(crate) async fn in_batch<F: std::future::Future>(f: F) -> (F::Output, bool) {
    BATCH
        .scope(std::cell::Cell::new(false), async {
            let out = f.await;
            let left = BATCH.try_with(|b| b.get()).unwrap_or(false);
            (out, left)
        })
        .await
}

impl Delivery<'_> {
    /// Marks a job done in `tx` and commits; a lost lease rolls everything back.
    pub(crate) async fn finish_job(&self, mut tx: Tx, job: &Job) -> Result<(), JobError> {
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
    pub(crate) async fn finish(&self, job: &Job) -> Result<(), JobError> {
        if BATCH.try_with(|b| b.set(true)).is_ok() {
            return Ok(());
        }
        let tx = self.store.begin_background().await?;
        self.finish_job(tx, job).await
    }

    pub(super) async fn incident(&self, id: i64) -> Result<Incident, JobError> {
        let mut conn = self.store.conn().await?;
        incidents::get(&mut conn, IncidentId(id))
            .await?
            .ok_or_else(|| JobError::Fatal(format!("no incident {id}")))
    }

    /// The incident's channel; a job for a channel Slack refused to create stands
    /// down (the headline shows the state once a later command sets it up).
    pub(crate) fn channel_of(inc: &Incident) -> Result<&str, JobError> {
        match (&inc.channel_id, &inc.channel_error) {
            (Some(c), _) => Ok(c),
            (None, Some(e)) => Err(JobError::Skip(format!("{} has no channel ({e})", inc.id))),
            (None, None) => Err(JobError::Fatal(format!("{} has no channel", inc.id))),
        }
    }

    /// True when a later job of the same kind waits in the same queue: it will render
    /// the newer state, so this one can stand down.
    pub(crate) async fn superseded(&self, job: &Job) -> Result<bool, JobError> {
        Ok(jobs::superseded(&self.store, job).await?)
    }

    /// Posts once: on a retry, first look for the message an earlier attempt left.
    pub(crate) async fn post_once(
        &self,
        channel: &str,
        msg: &Message,
        job: &Job,
    ) -> Result<String, JobError> {
        let key = format!("warroom-job-{}", job.id);
        if let Some(ts) = self.posted_before(channel, job).await? {
            tracing::info!(
                job = job.id,
                channel,
                "message from an earlier attempt found; not posting again"
            );
            return Ok(ts);
        }
        Ok(self.chat.post(channel, msg, &key).await?)
    }

    /// The message an earlier attempt of `job` posted in `channel`, if any. Not knowing
    /// for now (held back, Slack away) puts the job back rather than risk a second
    /// post; a refusal to read the channel counts as nothing found.
    pub(crate) async fn posted_before(
        &self,
        channel: &str,
        job: &Job,
    ) -> Result<Option<String>, JobError> {
        if job.attempts <= 1 {
            return Ok(None);
        }
        match self
            .chat
            .find_posted(channel, &format!("warroom-job-{}", job.id))
            .await
        {
            Ok(found) => Ok(found),
            Err(ChatError::Api(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs one `chat.*` job.
    pub(crate) async fn deliver(&self, job: &Job, op: ChatOp) -> Result<(), JobError> {
        match op {
            ChatOp::CreateChannel { incident } => {
                self.delivery().create_channel(job, incident).await
            }
            ChatOp::Invite { incident, users } => {
                self.delivery()
                    .invite_to_channel(job, incident, users)
                    .await
            }
            ChatOp::SetTopic { incident } => self.delivery().set_channel_topic(job, incident).await,
            ChatOp::Bookmark {
                incident,
                title,
                link,
            } => self.delivery().bookmark(job, incident, &title, &link).await,
            ChatOp::PostHeadline { incident } => self.delivery().post_headline(job, incident).await,
            ChatOp::PinHeadline { incident } => self.delivery().pin_headline(job, incident).await,
            ChatOp::RefreshHeadline { incident } => {
                self.delivery().refresh_headline(job, incident).await
            }
            ChatOp::Announce { incident, what } => {
                self.post_announcement(job, incident, what).await
            }
            ChatOp::Post { to, message } => self.post_message(job, to, &message).await,
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
                self.reports()
                    .publish_postmortem(job, IncidentId(incident))
                    .await
            }
            ChatOp::PostWarning { key, notice } => self.post_warning(job, &key, &notice).await,
            ChatOp::RefreshWarning { key } => self.refresh_warning(job, &key).await,
            ChatOp::Escalated {
                incident,
                message,
                merged,
            } => {
                self.delivery()
                    .post_repeat(job, incident, message, merged)
                    .await
            }
            ChatOp::PostRollup { rollup } => self.warnings().post_rollup(job, rollup).await,
            ChatOp::RefreshRollup { rollup } => self.warnings().refresh_rollup(job, rollup).await,
            ChatOp::CloseRollup { rollup } => self.warnings().close_rollup(job, rollup).await,
            ChatOp::FollowUpWarning { key, rollup } => {
                self.warnings().follow_up(job, &key, rollup).await
            }
            ChatOp::RecordReaction {
                incident,
                channel,
                ts,
            } => {
                self.record_reaction(job, IncidentId(incident), &channel, &ts)
                    .await
            }
        }
    }

    /// Posts in the announcements channel, when there is one.
    async fn post_announcement(
        &self,
        job: &Job,
        incident: i64,
        what: Announcement,
    ) -> Result<(), JobError> {
        let inc = self.incident(incident).await?;
        let msg = match what {
            Announcement::Declared => messages::announce_declared(&inc),
            Announcement::Resolved => messages::announce_resolved(&inc),
            Announcement::Reopened => messages::announce_reopened(&inc),
        };
        let channel = self.cfg.slack.announcements_channel.clone();
        if channel.is_empty() {
            return self.finish(job).await;
        }
        self.post_once(&channel, &msg, job).await?;
        self.finish(job).await
    }

    /// Posts a message in a channel, or in the incident's.
    async fn post_message(&self, job: &Job, to: Target, message: &Message) -> Result<(), JobError> {
        let channel = match to {
            Target::Channel(c) => c,
            Target::Incident(id) => {
                let inc = self.incident(id).await?;
                Self::channel_of(&inc)?.to_string()
            }
        };
        self.post_once(&channel, message, job).await?;
        self.finish(job).await
    }

    /// Posts a warning's notification and remembers where, for later edits.
    async fn post_warning(&self, job: &Job, key: &str, notice: &str) -> Result<(), JobError> {
        let Some((w, msg)) = self.warnings().warning_message(key, Some(notice)).await? else {
            return self.finish(job).await;
        };
        let channel = self.warnings().warning_channel(&w.finding);
        let ts = self.post_once(&channel, &msg, job).await?;
        let mut tx = self.store.begin_background().await?;
        crate::store::warnings::set_message(&mut tx, key, &channel, &ts).await?;
        self.finish_job(tx, job).await
    }

    /// Edits a warning's latest message to show its current state.
    async fn refresh_warning(&self, job: &Job, key: &str) -> Result<(), JobError> {
        if self.superseded(job).await? {
            return self.finish(job).await;
        }
        if let Some((w, msg)) = self.warnings().warning_message(key, None).await?
            && let (Some(channel), Some(ts)) = (&w.channel, &w.message_ts)
        {
            self.chat.update(channel, ts, &msg).await?;
        }
        self.finish(job).await
    }

    /// Reads a reacted-to message and puts it on the incident's timeline (once).
    async fn record_reaction(
        &self,
        job: &Job,
        incident: IncidentId,
        channel: &str,
        ts: &str,
    ) -> Result<(), JobError> {
        let Some(msg) = self.chat.fetch_message(channel, ts).await? else {
            return self.finish(job).await;
        };
        let now = self.now();
        let entry = Entry {
            at: crate::app::entry::events::ts_time(ts).unwrap_or(now),
            actor: msg.user.unwrap_or_else(|| "unknown".into()),
            kind: EntryKind::Message,
            text: pinned_text(&msg.text),
        };
        let mut tx = self.store.begin_background().await?;
        timeline::add(
            &mut tx,
            incident,
            &entry,
            Some(&crate::app::entry::events::message_key(channel, ts)),
            now,
        )
        .await?;
        self.finish_job(tx, job).await
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
}
