//! Warnings over time, end to end: the certificate watcher on its schedule against a
//! real TLS server, an injected clock moved forward, and the fake Slack receiving the
//! messages: first warning, silence within the cadence, a reminder after it, rises,
//! acknowledgement, snooze, declare-from-warning, recovery, and auto-declare (once).

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use crate::common::certs::{Pki, TlsServer};
use crate::common::clocked::Env;
use crate::common::fake_slack::FakeSlack;
use crate::common::spawn_with_clock;
use serde_json::json;
use warroom::clock::ManualClock;

const WAIT: Duration = Duration::from_secs(15);

/// What the warning tests add to a clocked warroom.
trait Warned {
    fn posts(&self, needle: &str) -> usize;
    async fn click(&self, action: &str, key: &str);
}

impl Warned for Env {
    /// Messages posted (edits of earlier messages do not count) that contain `needle`.
    fn posts(&self, needle: &str) -> usize {
        self.fake
            .calls("chat.postMessage")
            .iter()
            .filter(|b| {
                b["channel"] == "CANNOUNCE" && b["text"].as_str().unwrap_or("").contains(needle)
            })
            .count()
    }

    async fn click(&self, action: &str, key: &str) {
        let payload = json!({"type": "block_actions", "team": {"id": "T0001"}, "user": {"id": "UALICE"}, "trigger_id": "trig.w",
            "container": {"type": "message", "message_ts": "1", "channel_id": "CANNOUNCE"}, "channel": {"id": "CANNOUNCE"},
            "response_url": self.fake.response_url(action), "actions": [{"type": "button", "action_id": action, "value": key, "action_ts": "1"}]});
        assert_eq!(self.t.interaction(&payload).await.status(), 200);
        self.settle().await;
    }
}

async fn env(
    extra: &str,
    served: &common::certs::Served,
    pki: &Pki,
) -> (Env, TlsServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pki.ca_pem()).unwrap();
    let server = TlsServer::start(served).await;
    let fake = FakeSlack::start().await;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let cfg = format!(
        "[reminders]\nescalate_after = 0\n[watch.certs]\nschedule = \"every 10m\"\nmention = [\"UONCALL\"]\ntimeout = \"2s\"\nca_bundle = \"{}\"\nrunbook = \"https://runbooks.example.com/tls\"\ntargets = [{{ host = \"127.0.0.1\", port = {}, sni = \"shop.test\" }}]\n{extra}",
        ca.display(),
        server.port()
    );
    let db = common::sqlite();
    let t = spawn_with_clock(&db, &fake, &cfg, clock.clone()).await;
    std::mem::forget(db); // the database lives as long as the test process
    let e = Env { t, clock, fake };
    e.fake
        .wait("first watcher run", WAIT, |f| {
            f.call_count("chat.postMessage") > 0 || f.call_count("conversations.create") > 0
        })
        .await;
    e.settle().await;
    (e, server, dir)
}

