//! Slack's rate limits kept on this side, before a call is made: a token bucket per
//! Web API method at the method's tier (Tier 2: 20 a minute, Tier 3: 50, Tier 4: 100),
//! holding a full minute's calls (Slack accepts such bursts) and refilled at the
//! tier's rate, and one per channel for `chat.postMessage` (about one a second, short
//! bursts). The arithmetic is [`crate::pace`]'s: a 429 blocks the bucket until its
//! `Retry-After` and halves the burst for a while, so warroom settles on what the
//! workspace really accepts.
//!
//! A queued job's call that would wait long reserves its slot (a ticket kept under the
//! job's ID) and the job is put back until then, so a worker slot never sleeps through
//! a storm. A repeat nobody waits for (marked patient, [`crate::chat::be_patient`])
//! takes only a slot that is free, never one ahead of a reservation. A call made for a
//! person waits up to [`INTERACTIVE_WAIT`] and is otherwise refused as rate limited
//! without calling.
//!
//! On PostgreSQL the replicas share one set of buckets ([`SharedBuckets`]): an idle
//! replica's share is not wasted while a busy one waits. SQLite is one instance: its
//! buckets are its own. A replica whose shared buckets do not decide within
//! [`SHARED_WAIT`] decides alone for a while, on `1/n` of every rate when `n` are alive
//! ([`RateLimiter::set_replicas`]) from empty buckets; the others keep spending the
//! shared ones meanwhile, so the workspace may see up to `1/n` more than its tier for
//! those seconds (counted in `warroom_slack_rate_decisions_total{where="alone"}`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::pace::{Asker, Bucket, Decide, Held, Leave, Limit, SharedBuckets};
pub use crate::pace::{INLINE_WAIT, INTERACTIVE_WAIT, Verdict};

/// Longest the shared buckets may take to decide before this process decides alone.
pub const SHARED_WAIT: Duration = Duration::from_millis(500);
/// After the shared buckets failed, how long this process decides alone.
const ALONE_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// One bucket's budget: how many calls may go at once, and how many a minute refill.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Refilled a minute (for Slack's tiers, the tier itself).
    pub per_minute: f64,
    pub burst: f64,
}

const fn rule(per_minute: f64, burst: f64) -> Rule {
    Rule { per_minute, burst }
}

/// Slack's tiers as documented (`docs.slack.dev/apis/web-api/rate-limits`: "Tier 2:
/// 20+ per minute", bursts allowed): a full minute's calls may go at once.
pub const TIER1: Rule = rule(1.0, 1.0);
pub const TIER2: Rule = rule(20.0, 20.0);
pub const TIER3: Rule = rule(50.0, 50.0);
pub const TIER4: Rule = rule(100.0, 100.0);
/// `chat.postMessage`, per channel: about one a second, short bursts (Slack answers
/// 429 past a few in one second). Refilled at what a minute leaves beyond the burst,
/// so no rolling minute holds more than 60: a 429 here blocks the channel for up to
/// a minute, a price no burst is worth.
pub const POST_PER_CHANNEL: Rule = rule(56.0, 4.0);

/// The tier of each method warroom calls (Slack's method pages; `../shared/SLACK.md`).
/// Methods not listed count as Tier 3.
pub fn tier(method: &str) -> Rule {
    match method {
        "conversations.create"
        | "conversations.setTopic"
        | "conversations.setPurpose"
        | "conversations.archive"
        | "conversations.list"
        | "usergroups.users.list"
        | "pins.add"
        | "bookmarks.add"
        | "canvases.create"
        | "conversations.canvases.create" => TIER2,
        "conversations.invite"
        | "conversations.history"
        | "conversations.info"
        | "conversations.replies"
        | "chat.update"
        | "canvases.edit"
        | "reactions.add" => TIER3,
        "chat.postEphemeral"
        | "views.open"
        | "views.update"
        | "views.publish"
        | "users.info"
        | "users.lookupByEmail"
        | "auth.test"
        | "files.getUploadURLExternal"
        | "files.completeUploadExternal" => TIER4,
        _ => TIER3,
    }
}

