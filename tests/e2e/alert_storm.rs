//! An alert storm against Slack's real pace: 200 distinct Alertmanager groups posted
//! at once into one alerts channel, with warroom's limiter and the fake Slack both at
//! Slack's tiers. Every group shows (its own message, or a line of the channel's
//! rollup; how soon is printed), each can be acknowledged from where it shows, and
//! once resolved each is told recovered once; nothing is doubled or lost, on both
//! databases.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestApp, TestDb, on_both_databases, spawn};

const TOKEN: &str = "am-storm-token";
const CHANNEL: &str = "CGENERAL";
const GROUPS: usize = 200;

/// How long every group may take to show. The figure itself is printed (`ROLLUP …`):
/// alone it is well under 20 s, but the suite runs both databases' storms beside the
/// other tests on two cores, and a timed test must not fail for a busy machine.
const VISIBLE_WITHIN: Duration = Duration::from_secs(60);

fn settings() -> String {
    format!(
        "[slack.rate_limits]\nscale = 1.0\n[alerts]\nchannel = \"{CHANNEL}\"\nalertmanager.token = \"{TOKEN}\"\nmention = [\"UONCALL\"]\n"
    )
}

/// The group's name as its messages show it.
fn name(i: usize) -> String {
    format!("Storm {i:03} down")
}

fn group(i: usize, status: &str) -> Value {
    let alert = json!({"status": status,
        "labels": {"alertname": format!("Storm{i:03}"), "severity": "critical", "pod": format!("p{i}")},
        "annotations": {"summary": name(i)},
        "startsAt": "2026-03-02T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prom:9090/graph", "fingerprint": format!("fp{i}")});
    json!({"version": "4", "groupKey": format!("{{}}:{{alertname=\"Storm{i:03}\"}}"), "truncatedAlerts": 0,
        "status": status, "receiver": "warroom", "groupLabels": {"alertname": format!("Storm{i:03}")},
        "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093", "alerts": [alert]})
}

/// Sends every group with `status`, all at once; each is accepted. A connection the
/// server closed as the client reused it (an idle keep-alive connection, between the
/// two waves) is sent again, as Alertmanager retries a failed notification.
async fn send_all(t: &TestApp, status: &str) {
    let sends = (0..GROUPS).map(|i| async move {
        let mut tries = 0;
        let r = loop {
            tries += 1;
            match t
                .http
                .post(format!("{}/alerts/alertmanager", t.base))
                .bearer_auth(TOKEN)
                .json(&group(i, status))
                .send()
                .await
            {
                Ok(r) => break r,
                Err(e) if tries < 3 && e.is_request() => continue,
                Err(e) => panic!("group {i} {status}: {e}"),
            }
        };
        assert_eq!(r.status(), 200, "group {i} {status}");
    });
    futures::future::join_all(sends).await;
}

/// What the channel shows now: every message's text and blocks.
fn shown(fake: &FakeSlack) -> Vec<String> {
    fake.messages(CHANNEL)
        .iter()
        .map(|m| format!("{} {}", m.text, m.blocks))
        .collect()
}

/// The groups the channel shows by name.
fn visible(fake: &FakeSlack) -> usize {
    let all = shown(fake).join("\n");
    (0..GROUPS).filter(|i| all.contains(&name(*i))).count()
}

/// Posts (not edits) in the channel that carry `needle` and the group's name.
fn posts_of(fake: &FakeSlack, i: usize, needle: &str) -> usize {
    fake.calls("chat.postMessage")
        .iter()
        .filter(|b| {
            let text = b["text"].as_str().unwrap_or("");
            b["channel"] == CHANNEL && text.contains(&name(i)) && text.contains(needle)
        })
        .count()
}

/// Every Acknowledge button the channel shows: the warning's key → the button's
/// action ID.
fn ack_buttons(fake: &FakeSlack) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for m in fake.messages(CHANNEL) {
        for b in m.blocks.as_array().into_iter().flatten() {
            for e in b["elements"].as_array().into_iter().flatten() {
                let id = e["action_id"].as_str().unwrap_or("");
                if id.starts_with("warning_ack") {
                    out.insert(e["value"].as_str().unwrap().to_string(), id.to_string());
                }
            }
        }
    }
    out
}

