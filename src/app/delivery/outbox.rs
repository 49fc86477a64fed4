//! Outbound chat calls as durable jobs. A use case enqueues them in the same
//! transaction as the state change they belong to; the worker delivers them in order
//! per queue (one queue per incident, one per other channel), with retries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::chat::Message;
use crate::domain::{Incident, IncidentId};
use crate::store::jobs::{self, NewJob, Priority};
use crate::store::{Result, Tx};

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Target {
    /// The incident's own channel (known once it has been created).
    Incident(i64),
    /// Any channel by ID.
    Channel(String),
}

/// What an announcement is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Announcement {
    Declared,
    Resolved,
    Reopened,
}

/// One outbound call. The job kind is `chat.<op>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum ChatOp {
    CreateChannel {
        incident: i64,
    },
    Invite {
        incident: i64,
        users: Vec<String>,
    },
    SetTopic {
        incident: i64,
    },
    PostHeadline {
        incident: i64,
    },
    PinHeadline {
        incident: i64,
    },
    RefreshHeadline {
        incident: i64,
    },
    Announce {
        incident: i64,
        what: Announcement,
    },
    Post {
        to: Target,
        message: Message,
    },
    Ephemeral {
        channel: String,
        user: String,
        message: Message,
    },
    /// Tell one person something: ephemeral in `channel` where they are, else a
    /// direct message.
    Tell {
        user: String,
        channel: Option<String>,
        message: Message,
    },
    /// Read a reacted-to message and put it on the incident's timeline.
    RecordReaction {
        incident: i64,
        channel: String,
        ts: String,
    },
    /// Publish the latest postmortem draft in the incident channel.
    PublishPostmortem {
        incident: i64,
    },
    /// Bookmark a link in the incident's channel (its ticket).
    Bookmark {
        incident: i64,
        title: String,
        link: String,
    },
    /// Post a warning's notification (first, rose, reminder, recovered).
    PostWarning {
        key: String,
        notice: String,
    },
    /// Edit a warning's latest message to show its current state.
    RefreshWarning {
        key: String,
    },
    /// An escalation told in the announcements channel: a repeat nobody waits for,
    /// in a queue of the incident's own ([`repeats_queue`]), merged with the ones
    /// that pile up behind it.
    Escalated {
        incident: i64,
        message: Message,
        /// How many earlier ones this one stands for.
        #[serde(default, skip_serializing_if = "is_zero")]
        merged: usize,
    },
    /// Post a warning storm's rollup message (the warnings it lists so far).
    PostRollup {
        rollup: i64,
    },
    /// Edit a rollup message to list the warnings it holds now.
    RefreshRollup {
        rollup: i64,
    },
    /// Once the storm has passed: close the rollup and queue each warning's own
    /// message.
    CloseRollup {
        rollup: i64,
    },
    /// Post the message a rolled-up warning is owed, once.
    FollowUpWarning {
        key: String,
        rollup: i64,
    },
}

