//! Telling customers, end to end: `/incident statusupdate` and the "Post status
//! update" form publish exactly what was written (escaped), only for the Comms
//! Lead, the IC and admins, never for a private incident; each update reaches a
//! fake of Statuspage's Manage API once as one incident (a 429 and a lost answer
//! retried without a second incident); the status page reminders follow the
//! severity table, and resolving asks for the resolution to be published.

use std::time::Duration;

use serde_json::json;

use crate::common::clocked::env;
use crate::common::fake_slack::FakeSlack;
use crate::common::fake_statuspage::{FakeStatuspage, KEY, PAGE};
use crate::common::{TestDb, on_both_databases, spawn, until};

const WAIT: Duration = Duration::from_secs(20);

fn components() -> &'static str {
    "[[status.components]]\nname = \"API\"\nservices = [\"api\"]\nstatuspage_id = \"k7f2m9x1q4ab\"\n\
     [[status.components]]\nname = \"Web app\"\nservices = [\"web\"]\n"
}

on_both_databases!(
    external_updates_are_published_as_written_and_reach_statuspage_once,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn external_updates_are_published_as_written_and_reach_statuspage_once(db: TestDb) {
    let fake = FakeSlack::start().await;
    let sp = FakeStatuspage::start().await;
    let extra = format!(
        "{}[status.statuspage]\napi_key = \"{KEY}\"\npage_id = \"{PAGE}\"\napi_url = \"{}\"\n",
        components(),
        sp.url
    );
    let t = spawn(&db, &fake, &extra).await;
    t.say("UALICE", "CGENERAL", "declare sev2 API 5xx at 12%")
        .await;
    let ch = t.wait_ready(1).await.id;
    t.say("UALICE", &ch, "service api").await;
    let a = t.say("UDAVE", &ch, "statusupdate We are looking").await;
    assert!(
        a.contains("Only the Communications Lead") && a.contains("Usage"),
        "{a}"
    );
    t.say("UALICE", &ch, "role comms <@UBOB>").await;

    // The first create goes through but its answer is lost: the retry finds it.
    sp.lose_next_answer();
    let a = t
        .say(
            "UBOB",
            &ch,
            "statusupdate We are investigating elevated error rates for the API. <script>x</script>",
        )
        .await;
    assert!(
        a.contains("Investigating — We are investigating elevated error rates for the API. &lt;script&gt;x&lt;/script&gt;"),
        "{a}"
    );
    until("published on Statuspage", || {
        sp.log.all().iter().any(|(m, _)| m == "PATCH")
    })
    .await;
    let incs = sp.incidents();
    assert_eq!(
        incs.len(),
        1,
        "no second incident after the lost answer: {incs:?}"
    );
    let i = &incs[0];
    assert_eq!(i["status"], "investigating");
    assert_eq!(i["components"], json!({"k7f2m9x1q4ab": "partial_outage"}));
    assert_eq!(i["metadata"]["warroom"]["incident"], "INC-1");
    assert!(
        i["body"].as_str().unwrap().ends_with("<script>x</script>"),
        "stored as plain text: {i}"
    );

    // The next one, after a 429.
    sp.faults.fail(1, 429);
    let a = t
        .say(
            "UBOB",
            &ch,
            "statusupdate identified A database migration has been identified as the cause.",
        )
        .await;
    assert!(a.contains("Identified — A database migration"), "{a}");
    until("patched", || sp.incidents()[0]["status"] == "identified").await;

    // The form: exactly what customers read, component by component.
    let click = json!({"type": "block_actions", "team": {"id": "T0001"}, "user": {"id": "UBOB"}, "trigger_id": "t.s",
        "container": {"type": "message", "message_ts": "1", "channel_id": ch}, "channel": {"id": ch},
        "response_url": fake.response_url("s"), "actions": [{"type": "button", "action_id": "status_update", "value": "1", "action_ts": "1"}]});
    assert_eq!(t.interaction(&click).await.status(), 200);
    fake.wait("status form", WAIT, |f| {
        f.views()
            .iter()
            .any(|v| v["view"]["callback_id"] == "statusupdate")
    })
    .await;
    let view = fake
        .views()
        .into_iter()
        .find(|v| v["view"]["callback_id"] == "statusupdate")
        .unwrap()
        .to_string();
    assert!(
        view.contains("What customers will read") && view.contains("Web app"),
        "{view}"
    );
    let sel = |v: &str| json!({"type": "static_select", "selected_option": {"value": v}});
    let txt = |v: &str| json!({"type": "plain_text_input", "value": v});
    let submit = json!({"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "UBOB"},
        "view": {"callback_id": "statusupdate", "private_metadata": "1", "state": {"values": {
            "status": {"status": sel("monitoring")}, "title": {"title": txt("Elevated API errors")},
            "body": {"body": txt("The rollback is complete and error rates are returning to normal.")},
            "c0": {"c0": sel("degraded_performance")}, "c1": {"c1": sel("unaffected")}}}}});
    assert_eq!(t.interaction(&submit).await.status(), 200);
    until("form published", || {
        sp.incidents()[0]["status"] == "monitoring"
    })
    .await;
    let i = &sp.incidents()[0];
    assert_eq!(i["name"], "Elevated API errors");
    assert_eq!(
        i["components"],
        json!({"k7f2m9x1q4ab": "degraded_performance"})
    );

    // A private incident publishes nothing.
    t.say("UALICE", "CGENERAL", "declare sev1 --private Payroll leak")
        .await;
    let private = t.wait_ready(2).await.id;
    let a = t.say("UALICE", &private, "statusupdate hello").await;
    assert!(a.contains("private: nothing about it is published"), "{a}");

    // Resolving asks for the resolution to be published.
    t.say("UALICE", &ch, "resolve Rolled back the migration")
        .await;
    fake.wait("resolution nudge", WAIT, |f| {
        f.messages(&ch).iter().any(|m| {
            m.text
                .starts_with(":mega: <@UBOB> please publish the resolution")
        })
    })
    .await;
    let tl = t.say("UALICE", &ch, "timeline").await;
    assert_eq!(tl.matches("Published for customers: [").count(), 3, "{tl}");
    assert!(
        tl.contains("Published on Statuspage (incident `p3nq8v2c7r00`)"),
        "{tl}"
    );
    assert_eq!(sp.incidents().len(), 1);
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(the_comms_lead_is_reminded_on_the_severity_cadence);
async fn the_comms_lead_is_reminded_on_the_severity_cadence(db: TestDb) {
    let e = env(
        &db,
        &format!("[reminders]\nescalate_after = 0\n{}", components()),
    )
    .await;
    let c1 = e.declare(1, "sev1 Checkout down").await;
    let c3 = e.declare(2, "sev3 Thumbnails missing").await;
    let reminders = |c: &str| {
        e.fake
            .messages(c)
            .iter()
            .filter(|m| m.text.contains("customers have heard nothing since"))
            .count()
    };
    e.advance(14).await;
    assert_eq!(reminders(&c1), 0);
    e.advance(1).await;
    assert_eq!(reminders(&c1), 1, "15 minutes after declaring");
    assert!(
        e.fake
            .messages(&c1)
            .iter()
            .any(|m| m.text.contains("since the incident was declared"))
    );
    e.t.say(
        "UALICE",
        &c1,
        "statusupdate We are investigating checkout failures.",
    )
    .await;
    e.advance(29).await;
    assert_eq!(reminders(&c1), 1, "the update reset the clock");
    e.advance(1).await;
    assert_eq!(
        reminders(&c1),
        2,
        "30 minutes after the last external update"
    );
    assert!(
        e.fake
            .messages(&c1)
            .iter()
            .any(|m| m.text.contains("since the last external update"))
    );
    assert_eq!(
        reminders(&c3),
        0,
        "a SEV3's row asks for no status page update"
    );
    e.t.say(
        "UALICE",
        &c1,
        "statusupdate resolved This incident has been resolved.",
    )
    .await;
    e.advance(60).await;
    assert_eq!(reminders(&c1), 2, "told it is over: no more reminders");
    // Reopened: customers were told it was over, so the reminders start again.
    e.t.say("UALICE", &c1, "resolve Fixed").await;
    e.t.say("UALICE", &c1, "reopen").await;
    e.advance(30).await;
    assert_eq!(
        reminders(&c1),
        3,
        "reminded again 30 minutes after reopening"
    );
    e.t.stop().await;
    db.cleanup().await;
}
