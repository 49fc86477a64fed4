//! Follow-ups that come back and owners who are chased (issue 26, items 6 and 7), on
//! both databases: an incident found to affect a service hears, in its channel, the
//! action items earlier incidents on that service left open (done ones are not told,
//! nor those of other services); its postmortem lists them; the insights count it as a
//! repeat incident. An item's owner is told by direct message when it falls due, then
//! weekly, until it is done.

use std::time::Duration;

use serde_json::Value;

use crate::common::clocked::env;
use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn};

on_both_databases!(
    open_follow_ups_of_a_service_come_back,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn open_follow_ups_of_a_service_come_back(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;

    // INC-1 on api left two items: one done, one open and overdue.
    t.say("UALICE", "CGENERAL", "declare sev2 API pool exhausted")
        .await;
    let c1 = t.wait_ready(1).await;
    t.say("UALICE", &c1.id, "service api").await;
    let said = t
        .say(
            "UALICE",
            &c1.id,
            "action add a connection-pool alarm <@UBOB> due 2026-01-05 p1",
        )
        .await;
    assert!(said.contains("Action item #1 recorded"), "{said}");
    t.say("UALICE", &c1.id, "action raise the pool size").await;
    t.say("UALICE", &c1.id, "action done 2").await;
    // INC-2 on web: nothing of api's concerns it.
    t.say("UCAROL", "CGENERAL", "declare sev3 Web assets slow")
        .await;
    let c2 = t.wait_ready(2).await;
    t.say("UCAROL", &c2.id, "service web").await;

    // INC-3 comes to api: the open item of INC-1 is posted in its channel.
    t.say("UDAVE", "CGENERAL", "declare sev2 API errors again")
        .await;
    let c3 = t.wait_ready(3).await;
    t.say("UDAVE", &c3.id, "service api,db").await;
    let told = |f: &FakeSlack| {
        f.messages(&c3.id)
            .iter()
            .map(|m| m.text.clone())
            .find(|t| t.contains("Open follow-ups"))
    };
    fake.wait("the follow-ups told", Duration::from_secs(10), |f| {
        told(f).is_some()
    })
    .await;
    let text = told(&fake).unwrap_or_default();
    assert!(
        text.contains("INC-1 action 1, *add a connection-pool alarm*, <@UBOB>, due"),
        "{text}"
    );
    assert!(text.contains("days ago, still open"), "{text}");
    assert!(
        !text.contains("raise the pool size"),
        "a done item is not told"
    );
    // Naming the services again tells nothing twice.
    t.say("UDAVE", &c3.id, "service api,db").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let times = fake
        .messages(&c3.id)
        .iter()
        .filter(|m| m.text.contains("Open follow-ups"))
        .count();
    assert_eq!(times, 1, "told once");
    // INC-2's channel heard nothing.
    assert!(
        !fake
            .messages(&c2.id)
            .iter()
            .any(|m| m.text.contains("Open follow-ups"))
    );

    // The postmortem lists them; the insights count a repeat incident.
    let md = t
        .get("/incidents/INC-3/postmortem.md")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        md.contains("### Open follow-ups from earlier incidents on this service"),
        "{md}"
    );
    assert!(
        md.contains("- INC-1 action 1: add a connection-pool alarm"),
        "{md}"
    );
    let j: Value = t.get("/insights.json").await.json().await.unwrap();
    assert_eq!(j["actions"]["repeat_incidents"], 1, "{}", j["actions"]);
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(
    owners_are_told_when_items_fall_due_then_weekly,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn owners_are_told_when_items_fall_due_then_weekly(db: TestDb) {
    // Monday 2026-11-23 14:00 UTC; the display zone is UTC.
    let e = env(&db, "[reminders]\nescalate_after = 0").await;
    let ch = e.declare(1, "sev3 Slow reports").await;
    e.t.say(
        "UALICE",
        &ch,
        "action add an index on reports <@UBOB> due 2026-11-25",
    )
    .await;
    e.t.say("UALICE", &ch, "action document the cache <@UCAROL>")
        .await;
    let told = |who: &str| {
        e.fake
            .messages(who)
            .iter()
            .filter(|m| m.text.contains("Your action item from *INC-1*"))
            .count()
    };
    // Wednesday 08:59: not yet; 09:00: told once.
    e.advance_by(chrono::Duration::minutes(43 * 60 - 1)).await;
    assert_eq!(told("UBOB"), 0, "not before 09:00 on the due date");
    e.advance(1).await;
    e.fake
        .wait("the owner told", Duration::from_secs(10), |f| {
            f.messages("UBOB")
                .iter()
                .any(|m| m.text.contains("is due today"))
        })
        .await;
    assert_eq!(told("UBOB"), 1);
    assert_eq!(
        told("UCAROL"),
        0,
        "an item without a due date is not chased"
    );
    // A week on, still open: told again, with how late.
    e.advance_by(chrono::Duration::days(7)).await;
    e.fake
        .wait("told again", Duration::from_secs(10), |f| {
            f.messages("UBOB")
                .iter()
                .any(|m| m.text.contains("was due 7 days ago"))
        })
        .await;
    // Done: the chase stops.
    e.t.say("UBOB", &ch, "action done 1").await;
    e.advance_by(chrono::Duration::days(14)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(told("UBOB"), 2, "nothing after it is done");
    e.t.stop().await;
    db.cleanup().await;
}
