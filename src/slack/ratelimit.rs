//! Slack's rate limits kept on this side, before a call is made: a token bucket per
//! Web API method at the method's tier (Tier 2 ≈ 20/min, Tier 3 ≈ 50/min, Tier 4 ≈
//! 100/min, with bursts) and one per channel for `chat.postMessage` (about 1/s with
//! short bursts). A 429's `Retry-After` empties that bucket until then.
//!
//! A call of a queued job that would have to wait long gets a reserved slot (a ticket
//! kept under the job's ID) and the job is put back until then, so a worker slot never
//! sleeps through a storm and jobs waiting for one method come back one by one, in
//! the order they asked. A call nobody queued (a person is waiting for it) waits up
//! to [`INTERACTIVE_WAIT`] and is otherwise refused as rate limited without calling.
//!
//! Several replicas share the workspace's limits: each keeps `1/n` of every rate when
//! `n` are alive ([`RateLimiter::set_replicas`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest a job's call sleeps in place; past it the job is put back.
pub const INLINE_WAIT: Duration = Duration::from_millis(250);
/// Longest a call made for a person waits for its slot.
pub const INTERACTIVE_WAIT: Duration = Duration::from_millis(1500);

/// One method's budget: calls per minute and how many may go at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub per_minute: f64,
    pub burst: f64,
}

const fn rule(per_minute: f64, burst: f64) -> Rule {
    Rule { per_minute, burst }
}

/// Slack's tiers as documented (`docs.slack.dev/apis/web-api/rate-limits`), with a
/// burst of a quarter of a minute's calls (enough for a declare's calls at once). The
/// bucket refills at `per_minute - burst` a minute, so that no rolling minute ever
/// holds more than `per_minute` calls, the strictest reading of Slack's tiers.
pub const TIER1: Rule = rule(1.0, 1.0);
pub const TIER2: Rule = rule(20.0, 5.0);
pub const TIER3: Rule = rule(50.0, 12.0);
pub const TIER4: Rule = rule(100.0, 25.0);
/// `chat.postMessage`, per channel: about one a second, short bursts (at most five in
/// any second).
pub const POST_PER_CHANNEL: Rule = rule(60.0, 4.0);