impl ChatOp {
    pub(crate) fn op_name(&self) -> &'static str {
        match self {
            ChatOp::CreateChannel { .. } => "create_channel",
            ChatOp::Invite { .. } => "invite",
            ChatOp::SetTopic { .. } => "set_topic",
            ChatOp::PostHeadline { .. } => "post_headline",
            ChatOp::PinHeadline { .. } => "pin_headline",
            ChatOp::RefreshHeadline { .. } => "refresh_headline",
            ChatOp::Announce { .. } => "announce",
            ChatOp::Post { .. } => "post",
            ChatOp::Ephemeral { .. } => "ephemeral",
            ChatOp::Tell { .. } => "tell",
            ChatOp::RecordReaction { .. } => "record_reaction",
            ChatOp::PublishPostmortem { .. } => "publish_postmortem",
            ChatOp::Bookmark { .. } => "bookmark",
            ChatOp::PostWarning { .. } => "post_warning",
            ChatOp::RefreshWarning { .. } => "refresh_warning",
            ChatOp::Escalated { .. } => "escalated",
            ChatOp::PostRollup { .. } => "post_rollup",
            ChatOp::RefreshRollup { .. } => "refresh_rollup",
            ChatOp::CloseRollup { .. } => "close_rollup",
            ChatOp::FollowUpWarning { .. } => "follow_up_warning",
        }
    }

    pub(crate) fn kind(&self) -> String {
        format!("chat.{}", self.op_name())
    }

    /// Answers, headlines, announcements, reminders and warnings are waited for;
    /// topics are cosmetic; the rest is normal (repeats also take only free rate
    /// slots: [`crate::chat::be_patient`]).
    pub(crate) fn priority(&self) -> Priority {
        match self {
            ChatOp::CreateChannel { .. }
            | ChatOp::PostHeadline { .. }
            | ChatOp::Announce { .. }
            | ChatOp::Post { .. }
            | ChatOp::Ephemeral { .. }
            | ChatOp::Tell { .. }
            | ChatOp::PostWarning { .. }
            | ChatOp::PostRollup { .. }
            | ChatOp::RefreshRollup { .. } => Priority::People,
            ChatOp::Invite { .. }
            | ChatOp::PinHeadline { .. }
            | ChatOp::RefreshHeadline { .. }
            | ChatOp::RecordReaction { .. }
            | ChatOp::PublishPostmortem { .. }
            | ChatOp::RefreshWarning { .. }
            | ChatOp::Escalated { .. }
            | ChatOp::CloseRollup { .. }
            | ChatOp::FollowUpWarning { .. } => Priority::Normal,
            ChatOp::SetTopic { .. } | ChatOp::Bookmark { .. } => Priority::Cosmetic,
        }
    }

    /// The queue of this call about incident `id`. Topic and pin calls (Slack's
    /// Tier 2, slow to come by in a storm) keep queues of their own, so the
    /// incident's messages never wait behind them; their own order is kept.
    pub(crate) fn incident_queue(&self, id: IncidentId) -> String {
        match self {
            ChatOp::SetTopic { .. } | ChatOp::Bookmark { .. } => format!("incident:{}:topic", id.0),
            ChatOp::PinHeadline { .. } => format!("incident:{}:pin", id.0),
            ChatOp::Escalated { .. } => repeats_queue(id),
            _ => incident_queue(id),
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The queue of an incident's channel.
pub(crate) fn incident_queue(id: IncidentId) -> String {
    format!("incident:{}", id.0)
}

/// The queue of an incident's repeats in a shared channel: in order among themselves,
/// never holding the incident's other messages, nor other incidents' posts.
pub(crate) fn repeats_queue(id: IncidentId) -> String {
    format!("incident:{}:repeats", id.0)
}

/// The queue of any other channel.
pub(crate) fn channel_queue(channel: &str) -> String {
    format!("channel:{channel}")
}

/// The job that runs `op` on `queue`, due now.
pub(crate) fn job(queue: String, op: &ChatOp, now: DateTime<Utc>) -> Result<NewJob> {
    let payload =
        serde_json::to_value(op).map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
    Ok(NewJob::now(&op.kind(), Some(queue), payload, now).with_priority(op.priority()))
}

/// The job that runs `op` on the incident's queue, due now.
pub(crate) fn incident_job(id: IncidentId, op: &ChatOp, now: DateTime<Utc>) -> Result<NewJob> {
    job(op.incident_queue(id), op, now)
}

/// Enqueues `op` on `queue`, due now.
pub(crate) async fn send(
    conn: &mut Tx,
    queue: String,
    op: &ChatOp,
    now: DateTime<Utc>,
) -> Result<()> {
    jobs::enqueue(conn, &job(queue, op, now)?, now).await?;
    Ok(())
}

/// Enqueues `op` on the incident's queue.
pub(crate) async fn to_incident(
    conn: &mut Tx,
    id: IncidentId,
    op: &ChatOp,
    now: DateTime<Utc>,
) -> Result<()> {
    send(conn, op.incident_queue(id), op, now).await
}

/// A message in the incident's channel.
pub(crate) async fn post_in_incident(
    conn: &mut Tx,
    id: IncidentId,
    message: Message,
    now: DateTime<Utc>,
) -> Result<()> {
    to_incident(
        conn,
        id,
        &ChatOp::Post {
            to: Target::Incident(id.0),
            message,
        },
        now,
    )
    .await
}

/// A message in any channel, ordered with that channel's other messages.
pub(crate) async fn post_in_channel(
    conn: &mut Tx,
    channel: &str,
    message: Message,
    now: DateTime<Utc>,
) -> Result<()> {
    send(
        conn,
        channel_queue(channel),
        &ChatOp::Post {
            to: Target::Channel(channel.to_string()),
            message,
        },
        now,
    )
    .await
}

/// The headline and topic follow the incident's state. Once the headline is posted,
/// its edits go in a queue of their own: they need not wait behind the incident's
/// messages, nor hold them (an announcement) while Slack's edits are scarce. Before,
/// they wait behind the first post (which may be under way).
pub(crate) async fn refresh(
    conn: &mut Tx,
    inc: &Incident,
    topic_too: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let op = ChatOp::RefreshHeadline { incident: inc.id.0 };
    let queue = if inc.headline_ts.is_some() {
        format!("incident:{}:headline", inc.id.0)
    } else {
        op.incident_queue(inc.id)
    };
    send(conn, queue, &op, now).await?;
    if topic_too {
        to_incident(conn, inc.id, &ChatOp::SetTopic { incident: inc.id.0 }, now).await?;
    }
    Ok(())
}
