//! The limiter over Slack's tiers: full-minute bursts, per-channel posts, 429s,
//! patience, replicas alone and sharing buckets, and off meaning off.

use super::*;

use std::sync::atomic::AtomicBool;

const JOB: fn(i64) -> Caller = |id| Caller {
    job: Some(id),
    patient: false,
};
const PERSON: Caller = Caller {
    job: None,
    patient: false,
};

fn secs(v: Verdict) -> f64 {
    match v {
        Verdict::Go => 0.0,
        Verdict::Sleep(d) | Verdict::Later(d) => d.as_secs_f64(),
    }
}

#[tokio::test]
async fn a_tier_two_method_goes_a_minute_at_once_then_at_its_rate() {
    let l = RateLimiter::new(true, 1.0);
    for job in 0..20 {
        assert_eq!(
            l.acquire("conversations.create", None, JOB(job)).await.0,
            Verdict::Go,
            "create {job}"
        );
    }
    // 20/min: one slot every 3 s, reserved in the order asked.
    let mut waits = Vec::new();
    for job in 20..24 {
        waits.push(secs(
            l.acquire("conversations.create", None, JOB(job)).await.0,
        ));
    }
    for (w, e) in waits.iter().zip([3.0, 6.0, 9.0, 12.0]) {
        assert!((w - e).abs() < 0.05, "{waits:?}");
    }
    // Other methods are not affected.
    assert_eq!(l.acquire("chat.update", None, JOB(99)).await.0, Verdict::Go);
}

#[tokio::test]
async fn posts_are_limited_per_channel() {
    let l = RateLimiter::new(true, 1.0);
    for _ in 0..4 {
        assert_eq!(
            l.acquire("chat.postMessage", Some("C1"), PERSON).await.0,
            Verdict::Go
        );
    }
    assert!(matches!(
        l.acquire("chat.postMessage", Some("C1"), PERSON).await.0,
        Verdict::Sleep(d) if (d.as_secs_f64() - 60.0 / 56.0).abs() < 0.05
    ));
    assert_eq!(
        l.acquire("chat.postMessage", Some("C2"), PERSON).await.0,
        Verdict::Go
    );
}

#[tokio::test]
async fn a_429_blocks_the_method_and_moves_the_reserved_slots() {
    let l = RateLimiter::new(true, 1.0);
    for job in 0..20 {
        l.acquire("conversations.create", None, JOB(job)).await;
    }
    let before = secs(l.acquire("conversations.create", None, JOB(20)).await.0);
    l.rate_limited("conversations.create", None, Duration::from_secs(30))
        .await;
    let moved = secs(l.acquire("conversations.create", None, JOB(20)).await.0);
    assert!((moved - before - 30.0).abs() < 0.1, "{before} → {moved}");
    let l = RateLimiter::new(true, 1.0);
    l.rate_limited("pins.add", None, Duration::from_secs(30))
        .await;
    // A new job waits for the block to end and a token (3 s at Tier 2): the bucket
    // starts again from empty.
    let w = secs(l.acquire("pins.add", None, JOB(1)).await.0);
    assert!((32.0..34.0).contains(&w), "{w}");
    // A person's call does not wait that long: refused without calling.
    assert!(matches!(
        l.acquire("pins.add", None, PERSON).await.0,
        Verdict::Later(_)
    ));
}

#[tokio::test]
async fn a_patient_job_yields_to_one_people_wait_for() {
    let l = RateLimiter::new(true, 1.0);
    let repeat = Caller {
        job: Some(1),
        patient: true,
    };
    for _ in 0..4 {
        l.acquire("chat.postMessage", Some("CANN"), PERSON).await;
    }
    let r = l.acquire("chat.postMessage", Some("CANN"), repeat).await.0;
    assert!(matches!(r, Verdict::Later(_)), "{r:?}");
    // The announcement reserves the next slot: the repeat did not take it.
    let a = secs(l.acquire("chat.postMessage", Some("CANN"), JOB(2)).await.0);
    assert!(a <= 1.1, "{a}");
}

