//! The update cadence, escalation, postmortem reminders and the weekly digest, with an
//! injected clock that the tests move forward (no sleeping for minutes), the fake
//! Slack behind, and the real server and jobs worker.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use crate::common::clocked::{Env, env, t0};
use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn_with_clock};
use warroom::clock::ManualClock;

const WAIT: Duration = Duration::from_secs(15);

on_both_databases!(cadence_follows_severity_and_monitoring_halves_the_rate);
async fn cadence_follows_severity_and_monitoring_halves_the_rate(db: TestDb) {
    let e = env(&db, "[reminders]\nescalate_after = 0").await;
    let c1 = e.declare(1, "sev1 Checkout down").await;
    let c2 = e.declare(2, "sev2 Search slow").await;
    let c3 = e.declare(3, "sev3 Thumbnails missing").await;
    let c4 = e.declare(4, "sev4 Typo on status page").await;
    let c5 = e.declare(5, "sev1 Replica lag").await;
    e.t.say("UALICE", &c5, "status monitoring").await;

    e.advance(15).await;
    assert_eq!(
        [
            e.reminders(&c1),
            e.reminders(&c2),
            e.reminders(&c3),
            e.reminders(&c4),
            e.reminders(&c5)
        ],
        [1, 0, 0, 0, 0]
    );
    e.advance(15).await; // 30 min
    assert_eq!(
        [
            e.reminders(&c1),
            e.reminders(&c2),
            e.reminders(&c3),
            e.reminders(&c4),
            e.reminders(&c5)
        ],
        [2, 1, 0, 0, 1]
    );
    e.advance(15).await;
    e.advance(15).await; // 60 min
    assert_eq!(
        [
            e.reminders(&c1),
            e.reminders(&c2),
            e.reminders(&c3),
            e.reminders(&c4),
            e.reminders(&c5)
        ],
        [4, 2, 1, 0, 2]
    );

    // The reminder mentions the IC, carries the seed's template and a button.
    let r = e
        .fake
        .messages(&c1)
        .into_iter()
        .find(|m| m.text.starts_with(":alarm_clock:"))
        .unwrap();
    assert!(
        r.text.contains("<@UALICE> an update on *INC-1* is due"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("> Incident Update — Checkout down — SEV1 — 14:15 UTC"),
        "{}",
        r.text
    );
    assert!(r.text.contains("> *Next update*: 14:30 UTC"), "{}", r.text);
    assert!(r.blocks.to_string().contains("post_update"));
    let tl = e.t.say("UALICE", &c1, "timeline").await;
    assert_eq!(tl.matches("*Reminder* Update reminder").count(), 4, "{tl}");
    e.t.stop().await;
}

on_both_databases!(posting_an_update_resets_the_clock_and_severity_recomputes_it);
async fn posting_an_update_resets_the_clock_and_severity_recomputes_it(db: TestDb) {
    let e = env(&db, "[reminders]\nescalate_after = 0").await;
    let c = e.declare(1, "sev2 Search slow").await;
    e.advance(20).await;
    e.t.say("UBOB", &c, "note reindexing shard 3").await;
    let s =
        e.t.say("UALICE", &c, "update Reindexing the hot shard")
            .await;
    assert!(s.contains("Next update due at 14:50 UTC"), "{s}");
    e.settle().await;
    let update = e
        .fake
        .messages(&c)
        .into_iter()
        .find(|m| m.text.starts_with("Incident Update"))
        .unwrap();
    assert!(
        update.text.contains("*Next update*: 14:50 UTC"),
        "{}",
        update.text
    );
    e.advance(10).await; // 14:30: would have been due without the update
    assert_eq!(e.reminders(&c), 0, "{}", db.label());
    e.advance(20).await; // 14:50
    assert_eq!(e.reminders(&c), 1);

    // Raised to SEV1 at 15:10, 20 min after the last reminder: due at once (15 min cadence
    // counted from the last update at 14:20), then every 15 min.
    e.advance(20).await;
    assert_eq!(e.reminders(&c), 1, "SEV2's next is 15:20");
    e.t.say("UALICE", &c, "sev 1").await;
    e.settle().await;
    assert_eq!(
        e.reminders(&c),
        2,
        "overdue under the SEV1 cadence: due now"
    );
    e.advance(15).await;
    assert_eq!(e.reminders(&c), 3);

    // The "Edit and post this update" button opens the form with the draft...
    let click = serde_json::json!({"type": "block_actions", "team": {"id": "T0001"}, "user": {"id": "UALICE"}, "trigger_id": "trig.draft",
        "container": {"type": "message", "message_ts": "1", "channel_id": c}, "channel": {"id": c}, "response_url": e.fake.response_url("d"),
        "actions": [{"type": "button", "action_id": "post_update", "value": "1", "action_ts": "1"}]});
    assert_eq!(e.t.interaction(&click).await.status(), 200);
    e.fake
        .wait("update form", WAIT, |f| {
            f.views()
                .iter()
                .any(|v| v["view"]["callback_id"] == "update")
        })
        .await;
    let view = e
        .fake
        .views()
        .into_iter()
        .find(|v| v["view"]["callback_id"] == "update")
        .unwrap();
    let initial = view["view"]["blocks"][1]["element"]["initial_value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(initial.contains("severity SEV2 → SEV1"), "{initial}");
    let intro = view["view"]["blocks"][0]["text"]["text"].as_str().unwrap();
    assert!(
        intro.starts_with("*Incident Update — ")
            && intro.contains("*Status*: ")
            && intro.contains("*IC*: <@UALICE>"),
        "the form shows the draft's header: {intro}"
    );
    // ...and submitting it posts the update and resets the clock.
    let submit = serde_json::json!({"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "UALICE"},
        "view": {"callback_id": "update", "private_metadata": "1", "state": {"values": {"text": {"text": {"type": "plain_text_input", "value": initial}}}}}});
    assert_eq!(e.t.interaction(&submit).await.status(), 200);
    e.settle().await;
    assert_eq!(
        e.fake
            .messages(&c)
            .iter()
            .filter(|m| m.text.starts_with("Incident Update"))
            .count(),
        2
    );
    e.advance(14).await;
    assert_eq!(e.reminders(&c), 3, "reset by the form's update");
    e.advance(1).await;
    assert_eq!(e.reminders(&c), 4);
    e.t.stop().await;
    db.cleanup().await;
}

on_both_databases!(unanswered_reminders_escalate_and_resolution_stops_them);
async fn unanswered_reminders_escalate_and_resolution_stops_them(db: TestDb) {
    let e = env(
        &db,
        "[reminders]\nescalate_after = 2\nescalation_contacts = [\"UDAVE\", \"SONCALL\"]",
    )
    .await;
    let c = e.declare(1, "sev1 Payments failing").await;
    e.advance(15).await;
    assert!(
        !e.fake
            .messages(&c)
            .iter()
            .any(|m| m.text.contains("*Escalation*"))
    );
    e.advance(15).await;
    let esc = e
        .fake
        .messages(&c)
        .into_iter()
        .find(|m| m.text.contains("*Escalation*"))
        .expect("escalated after 2");
    assert!(
        esc.text.contains("2 update reminders went unanswered")
            && esc.text.contains("<@UDAVE>")
            && esc.text.contains("<!subteam^SONCALL>"),
        "{}",
        esc.text
    );
    e.fake
        .wait("contact invited", WAIT, |f| {
            f.channel(&c)
                .unwrap()
                .members
                .contains(&"UDAVE".to_string())
        })
        .await;
    assert!(
        e.fake
            .messages("CANNOUNCE")
            .iter()
            .any(|m| m.text.starts_with(":sos: *INC-1: Payments failing*"))
    );
    let tl = e.t.say("UALICE", &c, "timeline").await;
    assert!(
        tl.contains("*Escalation* 2 update reminders went unanswered"),
        "{tl}"
    );

    // An update answers; two more misses escalate again.
    e.t.say(
        "UALICE",
        &c,
        "update Failing over to the secondary processor",
    )
    .await;
    e.advance(15).await;
    e.advance(15).await;
    assert_eq!(
        e.fake
            .messages(&c)
            .iter()
            .filter(|m| m.text.contains("*Escalation*"))
            .count(),
        2
    );

    // Resolved: silence, however long we wait.
    e.t.say("UALICE", &c, "resolve Failed over").await;
    e.settle().await;
    let before = e.reminders(&c);
    e.advance(120).await;
    assert_eq!(e.reminders(&c), before);
    e.t.stop().await;
}

on_both_databases!(a_cadence_can_be_set_for_one_severity_in_one_status);
async fn a_cadence_can_be_set_for_one_severity_in_one_status(db: TestDb) {
    let e = env(
        &db,
        "[reminders]\nescalate_after = 0\n[reminders.overrides]\n\"sev2.identified\" = \"10m\"",
    )
    .await;
    let c = e.declare(1, "sev2 Search is slow").await;
    e.advance(9).await;
    assert_eq!(e.reminders(&c), 0);
    e.t.say("UALICE", &c, "status identified").await;
    e.advance(1).await;
    assert_eq!(
        e.reminders(&c),
        1,
        "identified SEV2s owe an update every 10 minutes"
    );
    e.t.say("UALICE", &c, "status investigating").await;
    e.advance(20).await;
    assert_eq!(
        e.reminders(&c),
        1,
        "back to the SEV2 cadence of 30 minutes, from the last reminder"
    );
    e.advance(10).await;
    assert_eq!(e.reminders(&c), 2);
    e.t.stop().await;
}

on_both_databases!(a_role_or_status_change_after_a_reminder_does_not_bring_the_next_one_forward);
async fn a_role_or_status_change_after_a_reminder_does_not_bring_the_next_one_forward(db: TestDb) {
    let e = env(&db, "[reminders]\nescalate_after = 2").await;
    let c = e.declare(1, "sev2 Checkout latency").await;
    e.advance(30).await;
    assert_eq!(e.reminders(&c), 1);
    // Five minutes after the reminder, a new role, a new status and the Take IC path:
    // none is an update, and none may fire the next reminder (or escalate) early.
    e.advance(5).await;
    e.t.say("UALICE", &c, "role ops <@UBOB|bob>").await;
    e.t.say("UALICE", &c, "status identified").await;
    e.t.say("UALICE", &c, "role ic <@UCAROL|carol>").await;
    e.settle().await;
    assert_eq!(
        e.reminders(&c),
        1,
        "no reminder for a role or status change"
    );
    assert!(
        !e.fake
            .messages(&c)
            .iter()
            .any(|m| m.text.contains("*Escalation*"))
    );
    e.advance(24).await;
    assert_eq!(e.reminders(&c), 1);
    // The cadence kept its slot: the second reminder at 15:00, and it escalates.
    e.advance(1).await;
    assert_eq!(e.reminders(&c), 2);
    assert!(
        e.fake
            .messages(&c)
            .iter()
            .any(|m| m.text.contains("*Escalation*"))
    );
    e.t.stop().await;
}

on_both_databases!(a_sev1_commander_who_does_not_acknowledge_is_escalated);
async fn a_sev1_commander_who_does_not_acknowledge_is_escalated(db: TestDb) {
    let e = env(
        &db,
        "[reminders]\nescalation_contacts = [\"UDAVE\"]\nsev1 = \"1h\"",
    )
    .await;
    let c = e.declare(1, "sev1 Login down").await;
    // Alice hands command to Bob, who does not react.
    e.t.say("UALICE", &c, "role ic <@UBOB|bob>").await;
    e.advance(4).await;
    assert!(
        !e.fake
            .messages(&c)
            .iter()
            .any(|m| m.text.contains("*Escalation*"))
    );
    e.advance(1).await;
    let esc = e
        .fake
        .messages(&c)
        .into_iter()
        .find(|m| m.text.contains("*Escalation*"))
        .expect("escalated at 5 min");
    assert!(
        esc.text
            .contains("no acknowledgement from the Incident Commander (<@UBOB>)"),
        "{}",
        esc.text
    );
    // Others keep working while Bob stays silent: no change re-arms the check.
    let escalations = |e: &common::clocked::Env| {
        e.fake
            .messages(&c)
            .iter()
            .filter(|m| m.text.contains("*Escalation*"))
            .count()
    };
    e.t.say("UALICE", &c, "role ops <@UCAROL|carol>").await;
    e.t.say("UALICE", &c, "status identified").await;
    e.advance(1).await;
    e.t.say("UCAROL", &c, "role sme <@UDAVE|dave>").await;
    e.advance(6).await;
    assert_eq!(escalations(&e), 1, "escalated once for Bob's silence");
    // A new commander who stays silent arms it afresh.
    e.t.say("UALICE", &c, "role ic <@UCAROL|carol>").await;
    e.advance(5).await;
    assert_eq!(escalations(&e), 2, "Carol's silence is a new escalation");

    // Another incident: Carol is made IC and acts within the five minutes.
    let c2 = e.declare(2, "sev1 API down").await;
    e.t.say("UALICE", &c2, "role ic <@UCAROL|carol>").await;
    e.advance(2).await;
    e.t.say("UCAROL", &c2, "note looking at the load balancer")
        .await;
    e.advance(10).await;
    assert!(
        !e.fake
            .messages(&c2)
            .iter()
            .any(|m| m.text.contains("*Escalation*"))
    );
    e.t.stop().await;
}

on_both_databases!(postmortem_reminders_after_48_hours_then_daily_at_most_three);
async fn postmortem_reminders_after_48_hours_then_daily_at_most_three(db: TestDb) {
    let e = env(&db, "[reminders]\nescalate_after = 0").await;
    let c1 = e.declare(1, "sev2 Orders delayed").await;
    let c2 = e.declare(2, "sev3 Minor glitch").await;
    let c3 = e.declare(3, "sev1 Outage").await;
    for c in [&c1, &c2, &c3] {
        e.t.say("UALICE", c, "resolve fixed").await;
    }
    e.t.say("UALICE", &c3, "postmortem done").await;
    let pm = |c: &str| {
        e.fake
            .messages(c)
            .iter()
            .filter(|m| m.text.contains("the postmortem of"))
            .count()
    };
    e.advance(47 * 60).await;
    assert_eq!(pm(&c1), 0);
    e.advance(60).await; // 48 h
    assert_eq!(pm(&c1), 1);
    let m = e
        .fake
        .messages(&c1)
        .into_iter()
        .find(|m| m.text.contains("the postmortem of"))
        .unwrap();
    assert!(
        m.text
            .contains("<@UALICE> the postmortem of *INC-1* (SEV2) is due")
            && m.text.contains("Reminder 1 of 3"),
        "{}",
        m.text
    );
    for day in 1..=4 {
        e.advance(24 * 60).await;
        assert_eq!(pm(&c1), (1 + day).min(3), "day {day}");
    }
    assert_eq!(pm(&c2), 0, "SEV3 owes no postmortem");
    assert_eq!(pm(&c3), 0, "marked complete");
    e.t.stop().await;
}

on_both_databases!(the_weekly_digest_lists_open_actions_by_owner_and_owed_postmortems);
async fn the_weekly_digest_lists_open_actions_by_owner_and_owed_postmortems(db: TestDb) {
    let e = env(&db, "[reminders]\nescalate_after = 0\n[digest]\nschedule = \"0 9 * * MON\"\nchannel = \"CGENERAL\"").await;
    let c1 = e.declare(1, "sev1 Database failover").await;
    e.t.say(
        "UALICE",
        &c1,
        "action Add failover drill to the runbook <@UBOB|bob> due 2026-11-25 p1",
    )
    .await;
    e.t.say(
        "UALICE",
        &c1,
        "action Alert on replica lag <@UCAROL|carol> due 2026-12-20",
    )
    .await;
    e.t.say("UALICE", &c1, "action Review connection limits")
        .await;
    e.t.say("UALICE", &c1, "action Document the failover <@UBOB|bob>")
        .await;
    e.t.say("UALICE", &c1, "action done 4").await;
    e.t.say("UALICE", &c1, "resolve Failed over").await;
    // A private incident's items and postmortem stay out of the public digest.
    e.t.say(
        "UALICE",
        "CGENERAL",
        "declare --private sev2 Leaked credentials",
    )
    .await;
    let c2 = e.t.wait_ready(2).await.id;
    e.t.say("UALICE", &c2, "action Rotate the leaked key <@UBOB|bob>")
        .await;
    e.t.say("UALICE", &c2, "resolve Rotated").await;
    // Next Monday 09:00 UTC is 2026-11-30; by then bob's item is overdue.
    let digests = || {
        e.fake
            .messages("CGENERAL")
            .into_iter()
            .filter(|m| m.text.starts_with("Weekly review"))
            .collect::<Vec<_>>()
    };
    e.advance(6 * 24 * 60 + 18 * 60).await; // Mon 2026-11-30 08:00
    assert!(digests().is_empty());
    e.advance(60).await; // 09:00
    let d = digests();
    assert_eq!(d.len(), 1);
    let t = &d[0].text;
    assert!(
        t.starts_with("Weekly review — Monday 30 November 2026"),
        "{t}"
    );
    // The headline numbers: the private incident does not count in a channel.
    assert!(
        t.contains("*This week:* 1 incident (previous 4 weeks: 0.0 a week)"),
        "{t}"
    );
    let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} in {t}"));
    assert!(t.contains("INC-1 #1 Add failover drill to the runbook [P1] — :warning: *overdue* since 2026-11-25 (5 days)"), "{t}");
    assert!(pos("<@UBOB>") < pos("<@UCAROL>") && pos("<@UCAROL>") < pos("*Unassigned*"));
    assert!(
        !t.contains("Document the failover"),
        "done items are left out"
    );
    assert!(
        t.contains("*Postmortems owed*") && t.contains("*INC-1* Database failover (SEV1)"),
        "{t}"
    );
    assert!(
        !t.contains("Leaked credentials")
            && !t.contains("Rotate the leaked key")
            && !t.contains("INC-2"),
        "{t}"
    );
    assert!(
        t.contains(
            ":lock: Not listed: 1 open action item and 1 postmortem owed of private incidents"
        ),
        "{t}"
    );
    // Once a week, exactly.
    e.advance(24 * 60).await;
    assert_eq!(digests().len(), 1);
    e.advance(6 * 24 * 60).await;
    assert_eq!(digests().len(), 2);
    e.t.stop().await;
}

on_both_databases!(after_a_long_downtime_one_catch_up_reminder_not_a_burst);
async fn after_a_long_downtime_one_catch_up_reminder_not_a_burst(db: TestDb) {
    let fake = FakeSlack::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let extra = "[reminders]\nescalate_after = 0";
    let t = spawn_with_clock(&db, &fake, extra, clock.clone()).await;
    t.say("UALICE", "CGENERAL", "declare sev1 Everything is slow")
        .await;
    let c = t.wait_ready(1).await.id;
    t.stop().await;
    // Down for three hours: twelve SEV1 slots missed.
    clock.advance(chrono::Duration::hours(3));
    let t = spawn_with_clock(&db, &fake, extra, clock.clone()).await;
    let e = Env {
        t,
        clock: clock.clone(),
        fake: fake.clone(),
    };
    e.settle().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(e.reminders(&c), 1, "{}: one catch-up reminder", db.label());
    e.advance(14).await;
    assert_eq!(e.reminders(&c), 1);
    e.advance(1).await;
    assert_eq!(e.reminders(&c), 2, "then back on the 15-minute cadence");
    e.t.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn two_servers_on_one_postgres_fire_each_reminder_exactly_once() {
    let Some(db) = common::postgres().await else {
        return;
    };
    let fake = FakeSlack::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let extra = "[reminders]\nescalate_after = 0\n[jobs]\nconcurrency = 4";
    let a = spawn_with_clock(&db, &fake, extra, clock.clone()).await;
    let b = spawn_with_clock(&db, &fake, extra, clock.clone()).await;
    const N: i64 = 40;
    for i in 1..=N {
        // Alternate servers, as a load balancer would.
        let t = if i % 2 == 0 { &a } else { &b };
        t.say("UALICE", "CGENERAL", &format!("declare sev1 Incident {i}"))
            .await;
    }
    fake.wait("all set up", Duration::from_secs(60), |f| {
        f.pins().len() == N as usize
    })
    .await;
    assert_eq!(
        fake.channels_named("inc-").len(),
        N as usize,
        "one channel each"
    );
    // Three reminder rounds, each due for every incident at the same moment.
    for round in 1..=3usize {
        clock.advance(chrono::Duration::minutes(15));
        a.app.app.kick();
        b.app.app.kick();
        fake.wait("a round of reminders", Duration::from_secs(60), |f| {
            f.channels_named("inc-").iter().all(|c| {
                f.messages(&c.id)
                    .iter()
                    .filter(|m| m.text.starts_with(":alarm_clock:"))
                    .count()
                    >= round
            })
        })
        .await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let posts = fake
        .calls("chat.postMessage")
        .into_iter()
        .filter(|b| {
            b["text"]
                .as_str()
                .unwrap_or("")
                .starts_with(":alarm_clock:")
        })
        .count();
    assert_eq!(
        posts,
        3 * N as usize,
        "each reminder posted exactly once across both servers"
    );
    for c in fake.channels_named("inc-") {
        assert_eq!(
            fake.messages(&c.id)
                .iter()
                .filter(|m| m.text.starts_with(":alarm_clock:"))
                .count(),
            3
        );
    }
    // Both servers took part.
    let workers: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT locked_by) FROM jobs WHERE kind = 'reminder.update' AND state = 'done'")
        .fetch_one(&a.peek().await)
        .await
        .unwrap();
    assert!(workers >= 2, "reminders were fired by {workers} worker(s)");
    a.stop().await;
    b.stop().await;
    db.cleanup().await;
}
