//! Keeping to someone else's rate limit: one token bucket, as pure arithmetic over
//! seconds, and the port through which replicas share their buckets.
//!
//! A bucket holds up to a full burst of calls and refills at the limit's rate. A
//! refusal (HTTP 429) blocks it until `Retry-After` and halves the burst it may
//! spend at once (its *trust*, like TCP's congestion window); the trust grows back
//! by an eighth each quiet minute, so the bucket settles on what the other side
//! really accepts instead of a guess.
//!
//! A caller that may come back later (a queued job) reserves the next free slot and
//! is told when it is: a *ticket*. A patient caller (a repeat nobody waits for) takes
//! only a slot that is free now, so it never stands in front of a reserved one. A
//! person's call waits a little, or is told to come back.
//!
//! Times are seconds on one clock: the process's own, or the database's when the
//! bucket is shared ([`SharedBuckets`]).

use std::time::Duration;

/// Longest a job's call sleeps in place; past it the job is put back.
pub const INLINE_WAIT: f64 = 0.25;
/// Longest a call made for a person waits for its slot.
pub const INTERACTIVE_WAIT: f64 = 1.5;
/// The least of the burst a bucket keeps trusting after refusals.
const MIN_TRUST: f64 = 0.125;
/// What one quiet minute gives back of the trust.
const TRUST_STEP: f64 = 0.125;
/// `Bucket::at` of a bucket never used (any time at or before it means that).
pub const NEVER: f64 = -1e300;

/// One bucket's limit, with any speed-up applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// Calls that may go at once when fully trusted.
    pub burst: f64,
    /// Tokens a second.
    pub rate: f64,
    /// Seconds in a minute of this limit (60, or less when sped up for tests).
    pub minute: f64,
}

/// One bucket's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// Tokens left; below zero, the slots reserved ahead.
    pub tokens: f64,
    /// Tokens are counted up to here; later than now while a refusal blocks it.
    pub at: f64,
    /// Share of the burst it may spend at once, in `[MIN_TRUST, 1]`, as of `trust_at`.
    pub trust: f64,
    pub trust_at: f64,
}

impl Default for Bucket {
    /// A bucket never used: full from the start of time.
    fn default() -> Bucket {
        Bucket {
            tokens: 0.0,
            at: NEVER,
            trust: 1.0,
            trust_at: 0.0,
        }
    }
}

/// Who is asking, which decides what happens when no slot is free now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    /// A queued job: reserves the next free slot.
    Queued,
    /// A queued job nobody waits for: takes a free slot, reserves none.
    Patient,
    /// A person waits: sleeps up to [`INTERACTIVE_WAIT`], reserves nothing longer.
    Person,
}

/// What to do about a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Call now.
    Go,
    /// The slot is taken: sleep this long, then call.
    Sleep(Duration),
    /// Come back after this long (with a ticket, the slot is kept until then).
    Later(Duration),
}

/// A decision: the verdict, and the ticket to keep for the asker, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Taken {
    pub verdict: Verdict,
    /// When the reserved slot is (seconds, the bucket's clock).
    pub ticket: Option<f64>,
}

impl Bucket {
    /// The trust at `now`: what quiet minutes since the last refusal gave back.
    pub fn trust_now(&self, limit: &Limit, now: f64) -> f64 {
        let quiet = ((now - self.trust_at) / limit.minute.max(f64::EPSILON)).max(0.0);
        (self.trust + quiet.floor() * TRUST_STEP).min(1.0)
    }

    fn capacity(&self, limit: &Limit, now: f64) -> f64 {
        (limit.burst * self.trust_now(limit, now)).max(1.0)
    }

    /// Counts the tokens earned up to `now`.
    fn refill(&mut self, limit: &Limit, now: f64) {
        if now > self.at {
            let cap = self.capacity(limit, now);
            let earned = if self.at <= NEVER {
                cap
            } else {
                (now - self.at) * limit.rate
            };
            self.tokens = (self.tokens + earned).min(cap);
            self.at = now;
        }
    }

    /// Takes a slot for a call at `now`. `ticket` is a slot reserved for this asker
    /// earlier: it was paid for then, and is honoured once the bucket is not blocked.
    pub fn take(&mut self, limit: &Limit, asker: Asker, ticket: Option<f64>, now: f64) -> Taken {
        if let Some(at) = ticket {
            let at = at.max(self.at);
            return if at <= now + INLINE_WAIT {
                taken(sleep_or_go(at - now), None)
            } else {
                taken(Verdict::Later(secs(at - now)), Some(at))
            };
        }
        self.refill(limit, now);
        let after = self.tokens - 1.0;
        let rate = limit.rate.max(f64::EPSILON);
        let wait = (self.at - now).max(0.0) + (-after).max(0.0) / rate;
        if wait <= INLINE_WAIT {
            self.tokens = after;
            return taken(sleep_or_go(wait), None);
        }
        match asker {
            Asker::Queued => {
                self.tokens = after;
                taken(Verdict::Later(secs(wait)), Some(now + wait))
            }
            Asker::Person if wait <= INTERACTIVE_WAIT => {
                self.tokens = after;
                taken(Verdict::Sleep(secs(wait)), None)
            }
            Asker::Person | Asker::Patient => taken(Verdict::Later(secs(wait)), None),
        }
    }

    /// The other side refused a call at `now` and asked for `retry_after` seconds:
    /// nothing more until then, and half the burst for a while. Returns how far the
    /// reserved tickets move (the block's length), so their spacing is kept.
    pub fn refused(&mut self, limit: &Limit, retry_after: f64, now: f64) -> f64 {
        self.refill(limit, now);
        let until = now + retry_after.max(0.0);
        let shift = (until - self.at.max(now)).max(0.0);
        self.tokens = self.tokens.min(0.0);
        self.at = self.at.max(until);
        self.trust = (self.trust_now(limit, now) / 2.0).max(MIN_TRUST);
        self.trust_at = now;
        shift
    }
}

fn taken(verdict: Verdict, ticket: Option<f64>) -> Taken {
    Taken { verdict, ticket }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.clamp(0.0, 86_400.0))
}

fn sleep_or_go(wait: f64) -> Verdict {
    if wait <= 0.0 {
        Verdict::Go
    } else {
        Verdict::Sleep(secs(wait))
    }
}

/// What a shared bucket's lock hands the decision: the bucket, the asker's ticket
/// (taken out: the decision keeps it or not) and the shared clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Held {
    pub bucket: Bucket,
    pub ticket: Option<f64>,
    pub now: f64,
}

/// What the decision leaves behind: the bucket, a ticket to keep for the asker, and
/// how far every other ticket of the bucket moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leave {
    pub bucket: Bucket,
    pub ticket: Option<f64>,
    pub shift: f64,
}

/// A decision on a held bucket: what it leaves, and the verdict.
pub type Decide = dyn Fn(Held) -> (Leave, Verdict) + Send + Sync;

/// Buckets several processes share (the PostgreSQL replicas of one workspace): each
/// decision runs on a bucket held under a lock, on the shared clock.
#[async_trait::async_trait]
pub trait SharedBuckets: Send + Sync {
    /// Holds bucket `key` (and `job`'s ticket for it), runs `decide`, writes back what
    /// it leaves, and returns the decision's verdict.
    async fn with_bucket(
        &self,
        key: &str,
        job: Option<i64>,
        decide: &Decide,
    ) -> Result<Verdict, String>;
}

#[cfg(test)]
mod tests;