#[tokio::test]
async fn replicas_alone_split_the_rate_and_off_means_off() {
    let l = RateLimiter::new(true, 1.0);
    l.set_replicas(5);
    // Tier 2 over 5 replicas: 4 at once, then 4/min each: one per 15 s.
    for job in 0..4 {
        assert_eq!(l.acquire("pins.add", None, JOB(job)).await.0, Verdict::Go);
    }
    let w = secs(l.acquire("pins.add", None, JOB(9)).await.0);
    assert!((w - 15.0).abs() < 0.05, "{w}");
    let off = RateLimiter::new(false, 1.0);
    for job in 0..1000 {
        assert_eq!(off.acquire("pins.add", None, JOB(job)).await.0, Verdict::Go);
    }
}

type Tickets = HashMap<(String, i64), f64>;

/// Buckets shared in memory, as the database shares them; `down` makes them fail.
#[derive(Default)]
struct Memory {
    state: std::sync::Mutex<(HashMap<String, Bucket>, Tickets)>,
    base: Option<Instant>,
    down: AtomicBool,
}

#[async_trait::async_trait]
impl SharedBuckets for Memory {
    async fn with_bucket(
        &self,
        key: &str,
        job: Option<i64>,
        decide: &Decide,
    ) -> Result<Verdict, String> {
        if self.down.load(Ordering::Relaxed) {
            return Err("connection refused".into());
        }
        let now = self
            .base
            .unwrap_or_else(Instant::now)
            .elapsed()
            .as_secs_f64();
        let mut st = self.state.lock().unwrap();
        let (buckets, tickets) = &mut *st;
        let ticket = job.and_then(|j| tickets.remove(&(key.to_string(), j)));
        let bucket = buckets.get(key).copied().unwrap_or_default();
        let (leave, v) = decide(Held {
            bucket,
            ticket,
            now,
        });
        buckets.insert(key.to_string(), leave.bucket);
        for ((k, _), at) in tickets.iter_mut() {
            if k == key {
                *at += leave.shift;
            }
        }
        if let (Some(j), Some(at)) = (job, leave.ticket) {
            tickets.insert((key.to_string(), j), at);
        }
        Ok(v)
    }
}

#[tokio::test]
async fn replicas_sharing_buckets_spend_one_budget_and_decide_alone_when_it_fails() {
    let shared = Arc::new(Memory {
        base: Some(Instant::now()),
        ..Default::default()
    });
    let a = RateLimiter::new(true, 1.0).with_shared(shared.clone());
    let b = RateLimiter::new(true, 1.0).with_shared(shared.clone());
    a.set_replicas(2);
    b.set_replicas(2);
    // Together they spend Tier 2's full minute, not 10 each.
    let mut went = 0;
    for job in 0..30 {
        let l = if job % 2 == 0 { &a } else { &b };
        if l.acquire("conversations.create", None, JOB(job)).await.0 == Verdict::Go {
            went += 1;
        }
    }
    assert_eq!(went, 20);
    // Past it, slots are reserved for later, whichever replica asks.
    let w = secs(a.acquire("conversations.create", None, JOB(100)).await.0);
    assert!(w > 1.0, "{w}");
    assert_eq!(
        b.acquire("pins.add", None, JOB(150)).await.1,
        Decided::Shared
    );
    shared.down.store(true, Ordering::Relaxed);
    // The database is away: each keeps its own half of the rate, starting from
    // nothing (the other may have spent the burst): one slot every 6 s.
    let (v, decided) = b.acquire("pins.add", None, JOB(200)).await;
    assert_eq!(decided, Decided::Alone);
    assert!(
        matches!(v, Verdict::Later(d) if (d.as_secs_f64() - 6.0).abs() < 0.1),
        "{v:?}"
    );
    // One instance decides locally.
    assert_eq!(
        RateLimiter::new(true, 1.0)
            .acquire("pins.add", None, JOB(1))
            .await
            .1,
        Decided::Local
    );
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
