//! The durable jobs table: queue and scheduler in one. A job has a kind, a JSON
//! payload, a due time and an optional queue name; jobs of one queue (one Slack
//! channel, one incident) run strictly in order. Workers claim due jobs with a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so with several replicas each job runs
//! once, and a crashed worker's job is claimed again when its lease runs out.
//!
//! One file per concern: adding jobs (`enqueue`), finding a pending one by its dedupe
//! key (`keyed`), claiming under a lease (`claim`), what a run ends in (`finish`),
//! skipping work a later job will redo (`supersede`), the workers' heartbeats
//! (`workers`) and the queue's figures (`stats`).

use chrono::{DateTime, Utc};
use serde_json::Value;

mod claim;
mod enqueue;
mod finish;
mod keyed;
mod stats;
mod supersede;
mod workers;

pub use claim::{claim, complete_and_claim, next_run_at};
pub use enqueue::{enqueue, enqueue_all};
pub use finish::{complete, fail, park, prune, retry_at};
pub use keyed::{cancel, pending_payload, pending_run_at};
pub use stats::{QueueState, count_kind, counts, queue};
pub use supersede::{behind, cancel_merged, set_payload, superseded};
pub use workers::{heartbeat, live_workers, release_stale, retire};

/// Which due jobs go first when there are more than workers. Order within a queue is
/// kept whatever the priorities: this only orders the heads of different queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Someone is waiting for it: an answer, a headline, an announcement, a reminder.
    People = 0,
    Normal = 1,
    /// Nobody misses it for a while: a channel topic.
    Cosmetic = 2,
}

/// A job to add.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub queue: Option<String>,
    pub payload: Value,
    pub run_at: DateTime<Utc>,
    /// At most one pending job per key (a reminder, a digest slot).
    pub dedupe_key: Option<String>,
    pub priority: Priority,
}

impl NewJob {
    pub fn now(kind: &str, queue: Option<String>, payload: Value, now: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: kind.to_string(),
            queue,
            payload,
            run_at: now,
            dedupe_key: None,
            priority: Priority::Normal,
        }
    }

    pub fn with_priority(mut self, priority: Priority) -> NewJob {
        self.priority = priority;
        self
    }
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub queue: Option<String>,
    pub payload: Value,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub run_at: DateTime<Utc>,
    pub locked_by: String,
}

#[cfg(test)]
mod tests;