/// Who makes a call: a queued job (by ID, patient or not) or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub job: Option<i64>,
    pub patient: bool,
}

impl Caller {
    fn asker(self) -> Asker {
        match (self.job, self.patient) {
            (None, _) => Asker::Person,
            (Some(_), false) => Asker::Queued,
            (Some(_), true) => Asker::Patient,
        }
    }
}

/// Where a rate decision was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    /// In the buckets the replicas share.
    Shared,
    /// In this replica's own share, the shared buckets having failed.
    Alone,
    /// In this process's buckets: the only instance (or the limiter is off).
    Local,
}

impl Decided {
    pub fn label(self) -> &'static str {
        match self {
            Decided::Shared => "shared",
            Decided::Alone => "alone",
            Decided::Local => "local",
        }
    }
}

#[derive(Debug, Default)]
struct State {
    buckets: HashMap<String, Bucket>,
    /// Slots reserved for queued jobs: (bucket, job) → when (seconds, local clock).
    tickets: HashMap<(String, i64), f64>,
}

/// The buckets of one process, and the shared ones when there are.
pub struct RateLimiter {
    enabled: bool,
    /// Multiplies every rate (tests run Slack's tiers faster against a fake).
    scale: f64,
    replicas: AtomicU32,
    /// The local clock's zero.
    base: Instant,
    state: Mutex<State>,
    shared: Option<Arc<dyn SharedBuckets>>,
    /// Until when this process decides alone after the shared buckets failed.
    alone_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("enabled", &self.enabled)
            .field("scale", &self.scale)
            .field("shared", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    pub fn new(enabled: bool, scale: f64) -> RateLimiter {
        RateLimiter {
            enabled,
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
            replicas: AtomicU32::new(1),
            base: Instant::now(),
            state: Mutex::new(State::default()),
            shared: None,
            alone_until: Mutex::new(None),
        }
    }

    /// Shares the buckets with the other replicas through `shared`.
    pub fn with_shared(mut self, shared: Arc<dyn SharedBuckets>) -> RateLimiter {
        self.shared = Some(shared);
        self
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// `n` warroom processes share the workspace: without shared buckets this one
    /// keeps `1/n` of each rate.
    pub fn set_replicas(&self, n: u32) {
        self.replicas.store(n.max(1), Ordering::Relaxed);
    }

    /// The bucket a call draws from: the method's, or the channel's for posts.
    pub fn bucket_key(method: &str, channel: Option<&str>) -> String {
        match (method, channel) {
            ("chat.postMessage", Some(c)) => format!("{method}#{c}"),
            _ => method.to_string(),
        }
    }

    /// The bucket's limit: the tier, sped up by the scale, and divided among the
    /// replicas when they do not share buckets.
    fn limit(&self, key: &str, alone: bool) -> Limit {
        let base = if key.starts_with("chat.postMessage#") {
            POST_PER_CHANNEL
        } else {
            tier(key)
        };
        let share = if alone {
            f64::from(self.replicas.load(Ordering::Relaxed))
        } else {
            1.0
        };
        Limit {
            burst: (base.burst / share).max(1.0),
            rate: base.per_minute / share / 60.0 * self.scale,
            minute: 60.0 / self.scale,
        }
    }

    fn now(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.base).as_secs_f64()
    }

    /// A bucket this process starts on its own: full when it is the only one; empty
    /// when it stands in for shared buckets that failed (the others may have spent
    /// the burst already).
    fn fresh(&self, now: f64) -> Bucket {
        match self.shared {
            None => Bucket::default(),
            Some(_) => Bucket {
                tokens: 0.0,
                at: now,
                ..Bucket::default()
            },
        }
    }

    /// The shared buckets, unless they failed a moment ago.
    fn shared(&self) -> Option<&Arc<dyn SharedBuckets>> {
        let alone = self.alone_until.lock().unwrap_or_else(|p| p.into_inner());
        match *alone {
            Some(until) if Instant::now() < until => None,
            _ => self.shared.as_ref(),
        }
    }

    /// Runs `decide` on the shared bucket; None when there is none or it failed.
    async fn on_shared(&self, key: &str, job: Option<i64>, decide: &Decide) -> Option<Verdict> {
        let shared = self.shared()?;
        let failed =
            match tokio::time::timeout(SHARED_WAIT, shared.with_bucket(key, job, decide)).await {
                Ok(Ok(v)) => return Some(v),
                Ok(Err(e)) => e,
                Err(_) => format!("no answer within {SHARED_WAIT:?}"),
            };
        tracing::warn!(bucket = key, error = %failed, "shared rate limits unavailable: this replica keeps its own share for a while");
        let mut alone = self.alone_until.lock().unwrap_or_else(|p| p.into_inner());
        if alone.is_none_or(|until| Instant::now() >= until) {
            // Alone afresh: start from empty buckets, whatever an earlier spell left.
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            st.buckets.clear();
            st.tickets.clear();
        }
        *alone = Some(Instant::now() + ALONE_AFTER_FAILURE);
        None
    }

    /// Takes a slot for a call to `method` (in `channel`) by `caller`; says where
    /// it was decided.
    pub async fn acquire(
        &self,
        method: &str,
        channel: Option<&str>,
        caller: Caller,
    ) -> (Verdict, Decided) {
        if !self.enabled {
            return (Verdict::Go, Decided::Local);
        }
        let key = Self::bucket_key(method, channel);
        let asker = caller.asker();
        let limit = self.limit(&key, false);
        let decide = move |h: Held| {
            let mut bucket = h.bucket;
            let t = bucket.take(&limit, asker, h.ticket, h.now);
            (
                Leave {
                    bucket,
                    ticket: t.ticket,
                    shift: 0.0,
                },
                t.verdict,
            )
        };
        if let Some(v) = self.on_shared(&key, caller.job, &decide).await {
            return (v, Decided::Shared);
        }
        let limit = self.limit(&key, true);
        let now = self.now(Instant::now());
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let ticket = caller
            .job
            .and_then(|j| st.tickets.remove(&(key.clone(), j)));
        let b = st
            .buckets
            .entry(key.clone())
            .or_insert_with(|| self.fresh(now));
        let t = b.take(&limit, asker, ticket, now);
        if let (Some(job), Some(at)) = (caller.job, t.ticket) {
            if st.tickets.len() > 4096 {
                let old = now - 600.0;
                st.tickets.retain(|_, at| *at > old);
            }
            st.tickets.insert((key, job), at);
        }
        let decided = if self.shared.is_some() {
            Decided::Alone
        } else {
            Decided::Local
        };
        (t.verdict, decided)
    }

    /// Slack answered 429 for `method` (in `channel`): nothing more until
    /// `retry_after`, and the reserved slots move back by as much. The refused call's
    /// job asks again when it comes back, like any other.
    pub async fn rate_limited(&self, method: &str, channel: Option<&str>, retry_after: Duration) {
        let key = Self::bucket_key(method, channel);
        let after = retry_after.as_secs_f64();
        let limit = self.limit(&key, false);
        let decide = move |h: Held| {
            let mut bucket = h.bucket;
            let shift = bucket.refused(&limit, after, h.now);
            (
                Leave {
                    bucket,
                    ticket: None,
                    shift,
                },
                Verdict::Go,
            )
        };
        if self.on_shared(&key, None, &decide).await.is_some() {
            return;
        }
        let limit = self.limit(&key, true);
        let now = self.now(Instant::now());
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let shift = st
            .buckets
            .entry(key.clone())
            .or_insert_with(|| self.fresh(now))
            .refused(&limit, after, now);
        for ((k, _), at) in st.tickets.iter_mut() {
            if *k == key {
                *at += shift;
            }
        }
    }
}

#[cfg(test)]
mod tests;
