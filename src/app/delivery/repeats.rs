//! Repeats in a shared channel (an incident's escalations told in the announcements
//! channel): nobody waits for them, so they take only free rate slots and yield to
//! what people wait for (a declared or resolved announcement, an answer); those that
//! pile up for one incident while they wait go out as one post that says how many it
//! stands for; and an incident resolved meanwhile is not escalated late.
//!
//! Exactly once: the merged message and its count are written on the job in the same
//! transaction that cancels the ones it stands for, before posting; a retry after a
//! lost answer finds the earlier post and takes in nothing more.

use serde_json::Value;

use crate::app::Delivery;
use crate::app::delivery::JobError;
use crate::app::delivery::outbox::ChatOp;
use crate::app::messages;
use crate::chat::Message;
use crate::store::jobs::{self, Job};

/// At most this many waiting repeats are merged into one post.
const MERGE_AT_MOST: i64 = 500;

impl Delivery<'_> {
    /// Posts an escalation in the announcements channel, standing for the later ones
    /// of its incident that wait behind it.
    pub(crate) async fn post_repeat(
        &self,
        job: &Job,
        incident: i64,
        message: Message,
        merged: usize,
    ) -> Result<(), JobError> {
        let inc = self.incident(incident).await?;
        let channel = self.cfg.slack.announcements_channel.clone();
        if channel.is_empty() {
            return self.finish(job).await;
        }
        if !inc.is_open() {
            return Err(JobError::Skip(format!(
                "{} is resolved: a late escalation would mislead",
                inc.id
            )));
        }
        crate::chat::be_patient();
        if self.posted_before(&channel, job).await?.is_some() {
            return self.finish(job).await;
        }
        let (message, merged) = self.take_in(job, incident, message, merged).await?;
        let msg = messages::merged_repeats(message, merged, &inc);
        let key = format!("warroom-job-{}", job.id);
        self.chat.post(&channel, &msg, &key).await?;
        self.finish(job).await
    }

    /// Takes in the repeats waiting behind `job`: its message becomes the newest one,
    /// its count grows by theirs, written on the job as they are cancelled.
    async fn take_in(
        &self,
        job: &Job,
        incident: i64,
        message: Message,
        merged: usize,
    ) -> Result<(Message, usize), JobError> {
        let behind = jobs::behind(&self.store, job, MERGE_AT_MOST).await?;
        if behind.is_empty() {
            return Ok((message, merged));
        }
        let mut newest = message;
        let mut total = merged;
        for (_, payload) in &behind {
            total += 1;
            if let Ok(ChatOp::Escalated {
                message, merged, ..
            }) = serde_json::from_value::<ChatOp>(payload.clone())
            {
                newest = message;
                total += merged;
            }
        }
        let op = ChatOp::Escalated {
            incident,
            message: newest.clone(),
            merged: total,
        };
        let payload: Value = serde_json::to_value(&op)
            .map_err(|e| JobError::Fatal(format!("merged escalation: {e}")))?;
        let ids: Vec<i64> = behind.iter().map(|(id, _)| *id).collect();
        let mut tx = self.store.begin_background().await?;
        jobs::set_payload(&mut tx, job.id, &payload).await?;
        jobs::cancel_merged(&mut tx, &ids, self.now()).await?;
        tx.commit().await?;
        Ok((newest, total))
    }
}
