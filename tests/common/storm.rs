//! The storm scenario shared by `tests/storm.rs` (which asserts) and `benches/storm.rs`
//! (which prints): one incident open, then many declares (five every 400 ms, or all at
//! once), on one instance or two replicas sharing the database, against a fake Slack
//! enforcing Slack's tiers with 429s, and mid-storm a note in the incident that
//! already existed.

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime};

use super::fake_slack::FakeSlack;
use super::{TestApp, TestDb};

/// What a storm run measured.
#[derive(Debug, Clone)]
pub struct Storm {
    pub label: &'static str,
    pub declares: usize,
    pub replicas: usize,
    /// How long sending the declares took.
    pub sent_in: Duration,
    /// 429s the fake answered because a tier was exceeded.
    pub tier_429s: u64,
    /// Declare answer times, sorted (s).
    pub answers: Vec<f64>,
    /// From each declare to its headline in Slack, sorted (s).
    pub to_headline: Vec<f64>,
    /// From each declare to its channel in Slack, sorted (s).
    pub to_channel: Vec<f64>,
    pub note_answer: Duration,
    /// From sending the note to the note's message in Slack.
    pub note_to_slack: Duration,
    /// From the first declare until every incident was set up and announced.
    pub all_set_up: Duration,
    pub channels: usize,
    pub announcements: usize,
    /// Incidents whose channel holds exactly one headline and one pin.
    pub complete_once: usize,
    pub metrics: String,
    pub readyz: String,
}

pub fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// How a storm comes.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub declares: usize,
    /// Instances sharing the database (two need PostgreSQL).
    pub replicas: usize,
    /// All declares at once, rather than five every 400 ms.
    pub at_once: bool,
}

impl Storm {
    pub fn figures(&self, scale: f64) -> String {
        let channel = |p| pct(&self.to_channel, p);
        format!(
            "{}, {} replica(s): {} declares sent in {:.1} s; 429s {}; declare to channel p50 {:.1} s p99 {:.1} s max {:.1} s; declare answers p50 {:.0} ms p99 {:.0} ms; declare to headline p50 {:.2} s p99 {:.2} s; mid-storm note answered in {:.0} ms, in Slack after {:.2} s; all set up after {:.1} s (tiers x{scale})",
            self.label,
            self.replicas,
            self.declares,
            self.sent_in.as_secs_f64(),
            self.tier_429s,
            channel(0.5),
            channel(0.99),
            channel(1.0),
            pct(&self.answers, 0.5) * 1000.0,
            pct(&self.answers, 0.99) * 1000.0,
            pct(&self.to_headline, 0.5),
            pct(&self.to_headline, 0.99),
            self.note_answer.as_secs_f64() * 1000.0,
            self.note_to_slack.as_secs_f64(),
            self.all_set_up.as_secs_f64(),
        )
    }
}

/// Runs the storm on `db` with Slack's tiers `scale` times faster on both sides:
/// `declares` declares, five every 400 ms, on one instance.
pub async fn run(db: &TestDb, scale: f64, declares: usize) -> Storm {
    let plan = Plan {
        declares,
        replicas: 1,
        at_once: false,
    };
    run_plan(db, scale, plan).await
}

/// Sends the declares as `plan` says, round robin over the instances; returns each
/// incident's number with when its declare was sent, and the answer times.
async fn declare(
    apps: &[TestApp],
    plan: Plan,
    inc1: &str,
) -> (Vec<(i64, SystemTime)>, Vec<f64>, (SystemTime, Duration)) {
    let one = |k: usize| {
        let t = &apps[k % apps.len()];
        async move {
            let sent = SystemTime::now();
            let at = Instant::now();
            let s = t
                .say("UBOB", "CGENERAL", &format!("declare sev2 Storm {k}"))
                .await;
            let n: i64 = s
                .split("INC-")
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|d| d.parse().ok())
                .unwrap_or_else(|| panic!("declared: {s}"));
            ((n, sent), at.elapsed().as_secs_f64())
        }
    };
    let note = || async {
        let sent = SystemTime::now();
        let at = Instant::now();
        let s = apps[0]
            .say("UALICE", inc1, "note mid-storm: failover started")
            .await;
        assert!(!s.is_empty(), "the note is answered");
        (sent, at.elapsed())
    };
    let mut sent = Vec::new();
    let mut answers = Vec::new();
    let mut noted = None;
    let batch = if plan.at_once { plan.declares } else { 5 };
    let mut i = 0;
    while i < plan.declares {
        let done = futures::future::join_all((i..(i + batch).min(plan.declares)).map(one)).await;
        for (s, a) in done {
            sent.push(s);
            answers.push(a);
        }
        i += batch;
        if noted.is_none() && i >= plan.declares / 2 {
            noted = Some(note().await);
        }
        if i < plan.declares {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    }
    (sent, answers, noted.expect("note sent"))
}

