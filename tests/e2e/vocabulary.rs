//! An organisation's whole vocabulary through one incident lifecycle, on both
//! databases: SEV0..SEV4 (five levels, SEV0 owed an update every 10 minutes), a
//! `security` type (private, its own responder, a required region asked at declare,
//! a required revenue impact asked at resolve, a Communications Lead needed, a user
//! group whose members are invited), a
//! `drill` type kept out of the insights, and a Scribe role. The declare form asks the
//! required field and refuses it missing; resolve refuses until the revenue impact is
//! set; the postmortem and the insights show the fields; the drill is not counted.

use serde_json::{Value, json};

use crate::common::clocked::{Env, env};
use crate::common::{TestDb, on_both_databases};

const VOCABULARY: &str = r#"
[[severities]]
key = "sev0"
label = "Company down"
update_every = "10m"
page = true
postmortem = true
[[severities]]
key = "sev1"
label = "Critical"
update_every = "15m"
postmortem = true
[[severities]]
key = "sev2"
label = "Major"
update_every = "30m"
[[severities]]
key = "sev3"
label = "Minor"
default = true
[[severities]]
key = "sev4"
label = "Low"

[incident_types.security]
name = "Security"
description = "Breach or vulnerability"
severity = "sev1"
private = true
channel_prefix = "sec"
responders = ["USECLEAD"]
user_groups = ["SSECTEAM"]
required_fields = ["region", "revenue_impact"]
required_roles = ["comms"]

[incident_types.drill]
name = "Drill"
count_in_insights = false

[[fields]]
key = "region"
label = "Region"
kind = "select"
options = ["eu", "us", "apac"]
ask = "declare"

[[fields]]
key = "revenue_impact"
label = "Revenue impact"
kind = "number"
ask = "resolve"

[roles.scribe]
name = "Scribe"
checklist = ["Pin every decision"]

[reminders]
escalate_after = 0

[http]
public_url = "https://warroom.example"
"#;

fn submission(region: &str) -> Value {
    json!({"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "UALICE"}, "trigger_id": "t2",
        "view": {"id": "V1", "callback_id": "declare", "private_metadata": "CGENERAL", "state": {"values": {
            "title": {"title": {"type": "plain_text_input", "value": "Leaked API key"}},
            "type": {"type": {"type": "static_select", "selected_option": {"value": "security"}}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "sev1"}}},
            "description": {"description": {"type": "plain_text_input", "value": ""}},
            "field:region": {"field:region": {"type": "static_select", "selected_option": if region.is_empty() { Value::Null } else { json!({"value": region}) }}},
            "private": {"private": {"type": "checkboxes", "selected_options": []}}}}}})
}

async fn security_channel(e: &Env) -> String {
    e.fake
        .wait("sec-3 set up", std::time::Duration::from_secs(15), |f| {
            !f.channels_named("sec-3-").is_empty()
        })
        .await;
    e.fake.channels_named("sec-3-")[0].id.clone()
}

on_both_databases!(
    an_organisations_vocabulary_through_a_lifecycle,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn an_organisations_vocabulary_through_a_lifecycle(db: TestDb) {
    let e = env(&db, VOCABULARY).await;
    e.fake.set_group("SSECTEAM", &["USECOPS1", "USECOPS2"]);

    // SEV0's cadence is its own: reminded after 10 minutes, a SEV1 not yet.
    let c0 = e.declare(1, "sev0 Checkout down everywhere").await;
    let c1 = e.declare(2, "sev1 Search down").await;
    e.advance(10).await;
    assert_eq!([e.reminders(&c0), e.reminders(&c1)], [1, 0]);

    // A security incident typed with its title: the form opens to ask the region.
    let v =
        e.t.command(
            "UALICE",
            "CGENERAL",
            "declare --type security Leaked API key",
        )
        .await;
    assert!(v.is_null() || v["text"].is_null(), "{v}");
    e.fake
        .wait("views.open", std::time::Duration::from_secs(10), |f| {
            !f.views().is_empty()
        })
        .await;
    let view = e.fake.views()[0]["view"].to_string();
    assert!(view.contains("\"field:region\""), "{view}");
    assert!(view.contains("Leaked API key"), "the title is kept: {view}");
    // Without the region: refused on that input; with it: declared.
    let r = e.t.interaction(&submission("")).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["response_action"], "errors", "{body}");
    assert_eq!(body["errors"]["field:region"], "Region is required here.");
    let r = e.t.interaction(&submission("eu")).await;
    assert_eq!(r.status(), 200);
    let sec = security_channel(&e).await;
    e.fake
        .wait(
            "the responder invited",
            std::time::Duration::from_secs(15),
            |f| {
                f.channels_named("sec-3-").iter().any(|c| {
                    c.is_private
                        && ["USECLEAD", "USECOPS1", "USECOPS2"]
                            .iter()
                            .all(|u| c.members.iter().any(|m| m == u))
                })
            },
        )
        .await;
    let stored: String = sqlx::query_scalar("SELECT fields FROM incidents WHERE id = 3")
        .fetch_one(&e.t.peek().await)
        .await
        .unwrap();
    assert_eq!(stored, r#"{"region":"eu"}"#);

    // Resolving waits for the revenue impact it requires.
    let said = e.t.say("UALICE", &sec, "resolve Rotated the key").await;
    assert!(
        said.contains("Set the Revenue impact first: `/incident set revenue_impact &lt;value&gt;`"),
        "{said}"
    );
    let said = e.t.say("UALICE", &sec, "role scribe <@UBOB>").await;
    assert!(said.contains("Scribe"), "{said}");
    e.t.say("UALICE", &sec, "set revenue_impact 1,200").await;
    let said = e.t.say("UALICE", &sec, "resolve Rotated the key").await;
    assert!(said.contains("resolved"), "{said}");

    e.t.say("UALICE", &c0, "set revenue_impact 300").await;
    // A drill is declared like any incident but left out of the insights.
    let said =
        e.t.say("UCAROL", "CGENERAL", "declare --type drill sev2 Game day")
            .await;
    assert!(said.contains("INC-4"), "{said}");

    // The postmortem (private: through the link warroom gives in its channel) and
    // the insights show the fields.
    let shown = e.t.command("UALICE", &sec, "show").await.to_string();
    let key = shown
        .split("?key=")
        .nth(1)
        .and_then(|k| k.split(['|', '>', '"', '\\']).next())
        .unwrap_or_else(|| panic!("a signed link in {shown}"))
        .to_string();
    let md =
        e.t.get(&format!("/incidents/INC-3/postmortem.md?key={key}"))
            .await
            .text()
            .await
            .unwrap();
    assert!(md.contains("- Region: eu\n"), "{md}");
    assert!(md.contains("- Revenue impact: 1200\n"), "{md}");
    assert!(
        md.lines()
            .any(|l| l == "- Scribe: @UBOB" || l == "- Scribe: @bob"),
        "the Scribe is listed: {md}"
    );
    let j: Value = e.t.get("/insights.json").await.json().await.unwrap();
    // INC-1 and INC-2; the security incident is private to this reader, the drill
    // is not counted.
    assert_eq!(j["incidents"], 2, "the drill is not counted: {j}");
    assert_eq!(
        j["severities"],
        json!(["sev0", "sev1", "sev2", "sev3", "sev4"])
    );
    let revenue = j["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "revenue_impact")
        .cloned()
        .unwrap();
    assert_eq!(revenue["sum"], 300.0, "INC-1's only: {revenue}");
    e.t.stop().await;
    db.cleanup().await;
}
