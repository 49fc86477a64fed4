//! Alerts in, end to end: the Alertmanager, Grafana and Events v2 webhooks against a
//! running warroom on both databases (secrets, bad bodies, deduplication across
//! re-sends, updates as alerts join, recovery, routes, auto-declare by label
//! matchers, alerts onto an open incident's timeline), and a real Prometheus and
//! Alertmanager firing and resolving a rule into warroom.

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::fake_slack::FakeSlack;
use crate::common::{self, TestApp, TestDb, on_both_databases, spawn};

const WAIT: Duration = Duration::from_secs(20);
const AM_TOKEN: &str = "am-secret-token";
const ROUTING_KEY: &str = "0123456789abcdef0123456789abcdef";

fn settings() -> String {
    format!(
        r#"
[alerts]
alertmanager.token = "{AM_TOKEN}"
grafana.token = "gf-token"
grafana.hmac_secret = "gf-hmac"
events_v2.routing_keys = ["{ROUTING_KEY}"]
mention = ["UONCALL"]
[[alerts.routes]]
match = 'team="db"'
channel = "CGENERAL"
mention = ["UDBA"]
[[auto_declare]]
watcher = "alerts"
match = 'severity="critical", service="checkout"'
severity = "sev1"
"#
    )
}

fn group(key: &str, alerts: &[(&str, &str, &str)], extra_labels: &[(&str, &str)]) -> Value {
    let alerts: Vec<Value> = alerts
        .iter()
        .map(|(status, pod, severity)| {
            let mut labels =
                json!({"alertname": "HighErrorRate", "pod": pod, "severity": severity});
            for (k, v) in extra_labels {
                labels[*k] = json!(v);
            }
            json!({"status": status, "labels": labels,
                   "annotations": {"summary": "API error rate above 5% <!channel>"},
                   "startsAt": "2026-03-02T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                   "generatorURL": "http://prom:9090/graph", "fingerprint": format!("fp-{pod}")})
        })
        .collect();
    let firing = alerts.iter().any(|a| a["status"] == "firing");
    json!({"version": "4", "groupKey": key, "truncatedAlerts": 0,
           "status": if firing { "firing" } else { "resolved" }, "receiver": "warroom",
           "groupLabels": {"alertname": "HighErrorRate"}, "commonLabels": {}, "commonAnnotations": {},
           "externalURL": "http://am:9093", "alerts": alerts})
}

async fn post_am(t: &TestApp, auth: Option<&str>, body: &Value) -> reqwest::Response {
    let mut r = t
        .http
        .post(format!("{}/alerts/alertmanager", t.base))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    r.send().await.unwrap()
}

fn bearer() -> String {
    format!("Bearer {AM_TOKEN}")
}

/// Posts (not edits) in `channel` whose text contains `needle`.
fn posts(fake: &FakeSlack, channel: &str, needle: &str) -> usize {
    fake.calls("chat.postMessage")
        .iter()
        .filter(|b| b["channel"] == channel && b["text"].as_str().unwrap_or("").contains(needle))
        .count()
}

/// A count read from warroom's database.
async fn count(t: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&t.peek().await)
        .await
        .unwrap()
}

async fn alert_warnings(t: &TestApp) -> i64 {
    count(t, "SELECT COUNT(*) FROM warnings WHERE watcher = 'alerts'").await
}

on_both_databases!(
    webhooks_check_secrets_and_bodies,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn webhooks_check_secrets_and_bodies(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, &settings()).await;
    let body = group(
        "{}:{alertname=\"HighErrorRate\"}",
        &[("firing", "a", "warning")],
        &[],
    );
    for auth in [
        None,
        Some("Bearer wrong".to_string()),
        Some("Token x".to_string()),
    ] {
        let r = post_am(&t, auth.as_deref(), &body).await;
        assert_eq!(r.status(), 401, "{auth:?} on {}", db.label());
    }
    // The Grafana route wants its HMAC too.
    let r = t
        .http
        .post(format!("{}/alerts/grafana", t.base))
        .bearer_auth("gf-token")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // An Events v2 sender with an unknown routing key.
    let ev = json!({"routing_key": "nope", "event_action": "trigger",
        "payload": {"summary": "x", "source": "y", "severity": "critical"}});
    let r = t
        .http
        .post(format!("{}/v2/enqueue", t.base))
        .json(&ev)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        alert_warnings(&t).await,
        0,
        "nothing stored on {}",
        db.label()
    );
    // Bad bodies: 400 with the reason, never 5xx.
    for (bad, reason) in [
        ("{".to_string(), "not valid JSON"),
        (json!({"version": "4", "status": "firing", "alerts": []}).to_string(), "groupKey is required"),
        (json!({"version": "4", "groupKey": "k", "status": "firing", "alerts": [{"status": "odd"}]}).to_string(), "alerts[0].status"),
    ] {
        let r = t
            .http
            .post(format!("{}/alerts/alertmanager", t.base))
            .header("authorization", bearer())
            .body(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.unwrap();
        assert!(v["message"].as_str().unwrap().contains(reason), "{v}");
    }
    let big = "x".repeat(9 * 1024 * 1024);
    // A client of its own: the server drops a connection whose body it refused.
    let r = reqwest::Client::new()
        .post(format!("{}/alerts/alertmanager", t.base))
        .header("authorization", bearer())
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let ev =
        json!({"routing_key": ROUTING_KEY, "event_action": "trigger", "payload": {"summary": ""}});
    let r = t
        .http
        .post(format!("{}/alerts/events-v2", t.base))
        .json(&ev)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(alert_warnings(&t).await, 0);
    // Basic auth with the token as password is accepted.
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("alertmanager:{AM_TOKEN}"));
    let r = post_am(&t, Some(&format!("Basic {basic}")), &body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(alert_warnings(&t).await, 1);
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(
    a_group_is_one_warning_updated_and_recovered,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_group_is_one_warning_updated_and_recovered(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, &settings()).await;
    let key = "{}:{alertname=\"HighErrorRate\"}";
    let one = group(key, &[("firing", "a", "warning")], &[("service", "api")]);
    assert_eq!(post_am(&t, Some(&bearer()), &one).await.status(), 200);
    fake.wait("the warning", WAIT, |f| {
        posts(f, "CANNOUNCE", "[FIRING:1] API error rate above 5%") == 1
    })
    .await;
    // Alertmanager sends the whole group again every group_interval: no new post.
    for _ in 0..3 {
        assert_eq!(post_am(&t, Some(&bearer()), &one).await.status(), 200);
    }
    // A second alert joins: the posted warning is updated in place.
    let two = group(
        key,
        &[("firing", "a", "warning"), ("firing", "b", "warning")],
        &[("service", "api")],
    );
    assert_eq!(post_am(&t, Some(&bearer()), &two).await.status(), 200);
    fake.wait("the update", WAIT, |f| {
        f.messages("CANNOUNCE")
            .iter()
            .any(|m| m.text.contains("[FIRING:2]") && m.updates > 0)
    })
    .await;
    let warned = fake.calls("chat.postMessage");
    let text = warned.iter().find(|b| b["channel"] == "CANNOUNCE").unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !text.contains("<!channel>"),
        "alert text is data, not markup: {text}"
    );
    assert!(text.contains("<@UONCALL>"), "the default mention: {text}");
    // Resolved: recovered, once.
    let done = group(
        key,
        &[("resolved", "a", "warning"), ("resolved", "b", "warning")],
        &[("service", "api")],
    );
    assert_eq!(post_am(&t, Some(&bearer()), &done).await.status(), 200);
    assert_eq!(post_am(&t, Some(&bearer()), &done).await.status(), 200);
    fake.wait("the recovery", WAIT, |f| {
        posts(f, "CANNOUNCE", "Recovered") == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        posts(&fake, "CANNOUNCE", "FIRING"),
        1,
        "one warning post on {}",
        db.label()
    );
    assert_eq!(posts(&fake, "CANNOUNCE", "Recovered"), 1);
    // A route sends team=db elsewhere, mentioning its own people.
    let db_group = group(
        "{}:{team=\"db\"}",
        &[("firing", "pg", "critical")],
        &[("team", "db")],
    );
    assert_eq!(post_am(&t, Some(&bearer()), &db_group).await.status(), 200);
    fake.wait("the routed warning", WAIT, |f| {
        posts(f, "CGENERAL", "FIRING") == 1
    })
    .await;
    let routed = fake.calls("chat.postMessage");
    let routed = routed.iter().find(|b| b["channel"] == "CGENERAL").unwrap();
    assert!(
        routed["text"].as_str().unwrap().contains("<@UDBA>"),
        "{routed}"
    );
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(
    events_v2_and_grafana_senders,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn events_v2_and_grafana_senders(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, &settings()).await;
    let ev = json!({"routing_key": ROUTING_KEY, "event_action": "trigger", "dedup_key": "disk/pg-7",
        "payload": {"summary": "Disk full on pg-7", "source": "pg-7", "severity": "warning"}});
    let r = t
        .http
        .post(format!("{}/v2/enqueue", t.base))
        .json(&ev)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({"status": "success", "message": "Event processed", "dedup_key": "disk/pg-7"})
    );
    fake.wait("the event's warning", WAIT, |f| {
        posts(f, "CANNOUNCE", "Disk full on pg-7") == 1
    })
    .await;
    // A trigger without a key gets one back.
    let mut no_key = ev.clone();
    no_key.as_object_mut().unwrap().remove("dedup_key");
    no_key["payload"]["summary"] = json!("Queue backed up");
    let v: Value = t
        .http
        .post(format!("{}/alerts/events-v2", t.base))
        .json(&no_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["dedup_key"].as_str().unwrap().len(), 32, "{v}");
    let ack = json!({"routing_key": ROUTING_KEY, "event_action": "acknowledge", "dedup_key": "disk/pg-7"});
    assert_eq!(
        t.http
            .post(format!("{}/v2/enqueue", t.base))
            .json(&ack)
            .send()
            .await
            .unwrap()
            .status(),
        202
    );
    let resolve =
        json!({"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": "disk/pg-7"});
    assert_eq!(
        t.http
            .post(format!("{}/v2/enqueue", t.base))
            .json(&resolve)
            .send()
            .await
            .unwrap()
            .status(),
        202
    );
    fake.wait("the event's recovery", WAIT, |f| {
        posts(f, "CANNOUNCE", "Recovered") == 1
    })
    .await;
    // Resolving what was never seen is accepted and changes nothing.
    let unknown =
        json!({"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": "never"});
    assert_eq!(
        t.http
            .post(format!("{}/v2/enqueue", t.base))
            .json(&unknown)
            .send()
            .await
            .unwrap()
            .status(),
        202
    );
    // Grafana: token and HMAC over the raw body.
    let mut g = group(
        "{}/grafana:{alertname=\"Latency\"}",
        &[("firing", "x", "warning")],
        &[],
    );
    g["version"] = json!("1");
    g["orgId"] = json!(1);
    g["alerts"][0]["annotations"]["summary"] = json!("p99 latency above 2s");
    let raw = g.to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"gf-hmac").unwrap();
    mac.update(raw.as_bytes());
    let sig = hex::encode(mac.finalize().into_bytes());
    let r = t
        .http
        .post(format!("{}/alerts/grafana", t.base))
        .bearer_auth("gf-token")
        .header("x-grafana-alerting-signature", sig)
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    fake.wait("the Grafana warning", WAIT, |f| {
        posts(f, "CANNOUNCE", "p99 latency above 2s") == 1
    })
    .await;
    t.stop().await;
    db.cleanup().await;
}

async fn incident_count(t: &TestApp) -> i64 {
    count(t, "SELECT COUNT(*) FROM incidents").await
}

on_both_databases!(
    auto_declare_by_labels_and_alerts_onto_an_open_incident,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn auto_declare_by_labels_and_alerts_onto_an_open_incident(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, &settings()).await;
    let key = "{}:{service=\"checkout\"}";
    let crit = group(
        key,
        &[("firing", "a", "critical")],
        &[("service", "checkout")],
    );
    for _ in 0..3 {
        assert_eq!(post_am(&t, Some(&bearer()), &crit).await.status(), 200);
    }
    let ch = t.wait_ready(1).await;
    assert_eq!(
        incident_count(&t).await,
        1,
        "one incident from three sends on {}",
        db.label()
    );
    let inc: (String, String) = sqlx::query_as("SELECT severity, title FROM incidents")
        .fetch_one(&t.peek().await)
        .await
        .unwrap();
    assert_eq!(inc.0, "sev1", "SEV1");
    assert!(inc.1.contains("API error rate above 5%"), "{inc:?}");
    // A warning-level alert for the same service goes onto that incident's timeline.
    let other = group(
        "{}:{service=\"checkout\",alertname=\"Slow\"}",
        &[("firing", "z", "warning")],
        &[("service", "checkout")],
    );
    let r = post_am(&t, Some(&bearer()), &other).await;
    let v: Value = r.json().await.unwrap();
    assert!(v["incident"].as_str().is_some(), "{v}");
    fake.wait("the alert in the incident channel", WAIT, |f| {
        f.messages(&ch.id)
            .iter()
            .any(|m| m.text.contains("Alert firing"))
    })
    .await;
    assert_eq!(
        posts(&fake, "CANNOUNCE", "[FIRING:1] API error rate above 5%"),
        1
    );
    assert_eq!(incident_count(&t).await, 1);
    let on_timeline = count(
        &t,
        "SELECT COUNT(*) FROM timeline WHERE kind = 'warning' AND text LIKE '%Alert firing%'",
    )
    .await;
    assert_eq!(on_timeline, 1);
    t.stop().await;
    db.cleanup().await;
}

/// A real Prometheus evaluates two rules over a gauge the test sets; a real
/// Alertmanager groups the alerts and posts them to warroom with a bearer token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_alertmanager_fires_resends_and_resolves() {
    if !common::alerting::available() {
        return;
    }
    let db = common::sqlite();
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, &settings()).await;
    let dir = tempfile::tempdir().unwrap();
    let gauges = common::alerting::Gauges::default();
    gauges.set(r#"app_error_ratio{service="checkout"}"#, 0.12);
    gauges.set(r#"app_latency_seconds{service="search"}"#, 3.0);
    let target = gauges.serve().await;
    let webhook = format!("{}/alerts/alertmanager", t.base);
    let (_am, am_port) = common::alerting::alertmanager(dir.path(), &webhook, AM_TOKEN).await;
    let rules = r#"groups:
  - name: warroom-test
    rules:
      - alert: HighErrorRate
        expr: app_error_ratio > 0.05
        labels: {severity: critical}
        annotations: {summary: "Checkout error rate above 5%", runbook_url: "https://runbooks.example.com/checkout"}
      - alert: SlowSearch
        expr: app_latency_seconds > 2
        labels: {severity: warning}
        annotations: {summary: "Search p99 above 2s"}
"#;
    let (_prom, _) = common::alerting::prometheus(dir.path(), target, am_port, rules).await;
    fake.wait("both warnings", Duration::from_secs(60), |f| {
        posts(f, "CANNOUNCE", "[FIRING:1] Checkout error rate above 5%") == 1
            && posts(f, "CANNOUNCE", "Search p99 above 2s") == 1
    })
    .await;
    // The critical checkout alert matches the auto-declare rule: one SEV1.
    let ch = t.wait_ready(1).await;
    // Let Alertmanager re-send (repeat_interval 3s) a few times.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let metrics = t.get("/metrics").await.text().await.unwrap();
    let received: f64 = metrics
        .lines()
        .filter(|l| l.contains("endpoint=\"alerts\"") && l.contains("outcome=\"ok\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(received >= 4.0, "Alertmanager sent {received} times");
    assert_eq!(
        posts(&fake, "CANNOUNCE", "Search p99 above 2s"),
        1,
        "re-sends are not new warnings: {:#?}",
        fake.calls("chat.postMessage")
    );
    assert_eq!(
        posts(
            &fake,
            "CANNOUNCE",
            "[FIRING:1] Checkout error rate above 5%"
        ),
        1
    );
    assert_eq!(incident_count(&t).await, 1);
    // The search latency recovers: the warning says so, once.
    gauges.set(r#"app_latency_seconds{service="search"}"#, 0.5);
    fake.wait("the recovery", Duration::from_secs(60), |f| {
        posts(f, "CANNOUNCE", "Recovered") == 1
    })
    .await;
    let text = fake
        .calls("chat.postMessage")
        .into_iter()
        .find(|b| {
            b["channel"] == "CANNOUNCE" && b["text"].as_str().unwrap_or("").contains("Search p99")
        })
        .unwrap();
    eprintln!(
        "SAMPLE warning as posted:\n{}",
        text["text"].as_str().unwrap_or("")
    );
    assert!(
        text["text"]
            .as_str()
            .unwrap_or("")
            .contains("service=search"),
        "the alert's labels are shown: {text}"
    );
    // The checkout error rate recovers too: that lands on the incident's timeline.
    gauges.set(r#"app_error_ratio{service="checkout"}"#, 0.01);
    fake.wait(
        "the resolution in the incident",
        Duration::from_secs(60),
        |f| {
            f.messages(&ch.id)
                .iter()
                .any(|m| m.text.contains("Alert resolved"))
        },
    )
    .await;
    assert_eq!(incident_count(&t).await, 1);
    t.stop().await;
}
