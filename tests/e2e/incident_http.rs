//! End to end over HTTP: signed Slack requests in, the fake Slack Web API behind, on
//! SQLite and (when reachable) PostgreSQL.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use crate::common::fake_slack::{BOT_USER, FakeSlack};
use crate::common::{TestApp, TestDb, clocked, on_both_databases, spawn, spawn_with_clock};
use serde_json::{Value, json};
use warroom::clock::ManualClock;

const WAIT: Duration = Duration::from_secs(15);

fn blocks_text(v: &Value) -> String {
    v.to_string()
}

async fn headline_of(t: &TestApp, channel: &str) -> common::fake_slack::Msg {
    t.fake
        .messages(channel)
        .into_iter()
        .next()
        .expect("headline posted")
}

on_both_databases!(declare_sets_up_channel_headline_pin_and_announcement);
async fn declare_sets_up_channel_headline_pin_and_announcement(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(
        &db,
        &fake,
        "[incidents.responders]\nsev2 = [\"UCAROL\", \"UDAVE\"]",
    )
    .await;
    let answer = t
        .say("UALICE", "CGENERAL", "declare sev2 API error rate at 12%")
        .await;
    assert!(answer.contains("Declared *INC-1* (SEV2)"), "{answer}");

    let ch = t.wait_ready(1).await;
    assert_eq!(ch.name, "inc-1-api-error-rate-at-12", "{}", db.label());
    assert!(!ch.is_private);
    fake.wait("invites", WAIT, |f| {
        f.channel(&ch.id).is_some_and(|c| c.members.len() >= 4)
    })
    .await;
    let ch = fake.channel(&ch.id).unwrap();
    for u in ["UALICE", "UCAROL", "UDAVE", BOT_USER] {
        assert!(
            ch.members.contains(&u.to_string()),
            "{u} in {:?}",
            ch.members
        );
    }
    fake.wait("topic", WAIT, |f| {
        !f.channel(&ch.id).unwrap().topic.is_empty()
    })
    .await;
    assert!(
        fake.channel(&ch.id)
            .unwrap()
            .topic
            .starts_with("SEV2 | Investigating | IC @alice")
    );

    let head = headline_of(&t, &ch.id).await;
    let b = blocks_text(&head.blocks);
    assert!(b.contains("INC-1: API error rate at 12%"), "{b}");
    assert!(b.contains("SEV2 — Major") && b.contains("Investigating") && b.contains("<@UALICE>"));
    for action in ["take_ic", "post_update", "resolve"] {
        assert!(b.contains(action), "button {action}");
    }
    assert!(
        fake.pins().contains(&(ch.id.clone(), head.ts.clone())),
        "headline pinned"
    );

    fake.wait("announcement", WAIT, |f| {
        !f.messages("CANNOUNCE").is_empty()
    })
    .await;
    let ann = &fake.messages("CANNOUNCE")[0];
    assert!(
        ann.text.contains("SEV2 incident declared") && ann.text.contains(&format!("<#{}>", ch.id)),
        "{}",
        ann.text
    );

    // Exactly one of each.
    assert_eq!(fake.call_count("conversations.create"), 1);
    assert_eq!(fake.call_count("pins.add"), 1);
    assert_eq!(fake.messages("CANNOUNCE").len(), 1);
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(changes_update_the_headline_and_reach_the_timeline);
async fn changes_update_the_headline_and_reach_the_timeline(db: TestDb) {
    let fake = FakeSlack::start().await;
    // A fixed clock: the action item's due date (2026-12-15) is accepted only within a
    // year back and five years ahead of today, so on the wall clock this test would
    // fail from 2027-12-17 on.
    let clock = Arc::new(ManualClock::new(clocked::t0()));
    let t = spawn_with_clock(&db, &fake, "", clock).await;
    t.say("UALICE", "CGENERAL", "declare sev3 Checkout latency")
        .await;
    let ch = t.wait_ready(1).await;

    // Inside the incident channel no INC number is needed.
    assert!(
        t.say("UALICE", &ch.id, "role ops <@UBOB|bob>")
            .await
            .contains("Operations Lead")
    );
    assert!(
        t.say("UALICE", &ch.id, "role sme <@UCAROL|carol>")
            .await
            .contains("Subject Matter Expert")
    );
    assert!(
        t.say("UALICE", &ch.id, "status identified")
            .await
            .contains("Identified")
    );
    assert!(t.say("UALICE", &ch.id, "sev 2").await.contains("SEV2"));
    let imp = t
        .say("UALICE", &ch.id, "impact 12% of checkout requests fail")
        .await;
    assert!(imp.contains("error budget"), "{} {imp}", db.label());
    // Elsewhere, with the number.
    assert!(
        t.say("UBOB", "CGENERAL", "INC-1 note restarted the payment pods")
            .await
            .contains("timeline")
    );

    fake.wait("headline reflects every change", WAIT, |f| {
        let h = &f.messages(&ch.id)[0];
        let b = h.blocks.to_string();
        b.contains("SEV2")
            && b.contains("Identified")
            && b.contains("<@UBOB>")
            && b.contains("<@UCAROL>")
            && b.contains("12% of checkout")
    })
    .await;
    assert!(fake.call_count("chat.update") >= 1);
    fake.wait("topic follows", WAIT, |f| {
        f.channel(&ch.id)
            .unwrap()
            .topic
            .starts_with("SEV2 | Identified | IC @alice")
    })
    .await;

    let tl = t.say("UALICE", &ch.id, "timeline").await;
    for want in [
        "Declared",
        "Operations Lead",
        "Investigating → Identified",
        "SEV3 → SEV2",
        "restarted the payment pods",
        "12% of checkout",
    ] {
        assert!(tl.contains(want), "timeline has {want}: {tl}");
    }
    // Notices in the channel, in order, after the headline.
    fake.wait("notices posted", WAIT, |f| f.messages(&ch.id).len() >= 7)
        .await;
    let texts: Vec<String> = fake
        .messages(&ch.id)
        .iter()
        .map(|m| m.text.clone())
        .collect();
    let pos = |s: &str| {
        texts
            .iter()
            .position(|t| t.contains(s))
            .unwrap_or_else(|| panic!("{s} in {texts:?}"))
    };
    assert!(pos("Operations Lead") < pos("Status → *Identified*"));
    assert!(pos("Status → *Identified*") < pos("Severity raised to *SEV2"));
    assert!(pos("Severity raised") < pos("restarted the payment pods"));

    // Roles and the list.
    let roles = t.say("UDAVE", &ch.id, "roles").await;
    assert!(
        roles.contains("Incident Commander: <@UALICE>")
            && roles.contains("Operations Lead: <@UBOB>"),
        "{roles}"
    );
    let list = t.say("UDAVE", "CGENERAL", "list").await;
    assert!(
        list.contains("INC-1") && list.contains("Checkout latency"),
        "{list}"
    );
    let show = t.command("UDAVE", "CGENERAL", "show INC-1").await;
    assert!(show.to_string().contains("Checkout latency"));

    // Update, actions, resolve, reopen.
    assert!(
        t.say("UALICE", &ch.id, "update Rolled back the 14:00 deploy")
            .await
            .contains("Update posted")
    );
    assert!(
        t.say(
            "UALICE",
            &ch.id,
            "action Add migration tests to CI <@UBOB|bob> due 2026-12-15 p1"
        )
        .await
        .contains("#1")
    );
    let actions = t.say("UALICE", &ch.id, "actions").await;
    assert!(
        actions.contains("Add migration tests to CI")
            && actions.contains("<@UBOB>")
            && actions.contains("2026-12-15")
            && actions.contains("P1"),
        "{actions}"
    );
    assert!(
        t.say(
            "UALICE",
            &ch.id,
            "resolve Rolled back; error rate at baseline"
        )
        .await
        .contains("resolved")
    );
    fake.wait("resolved announcement", WAIT, |f| {
        f.messages("CANNOUNCE")
            .iter()
            .any(|m| m.text.contains("is resolved"))
    })
    .await;
    fake.wait("headline shows resolved", WAIT, |f| {
        f.messages(&ch.id)[0].blocks.to_string().contains("reopen")
    })
    .await;
    assert!(
        t.say("UALICE", &ch.id, "reopen")
            .await
            .contains("open again")
    );
    let update = fake
        .messages(&ch.id)
        .into_iter()
        .find(|m| {
            m.text
                .starts_with("Incident Update — Checkout latency — SEV2")
        })
        .expect("formal update");
    assert!(update.text.contains("*Status*: Identified"));
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(every_error_is_one_ephemeral_line_and_the_usage);
async fn every_error_is_one_ephemeral_line_and_the_usage(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    let cases = [
        ("frobnicate", "Unknown subcommand `frobnicate`", "help"),
        (
            "declare sev9 boom",
            "Unknown severity `sev9`",
            "/incident declare",
        ),
        (
            &format!("declare {}", "x".repeat(121)),
            "the limit is 120",
            "/incident declare",
        ),
        (
            "status identified",
            "not an incident channel",
            "/incident status",
        ),
        (
            "INC-42 status identified",
            "There is no incident INC-42",
            "/incident status",
        ),
        ("sev", "severity is missing", "/incident sev"),
        ("role ic", "mention them with @", "/incident role"),
        ("role ic @alice", "is not a Slack mention", "/incident role"),
        (
            "action done x",
            "not an action item number",
            "/incident action",
        ),
        ("", "subcommand is missing", "help"),
    ];
    for (text, want, usage) in cases {
        let v = t.command("UALICE", "CGENERAL", text).await;
        assert_eq!(v["response_type"], "ephemeral", "{text}");
        let s = v["text"].as_str().unwrap();
        assert!(s.contains(want), "{text:?} → {s}");
        assert!(s.contains(usage), "{text:?} shows usage: {s}");
        assert!(s.lines().count() <= 2, "short: {s}");
    }
    // State errors after a declaration.
    t.say("UALICE", "CGENERAL", "declare sev3 Disk full").await;
    let ch = t.wait_ready(1).await;
    t.say("UALICE", &ch.id, "resolve cleaned logs").await;
    let again = t.say("UALICE", &ch.id, "resolve cleaned logs").await;
    assert!(
        again.contains("already resolved") && again.contains("/incident resolve"),
        "{again}"
    );
    let st = t.say("UALICE", &ch.id, "status monitoring").await;
    assert!(st.contains("resolved: reopen it first"), "{st}");
    // Nothing was corrupted: one incident, resolved once.
    let tl = t.say("UALICE", &ch.id, "timeline").await;
    assert_eq!(tl.matches("*Resolved*").count(), 1, "{tl}");
    t.stop().await;
}

on_both_databases!(only_the_commander_or_an_admin_changes_severity_or_resolves);
async fn only_the_commander_or_an_admin_changes_severity_or_resolves(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "[slack]\nadmins = [\"UDAVE\"]").await;
    t.say("UALICE", "CGENERAL", "declare sev3 Queue backlog")
        .await;
    let ch = t.wait_ready(1).await;
    let no = t.say("UBOB", &ch.id, "sev 1").await;
    assert!(
        no.contains("Only the Incident Commander (<@UALICE>) or an admin"),
        "{no}"
    );
    assert!(
        t.say("UBOB", &ch.id, "resolve done")
            .await
            .contains("Only the Incident Commander")
    );
    assert!(
        t.say("UDAVE", &ch.id, "sev 1").await.contains("SEV1"),
        "admins may"
    );
    assert!(
        t.say("UALICE", &ch.id, "resolve drained the queue")
            .await
            .contains("resolved")
    );
    assert!(
        t.say("UBOB", &ch.id, "reopen")
            .await
            .contains("Only the Incident Commander")
    );
    t.stop().await;
}

on_both_databases!(private_incidents_get_a_private_channel_and_no_announcement);
async fn private_incidents_get_a_private_channel_and_no_announcement(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "[slack]\nadmins = [\"UADMIN\"]").await;
    t.say(
        "UALICE",
        "CGENERAL",
        "declare --private sev1 Customer data exposure",
    )
    .await;
    let ch = t.wait_ready(1).await;
    assert!(ch.is_private);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        fake.messages("CANNOUNCE").is_empty(),
        "no public announcement"
    );
    // Outside its channel it is not listed and cannot be read or changed (but admins can).
    t.say("UBOB", "CGENERAL", "declare sev3 Slow search").await;
    t.wait_ready(2).await;
    let list = t.say("UBOB", "CGENERAL", "list").await;
    assert!(
        list.contains("INC-2") && !list.contains("INC-1") && !list.contains("Customer data"),
        "{list}"
    );
    assert!(list.contains("*1 open incident*"), "{list}");
    for cmd in [
        "INC-1 show",
        "INC-1 timeline",
        "INC-1 note peeking",
        "INC-1 sev 4",
    ] {
        let s = t.say("UBOB", "CGENERAL", cmd).await;
        assert!(
            s.contains("INC-1 is private: run the command in its channel.")
                && !s.contains("Customer data"),
            "{cmd}: {s}"
        );
    }
    let inside = t.say("UALICE", &ch.id, "list").await;
    assert!(
        inside.contains("INC-1") && inside.contains("INC-2"),
        "{inside}"
    );
    assert!(
        t.say("UALICE", &ch.id, "show")
            .await
            .contains("Customer data exposure")
    );
    assert!(
        t.say("UADMIN", "CGENERAL", "INC-1 show")
            .await
            .contains("Customer data exposure")
    );
    t.stop().await;
}

