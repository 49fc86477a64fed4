//! The organisation's own roles end to end on both databases: a Scribe configured
//! beside the seed's four is assigned, replaced and removed like them, listed by
//! `roles`, shown in the headline and the postmortem, and whoever takes a role is told
//! its checklist; a role nobody configured is refused with the keys that are.

use std::time::Duration;

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn};

const SCRIBE: &str = "[roles.scribe]\nname = \"Scribe\"\n\
    description = \"Keeps the timeline.\"\n\
    checklist = [\"Pin every decision\", \"Note each mitigation tried\"]\n";

fn told(fake: &FakeSlack, user: &str, text: &str) -> bool {
    fake.ephemeral()
        .iter()
        .any(|e| e["user"] == user && e["text"].as_str().unwrap_or("").contains(text))
}

on_both_databases!(
    a_configured_role_is_held_like_the_seeds,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_configured_role_is_held_like_the_seeds(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, SCRIBE).await;
    t.say("UALICE", "CGENERAL", "declare sev2 Checkout errors")
        .await;
    let ch = t.wait_ready(1).await.id;

    let said = t.say("UALICE", &ch, "role scribe <@UBOB>").await;
    assert!(said.contains("<@UBOB> is now Scribe on INC-1"), "{said}");
    let wait = Duration::from_secs(10);
    fake.wait("the scribe is told the checklist", wait, |f| {
        told(f, "UBOB", "You are the *Scribe* of INC-1. Keeps the timeline.\n• Pin every decision\n• Note each mitigation tried")
    })
    .await;
    let said = t.say("UALICE", &ch, "role scribe <@UCAROL>").await;
    assert!(
        said.contains("is now Scribe (was <@UBOB>)"),
        "one scribe: {said}"
    );
    t.say("UALICE", &ch, "role ops <@UDAN>").await;
    fake.wait("the Ops Lead is told the seed's checklist", wait, |f| {
        told(f, "UDAN", "You are the *Operations Lead* of INC-1.")
            && told(f, "UDAN", "Mitigate first, root-cause later")
    })
    .await;

    let roles = t.say("UERIN", &ch, "roles").await;
    assert!(roles.contains("• Scribe: <@UCAROL>"), "{roles}");
    assert!(roles.contains("• Operations Lead: <@UDAN>"), "{roles}");
    fake.wait("the headline shows the scribe", wait, |f| {
        f.messages(&ch).first().is_some_and(|m| {
            m.blocks
                .to_string()
                .contains("*SMEs*\\n—\\nScribe: <@UCAROL>")
        })
    })
    .await;

    // A role nobody configured: refused, nothing recorded.
    let said = t.say("UALICE", &ch, "role boss <@UFRED>").await;
    assert!(
        said.contains("Unknown role `boss`: expected ic, ops, comms, sme or scribe."),
        "{said}"
    );
    assert!(said.contains("Usage: `/incident role"), "{said}");

    // The postmortem names the role as configured.
    t.say("UALICE", &ch, "resolve Fixed the config").await;
    let md = t
        .get("/incidents/INC-1/postmortem.md")
        .await
        .text()
        .await
        .unwrap();
    assert!(md.contains("- Scribe: @UCAROL"), "{md}");
    assert!(md.contains("- Operations Lead: @UDAN"), "{md}");

    t.say("UALICE", &ch, "reopen").await;
    let said = t.say("UALICE", &ch, "role remove scribe").await;
    assert!(said.contains("<@UCAROL> is no longer Scribe"), "{said}");
    let pool = t.peek().await;
    let held: Vec<(String, String)> = sqlx::query_as(
        "SELECT role, user_id FROM incident_roles WHERE incident_id = 1 ORDER BY role, user_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        held,
        vec![
            ("ic".into(), "UALICE".into()),
            ("ops".into(), "UDAN".into())
        ]
    );
    t.stop().await;
}
