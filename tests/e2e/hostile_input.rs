//! Hostile input end to end, on SQLite and PostgreSQL: what people type reaches Slack
//! only as text (no `@channel` ping, no markup of its own), every outbound call fits
//! Slack's limits, typed times are bounded, and control characters are stored alike
//! by both databases.

use std::time::Duration;

use crate::common::clocked::env;
use crate::common::fake_slack::message_limits;
use crate::common::{TestDb, on_both_databases};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);

/// Every special mention in the strings of `v` (`<!…>` up to its `>`). In Markdown
/// (the postmortem canvas) a backslash-escaped `\<` is text, not markup.
fn specials(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(i) = rest.find("<!") {
                let escaped = rest[..i].ends_with('\\');
                let tail = &rest[i..];
                let end = tail.find('>').map(|e| e + 1).unwrap_or(tail.len());
                if !escaped {
                    out.push(tail[..end].to_string());
                }
                rest = &tail[end..];
            }
        }
        Value::Array(a) => a.iter().for_each(|x| out.extend(specials(x))),
        Value::Object(o) => o.values().for_each(|x| out.extend(specials(x))),
        _ => {}
    }
    out
}

fn submission(callback: &str, metadata: &str, field: &str, value: &str) -> Value {
    let mut values = json!({});
    values[field] = json!({field: {"type": "plain_text_input", "value": value}});
    if callback == "declare" {
        values["severity"] =
            json!({"severity": {"type": "static_select", "selected_option": {"value": "sev3"}}});
        values["private"] = json!({"private": {"type": "checkboxes", "selected_options": []}});
    }
    json!({"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "UALICE"},
        "view": {"id": "V1", "callback_id": callback, "private_metadata": metadata,
                 "state": {"values": values}}})
}

on_both_databases!(nothing_anyone_types_pings_a_crowd);
async fn nothing_anyone_types_pings_a_crowd(db: TestDb) {
    let e = env(
        &db,
        "[reminders]\nescalate_after = 1\nescalation_contacts = [\"SOURS\", \"UDAVE\"]",
    )
    .await;
    let t = &e.t;
    // What Slack sends for `/incident declare sev2 @channel db & <down>`.
    let ch = e.declare(1, "sev2 <!channel> db &amp; &lt;down&gt;").await;
    let mut answers = Vec::new();
    for cmd in [
        "note <!here> look at <@UBOB|bob> in <#C1|ops>",
        "note --cause <!subteam^S0999|@sre> broke it",
        "update <!everyone> rolling back",
        "impact <!channel> 12% of requests fail",
        "action <!here|here> add a canary <@UBOB>",
        "timeline",
        "show",
    ] {
        answers.push(t.command("UALICE", &ch, cmd).await);
    }
    // A pinned message, as Slack sends it.
    let pin = json!({"type": "event_callback", "event_id": "EvPin1", "event": {
        "type": "pin_added", "user": "UALICE", "channel_id": ch, "item": {"type": "message",
        "channel": ch, "message": {"user": "UBOB", "text": "<!channel> pinned <!here> &lt;b&gt;", "ts": "1795960000.000100"}}}});
    assert_eq!(t.event(&pin).await.status(), 200);
    // Forms: Slack escapes nothing a person types there.
    for s in [
        submission("update", "1", "text", "<!channel> & <@UBOB> form update"),
        submission("declare", "CGENERAL", "title", "<!channel> second <b>"),
    ] {
        assert_eq!(t.interaction(&s).await.status(), 200);
    }
    // A reminder (with its draft quoting all of the above), then an escalation.
    e.advance(31).await;
    let s = submission("resolve", "1", "summary", "<!everyone> fixed & <!here>");
    assert_eq!(t.interaction(&s).await.status(), 200);
    e.settle().await;
    e.fake
        .wait("resolution announced", WAIT, |f| {
            f.messages("CANNOUNCE")
                .iter()
                .any(|m| m.text.contains("is resolved"))
        })
        .await;

    let mut ours = 0;
    for (method, body) in e.fake.all_calls() {
        for m in specials(&body) {
            assert_eq!(
                m,
                "<!subteam^SOURS>",
                "{} {method} carries {m}: {body}",
                db.label()
            );
            ours += 1;
        }
        if method.starts_with("chat.") {
            assert_eq!(message_limits(&body), None, "{method} within limits");
        }
    }
    assert!(ours > 0, "warroom's own escalation ping went out");
    for a in answers {
        assert!(specials(&a).is_empty(), "answer {a}");
    }
    // Shown as words, in the announcement and the headline.
    let announced = e.fake.messages("CANNOUNCE");
    assert!(
        announced
            .iter()
            .any(|m| m.text.contains("@channel db &amp; &lt;down&gt;")),
        "{:?}",
        announced.iter().map(|m| &m.text).collect::<Vec<_>>()
    );
    let head = &e.fake.messages(&ch)[0];
    assert!(
        head.blocks.to_string().contains("@channel db & <down>"),
        "header is plain text"
    );
    assert!(
        e.fake
            .messages(&ch)
            .iter()
            .any(|m| m.text.contains("&lt;@UBOB&gt; form update")),
        "a mention typed in a form is text"
    );
    e.t.stop().await;
    db.cleanup().await;
}

