//! Warning storms. A channel whose warning posts back up (Slack takes about one post a
//! second per channel) gets one rollup message instead: each new warning joins it as
//! a line, and the message is edited as more arrive (edits of one message are
//! coalesced: a pending edit makes older ones stand down). Each warning keeps its own
//! state and can be acknowledged from its line. Once no warning has joined for
//! [`QUIET`], the storm has passed: the rollup closes and each warning gets the
//! message it is owed, once, carrying its newest notice (a recovery included).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::message::{notice_key, queue_refresh};
use super::rollup_message::{MAX_LISTED, RollupView, render_rollup};
use crate::app::delivery::JobError;
use crate::app::delivery::outbox::{self, ChatOp};
use crate::app::{AppError, Warnings};
use crate::chat::Message;
use crate::domain::policy::Notice;
use crate::store::jobs::{self, Job, NewJob};
use crate::store::warnings::{self, Rollup, Warning};
use crate::store::{Db, Tx};

/// Warning posts waiting in a channel's queue at which it counts as backed up: the
/// next warning would wait about this many seconds for its own post.
pub(crate) const BACKED_UP: i64 = 5;
/// A storm has passed once no warning has joined its rollup for this long.
pub(crate) const QUIET: Duration = Duration::from_secs(15);
/// The job kinds that are warning posts waiting in a channel's queue.
const POSTS: [&str; 2] = ["chat.post_warning", "chat.follow_up_warning"];

/// The queue of a rollup's post and edits: their own, so the edits never wait
/// behind the posts that backed the channel up.
fn rollup_queue(id: i64) -> String {
    format!("rollup:{id}")
}

/// The queue of the messages a channel's storms still owe: beside the channel's own
/// queue, so what else is posted there (an announcement) does not wait behind them.
fn follow_up_queue(channel: &str) -> String {
    format!("{}:follow-ups", outbox::channel_queue(channel))
}

/// Queues an edit of the rollup message.
pub(crate) async fn queue_rollup_refresh(
    tx: &mut Tx,
    id: i64,
    now: DateTime<Utc>,
) -> crate::store::Result<()> {
    outbox::send(
        tx,
        rollup_queue(id),
        &ChatOp::RefreshRollup { rollup: id },
        now,
    )
    .await
}

