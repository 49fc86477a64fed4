//! Incident types end to end on both databases: a `security` type (private, SEV1,
//! its own channel prefix and responders) and a `drill` type kept out of the
//! insights; `declare --type`, the form's type select and its submission, `type`
//! (IC and admins only), unknown types refused with the configured ones, the type in
//! the headline, on the page and in the database.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestApp, TestDb, on_both_databases, spawn};

const TYPES: &str = "[incident_types.security]\nname = \"Security\"\n\
    description = \"Breach or vulnerability: private, the security team is invited\"\n\
    severity = \"sev1\"\nprivate = true\nchannel_prefix = \"sec\"\nresponders = [\"USECLEAD\"]\n\
    [incident_types.drill]\nname = \"Drill\"\ndescription = \"Game day or exercise\"\n\
    count_in_insights = false\npostmortem = false\n";

const WAIT: Duration = Duration::from_secs(10);

/// Waits until the channel named `prefix…` exists with its headline pinned.
async fn ready(fake: &FakeSlack, prefix: &str) -> crate::common::fake_slack::Channel {
    fake.wait(&format!("{prefix} set up"), WAIT, |f| {
        f.channels_named(prefix)
            .iter()
            .any(|c| f.pins().iter().any(|(ch, _)| *ch == c.id))
    })
    .await;
    fake.channels_named(prefix).remove(0)
}

async fn insights_count(t: &TestApp) -> Value {
    let j: Value = t.get("/insights.json").await.json().await.unwrap();
    j["incidents"].clone()
}

on_both_databases!(
    types_bring_their_defaults_and_drills_are_not_counted,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn types_bring_their_defaults_and_drills_are_not_counted(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, TYPES).await;

    let said = t
        .say(
            "UALICE",
            "CGENERAL",
            "declare --type security Leaked API key",
        )
        .await;
    assert!(said.contains("INC-1"), "{said}");
    let sec = ready(&fake, "sec-1-").await;
    assert!(sec.name.starts_with("sec-1-leaked-api-key"), "{}", sec.name);
    assert!(sec.is_private, "a security incident is private by default");
    assert!(
        sec.members.iter().any(|m| m == "USECLEAD"),
        "{:?}",
        sec.members
    );
    fake.wait("the headline names the type", WAIT, |f| {
        f.messages(&sec.id)
            .first()
            .is_some_and(|m| m.blocks.to_string().contains("SEV1 — Critical · Security"))
    })
    .await;

    t.say(
        "UALICE",
        "CGENERAL",
        "declare sev4 --type=drill Game day: failover",
    )
    .await;
    let drill = t.wait_ready(2).await;
    assert!(drill.name.starts_with("inc-2-"), "{}", drill.name);
    assert!(!drill.is_private);
    t.say("UALICE", "CGENERAL", "declare sev3 Slow search")
        .await;
    let plain = t.wait_ready(3).await;

    // Unknown types: one line naming the configured ones, and the usage.
    let said = t
        .say("UALICE", "CGENERAL", "declare --type nope Something")
        .await;
    assert!(
        said.contains("Unknown incident type `nope`: expected drill or security."),
        "{said}"
    );
    assert!(said.contains("Usage: `/incident declare"), "{said}");

    let pool = t.peek().await;
    let rows: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, kind, private FROM incidents ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![
            (1, "security".into(), 1),
            (2, "drill".into(), 0),
            (3, String::new(), 0)
        ]
    );
    let (_, page) = (200, t.get("/incidents/INC-2").await.text().await.unwrap());
    assert!(page.contains("<th>Type</th><td>Drill</td>"), "{page}");

    // The drill is not counted; the private one is not shown to a non-admin.
    assert_eq!(insights_count(&t).await, 1);
    // Only the commander (or an admin) may change the type.
    let said = t.say("UBOB", &plain.id, "type drill").await;
    assert!(said.contains("Only the Incident Commander"), "{said}");
    let said = t.say("UALICE", &plain.id, "type drill").await;
    assert!(said.contains("INC-3 is now Drill."), "{said}");
    let said = t.say("UALICE", &plain.id, "type security").await;
    assert!(
        said.contains("INC-3 is now Security (was Drill)."),
        "{said}"
    );
    t.say("UALICE", &plain.id, "type drill").await;
    assert_eq!(insights_count(&t).await, 0, "a drill now");
    let entries: Vec<(String,)> = sqlx::query_as(
        "SELECT text FROM timeline WHERE incident_id = 3 AND kind = 'type' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].0, "Type: Drill");

    // `declare --type security` without a title: the form, the type chosen and private
    // ticked; submitting it declares a security incident.
    let v = t
        .command("UALICE", "CGENERAL", "declare --type security")
        .await;
    assert_eq!(v, Value::Null);
    fake.wait("views.open", WAIT, |f| !f.views().is_empty())
        .await;
    let view = fake.views()[0]["view"].to_string();
    assert!(view.contains("\"action_id\":\"type\""), "{view}");
    assert!(
        view.contains("Security — Breach or vulnerability"),
        "{view}"
    );
    let submission = json!({"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "UALICE"}, "trigger_id": "t2",
        "view": {"id": "V1", "callback_id": "declare", "private_metadata": "CGENERAL", "state": {"values": {
            "title": {"title": {"type": "plain_text_input", "value": "Phishing wave"}},
            "type": {"type": {"type": "static_select", "selected_option": {"value": "security"}}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev2"}}},
            "description": {"description": {"type": "plain_text_input", "value": ""}},
            "private": {"private": {"type": "checkboxes", "selected_options": []}}}}}});
    let r = t.interaction(&submission).await;
    assert_eq!(r.status(), 200);
    let four = ready(&fake, "sec-4-").await;
    assert!(four.name.starts_with("sec-4-phishing-wave") && four.is_private);
    t.stop().await;
}

on_both_databases!(without_types_the_answer_says_so);
async fn without_types_the_answer_says_so(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    let said = t
        .say("UALICE", "CGENERAL", "declare --type security Leaked key")
        .await;
    assert!(
        said.contains("Unknown incident type `security`: no types are configured (add `[incident_types.security]`"),
        "{said}"
    );
    t.stop().await;
}

on_both_databases!(
    a_user_group_slack_will_not_list_keeps_nobody_else_out,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_user_group_slack_will_not_list_keeps_nobody_else_out(db: TestDb) {
    let fake = FakeSlack::start().await;
    fake.refuse_always("usergroups.users.list", "missing_scope");
    let t = spawn(
        &db,
        &fake,
        "[incident_types.ops]\nname = \"Ops\"\nresponders = [\"URESP\"]\nuser_groups = [\"SOPS\"]\n",
    )
    .await;
    t.say("UALICE", "CGENERAL", "declare --type ops Disk full on db-3")
        .await;
    let ch = t.wait_ready(1).await;
    fake.wait("the responder invited", WAIT, |f| {
        f.channels_named("inc-1-")
            .iter()
            .any(|c| c.members.iter().any(|m| m == "URESP"))
    })
    .await;
    // The refusal is told to a person, with Slack's reason.
    fake.wait("the refusal told", WAIT, |f| {
        f.messages(&ch.id)
            .iter()
            .map(|m| m.text.clone())
            .chain(f.ephemeral().iter().map(|e| e["text"].to_string()))
            .chain(f.messages("UALICE").iter().map(|m| m.text.clone()))
            .any(|t| t.contains("missing_scope"))
    })
    .await;
    t.stop().await;
    db.cleanup().await;
}
