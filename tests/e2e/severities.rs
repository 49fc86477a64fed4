//! Severities from configuration end to end, on both databases: an organisation's own
//! table (SEV0 "Company down" above the seed's levels, its own cadence, paging,
//! PagerDuty severity and escalation), typed with its aliases, refused with the
//! configured keys, offered in the form with its descriptions, listed by `help sev`,
//! filtered on the pages; incidents stored before severities were configurable read
//! as the seed's levels; and a start refused, with the count, while stored incidents
//! keep a severity the configuration dropped.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::fake_pagerduty::FakePagerDuty;
use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn, test_config};
use crate::paging::wait_events;

const KEY: &str = "0123456789abcdef0123456789abcdef";

/// SEV0 above three of the seed's levels; SEV0 and SEV1 page, SEV0 escalates a
/// silent commander and is owed an update every 10 minutes.
const LEVELS: &str = r##"
[[severities]]
key = "sev0"
label = "Company down"
description = "Every customer is affected; the company cannot take orders"
emoji = ":rotating_light:"
colour = "#7b0000"
response = "now"
respond_within = "2m"
update_every = "10m"
page = true
status_page = true
postmortem = true
escalate_silent_commander = true
for_warnings = ["outage"]
pagerduty_severity = "critical"
opsgenie_priority = "P1"
statuspage_impact = "critical"
aliases = ["zero"]

[[severities]]
key = "sev1"
label = "Critical"
description = "A whole product is down"
page = true
pagerduty_severity = "error"
update_every = "15m"
postmortem = true

[[severities]]
key = "sev2"
label = "Major"
description = "Partial outage"
default = true
for_warnings = ["critical"]
pagerduty_severity = "warning"
update_every = "30m"

[[severities]]
key = "sev3"
label = "Minor"
description = "Workaround available"
for_warnings = ["warning"]
pagerduty_severity = "info"
"##;

fn settings(pd: &FakePagerDuty) -> String {
    format!(
        "{LEVELS}\n[paging.pagerduty]\nrouting_key = \"{KEY}\"\nevents_url = \"{}\"\n",
        pd.url
    )
}

