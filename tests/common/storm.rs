//! The storm scenario shared by `tests/storm.rs` (which asserts) and `benches/storm.rs`
//! (which prints): one incident open, then 50 declares within half a scaled minute
//! against a fake Slack enforcing Slack's tiers with 429s, and mid-storm a note in the
//! incident that already existed.

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime};

use super::TestDb;
use super::fake_slack::FakeSlack;

/// What a storm run measured.
#[derive(Debug, Clone)]
pub struct Storm {
    pub label: &'static str,
    pub declares: usize,
    /// How long sending the declares took.
    pub sent_in: Duration,
    /// 429s the fake answered because a tier was exceeded.
    pub tier_429s: u64,
    /// Declare answer times, sorted (s).
    pub answers: Vec<f64>,
    /// From each declare to its headline in Slack, sorted (s).
    pub to_headline: Vec<f64>,
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

impl Storm {
    pub fn figures(&self, scale: f64) -> String {
        format!(
            "{}: {} declares sent in {:.1} s; 429s {}; declare answers p50 {:.0} ms p99 {:.0} ms; declare to headline p50 {:.2} s p99 {:.2} s; mid-storm note answered in {:.0} ms, in Slack after {:.2} s; all set up after {:.1} s (tiers x{scale})",
            self.label,
            self.declares,
            self.sent_in.as_secs_f64(),
            self.tier_429s,
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

/// Runs the storm on `db` with Slack's tiers `scale` times faster on both sides.
pub async fn run(db: &TestDb, scale: f64, declares: usize) -> Storm {
    let fake = FakeSlack::start().await;
    fake.enforce_tiers(scale);
    let t = super::spawn(
        db,
        &fake,
        &format!("[slack.rate_limits]\nscale = {scale}\n"),
    )
    .await;
    let label = db.label();
    let s = t
        .say("UALICE", "CGENERAL", "declare sev2 Existing one")
        .await;
    assert!(s.contains("INC-1"), "{s}");
    let inc1 = t.wait_ready(1).await;

    // Five declares at a time, every 400 ms: 50 in about 5 s.
    let started = Instant::now();
    let mut sent_at = vec![SystemTime::now(); declares + 2];
    let mut answers = Vec::new();
    let mut note = None;
    let mut i = 0;
    while i < declares {
        let batch: Vec<_> = (i..(i + 5).min(declares))
            .map(|k| {
                sent_at[k + 2] = SystemTime::now();
                let t = &t;
                async move {
                    let at = Instant::now();
                    let s = t
                        .say("UBOB", "CGENERAL", &format!("declare sev2 Storm {k}"))
                        .await;
                    assert!(s.contains("INC-"), "declared: {s}");
                    at.elapsed().as_secs_f64()
                }
            })
            .collect();
        answers.extend(futures::future::join_all(batch).await);
        i += 5;
        if note.is_none() && i >= declares / 2 {
            // Mid-storm, in the incident that already exists.
            let sent = SystemTime::now();
            let at = Instant::now();
            let s = t
                .say("UALICE", &inc1.id, "note mid-storm: failover started")
                .await;
            assert!(!s.is_empty(), "the note is answered");
            note = Some((sent, at.elapsed()));
        }
        if i < declares {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    }
    let sent_in = started.elapsed();
    let (note_sent, note_answer) = note.expect("note sent");
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

    let all = declares + 1;
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
    let mut complete_once = 0;
    for (n, sent) in sent_at.iter().enumerate().skip(2) {
        let Some(ch) = t.incident_channel(n as i64) else {
            continue;
        };
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
    answers.sort_by(f64::total_cmp);
    let metrics = t.get("/metrics").await.text().await.unwrap_or_default();
    let readyz = t.get("/readyz").await.text().await.unwrap_or_default();
    let storm = Storm {
        label,
        declares,
        sent_in,
        tier_429s: fake.tier_429s(),
        answers,
        to_headline,
        note_answer,
        note_to_slack,
        all_set_up,
        channels: fake.channels_named("inc-").len(),
        announcements: fake.messages("CANNOUNCE").len(),
        complete_once,
        metrics,
        readyz,
    };
    t.stop().await;
    storm
}
