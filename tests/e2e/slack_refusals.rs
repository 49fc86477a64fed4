//! Slack refusing for good, end to end on SQLite and PostgreSQL: the person who asked
//! is told what failed and what to do, the timeline records it, `/metrics` counts it
//! by method and error, and an incident whose channel Slack would not create stays
//! recorded until a later command sets it up.

use std::time::Duration;

use crate::common::fake_slack::{Failure, FakeSlack};
use crate::common::{TestDb, on_both_databases, spawn};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(15);

fn text_of(v: &Value) -> String {
    v["text"].as_str().unwrap_or_default().to_string()
}

on_both_databases!(a_channel_slack_will_not_create_is_told_and_finished_later);
async fn a_channel_slack_will_not_create_is_told_and_finished_later(db: TestDb) {
    let fake = FakeSlack::start().await;
    fake.refuse_always("conversations.create", "restricted_action");
    let t = spawn(&db, &fake, "[incidents.responders]\nsev2 = [\"UCAROL\"]").await;
    let a = t
        .say("UALICE", "CGENERAL", "declare sev2 Payments failing")
        .await;
    assert!(a.contains("Declared *INC-1*"), "{a}");
    // The declarer hears what failed and what to do, where they declared.
    fake.wait("declarer told", WAIT, |f| {
        f.ephemeral().iter().any(|e| {
            e["user"] == "UALICE"
                && e["channel"] == "CGENERAL"
                && text_of(e).contains("restricted_action")
        })
    })
    .await;
    let told: Vec<String> = fake.ephemeral().iter().map(text_of).collect();
    assert!(
        told.iter()
            .any(|t| t.contains("ask a Slack admin") && t.contains("`/incident INC-1 show`")),
        "{told:?}"
    );
    // The announcement does not promise a channel that will never come.
    fake.wait("announced", WAIT, |f| !f.messages("CANNOUNCE").is_empty())
        .await;
    let ann = &fake.messages("CANNOUNCE")[0].text;
    assert!(
        ann.contains("no channel: Slack did not create it (`restricted_action`)")
            && !ann.contains("being created"),
        "{ann}"
    );
    let page = t.get("/incidents/INC-1").await.text().await.unwrap();
    assert!(
        page.contains("Slack refused to create the incident") && page.contains("Problem"),
        "timeline records it"
    );
    let m = t.get("/metrics").await.text().await.unwrap();
    assert!(
        m.contains(
            "warroom_slack_errors_total{error=\"restricted_action\",method=\"conversations.create\"} 1"
        ),
        "{m}"
    );
    // Once allowed, any command on the incident finishes the set-up.
    fake.accept("conversations.create");
    let a = t.say("UBOB", "CGENERAL", "INC-1 show").await;
    assert!(a.contains("INC-1"), "{a}");
    let ch = t.wait_ready(1).await;
    fake.wait("invited", WAIT, |f| {
        f.channel(&ch.id).is_some_and(|c| {
            ["UALICE", "UCAROL"]
                .iter()
                .all(|u| c.members.contains(&u.to_string()))
        })
    })
    .await;
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(posts_slack_refuses_are_told_to_the_commander_once);
async fn posts_slack_refuses_are_told_to_the_commander_once(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    t.say("UALICE", "CGENERAL", "declare sev3 Disk filling")
        .await;
    let ch = t.wait_ready(1).await.id;
    fake.archive(&ch);
    t.say("UALICE", &ch, "note cleaning /var/log").await;
    t.say("UALICE", &ch, "note still cleaning").await;
    // Ephemeral in an archived channel is impossible: a direct message instead.
    fake.wait("commander told", WAIT, |f| {
        f.messages("UALICE")
            .iter()
            .any(|m| m.text.contains("is_archived") && m.text.contains("unarchive it"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.messages("UALICE").len(), 1, "told once, not per post");
    let page = t.get("/incidents/INC-1").await.text().await.unwrap();
    assert!(
        page.contains("Slack refused to post in the incident"),
        "{page}"
    );
    assert!(
        page.contains("cleaning /var/log"),
        "the timeline keeps what could not be posted"
    );
    let m = t.get("/metrics").await.text().await.unwrap();
    assert!(
        m.contains(
            "warroom_slack_errors_total{error=\"is_archived\",method=\"chat.postMessage\"} 2"
        ),
        "{m}"
    );
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(a_refused_shape_is_posted_as_text_and_a_form_that_did_not_open_is_explained);
async fn a_refused_shape_is_posted_as_text_and_a_form_that_did_not_open_is_explained(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    t.say("UALICE", "CGENERAL", "declare sev3 Search slow")
        .await;
    let ch = t.wait_ready(1).await.id;
    // The announcement can come after the pin: the failure below is for the note.
    fake.wait("announced", WAIT, |f| !f.messages("CANNOUNCE").is_empty())
        .await;
    fake.fail(
        "chat.postMessage",
        1,
        Failure::Error("invalid_blocks".into()),
    );
    t.say("UALICE", &ch, "note reindexing shard 4").await;
    fake.wait("posted as text", WAIT, |f| {
        f.messages(&ch)
            .iter()
            .any(|m| m.text.contains("reindexing shard 4") && m.blocks.is_null())
    })
    .await;
    fake.refuse_always("views.open", "expired_trigger_id");
    let v = t.command("UALICE", "CGENERAL", "declare").await;
    assert!(v.is_null(), "the form is opened after the ack: {v}");
    fake.wait("told why no form", WAIT, |f| {
        f.responses()
            .iter()
            .any(|r| text_of(r).contains("Slack did not open the form (`expired_trigger_id`"))
    })
    .await;
    t.stop().await;
    db.cleanup().await;
}