/// The tier of each method warroom calls (Slack's method pages; `../shared/SLACK.md`).
/// Methods not listed count as Tier 3.
pub fn tier(method: &str) -> Rule {
    match method {
        "conversations.create"
        | "conversations.setTopic"
        | "conversations.setPurpose"
        | "conversations.archive"
        | "conversations.list"
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

/// What to do about a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Call now.
    Go,
    /// The slot is taken: sleep this long, then call.
    Sleep(Duration),
    /// Come back after this long; a queued job's slot is kept for it until then.
    Later(Duration),
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    /// Tokens are counted up to here; later than now while a 429 blocks the method.
    at: Instant,
}

#[derive(Debug, Default)]
struct State {
    buckets: HashMap<String, Bucket>,
    /// Slots reserved for queued jobs: (bucket, job) → when.
    tickets: HashMap<(String, i64), Instant>,
}

/// The buckets of one process.
#[derive(Debug)]
pub struct RateLimiter {
    enabled: bool,
    /// Multiplies every rate (tests run Slack's tiers faster against a fake).
    scale: f64,
    replicas: std::sync::atomic::AtomicU32,
    state: Mutex<State>,
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
            replicas: std::sync::atomic::AtomicU32::new(1),
            state: Mutex::new(State::default()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// `n` warroom processes share the workspace: this one keeps `1/n` of each rate.
    pub fn set_replicas(&self, n: u32) {
        self.replicas
            .store(n.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// The bucket a call draws from: the method's, or the channel's for posts.
    pub fn bucket_key(method: &str, channel: Option<&str>) -> String {
        match (method, channel) {
            ("chat.postMessage", Some(c)) => format!("{method}#{c}"),
            _ => method.to_string(),
        }
    }

    fn rule_of(&self, key: &str) -> Rule {
        let base = if key.starts_with("chat.postMessage#") {
            POST_PER_CHANNEL
        } else {
            tier(key)
        };
        let share = f64::from(self.replicas.load(std::sync::atomic::Ordering::Relaxed));
        Rule {
            per_minute: base.per_minute / share,
            burst: (base.burst / share).max(1.0),
        }
    }

    /// Tokens a second: what a minute allows beyond the burst, times the scale.
    fn refill(&self, rule: Rule) -> f64 {
        (rule.per_minute - rule.burst).max(rule.per_minute / 2.0) / 60.0 * self.scale
    }

    /// Takes a slot for a call to `method` (in `channel`) at `now`. `job` names the
    /// queued job making it, if any.
    pub fn acquire(
        &self,
        method: &str,
        channel: Option<&str>,
        job: Option<i64>,
        now: Instant,
    ) -> Verdict {
        if !self.enabled {
            return Verdict::Go;
        }
        let key = Self::bucket_key(method, channel);
        let rule = self.rule_of(&key);
        let rate = self.refill(rule);
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        // A slot reserved earlier for this job: it was paid for then.
        if let Some(job) = job
            && let Some(at) = st.tickets.get(&(key.clone(), job)).copied()
        {
            let blocked = st.buckets.get(&key).map(|b| b.at).unwrap_or(now);
            let at = at.max(blocked);
            return if at <= now + INLINE_WAIT {
                st.tickets.remove(&(key, job));
                sleep_or_go(at.saturating_duration_since(now))
            } else {
                Verdict::Later(at - now)
            };
        }
        let b = st.buckets.entry(key.clone()).or_insert(Bucket {
            tokens: rule.burst,
            at: now,
        });
        if now > b.at {
            b.tokens = (b.tokens + (now - b.at).as_secs_f64() * rate).min(rule.burst);
            b.at = now;
        }
        let after = b.tokens - 1.0;
        let wait = b.at.saturating_duration_since(now)
            + if after < 0.0 {
                Duration::from_secs_f64(-after / rate)
            } else {
                Duration::ZERO
            };
        if wait <= INLINE_WAIT {
            b.tokens = after;
            return sleep_or_go(wait);
        }
        match job {
            Some(job) => {
                b.tokens = after;
                if st.tickets.len() > 4096 {
                    let old = now.checked_sub(Duration::from_secs(600)).unwrap_or(now);
                    st.tickets.retain(|_, at| *at > old);
                }
                st.tickets.insert((key, job), now + wait);
                Verdict::Later(wait)
            }
            None if wait <= INTERACTIVE_WAIT => {
                b.tokens = after;
                Verdict::Sleep(wait)
            }
            None => Verdict::Later(wait),
        }
    }

    /// Slack answered 429 for `method` (in `channel`): nothing more until `retry_after`.
    pub fn rate_limited(
        &self,
        method: &str,
        channel: Option<&str>,
        retry_after: Duration,
        now: Instant,
    ) {
        let key = Self::bucket_key(method, channel);
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let b = st.buckets.entry(key).or_insert(Bucket {
            tokens: 0.0,
            at: now,
        });
        b.tokens = b.tokens.min(0.0);
        b.at = b.at.max(now + retry_after);
    }
}

fn sleep_or_go(d: Duration) -> Verdict {
    if d.is_zero() {
        Verdict::Go
    } else {
        Verdict::Sleep(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(v: Verdict) -> f64 {
        match v {
            Verdict::Go => 0.0,
            Verdict::Sleep(d) | Verdict::Later(d) => d.as_secs_f64(),
        }
    }

    #[test]
    fn a_tier_two_method_bursts_then_spaces_its_calls() {
        let l = RateLimiter::new(true, 1.0);
        let t0 = Instant::now();
        for job in 0..5 {
            assert_eq!(
                l.acquire("conversations.create", None, Some(job), t0),
                Verdict::Go
            );
        }
        // 20/min with 5 spent: one slot every 4 s, reserved in the order asked.
        let mut waits = Vec::new();
        for job in 5..9 {
            waits.push(secs(l.acquire("conversations.create", None, Some(job), t0)));
        }
        let expect = [4.0, 8.0, 12.0, 16.0];
        for (w, e) in waits.iter().zip(expect) {
            assert!((w - e).abs() < 0.01, "{waits:?}");
        }
        // Job 6 comes back when told: its slot is there, nobody else's is taken.
        let back = t0 + Duration::from_secs(8);
        assert_eq!(
            l.acquire("conversations.create", None, Some(6), back),
            Verdict::Go
        );
        // Coming back early waits on.
        assert!(matches!(
            l.acquire("conversations.create", None, Some(8), back),
            Verdict::Later(d) if (d.as_secs_f64() - 8.0).abs() < 0.01
        ));
        // No rolling minute holds more than 20.
        let l = RateLimiter::new(true, 1.0);
        let mut granted = Vec::new();
        for job in 0..60 {
            granted.push(
                t0 + Duration::from_secs_f64(secs(l.acquire("pins.add", None, Some(job), t0))),
            );
        }
        for (i, a) in granted.iter().enumerate() {
            let within = granted[i..]
                .iter()
                .filter(|b| **b < *a + Duration::from_secs(60))
                .count();
            assert!(within <= 20, "{within} calls in the minute from slot {i}");
        }
        // Other methods are not affected.
        assert_eq!(l.acquire("chat.update", None, Some(99), t0), Verdict::Go);
    }

    #[test]
    fn posts_are_limited_per_channel() {
        let l = RateLimiter::new(true, 1.0);
        let t0 = Instant::now();
        for _ in 0..4 {
            assert_eq!(
                l.acquire("chat.postMessage", Some("C1"), None, t0),
                Verdict::Go
            );
        }
        // 56 a minute beyond the burst: the next slot in 60/56 s.
        assert!(matches!(
            l.acquire("chat.postMessage", Some("C1"), None, t0),
            Verdict::Sleep(d) if (d.as_secs_f64() - 60.0 / 56.0).abs() < 0.01
        ));
        assert_eq!(
            l.acquire("chat.postMessage", Some("C2"), None, t0),
            Verdict::Go
        );
    }

    #[test]
    fn a_429_blocks_the_method_until_retry_after() {
        let l = RateLimiter::new(true, 1.0);
        let t0 = Instant::now();
        l.rate_limited("pins.add", None, Duration::from_secs(30), t0);
        let w = secs(l.acquire("pins.add", None, Some(1), t0));
        assert!((30.0..34.1).contains(&w), "{w}");
        // A person's call does not wait that long: refused without calling.
        assert!(matches!(
            l.acquire("pins.add", None, None, t0),
            Verdict::Later(_)
        ));
        // A reserved slot still waits for the block to end.
        let l = RateLimiter::new(true, 1.0);
        for job in 0..6 {
            l.acquire("pins.add", None, Some(job), t0);
        }
        l.rate_limited("pins.add", None, Duration::from_secs(60), t0);
        let back = t0 + Duration::from_secs(3);
        assert!(matches!(
            l.acquire("pins.add", None, Some(5), back),
            Verdict::Later(d) if d >= Duration::from_secs(56)
        ));
    }

    #[test]
    fn replicas_share_the_rate_and_off_means_off() {
        let l = RateLimiter::new(true, 1.0);
        l.set_replicas(5);
        let t0 = Instant::now();
        // Tier 2 over 5 replicas: 4/min each, burst 1, then 3/min: one per 20 s.
        assert_eq!(l.acquire("pins.add", None, Some(1), t0), Verdict::Go);
        let w = secs(l.acquire("pins.add", None, Some(2), t0));
        assert!((w - 20.0).abs() < 0.01, "{w}");
        let off = RateLimiter::new(false, 1.0);
        for job in 0..1000 {
            assert_eq!(off.acquire("pins.add", None, Some(job), t0), Verdict::Go);
        }
    }

    #[test]
    fn tiers_of_the_methods_warroom_calls() {
        assert_eq!(tier("conversations.create"), TIER2);
        assert_eq!(tier("conversations.setTopic"), TIER2);
        assert_eq!(tier("pins.add"), TIER2);
        assert_eq!(tier("conversations.invite"), TIER3);
        assert_eq!(tier("chat.update"), TIER3);
        assert_eq!(tier("chat.postEphemeral"), TIER4);
        assert_eq!(tier("views.open"), TIER4);
    }
}