on_both_databases!(
    an_organisations_own_severities_from_declare_to_the_pages,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn an_organisations_own_severities_from_declare_to_the_pages(db: TestDb) {
    let fake = FakeSlack::start().await;
    let pd = FakePagerDuty::start().await;
    let t = spawn(&db, &fake, &settings(&pd)).await;

    // SEV0 by its key: paged as PagerDuty's `critical`, shown with its own words.
    let said = t
        .say(
            "UALICE",
            "CGENERAL",
            "declare sev0 Checkout is down everywhere",
        )
        .await;
    assert!(said.contains("INC-1") && said.contains("SEV0"), "{said}");
    let ch = t.wait_ready(1).await;
    let events = wait_events(&pd, 1).await;
    assert_eq!(events[0]["payload"]["severity"], "critical");
    let headline = fake
        .messages(&ch.id)
        .iter()
        .map(|m| m.blocks.to_string())
        .find(|b| b.contains("Severity"))
        .unwrap_or_default();
    assert!(
        headline.contains(":rotating_light: SEV0 — Company down"),
        "{headline}"
    );

    // Spellings: `SEV-1`, a configured alias (the digits alone and `s1` in `sev`); the
    // default is the level marked `default`.
    let said = t
        .say("UBOB", "CGENERAL", "declare SEV-1 Search is down")
        .await;
    assert!(said.contains("(SEV1)"), "{said}");
    let said = t.say("UBOB", "CGENERAL", "declare Reports are slow").await;
    assert!(said.contains("(SEV2)"), "the default: {said}");
    let said = t
        .say("UCAROL", "CGENERAL", "declare zero Payments down")
        .await;
    assert!(said.contains("(SEV0)"), "{said}");
    // A severity-looking word that names no level is refused with the real ones.
    let said = t.say("UCAROL", "CGENERAL", "declare sev4 Typo").await;
    assert!(
        said.contains("Unknown severity `sev4`: expected sev0, sev1, sev2 or sev3"),
        "{said}"
    );
    let said = t.say("UALICE", &ch.id, "set region eu").await;
    assert!(
        said.contains("none are configured for it (`[[fields]]` in the configuration)"),
        "{said}"
    );
    let said = t.say("UALICE", &ch.id, "sev s1").await;
    assert!(said.contains("SEV1"), "{said}");
    let said = t.say("UALICE", &ch.id, "sev 0").await;
    assert!(said.contains("SEV0"), "{said}");

    // `help sev` lists the levels with when to choose them.
    let help = t.say("UALICE", "CGENERAL", "help sev").await;
    for needle in [
        "`sev0` :rotating_light: SEV0 — Company down: Every customer is affected",
        "(respond now)",
        "`sev3` SEV3 — Minor: Workaround available",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }

    // The form offers the configured levels, the default chosen, with descriptions.
    let v = t.command("UALICE", "CGENERAL", "declare").await;
    assert!(v.is_null() || v["text"].is_null(), "{v}");
    fake.wait("views.open", Duration::from_secs(10), |f| {
        !f.views().is_empty()
    })
    .await;
    let view = fake.views()[0]["view"].clone();
    let select = view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["element"]["action_id"] == "severity")
        .cloned()
        .unwrap_or_default();
    let options: Vec<String> = select["element"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["text"]["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        options,
        [
            "SEV0 — Company down (now)",
            "SEV1 — Critical",
            "SEV2 — Major",
            "SEV3 — Minor"
        ]
    );
    assert_eq!(select["element"]["initial_option"]["value"], "sev2");
    assert!(
        select["hint"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("SEV0: Every customer is affected"),
        "{select}"
    );
    // Submitted with SEV0: declared at SEV0.
    let submission = json!({"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "UDAVE"}, "trigger_id": "t2",
        "view": {"id": "V1", "callback_id": "declare", "private_metadata": "CGENERAL", "state": {"values": {
            "title": {"title": {"type": "plain_text_input", "value": "Login fails"}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev0"}}},
            "description": {"description": {"type": "plain_text_input", "value": ""}},
            "private": {"private": {"type": "checkboxes", "selected_options": []}}}}}});
    assert_eq!(t.interaction(&submission).await.status(), 200);
    t.wait_ready(5).await;

    // Stored by key; the pages filter and show them.
    let peek = t.peek().await;
    let stored: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, severity FROM incidents ORDER BY id")
            .fetch_all(&peek)
            .await
            .unwrap();
    let keys: Vec<&str> = stored.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(keys, ["sev0", "sev1", "sev2", "sev0", "sev0"]);
    let page = t
        .get("/incidents?severity=sev0")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<option value=\"sev0\" selected>SEV0</option>"),
        "{page}"
    );
    assert!(
        page.contains("Payments down") && !page.contains("Search is down"),
        "only SEV0s listed"
    );
    let insights: Value = t.get("/insights.json").await.json().await.unwrap();
    assert_eq!(
        insights["severities"],
        json!(["sev0", "sev1", "sev2", "sev3"])
    );
    assert_eq!(
        insights["by_month"][0]["counts"].as_array().map(Vec::len),
        Some(4)
    );
    let metrics = t.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("severity=\"SEV0\"} 3"),
        "{}",
        metrics
            .lines()
            .filter(|l| l.contains("incidents_open"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    t.stop().await;

    // Started again without SEV0: refused, with how many incidents keep it.
    let without: String = LEVELS
        .split("[[severities]]")
        .filter(|l| !l.contains("\"sev0\""))
        .collect::<Vec<_>>()
        .join("[[severities]]");
    let err = match warroom::startup::Application::build(test_config(&db, &fake, &without)).await {
        Ok(_) => panic!("started with incidents whose severity is gone"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(
            "3 stored incidents have severity `sev0`, which [[severities]] no longer lists"
        ),
        "{err}"
    );
    db.cleanup().await;
}

on_both_databases!(
    incidents_stored_as_numbers_read_as_the_seeds_levels,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn incidents_stored_as_numbers_read_as_the_seeds_levels(db: TestDb) {
    // The database as the release before kept it: migrations up to 0015, severities
    // as the numbers 1..4.
    let dir = tempfile::tempdir().unwrap();
    let src = format!("{}/migrations/{}", env!("CARGO_MANIFEST_DIR"), db.label());
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.as_str() < "0016" {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    sqlx::any::install_default_drivers();
    let url = if db.label() == "sqlite" {
        format!("{}?mode=rwc", db.url())
    } else {
        db.url()
    };
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(dir.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    for (sev, title) in [(1, "Old outage"), (4, "Old typo")] {
        sqlx::query(
            "INSERT INTO incidents (title, severity, status, declared_by, declared_at) \
             VALUES ($1, $2, 'resolved', 'UOLD', 1767225600000)",
        )
        .bind(title)
        .bind(sev)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT severity FROM incidents ORDER BY id")
        .fetch_all(&t.peek().await)
        .await
        .unwrap();
    assert_eq!(stored, ["sev1", "sev4"]);
    let page = t.get("/incidents").await.text().await.unwrap();
    assert!(
        page.contains("Old outage") && page.contains("SEV4"),
        "{page}"
    );
    let said = t.say("UALICE", "CGENERAL", "INC-1 show").await;
    assert!(said.contains("SEV1"), "{said}");
    t.stop().await;
    db.cleanup().await;
}
