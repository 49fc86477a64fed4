//! Nothing lost, nothing doubled: Slack outages, rate limits, lost answers and taken
//! channel names, against the fake Slack.

use crate::common;

use std::time::Duration;

use crate::common::fake_slack::{Channel, Failure, FakeSlack};
use crate::common::{TestDb, on_both_databases, spawn};

const WAIT: Duration = Duration::from_secs(30);

on_both_databases!(an_outage_of_500s_and_429s_delays_but_neither_loses_nor_doubles);
async fn an_outage_of_500s_and_429s_delays_but_neither_loses_nor_doubles(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    // Slack fails the next 31 calls, whatever they are: 500s, then 429s. A 429
    // pauses the method for every job (Slack's Retry-After is per method), so six
    // in a row hold creation for about six seconds.
    fake.fail("*", 25, Failure::ServerError);
    fake.fail("*", 6, Failure::RateLimited(1));
    for i in 1..=3 {
        let s = t
            .say(
                "UALICE",
                "CGENERAL",
                &format!("declare sev2 Outage number {i}"),
            )
            .await;
        assert!(
            s.contains(&format!("INC-{i}")),
            "commands are answered during the outage: {s}"
        );
    }
    for i in 1..=3 {
        t.say("UALICE", "CGENERAL", &format!("INC-{i} status identified"))
            .await;
        t.say("UALICE", "CGENERAL", &format!("INC-{i} note step {i}"))
            .await;
    }
    for i in 1..=3 {
        t.wait_ready(i).await;
    }
    fake.wait("every notice delivered", WAIT, |f| {
        (1..=3).all(|i| {
            let ch = f.channels_named(&format!("inc-{i}-")).pop();
            ch.is_some_and(|c| {
                f.messages(&c.id)
                    .iter()
                    .any(|m| m.text.contains(&format!("step {i}")))
            })
        }) && f.messages("CANNOUNCE").len() == 3
    })
    .await;
    // Let any stray retry land before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        fake.channels_named("inc-").len(),
        3,
        "{}: one channel each",
        db.label()
    );
    for i in 1..=3 {
        let ch = fake.channels_named(&format!("inc-{i}-")).pop().unwrap();
        let msgs = fake.messages(&ch.id);
        let texts: Vec<&str> = msgs.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts
                .iter()
                .filter(|t| t.contains(&format!("INC-{i} Outage number {i}")))
                .count(),
            1,
            "one headline: {texts:?}"
        );
        assert_eq!(
            texts
                .iter()
                .filter(|t| t.contains("Status → *Identified*"))
                .count(),
            1,
            "{texts:?}"
        );
        assert_eq!(
            texts
                .iter()
                .filter(|t| t.contains(&format!("step {i}")))
                .count(),
            1,
            "{texts:?}"
        );
        // In order: headline, status notice, note.
        let pos = |s: &str| texts.iter().position(|t| t.contains(s)).unwrap();
        assert!(
            pos("Outage number") < pos("Status →") && pos("Status →") < pos("step"),
            "{texts:?}"
        );
        assert_eq!(fake.pins().iter().filter(|(c, _)| *c == ch.id).count(), 1);
    }
    assert_eq!(fake.messages("CANNOUNCE").len(), 3);
    let m = t.get("/metrics").await.text().await.unwrap();
    assert!(m.contains("outcome=\"retry\""), "retries are counted");
    assert!(m.contains("warroom_jobs{state=\"failed\"} 0"), "{m}");
    t.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn a_taken_channel_name_gets_a_suffix_and_never_fails_the_declare() {
    let db = common::sqlite();
    let fake = FakeSlack::start().await;
    {
        let mut w = fake.world.lock().unwrap();
        for name in ["inc-1-db-failover", "inc-1-db-failover-2"] {
            w.channels.insert(
                name.into(),
                Channel {
                    id: name.into(),
                    name: name.into(),
                    creator: "USOMEONE".into(),
                    ..Default::default()
                },
            );
        }
    }
    let t = spawn(&db, &fake, "").await;
    t.say("UALICE", "CGENERAL", "declare sev2 DB failover")
        .await;
    let ch = t.wait_ready(1).await;
    let ours: Vec<_> = fake
        .channels_named("inc-1-")
        .into_iter()
        .filter(|c| c.creator == common::fake_slack::BOT_USER)
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].name, "inc-1-db-failover-3");
    assert_eq!(ch.id, ours[0].id);
    t.stop().await;
}

on_both_databases!(lost_answers_do_not_double_channels_or_messages);
async fn lost_answers_do_not_double_channels_or_messages(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    // Slack creates the channel and posts the headline, but the answers never
    // arrive (the client times out after 2 s), so warroom tries again.
    fake.fail(
        "conversations.create",
        1,
        Failure::SucceedThenHang(Duration::from_secs(4)),
    );
    fake.fail(
        "chat.postMessage",
        1,
        Failure::SucceedThenHang(Duration::from_secs(4)),
    );
    t.say("UALICE", "CGENERAL", "declare sev1 Payments down")
        .await;
    let ch = t.wait_ready(1).await;
    fake.wait("announcement", WAIT, |f| {
        !f.messages("CANNOUNCE").is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        fake.channels_named("inc-1").len(),
        1,
        "{}: the channel made by the lost attempt is adopted",
        db.label()
    );
    assert!(
        fake.call_count("conversations.create") >= 2,
        "it was retried"
    );
    let headlines = fake
        .messages(&ch.id)
        .into_iter()
        .filter(|m| m.text.contains("Payments down"))
        .count();
    assert_eq!(headlines, 1, "the headline is not posted twice");
    assert!(
        fake.call_count("conversations.history") >= 1,
        "the retry looked for the earlier post"
    );
    t.stop().await;
    db.cleanup().await;
}
