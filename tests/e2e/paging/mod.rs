//! Pages out, end to end: declaring a SEV1 triggers a PagerDuty alert under the
//! incident's dedup key (through a fake built from the Events API v2 reference), the
//! commander's acknowledgement acknowledges it, the resolution resolves it; a 429 and
//! a 500 are retried without doubling anything; a SEV3 pages nobody; a refused event
//! is told in the incident's channel; Opsgenie gets an alert by alias (priority and
//! team), acknowledged and closed, through a fake built from its Alert API reference.

mod oncall;

use std::time::Duration;

use serde_json::Value;

use crate::common::fake_opsgenie::FakeOpsgenie;
use crate::common::fake_pagerduty::FakePagerDuty;
use crate::common::fake_slack::FakeSlack;
use crate::common::{TestApp, TestDb, on_both_databases, spawn};

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn settings(pd: &FakePagerDuty, key: &str) -> String {
    format!(
        "[paging.pagerduty]\nrouting_key = \"{key}\"\nevents_url = \"{}\"\nseverities = [\"sev1\", \"sev2\"]\n",
        pd.url
    )
}

/// The events PagerDuty accepted, once there are `n` (panics after 15 s).
pub(crate) async fn wait_events(pd: &FakePagerDuty, n: usize) -> Vec<Value> {
    for _ in 0..300 {
        let a = pd.accepted.all();
        if a.len() >= n {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("PagerDuty got {:?}", pd.accepted.all());
}

async fn timeline(t: &TestApp, ch: &str) -> String {
    t.say("UALICE", ch, "timeline").await
}

on_both_databases!(
    a_sev1_pages_and_its_resolution_resolves,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_sev1_pages_and_its_resolution_resolves(db: TestDb) {
    let fake = FakeSlack::start().await;
    let pd = FakePagerDuty::start().await;
    let t = spawn(&db, &fake, &settings(&pd, KEY)).await;
    pd.faults.fail(1, 429);
    pd.faults.fail(1, 500);
    t.say("UALICE", "CGENERAL", "declare sev1 Checkout down")
        .await;
    let ch = t.wait_ready(1).await;
    let events = wait_events(&pd, 2).await;
    let trigger = &events[0];
    assert_eq!(trigger["event_action"], "trigger");
    assert_eq!(trigger["dedup_key"], "warroom/INC-1");
    assert_eq!(trigger["routing_key"], KEY);
    assert_eq!(trigger["payload"]["severity"], "critical");
    assert_eq!(trigger["payload"]["source"], "warroom");
    assert_eq!(trigger["payload"]["summary"], "INC-1 SEV1: Checkout down");
    // Declared by Alice, who is its commander: acknowledged right behind the page.
    assert_eq!(events[1]["event_action"], "acknowledge");
    assert_eq!(events[1]["dedup_key"], "warroom/INC-1");
    assert_eq!(pd.received.len(), 4, "the 429 and the 500 were retried");
    // A SEV3 pages nobody.
    t.say("UBOB", "CGENERAL", "declare sev3 Slow reports").await;
    t.wait_ready(2).await;
    // Downgraded, it still had a page out: its resolution resolves that.
    let answer = t.say("UALICE", &ch.id, "sev 3").await;
    assert!(answer.contains("SEV3"), "{answer}");
    let answer = t
        .say("UALICE", &ch.id, "resolve Rolled back the deploy")
        .await;
    assert!(answer.contains("resolved"), "{answer}");
    let events = wait_events(&pd, 3).await;
    assert_eq!(events[2]["event_action"], "resolve");
    assert_eq!(events[2]["dedup_key"], "warroom/INC-1");
    // The SEV3 was never paged: resolving it tells PagerDuty nothing.
    let sev3 = t.incident_channel(2).unwrap();
    let answer = t.say("UBOB", &sev3.id, "resolve Report cache warmed").await;
    assert!(answer.contains("resolved"), "{answer}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        pd.accepted.all().len(),
        3,
        "nothing doubled, nothing for the SEV3"
    );
    let tl = timeline(&t, &ch.id).await;
    assert_eq!(
        tl.matches("Paged PagerDuty (critical alert").count(),
        1,
        "{tl}"
    );
    assert!(tl.contains("PagerDuty alert acknowledged"), "{tl}");
    assert!(tl.contains("PagerDuty alert resolved"), "{tl}");
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(
    an_incident_declared_by_warroom_is_acknowledged_by_its_commander,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn an_incident_declared_by_warroom_is_acknowledged_by_its_commander(db: TestDb) {
    let fake = FakeSlack::start().await;
    let pd = FakePagerDuty::start().await;
    let extra = format!(
        "{}[alerts]\nalertmanager.token = \"am\"\n[[auto_declare]]\nwatcher = \"alerts\"\nseverity = \"sev1\"\n",
        settings(&pd, KEY)
    );
    let t = spawn(&db, &fake, &extra).await;
    let body = serde_json::json!({"version": "4", "groupKey": "{}:{alertname=\"Down\"}", "status": "firing",
        "alerts": [{"status": "firing", "labels": {"alertname": "Down", "severity": "critical"},
        "annotations": {"summary": "Payments down"}, "startsAt": "2026-03-02T10:00:00Z"}]});
    assert_eq!(t.alert("am", &body).await.status(), 200);
    let ch = t.wait_ready(1).await;
    let events = wait_events(&pd, 1).await;
    assert_eq!(events[0]["event_action"], "trigger");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(pd.accepted.all().len(), 1, "nobody has acknowledged yet");
    // Bob takes command and acts: that acknowledges the page, once.
    let took = t.say("UBOB", &ch.id, "role ic <@UBOB>").await;
    assert!(took.contains("UBOB"), "{took}");
    t.say("UBOB", &ch.id, "status investigating").await;
    t.say("UBOB", &ch.id, "note looking").await;
    let events = wait_events(&pd, 2).await;
    assert_eq!(events[1]["event_action"], "acknowledge");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(pd.accepted.all().len(), 2);
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(
    a_refused_page_is_told_in_the_channel,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_refused_page_is_told_in_the_channel(db: TestDb) {
    let fake = FakeSlack::start().await;
    let pd = FakePagerDuty::start().await;
    // PagerDuty's keys are 32 characters: this one is refused with a 400.
    let t = spawn(&db, &fake, &settings(&pd, "too-short")).await;
    t.say("UALICE", "CGENERAL", "declare sev2 Search slow")
        .await;
    let ch = t.wait_ready(1).await;
    fake.wait("the refusal in the channel", Duration::from_secs(15), |f| {
        f.messages(&ch.id)
            .iter()
            .any(|m| m.text.contains("PagerDuty refused the trigger (400)"))
    })
    .await;
    assert!(pd.accepted.all().is_empty());
    let tl = timeline(&t, &ch.id).await;
    assert!(tl.contains("PagerDuty refused the trigger"), "{tl}");
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(
    opsgenie_gets_an_alert_by_alias_acknowledged_and_closed,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn opsgenie_gets_an_alert_by_alias_acknowledged_and_closed(db: TestDb) {
    let fake = FakeSlack::start().await;
    let og = FakeOpsgenie::start("og-integration-key").await;
    let extra = format!(
        "[paging.opsgenie]\napi_key = \"og-integration-key\"\napi_url = \"{}\"\nteams = [\"payments\"]\n",
        og.url
    );
    let t = spawn(&db, &fake, &extra).await;
    t.say("UALICE", "CGENERAL", "declare sev2 Card payments failing")
        .await;
    let ch = t.wait_ready(1).await;
    for _ in 0..300 {
        if og.accepted.all().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = og.accepted.all();
    assert_eq!(got.len(), 2, "{got:?}");
    let (what, alert) = &got[0];
    assert_eq!(what, "create");
    assert_eq!(alert["alias"], "warroom-INC-1");
    assert_eq!(alert["priority"], "P2");
    assert_eq!(alert["message"], "INC-1 SEV2: Card payments failing");
    assert_eq!(
        alert["responders"][0],
        serde_json::json!({"type": "team", "name": "payments"})
    );
    assert_eq!(got[1].0, "acknowledge");
    let answer = t.say("UALICE", &ch.id, "resolve Gateway failover").await;
    assert!(answer.contains("resolved"), "{answer}");
    for _ in 0..300 {
        if og.status("warroom-INC-1").as_deref() == Some("closed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(og.status("warroom-INC-1").as_deref(), Some("closed"));
    let tl = timeline(&t, &ch.id).await;
    assert!(tl.contains("Paged Opsgenie (P2 alert, alias"), "{tl}");
    assert!(tl.contains("Opsgenie alert resolved"), "{tl}");
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(
    a_severity_raised_into_a_paged_one_pages_once,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_severity_raised_into_a_paged_one_pages_once(db: TestDb) {
    let fake = FakeSlack::start().await;
    let pd = FakePagerDuty::start().await;
    let t = spawn(&db, &fake, &settings(&pd, KEY)).await;
    t.say("UBOB", "CGENERAL", "declare sev3 Slow reports").await;
    let ch = t.wait_ready(1).await.id;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(pd.accepted.all().is_empty(), "a SEV3 pages nobody");
    let a = t.say("UBOB", &ch, "sev 1").await;
    assert!(a.contains("SEV1"), "{a}");
    let events = wait_events(&pd, 2).await;
    assert_eq!(events[0]["event_action"], "trigger");
    assert_eq!(events[0]["payload"]["severity"], "critical");
    // Bob declared it and commands it: acknowledged already, so acknowledged at once.
    assert_eq!(events[1]["event_action"], "acknowledge");
    // Down and up again: the page is out already.
    t.say("UBOB", &ch, "sev 3").await;
    t.say("UBOB", &ch, "sev 1").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(pd.accepted.all().len(), 2, "{:?}", pd.accepted.all());
    let tl = timeline(&t, &ch).await;
    assert_eq!(
        tl.matches("Paged PagerDuty (critical alert").count(),
        1,
        "{tl}"
    );
    t.stop().await;
    db.cleanup().await;
}