/// Runs a storm as `plan` says on `db`, with Slack's tiers `scale` times faster on
/// both sides.
pub async fn run_plan(db: &TestDb, scale: f64, plan: Plan) -> Storm {
    let fake = FakeSlack::start().await;
    fake.enforce_tiers(scale);
    let extra = format!("[slack.rate_limits]\nscale = {scale}\n");
    let mut apps = Vec::new();
    for _ in 0..plan.replicas.max(1) {
        apps.push(super::spawn(db, &fake, &extra).await);
    }
    let t = &apps[0];
    let label = db.label();
    let declared = Instant::now();
    let s = t
        .say("UALICE", "CGENERAL", "declare sev2 Existing one")
        .await;
    assert!(s.contains("INC-1"), "{s}");
    let inc1 = t.wait_ready(1).await;
    // The storm meets a rested workspace: a (scaled) minute after the first
    // incident's calls, which Slack counts in its minute (the fake strictly), and
    // every replica has beaten and counts the others.
    let rested = Duration::from_secs_f64(60.0 / scale).max(Duration::from_millis(2500));
    tokio::time::sleep(rested.saturating_sub(declared.elapsed())).await;

    let started = Instant::now();
    let (sent_at, mut answers, (note_sent, note_answer)) = declare(&apps, plan, &inc1.id).await;
    let sent_in = started.elapsed();
    fake.wait(
        "the note in INC-1's channel",
        Duration::from_secs(60),
        |f| {
            f.messages(&inc1.id)
                .iter()
                .any(|m| m.text.contains("failover started"))
        },
    )
    .await;
    let note_to_slack = fake
        .messages(&inc1.id)
        .iter()
        .find(|m| m.text.contains("failover started"))
        .and_then(|m| m.at.duration_since(note_sent).ok())
        .unwrap_or_default();

    let all = plan.declares + 1;
    fake.wait(
        "every incident set up and announced",
        Duration::from_secs(300),
        |f| {
            let pinned: BTreeSet<String> = f.pins().into_iter().map(|(c, _)| c).collect();
            let channels = f.channels_named("inc-");
            channels.len() == all
                && channels.iter().all(|c| pinned.contains(&c.id))
                && f.messages("CANNOUNCE").len() >= all
        },
    )
    .await;
    let all_set_up = started.elapsed();
    // Anything doubled would show up now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut to_headline = Vec::new();
    let mut to_channel = Vec::new();
    let mut complete_once = 0;
    for (n, sent) in &sent_at {
        let Some(ch) = t.incident_channel(*n) else {
            continue;
        };
        if let Some(c) = ch.created {
            to_channel.push(c.duration_since(*sent).unwrap_or_default().as_secs_f64());
        }
        let msgs = fake.messages(&ch.id);
        let headlines: Vec<_> = msgs
            .iter()
            .filter(|m| m.text.contains(&format!("INC-{n} ")))
            .collect();
        let pins = fake.pins().iter().filter(|(c, _)| *c == ch.id).count();
        if headlines.len() == 1 && pins == 1 {
            complete_once += 1;
        }
        if let Some(h) = headlines.first() {
            to_headline.push(h.at.duration_since(*sent).unwrap_or_default().as_secs_f64());
        }
    }
    to_headline.sort_by(f64::total_cmp);
    to_channel.sort_by(f64::total_cmp);
    answers.sort_by(f64::total_cmp);
    let metrics = t.get("/metrics").await.text().await.unwrap_or_default();
    let readyz = t.get("/readyz").await.text().await.unwrap_or_default();
    let storm = Storm {
        label,
        declares: plan.declares,
        replicas: apps.len(),
        sent_in,
        tier_429s: fake.tier_429s(),
        answers,
        to_headline,
        to_channel,
        note_answer,
        note_to_slack,
        all_set_up,
        channels: fake.channels_named("inc-").len(),
        announcements: fake.messages("CANNOUNCE").len(),
        complete_once,
        metrics,
        readyz,
    };
    for a in apps {
        a.stop().await;
    }
    storm
}