#[tokio::test]
async fn a_certificate_warning_from_first_sight_to_recovery() {
    let pki = Pki::new();
    let (e, server, _dir) = env("", &pki.leaf(&["shop.test"], 300, 20), &pki).await;
    let key = format!("cert:127.0.0.1:{}/shop.test", server.port());
    assert_eq!(
        e.posts(":warning: *Warning* — The TLS certificate of 127.0.0.1"),
        1,
        "first warning"
    );
    let first = e.fake.messages("CANNOUNCE").remove(0);
    assert!(
        first.text.starts_with("<@UONCALL> :warning: *Warning*"),
        "{}",
        first.text
    );
    assert!(
        first.text.contains("expires in 19 days") || first.text.contains("expires in 20 days"),
        "{}",
        first.text
    );
    assert!(
        first
            .text
            .contains("<https://runbooks.example.com/tls|the runbook>")
    );
    let buttons = first.blocks.to_string();
    assert!(
        buttons.contains("warning_declare")
            && buttons.contains("warning_snooze")
            && buttons.contains("warning_ack")
    );

    // Runs every 10 minutes say nothing new.
    for _ in 0..3 {
        e.advance_by(chrono::Duration::minutes(10)).await;
    }
    assert_eq!(e.fake.messages("CANNOUNCE").len(), 1, "no message per run");
    assert_eq!(
        e.fake.call_count("chat.update"),
        0,
        "nothing changed worth an edit"
    );

    // A week later it crossed the 14-day line: worse.
    e.advance_by(chrono::Duration::days(7)).await;
    assert_eq!(e.posts("*Worse: now warning*"), 1);
    // A day on, still a warning: the daily reminder.
    e.advance_by(chrono::Duration::days(1)).await;
    assert_eq!(e.posts("*Still warning*"), 1);

    // Acknowledged: the message shows it; reminders stop.
    e.click("warning_ack", &key).await;
    e.fake
        .wait("ack shown", WAIT, |f| {
            f.messages("CANNOUNCE")
                .iter()
                .any(|m| m.blocks.to_string().contains("Acknowledged by <@UALICE>"))
        })
        .await;
    e.advance_by(chrono::Duration::days(1)).await;
    e.advance_by(chrono::Duration::minutes(10)).await;
    assert_eq!(
        e.posts("*Still warning*"),
        1,
        "no reminder once acknowledged"
    );

    // Five days left: critical, told at once despite the acknowledgement.
    e.advance_by(chrono::Duration::days(6)).await;
    assert_eq!(e.posts("*Worse: now critical*"), 1);

    // Snoozed for 24 h: no hourly reminders meanwhile, one after.
    e.click("warning_snooze", &key).await;
    for _ in 0..3 {
        e.advance_by(chrono::Duration::hours(1)).await;
    }
    assert_eq!(e.posts("*Still critical*"), 0, "snoozed");
    e.advance_by(chrono::Duration::hours(22)).await;
    assert_eq!(e.posts("*Still critical*"), 1, "the snooze ended");

    // Declared from the warning: the form comes pre-filled, the incident links back.
    e.click("warning_declare", &key).await;
    e.fake
        .wait("declare form", WAIT, |f| !f.views().is_empty())
        .await;
    let view = e.fake.views().remove(0);
    assert_eq!(view["view"]["private_metadata"], format!("warning:{key}"));
    let title = view["view"]["blocks"][1]["element"]["initial_value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        title.starts_with("The TLS certificate of 127.0.0.1"),
        "{title}"
    );
    let submit = json!({"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "UALICE"},
        "view": {"callback_id": "declare", "private_metadata": format!("warning:{key}"), "state": {"values": {
            "title": {"title": {"type": "plain_text_input", "value": title}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev2"}}},
            "description": {"description": {"type": "plain_text_input", "value": "from the warning"}},
            "private": {"private": {"type": "checkboxes", "selected_options": []}}}}}});
    assert_eq!(e.t.interaction(&submit).await.status(), 200);
    let ch = e.t.wait_ready(1).await.id;
    let tl = e.t.say("UALICE", &ch, "timeline").await;
    assert!(tl.contains(&format!("from warning `{key}`")), "{tl}");
    e.fake
        .wait("warning shows the incident", WAIT, |f| {
            f.messages("CANNOUNCE")
                .iter()
                .any(|m| m.blocks.to_string().contains("Declared as *INC-1*"))
        })
        .await;
    // A second click does not make a second incident.
    e.click("warning_declare", &key).await;
    assert_eq!(e.fake.views().len(), 1);
    assert!(e.fake.responses().iter().any(|r| {
        r["text"]
            .as_str()
            .unwrap_or("")
            .contains("already being handled as *INC-1*")
    }));

    // Renewed: recovery, once.
    server.swap(&pki.leaf(&["shop.test"], 1, 300));
    e.advance_by(chrono::Duration::minutes(10)).await;
    assert_eq!(e.posts(":white_check_mark: *Recovered*"), 1);
    e.advance_by(chrono::Duration::minutes(10)).await;
    e.advance_by(chrono::Duration::hours(30)).await;
    assert_eq!(e.posts(":white_check_mark: *Recovered*"), 1);
    let m = e.t.get("/metrics").await.text().await.unwrap();
    assert!(
        m.contains("warroom_watcher_runs_total{watcher=\"certs\"}"),
        "{m}"
    );
    assert!(
        m.contains("warroom_findings{level=\"ok\",watcher=\"certs\"} 4"),
        "{m}"
    );
    e.t.stop().await;
}

#[tokio::test]
async fn an_expired_certificate_declares_one_sev1_by_itself() {
    let pki = Pki::new();
    let rule = "[[auto_declare]]\nwatcher = \"certs\"\nlevel = \"critical\"\nfact = \"days_left\"\nat_most = 1\nseverity = \"sev1\"\n";
    let (e, _server, _dir) = env(rule, &pki.leaf(&["shop.test"], 400, -1), &pki).await;
    let ch = e.t.wait_ready(1).await;
    assert!(
        ch.name
            .starts_with("inc-1-the-tls-certificate-of-127-0-0-1"),
        "{}",
        ch.name
    );
    e.fake
        .wait("announced", WAIT, |f| {
            f.messages("CANNOUNCE")
                .iter()
                .any(|m| m.text.contains("SEV1 incident declared"))
        })
        .await;
    for _ in 0..3 {
        e.advance_by(chrono::Duration::minutes(10)).await;
    }
    e.advance_by(chrono::Duration::hours(2)).await;
    assert_eq!(
        e.fake.channels_named("inc-").len(),
        1,
        "never a second incident while the first is open"
    );
    let tl = e.t.say("UALICE", &ch.id, "timeline").await;
    assert!(
        tl.contains("warroom *Declared* SEV1 declared")
            && tl.contains("from warning `cert:127.0.0.1"),
        "{tl}"
    );
    e.t.stop().await;
}
