//! Repeats in a shared channel (an incident's escalations told in the announcements
//! channel): nobody waits for them, so they take only free rate slots and yield to
//! what people wait for (a declared or resolved announcement, an answer); those that
//! pile up for one incident while they wait go out as one post that says how many it
//! stands for; and an incident resolved meanwhile is not escalated late.

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
        let behind = jobs::behind(&self.store, job, MERGE_AT_MOST).await?;
        let newest = behind.iter().rev().find_map(|(_, p)| {
            match serde_json::from_value::<ChatOp>(p.clone()) {
                Ok(ChatOp::Escalated { message, .. }) => Some(message),
                _ => None,
            }
        });
        let merged: Vec<i64> = behind.iter().map(|(id, _)| *id).collect();
        let msg = match newest {
            Some(m) => messages::merged_repeats(m, merged.len(), &inc),
            None => message,
        };
        crate::chat::be_patient();
        self.post_once(&channel, &msg, job).await?;
        let mut tx = self.store.begin_background().await?;
        jobs::cancel_merged(&mut tx, &merged, self.now()).await?;
        self.finish_job(tx, job).await
    }
}