on_both_databases!(long_text_is_cut_to_fit_and_reminders_still_go_out);
async fn long_text_is_cut_to_fit_and_reminders_still_go_out(db: TestDb) {
    let e = env(&db, "[reminders]\nescalate_after = 0").await;
    let ch = e.declare(1, "sev1 Checkout down").await;
    // Slack allows 40,000 characters in a message; pin one that long.
    let long = format!("<@UBOB> {}", "rollback step ".repeat(2850));
    let pin = json!({"type": "event_callback", "event_id": "EvLong", "event": {
        "type": "pin_added", "user": "UALICE", "channel_id": ch, "item": {"type": "message",
        "channel": ch, "message": {"user": "UBOB", "text": long, "ts": "1795960000.000200"}}}});
    assert_eq!(e.t.event(&pin).await.status(), 200);
    for i in 0..12 {
        let note = format!("note {i} {}", "x".repeat(2800));
        let a = e.t.say("UALICE", &ch, &note).await;
        assert!(a.contains("Added"), "{a}");
    }
    let tl = e.t.command("UALICE", &ch, "timeline").await;
    assert_eq!(message_limits(&tl), None, "the timeline answer fits");
    assert!(tl.to_string().contains("cut"), "and says it was cut");
    e.advance(16).await;
    assert_eq!(e.reminders(&ch), 1, "the reminder was posted");
    let refused = e
        .fake
        .all_calls()
        .into_iter()
        .filter(|(m, b)| m.starts_with("chat.") && message_limits(b).is_some())
        .count();
    assert_eq!(refused, 0, "no call broke Slack's limits");
    let page = e.t.get("/incidents/INC-1").await.text().await.unwrap();
    assert!(page.contains("rollback step rollback step"));
    e.t.stop().await;
    db.cleanup().await;
}

on_both_databases!(typed_times_are_bounded_with_a_clear_answer);
async fn typed_times_are_bounded_with_a_clear_answer(db: TestDb) {
    let e = env(&db, "").await;
    let ch = e.declare(1, "sev2 API errors").await;
    let a =
        e.t.say(
            "UALICE",
            &ch,
            "impact --since 0001-01-01T00:00Z 12% of requests fail",
        )
        .await;
    assert!(
        a.contains("more than 30 days before") && a.contains("Usage"),
        "{a}"
    );
    let a = e.t.say("UALICE", &ch, "action fix it due 9999-12-31").await;
    assert!(a.contains("out of range") && a.contains("Usage"), "{a}");
    let a =
        e.t.say("UALICE", &ch, "impact --since 13:00 12% of requests fail")
            .await;
    assert!(a.contains("recorded"), "{a}");
    for q in [
        "until=262143-12-31",
        "until=9999-12-31",
        "since=0001-01-01",
        "since=2026-13-01",
        "since=2026-05-01&until=2026-04-01",
    ] {
        let r = e.t.get(&format!("/incidents?{q}")).await;
        assert_eq!(r.status(), 400, "{q}");
        let body = r.text().await.unwrap();
        assert!(body.contains("Bad request"), "{q}: {body}");
    }
    let r =
        e.t.get("/incidents?since=2026-01-01&until=2026-12-31")
            .await;
    assert_eq!(r.status(), 200);
    let pm = e.t.get("/incidents/INC-1/postmortem").await;
    assert_eq!(pm.status(), 200);
    e.t.stop().await;
    db.cleanup().await;
}

on_both_databases!(control_characters_are_stored_alike_on_both_databases);
async fn control_characters_are_stored_alike_on_both_databases(db: TestDb) {
    let e = env(&db, "").await;
    let a =
        e.t.say(
            "UALICE",
            "CGENERAL",
            "declare sev3 Null\u{0}byte\u{7} title",
        )
        .await;
    assert!(
        a.contains("Declared *INC-1*") && a.contains("Nullbyte title"),
        "{a}"
    );
    let ch = e.t.wait_ready(1).await.id;
    let a = e.t.say("UALICE", &ch, "note a\u{0}b\r\nc\u{1b}[31m").await;
    assert!(a.contains("Added to the timeline"), "{}: {a}", db.label());
    let s = submission("resolve", "1", "summary", "fixed\u{0} it");
    assert_eq!(e.t.interaction(&s).await.status(), 200);
    e.settle().await;
    let tl = e.t.say("UALICE", &ch, "timeline").await;
    assert!(tl.contains("ab\nc[31m") && tl.contains("fixed it"), "{tl}");
    e.t.stop().await;
    db.cleanup().await;
}
