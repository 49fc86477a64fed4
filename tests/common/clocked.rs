//! A running warroom on an injected clock that tests move forward, with the fake
//! Slack behind: reminders and escalations without sleeping for minutes.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use warroom::clock::ManualClock;

use super::fake_slack::FakeSlack;
use super::{TestApp, TestDb, spawn_with_clock};

/// Monday 2026-11-23 14:00 UTC.
pub fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

pub struct Env {
    pub t: TestApp,
    pub clock: Arc<ManualClock>,
    pub fake: FakeSlack,
}

pub async fn env(db: &TestDb, extra: &str) -> Env {
    let fake = FakeSlack::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let t = spawn_with_clock(db, &fake, extra, clock.clone()).await;
    Env { t, clock, fake }
}

impl Env {
    /// Moves time on by `minutes` and lets the worker catch up.
    pub async fn advance(&self, minutes: i64) {
        self.advance_by(chrono::Duration::minutes(minutes)).await;
    }

    /// Moves time on and lets the worker catch up.
    pub async fn advance_by(&self, d: chrono::Duration) {
        self.clock.advance(d);
        self.t.app.app.kick();
        self.settle().await;
    }

    /// Waits until the worker has nothing due.
    pub async fn settle(&self) {
        let store = self.t.peek().await;
        let now = self.clock.now_ms();
        for _ in 0..500 {
            let due: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND run_at <= $1",
            )
            .bind(now)
            .fetch_one(&store)
            .await
            .unwrap();
            if due == 0 {
                tokio::time::sleep(Duration::from_millis(30)).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let stuck: Vec<(String, Option<String>, i64, i64)> = sqlx::query_as(
            "SELECT kind, queue, attempts, run_at FROM jobs WHERE state = 'pending' AND run_at <= $1",
        )
        .bind(now)
        .fetch_all(&store)
        .await
        .unwrap_or_default();
        panic!("jobs did not settle: {stuck:?} (now {now})");
    }

    pub fn reminders(&self, channel: &str) -> usize {
        self.fake
            .messages(channel)
            .iter()
            .filter(|m| m.text.starts_with(":alarm_clock:"))
            .count()
    }

    pub async fn declare(&self, n: i64, text: &str) -> String {
        let s = self
            .t
            .say("UALICE", "CGENERAL", &format!("declare {text}"))
            .await;
        assert!(s.contains(&format!("INC-{n}")), "{s}");
        self.t.wait_ready(n).await.id
    }
}

pub trait NowMs {
    fn now_ms(&self) -> i64;
}

impl NowMs for ManualClock {
    fn now_ms(&self) -> i64 {
        use warroom::clock::Clock;
        self.now().timestamp_millis()
    }
}