async fn click_ack(t: &TestApp, action_id: &str, key: &str) {
    let payload = json!({"type": "block_actions", "team": {"id": "T0001"}, "user": {"id": "UALICE"}, "trigger_id": "trig.s",
        "container": {"type": "message", "message_ts": "1", "channel_id": CHANNEL}, "channel": {"id": CHANNEL},
        "response_url": t.fake.response_url("ack"), "actions": [{"type": "button", "action_id": action_id, "value": key, "action_ts": "1"}]});
    assert_eq!(t.interaction(&payload).await.status(), 200);
}

async fn count(t: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&t.peek().await)
        .await
        .unwrap()
}

on_both_databases!(
    an_alert_storm_is_rolled_up_and_each_group_told_once,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn an_alert_storm_is_rolled_up_and_each_group_told_once(db: TestDb) {
    let fake = FakeSlack::start().await;
    fake.enforce_tiers(1.0);
    let t = spawn(&db, &fake, &settings()).await;
    let label = db.label();

    let started = Instant::now();
    send_all(&t, "firing").await;
    let accepted = started.elapsed();
    fake.wait("every group visible in the channel", VISIBLE_WITHIN, |f| {
        visible(f) == GROUPS
    })
    .await;
    let all_visible = started.elapsed();
    eprintln!(
        "ROLLUP {label}: all {GROUPS} groups visible after {:.1} s",
        all_visible.as_secs_f64()
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM warnings WHERE watcher = 'alerts'").await,
        GROUPS as i64
    );
    let rollups = count(&t, "SELECT COUNT(*) FROM warning_rollups").await;
    assert!(rollups >= 1, "the storm was rolled up on {label}");

    // Each group can be acknowledged from where it shows.
    let buttons = ack_buttons(&fake);
    assert_eq!(buttons.len(), GROUPS, "an Acknowledge for each group");
    let clicks: Vec<_> = buttons.iter().collect();
    for batch in clicks.chunks(20) {
        let b = batch.iter().map(|(key, id)| click_ack(&t, id, key));
        futures::future::join_all(b).await;
    }
    let acked = Instant::now();
    loop {
        let n = count(
            &t,
            "SELECT COUNT(*) FROM warnings WHERE acked_by = 'UALICE'",
        )
        .await;
        if n == GROUPS as i64 {
            break;
        }
        assert!(
            acked.elapsed() < Duration::from_secs(30),
            "{n} acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fake.wait("the acknowledgements shown", Duration::from_secs(30), |f| {
        ack_buttons(f).is_empty()
    })
    .await;

    // All resolved at once: each told recovered once, nothing doubled.
    send_all(&t, "resolved").await;
    fake.wait("each group told recovered", Duration::from_secs(400), |f| {
        (0..GROUPS).all(|i| posts_of(f, i, "Recovered") >= 1)
    })
    .await;
    let all_told = started.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    for i in 0..GROUPS {
        assert_eq!(
            posts_of(&fake, i, "Recovered"),
            1,
            "{} recovered once",
            name(i)
        );
        assert!(
            posts_of(&fake, i, "FIRING") <= 1,
            "{} posted firing at most once",
            name(i)
        );
    }
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM warnings WHERE rollup_notice IS NOT NULL"
        )
        .await,
        0,
        "none still owed a message"
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM jobs WHERE state = 'failed'").await,
        0
    );
    let rollups = count(&t, "SELECT COUNT(*) FROM warning_rollups").await;
    let rollup_posts = fake
        .calls("chat.postMessage")
        .iter()
        .filter(|b| {
            b["text"]
                .as_str()
                .unwrap_or("")
                .contains("warnings at once")
        })
        .count();
    assert_eq!(rollup_posts as i64, rollups, "each rollup posted once");
    eprintln!(
        "ROLLUP {label}: {GROUPS} groups accepted in {:.1} s, all visible after {:.1} s, \
         recoveries all told after {:.0} s; {rollups} rollups, {} posts, {} edits, 429s {}",
        accepted.as_secs_f64(),
        all_visible.as_secs_f64(),
        all_told.as_secs_f64(),
        fake.call_count("chat.postMessage"),
        fake.call_count("chat.update"),
        fake.tier_429s()
    );
    t.stop().await;
    db.cleanup().await;
}