impl Warnings<'_> {
    /// Tells of notice `n` of `w` in `channel`: its own post, or a line in the
    /// channel's rollup while a storm is on. The caller saves `w`.
    pub(crate) async fn post_or_roll_up(
        &self,
        tx: &mut Tx,
        w: &mut Warning,
        channel: &str,
        n: Notice,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        // Still owed its message: that message will carry this newer notice.
        let rollup = match (w.rollup, &w.rollup_notice) {
            (Some(id), Some(_)) => Some(id),
            _ => self.rollup_to_join(tx, channel, now).await?,
        };
        let Some(id) = rollup else {
            let op = ChatOp::PostWarning {
                key: w.key.clone(),
                notice: notice_key(n).into(),
            };
            outbox::send(tx, outbox::channel_queue(channel), &op, now).await?;
            return Ok(());
        };
        if w.rollup != Some(id) || w.rollup_notice.is_none() {
            w.rollup = Some(id);
            w.rolled_at = Some(now);
        }
        w.rollup_notice = Some(notice_key(n).into());
        queue_rollup_refresh(tx, id, now).await?;
        Ok(())
    }

    /// The channel's open rollup, or a new one when the channel is backed up.
    async fn rollup_to_join(
        &self,
        tx: &mut Tx,
        channel: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, AppError> {
        if let Some(id) = warnings::join_open_rollup(tx, channel, now).await? {
            return Ok(Some(id));
        }
        let queues = [&outbox::channel_queue(channel), &follow_up_queue(channel)];
        let behind = warnings::pending_in_queues(tx, queues.map(String::as_str), POSTS).await?;
        if behind < BACKED_UP {
            return Ok(None);
        }
        let (id, made) = warnings::open_rollup(tx, channel, now).await?;
        if made {
            tracing::info!(channel, rollup = id, behind, "warning storm: rolling up");
            outbox::send(
                tx,
                rollup_queue(id),
                &ChatOp::PostRollup { rollup: id },
                now,
            )
            .await?;
            let close = outbox::job(String::new(), &ChatOp::CloseRollup { rollup: id }, now)?;
            let close = NewJob {
                queue: None,
                run_at: now + chrono::Duration::from_std(QUIET).unwrap_or_default(),
                dedupe_key: Some(format!("rollup-close:{id}")),
                ..close
            };
            jobs::enqueue(tx, &close, now).await?;
        }
        Ok(Some(id))
    }

    /// The rollup message as it stands.
    async fn rollup_message(&self, db: &mut impl Db, r: &Rollup) -> Result<Message, AppError> {
        let (listed, total) = warnings::rollup_members(db, r.id, MAX_LISTED as i64).await?;
        let mut mentions: Vec<String> = Vec::new();
        for w in listed.iter().filter(|w| w.level.is_bad()) {
            for m in self.warning_mentions(&w.finding) {
                if !mentions.contains(&m) {
                    mentions.push(m);
                }
            }
        }
        Ok(render_rollup(
            &RollupView {
                listed: &listed,
                total: usize::try_from(total).unwrap_or(0),
                since: r.opened_at,
                open: r.open,
                mentions: &mentions,
            },
            self.tz,
        ))
    }

    async fn load_rollup(&self, id: i64) -> Result<Option<(Rollup, Message)>, AppError> {
        let mut conn = self.store.conn().await?;
        let Some(r) = warnings::rollup(&mut conn, id).await? else {
            return Ok(None);
        };
        let msg = self.rollup_message(&mut conn, &r).await?;
        Ok(Some((r, msg)))
    }

    /// Posts the rollup message, once.
    pub(crate) async fn post_rollup(&self, job: &Job, id: i64) -> Result<(), JobError> {
        let Some((r, msg)) = self.load_rollup(id).await? else {
            return self.delivery().finish(job).await;
        };
        if r.message_ts.is_some() {
            return self.delivery().finish(job).await;
        }
        let ts = self.delivery().post_once(&r.channel, &msg, job).await?;
        let mut tx = self.store.begin_background().await?;
        warnings::set_rollup_message(&mut tx, id, &ts).await?;
        self.delivery().finish_job(tx, job).await
    }

    /// Edits the rollup message to show what it holds now, unless a later edit waits.
    pub(crate) async fn refresh_rollup(&self, job: &Job, id: i64) -> Result<(), JobError> {
        if self.delivery().superseded(job).await? {
            return self.delivery().finish(job).await;
        }
        if let Some((r, msg)) = self.load_rollup(id).await?
            && let Some(ts) = &r.message_ts
        {
            self.chat.update(&r.channel, ts, &msg).await?;
        }
        self.delivery().finish(job).await
    }

    /// The storm has passed once nothing joined for [`QUIET`]: close the rollup and
    /// queue each warning's own message, all in one transaction with this job's end.
    pub(crate) async fn close_rollup(&self, job: &Job, id: i64) -> Result<(), JobError> {
        let mut conn = self.store.conn().await?;
        let Some(r) = warnings::rollup(&mut conn, id).await? else {
            return self.delivery().finish(job).await;
        };
        drop(conn);
        if !r.open {
            return self.delivery().finish(job).await;
        }
        let quiet_until = r.last_joined_at + chrono::Duration::from_std(QUIET).unwrap_or_default();
        let now = self.now();
        if now < quiet_until {
            return Err(JobError::Later {
                after: (quiet_until - now).to_std().unwrap_or(QUIET),
                reason: "the storm goes on".into(),
            });
        }
        let mut tx = self.store.begin_background().await?;
        if !warnings::close_rollup(&mut tx, id).await? {
            tx.rollback().await?;
            return self.delivery().finish(job).await;
        }
        let keys = warnings::rollup_keys(&mut tx, id).await?;
        let queue = follow_up_queue(&r.channel);
        let follow: Vec<NewJob> = keys
            .iter()
            .map(|key| {
                let op = ChatOp::FollowUpWarning {
                    key: key.clone(),
                    rollup: id,
                };
                outbox::job(queue.clone(), &op, now)
            })
            .collect::<crate::store::Result<_>>()?;
        for chunk in follow.chunks(500) {
            jobs::enqueue_all(&mut tx, chunk, now).await?;
        }
        queue_rollup_refresh(&mut tx, id, now).await?;
        tracing::info!(channel = %r.channel, rollup = id, warnings = keys.len(), "warning storm passed");
        self.delivery().finish_job(tx, job).await
    }

    /// Posts the message a rolled-up warning is owed, with its newest notice, once:
    /// a warning no longer owed (an earlier run posted it) is skipped, and a notice
    /// that changed while this one was posted is owed again.
    pub(crate) async fn follow_up(&self, job: &Job, key: &str, id: i64) -> Result<(), JobError> {
        let mut conn = self.store.conn().await?;
        let owed = warnings::get(&mut conn, key)
            .await?
            .filter(|w| w.rollup == Some(id))
            .and_then(|w| w.rollup_notice);
        drop(conn);
        let Some(notice) = owed else {
            return self.delivery().finish(job).await;
        };
        let Some((shown, msg)) = self.warning_message(key, Some(&notice)).await? else {
            return self.delivery().finish(job).await;
        };
        let channel = self.warning_channel(&shown.finding);
        // Already visible in the rollup: a free slot will do, never one ahead of a
        // post people wait for in that channel.
        crate::chat::be_patient();
        let ts = self.delivery().post_once(&channel, &msg, job).await?;
        let now = self.now();
        let mut tx = self.store.begin_background().await?;
        if let Some(mut w) = warnings::get_locked(&mut tx, key).await? {
            w.channel = Some(channel.clone());
            w.message_ts = Some(ts);
            if w.rollup == Some(id) && w.rollup_notice.as_deref() == Some(notice.as_str()) {
                w.rollup_notice = None;
                if changed_since(&shown, &w) {
                    queue_refresh(&mut tx, &channel, key, now).await?;
                }
            } else if w.rollup == Some(id) && w.rollup_notice.is_some() {
                let op = ChatOp::FollowUpWarning {
                    key: key.to_string(),
                    rollup: id,
                };
                outbox::send(&mut tx, follow_up_queue(&channel), &op, now).await?;
            }
            warnings::save(&mut tx, &w).await?;
        }
        self.delivery().finish_job(tx, job).await
    }
}

/// True when what a warning's message shows changed after it was drawn.
fn changed_since(shown: &Warning, now: &Warning) -> bool {
    shown.acked_by != now.acked_by
        || shown.snoozed_until != now.snoozed_until
        || shown.incident != now.incident
        || shown.finding != now.finding
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backlog_counts_the_warning_posts_jobs() {
        let post = ChatOp::PostWarning {
            key: "k".into(),
            notice: "first".into(),
        };
        let follow = ChatOp::FollowUpWarning {
            key: "k".into(),
            rollup: 1,
        };
        assert_eq!(POSTS, [post.kind().as_str(), follow.kind().as_str()]);
    }
}