on_both_databases!(other_workspaces_are_refused);
async fn other_workspaces_are_refused(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "[slack]\nallowed_team_ids = [\"TOTHER\"]").await;
    let s = t.say("UALICE", "CGENERAL", "declare sev1 x").await;
    assert!(s.contains("not allowed"), "{s}");
    assert_eq!(fake.call_count("conversations.create"), 0);
    t.stop().await;
}

on_both_databases!(signatures_are_checked_before_anything_else);
async fn signatures_are_checked_before_anything_else(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    let body = "team_id=T0001&channel_id=C1&user_id=U1&command=%2Fincident&text=declare+sev1+boom&trigger_id=x&response_url=http%3A%2F%2Fx";
    let url = format!("{}/slack/commands", t.base);
    let now = chrono::Utc::now().timestamp();
    let cases: Vec<(&str, Option<String>, Option<String>)> = vec![
        ("missing", None, None),
        (
            "wrong secret",
            Some(now.to_string()),
            Some(common::slack_signature("not-the-secret", now, body)),
        ),
        (
            "stale",
            Some((now - 301).to_string()),
            Some(common::slack_signature(common::SECRET, now - 301, body)),
        ),
        (
            "future",
            Some((now + 400).to_string()),
            Some(common::slack_signature(common::SECRET, now + 400, body)),
        ),
        (
            "tampered",
            Some(now.to_string()),
            Some(common::slack_signature(
                common::SECRET,
                now,
                &body.replace("sev1", "sev2"),
            )),
        ),
    ];
    for (what, ts, sig) in cases {
        let mut req = t
            .http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(ts) = ts {
            req = req.header("x-slack-request-timestamp", ts);
        }
        if let Some(sig) = sig {
            req = req.header("x-slack-signature", sig);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{what}");
    }
    // Events and interactions too.
    let r = t
        .http
        .post(format!("{}/slack/events", t.base))
        .body("{\"type\":\"url_verification\",\"challenge\":\"c\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = t
        .http
        .post(format!("{}/slack/interactions", t.base))
        .body("payload=%7B%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        fake.call_count("conversations.create"),
        0,
        "nothing happened"
    );
    let metrics = t.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(
            "warroom_http_requests_total{endpoint=\"commands\",outcome=\"unauthorized\"} 5"
        ),
        "{metrics}"
    );
    t.stop().await;
}

on_both_databases!(url_verification_is_answered_and_events_are_deduplicated);
async fn url_verification_is_answered_and_events_are_deduplicated(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    let r = t.event(&json!({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.text().await.unwrap(),
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );

    t.say("UALICE", "CGENERAL", "declare sev2 Cache stampede")
        .await;
    let ch = t.wait_ready(1).await;
    // A responder's message gets pinned; Slack delivers the event twice.
    let ts = fake.user_says(&ch.id, "UBOB", "Redis hit rate dropped to 3% at 14:02");
    let pin = json!({"type": "event_callback", "team_id": "T0001", "api_app_id": "A1", "event_id": "Ev0PIN1", "event_time": 1,
        "event": {"type": "pin_added", "user": "UALICE", "channel_id": ch.id, "item": {"type": "message", "channel": ch.id, "created_by": "UALICE",
            "message": {"type": "message", "user": "UBOB", "text": "Redis hit rate dropped to 3% at 14:02", "ts": ts}}, "event_ts": "1.1"}});
    assert_eq!(t.event(&pin).await.status(), 200);
    assert_eq!(t.event(&pin).await.status(), 200, "retry acknowledged");
    // Another message gets the :pushpin: reaction; and the pinned one also gets it.
    let ts2 = fake.user_says(&ch.id, "UCAROL", "Failing over to the replica");
    for (id, target) in [
        ("Ev0R1", ts2.as_str()),
        ("Ev0R2", ts.as_str()),
        ("Ev0R1", ts2.as_str()),
    ] {
        let ev = json!({"type": "event_callback", "event_id": id, "team_id": "T0001",
            "event": {"type": "reaction_added", "user": "UALICE", "reaction": "pushpin", "item_user": "UCAROL", "item": {"type": "message", "channel": ch.id, "ts": target}, "event_ts": "2.2"}});
        assert_eq!(t.event(&ev).await.status(), 200);
    }
    // Another reaction does nothing.
    let thumbs = json!({"type": "event_callback", "event_id": "Ev0R3", "event": {"type": "reaction_added", "user": "UALICE", "reaction": "+1", "item": {"type": "message", "channel": ch.id, "ts": ts2}}});
    assert_eq!(t.event(&thumbs).await.status(), 200);

    let mut tl = String::new();
    for _ in 0..100 {
        tl = t.say("UALICE", &ch.id, "timeline").await;
        if tl.contains("Failing over") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        tl.matches("Redis hit rate dropped").count(),
        1,
        "pinned once, even when also reacted to: {tl}"
    );
    assert_eq!(tl.matches("Failing over to the replica").count(), 1, "{tl}");
    assert!(tl.contains("<@UBOB> *Pinned message*"), "author kept: {tl}");
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(forms_and_buttons);
async fn forms_and_buttons(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    // `declare` without a title opens the form (and acks with an empty 200).
    let v = t.command("UALICE", "CGENERAL", "declare").await;
    assert_eq!(v, Value::Null);
    fake.wait("views.open", WAIT, |f| !f.views().is_empty())
        .await;
    let view = fake.views()[0].clone();
    assert_eq!(view["trigger_id"], "trigger.123");
    assert_eq!(view["view"]["callback_id"], "declare");
    // An empty title is refused inline.
    let submission = |title: &str| {
        json!({"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "UALICE"}, "trigger_id": "t2",
        "view": {"id": "V1", "callback_id": "declare", "private_metadata": "CGENERAL", "state": {"values": {
            "title": {"title": {"type": "plain_text_input", "value": title}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev1"}}},
            "description": {"description": {"type": "plain_text_input", "value": "Login fails for everyone"}},
            "private": {"private": {"type": "checkboxes", "selected_options": []}}}}}})
    };
    let r = t.interaction(&submission("  ")).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["response_action"], "errors");
    assert!(
        body["errors"]["title"]
            .as_str()
            .unwrap()
            .contains("missing")
    );
    let r = t.interaction(&submission("Login outage")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "", "closes the form");
    let ch = t.wait_ready(1).await;
    assert!(fake.messages(&ch.id)[0].blocks.to_string().contains("SEV1"));
    fake.wait("declarer told", WAIT, |f| {
        f.ephemeral()
            .iter()
            .any(|e| e["text"].as_str().unwrap_or("").contains("INC-1"))
    })
    .await;

    // Bob presses Take IC on the headline.
    let click = |user: &str, action: &str| {
        json!({"type": "block_actions", "team": {"id": "T0001"}, "user": {"id": user}, "trigger_id": "t3",
        "container": {"type": "message", "message_ts": "1", "channel_id": ch.id}, "channel": {"id": ch.id},
        "response_url": fake.response_url(action), "actions": [{"type": "button", "action_id": action, "value": "1", "action_ts": "1"}]})
    };
    assert_eq!(t.interaction(&click("UBOB", "take_ic")).await.status(), 200);
    fake.wait("IC changed", WAIT, |f| {
        f.messages(&ch.id)[0]
            .blocks
            .to_string()
            .contains("*Incident Commander*\\n<@UBOB>")
    })
    .await;
    fake.wait("clicker told", WAIT, |f| {
        f.responses().iter().any(|r| {
            r["text"]
                .as_str()
                .unwrap_or("")
                .contains("Incident Commander")
        })
    })
    .await;
    // Alice is no longer IC: her Resolve click is refused; Bob's opens the form.
    assert_eq!(
        t.interaction(&click("UALICE", "resolve")).await.status(),
        200
    );
    fake.wait("refusal", WAIT, |f| {
        f.responses().iter().any(|r| {
            r["text"]
                .as_str()
                .unwrap_or("")
                .contains("Only the Incident Commander")
        })
    })
    .await;
    assert_eq!(t.interaction(&click("UBOB", "resolve")).await.status(), 200);
    fake.wait("resolve form", WAIT, |f| {
        f.views()
            .iter()
            .any(|v| v["view"]["callback_id"] == "resolve")
    })
    .await;
    let resolve = json!({"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "UBOB"},
        "view": {"callback_id": "resolve", "private_metadata": "1", "state": {"values": {"summary": {"summary": {"type": "plain_text_input", "value": "Rotated the expired signing key"}}}}}});
    assert_eq!(t.interaction(&resolve).await.status(), 200);
    fake.wait("resolved", WAIT, |f| {
        f.messages("CANNOUNCE")
            .iter()
            .any(|m| m.text.contains("Rotated the expired signing key"))
    })
    .await;
    t.stop().await;
}

on_both_databases!(health_readiness_and_metrics);
async fn health_readiness_and_metrics(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    assert_eq!(t.get("/healthz").await.status(), 200);
    assert_eq!(t.get("/readyz").await.status(), 200);
    t.say("UALICE", "CGENERAL", "declare sev1 Everything is down")
        .await;
    t.wait_ready(1).await;
    let m = t.get("/metrics").await.text().await.unwrap();
    for want in [
        "warroom_http_requests_total{endpoint=\"commands\",outcome=\"ok\"} 1",
        "warroom_command_duration_seconds_bucket{subcommand=\"declare\"",
        "warroom_incidents_open{severity=\"SEV1\"} 1",
        "warroom_jobs{state=\"failed\"} 0",
        "warroom_jobs_total{kind=\"chat.create_channel\",outcome=\"done\"} 1",
    ] {
        assert!(m.contains(want), "metrics have {want}:\n{m}");
    }
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(a_double_declare_asks_before_opening_another);
async fn a_double_declare_asks_before_opening_another(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    t.say("UALICE", "CGENERAL", "declare sev2 API error rate at 12%")
        .await;
    // Enter pressed twice (or a retry after a slow answer).
    let v = t
        .command("UALICE", "CGENERAL", "declare sev2 api error rate  at 12%")
        .await;
    let all = v.to_string();
    assert!(
        all.contains("You declared *INC-1*") && all.contains("declare_again"),
        "{all}"
    );
    // Someone else may declare the same: no question for them.
    let b = t
        .say("UBOB", "CGENERAL", "declare sev2 API error rate at 12%")
        .await;
    assert!(b.contains("Declared *INC-2*"), "{b}");
    // Alice confirms: a third incident, once.
    let value = v["blocks"][1]["elements"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let click = json!({"type": "block_actions", "team": {"id": "T0001"}, "user": {"id": "UALICE"}, "trigger_id": "t9",
        "container": {"type": "message", "message_ts": "1", "channel_id": "CGENERAL"}, "channel": {"id": "CGENERAL"},
        "response_url": fake.response_url("again"), "actions": [{"type": "button", "action_id": "declare_again", "value": value, "action_ts": "1"}]});
    assert_eq!(t.interaction(&click).await.status(), 200);
    fake.wait("declared again", WAIT, |f| {
        f.responses().iter().any(|r| {
            r["text"]
                .as_str()
                .unwrap_or("")
                .contains("Declared *INC-3* (SEV2)")
        })
    })
    .await;
    t.wait_ready(3).await;
    // The same form submitted twice: the second is refused with the reason.
    let form = json!({"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "UCAROL"},
        "view": {"id": "V1", "callback_id": "declare", "private_metadata": "CGENERAL", "state": {"values": {
            "title": {"title": {"type": "plain_text_input", "value": "Search is slow"}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev3"}}},
            "private": {"private": {"type": "checkboxes", "selected_options": []}}}}}});
    assert_eq!(t.interaction(&form).await.text().await.unwrap(), "");
    let again: Value = t.interaction(&form).await.json().await.unwrap();
    assert!(
        again["errors"]["title"]
            .as_str()
            .unwrap_or("")
            .contains("You declared INC-4 with this title"),
        "{again}"
    );
    t.stop().await;
    db.cleanup().await;
}
