//! A storm: 50 incidents declared within a (scaled) minute against a fake Slack that
//! enforces Slack's rate tiers with 429s. Every incident gets its channel, pinned
//! headline and announcement, once; warroom keeps to the tiers itself (next to no
//! 429s); a command in an incident that already exists is answered at once and its
//! message reaches Slack within seconds, not behind the storm.

use crate::common;

use std::time::Duration;

use crate::common::storm::{self, pct};
use crate::common::{TestDb, on_both_databases};

/// Slack's tiers run this many times faster, on both sides, to keep the test short:
/// a minute of Slack's is 6 s here.
const SCALE: f64 = 10.0;
const STORM: usize = 50;

on_both_databases!(
    fifty_declares_in_a_minute_keep_to_slacks_tiers,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn fifty_declares_in_a_minute_keep_to_slacks_tiers(db: TestDb) {
    let s = storm::run(&db, SCALE, STORM).await;
    let label = s.label;
    eprintln!("FIGURE storm {}", s.figures(SCALE));
    assert_eq!(s.channels, STORM + 1, "{label}: one channel each");
    assert_eq!(s.announcements, STORM + 1, "{label}: one announcement each");
    assert_eq!(
        s.complete_once, STORM,
        "{label}: each storm incident has one headline, pinned once"
    );
    assert!(
        s.tier_429s <= 2,
        "{label}: warroom kept to the tiers: {} 429s",
        s.tier_429s
    );
    assert!(
        pct(&s.answers, 1.0) < 3.0,
        "{label}: every declare answered within Slack's 3 s: {:?}",
        s.answers
    );
    assert!(
        s.note_answer < Duration::from_secs(3),
        "{label}: the note answered in {:?}",
        s.note_answer
    );
    assert!(
        s.note_to_slack < Duration::from_secs(5),
        "{label}: the note reached Slack after {:?}, not behind the storm",
        s.note_to_slack
    );
    // The storm itself is paced by Slack's Tier 2 (channel creation): 45 creates
    // beyond the burst at 15 a (scaled) minute take about 18 s here.
    assert!(
        s.all_set_up < Duration::from_secs(60),
        "{label}: set up after {:?}",
        s.all_set_up
    );
    // The limiter's work shows in /metrics, the queue in /readyz.
    assert!(
        s.metrics.contains(
            "warroom_slack_throttled_total{how=\"later\",method=\"conversations.create\"}"
        ),
        "{label}: creates were spaced out: {}",
        s.metrics
            .lines()
            .filter(|l| l.contains("throttle"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        s.metrics.contains("warroom_jobs_oldest_due_seconds"),
        "{label}"
    );
    assert!(s.metrics.contains("warroom_jobs{state=\"due\"}"), "{label}");
    assert!(s.readyz.contains("queue: "), "{label}: {}", s.readyz);
    db.cleanup().await;
}

/// Two replicas on one PostgreSQL database share the workspace's budgets: 40 declares
/// spread over both, against a fake enforcing the tiers, still draw next to no 429s
/// (each replica alone would keep to the full budget and together exceed it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_the_budget() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let fake = common::fake_slack::FakeSlack::start().await;
    fake.enforce_tiers(SCALE);
    let extra = format!("[slack.rate_limits]\nscale = {SCALE}\n");
    let a = common::spawn(&db, &fake, &extra).await;
    let b = common::spawn(&db, &fake, &extra).await;
    // Both have beaten and seen each other.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    const N: usize = 40;
    for i in 0..N {
        let t = if i % 2 == 0 { &a } else { &b };
        let s = t
            .say("UALICE", "CGENERAL", &format!("declare sev2 Shared {i}"))
            .await;
        assert!(s.contains("INC-"), "{s}");
    }
    fake.wait("all set up", Duration::from_secs(120), |f| {
        f.channels_named("inc-").len() == N && f.pins().len() == N
    })
    .await;
    let r429 = fake.tier_429s();
    eprintln!(
        "FIGURE two replicas: {N} declares, {r429} 429s, {} creates",
        fake.call_count("conversations.create")
    );
    assert!(
        r429 <= 2,
        "the replicas kept to one budget together: {r429} 429s"
    );
    assert_eq!(fake.channels_named("inc-").len(), N, "one channel each");
    a.stop().await;
    b.stop().await;
    db.cleanup().await;
}
