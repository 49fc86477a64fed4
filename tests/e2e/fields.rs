//! Custom fields end to end, on both databases: a `region` select shown in the
//! headline, a `revenue_impact` number, an `owner` person and a `ticket` link, and a
//! `cve` text only security incidents use. `/incident set` with values refused naming
//! the options, each change on the timeline; the values on the incident page, in the
//! postmortem's Impact section and summed or grouped in the insights (JSON, CSV and
//! Markdown); a start refused while stored incidents keep a field no longer configured.

use serde_json::Value;

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn, test_config};

const FIELDS: &str = r#"
[incident_types.security]
name = "Security"
description = "Breach or vulnerability"
channel_prefix = "sec"

[[fields]]
key = "region"
label = "Region"
kind = "select"
options = ["eu", "us", "apac"]
headline = true

[[fields]]
key = "revenue_impact"
label = "Revenue impact"
kind = "number"
ask = "resolve"

[[fields]]
key = "owner"
label = "Customer owner"
kind = "user"

[[fields]]
key = "ticket"
label = "Ticket"
kind = "url"

[[fields]]
key = "cve"
label = "CVE"
kind = "text"
types = ["security"]
"#;

on_both_databases!(
    fields_are_set_shown_and_counted,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn fields_are_set_shown_and_counted(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, FIELDS).await;
    t.say(
        "UALICE",
        "CGENERAL",
        "declare sev2 Checkout errors in Frankfurt",
    )
    .await;
    let ch = t.wait_ready(1).await;

    // Values are checked against the field's kind; a select names its options.
    let said = t.say("UALICE", &ch.id, "set region mars").await;
    assert!(
        said.contains("Unknown region `mars`: expected eu, us or apac."),
        "{said}"
    );
    assert!(
        said.contains("Usage: `/incident set &lt;field&gt; &lt;value&gt;"),
        "{said}"
    );
    let said = t.say("UALICE", &ch.id, "set cve CVE-2026-1").await;
    assert!(
        said.contains("`cve` is not a field of this incident: expected region, revenue_impact, owner or ticket."),
        "only security incidents have a CVE: {said}"
    );
    let said = t.say("UALICE", &ch.id, "set revenue_impact lots").await;
    assert!(said.contains("is not a number"), "{said}");
    let said = t
        .say("UALICE", &ch.id, "set ticket javascript:alert(1)")
        .await;
    assert!(said.contains("is not a link"), "{said}");

    for (cmd, answer) in [
        ("set region EU", "Region set to eu on INC-1."),
        (
            "set revenue_impact 18,000",
            "Revenue impact set to 18000 on INC-1.",
        ),
        (
            "set owner <@UBOB|bob>",
            "Customer owner set to <@UBOB> on INC-1.",
        ),
        (
            "set ticket <https://jira.example.com/browse/OPS-7>",
            "Ticket set to https://jira.example.com/browse/OPS-7 on INC-1.",
        ),
    ] {
        let said = t.say("UALICE", &ch.id, cmd).await;
        assert_eq!(said, format!(":white_check_mark: {answer}"), "{cmd}");
    }
    // The headline shows the region (a `headline` field).
    fake.wait(
        "the headline shows the region",
        std::time::Duration::from_secs(10),
        |f| {
            f.messages(&ch.id)
                .iter()
                .any(|m| m.blocks.to_string().contains("Region: eu"))
        },
    )
    .await;
    let tl = t.say("UALICE", &ch.id, "timeline").await;
    assert!(tl.contains("Region set to eu"), "{tl}");
    // Cleared and set again: both on the timeline.
    t.say("UALICE", &ch.id, "set region -").await;
    t.say("UALICE", &ch.id, "set region apac").await;
    let tl = t.say("UALICE", &ch.id, "timeline").await;
    assert!(
        tl.contains("Region cleared") && tl.contains("Region set to apac"),
        "{tl}"
    );

    // A second incident in the same region, with a smaller revenue impact.
    t.say("UBOB", "CGENERAL", "declare sev3 Slow search").await;
    let ch2 = t.wait_ready(2).await;
    t.say("UBOB", &ch2.id, "set region apac").await;
    t.say("UBOB", &ch2.id, "set revenue_impact 2000.50").await;
    // A hostile text value is data.
    t.say("UCAROL", "CGENERAL", "declare --type security Leaked key")
        .await;
    let sec = crate::common::fake_slack::FakeSlack::channels_named(&fake, "sec-3-");
    let sec_id = match sec.first() {
        Some(c) => c.id.clone(),
        None => {
            fake.wait("sec-3 set up", std::time::Duration::from_secs(10), |f| {
                !f.channels_named("sec-3-").is_empty()
            })
            .await;
            fake.channels_named("sec-3-")[0].id.clone()
        }
    };
    let said = t
        .say("UCAROL", &sec_id, "set cve <!channel> look at this")
        .await;
    assert!(
        said.contains("CVE set to @channel look at this") && !said.contains("<!channel>"),
        "a special mention is text: {said}"
    );
    let said = t
        .say(
            "UCAROL",
            &sec_id,
            &format!("set cve {}", "x".repeat(40_000)),
        )
        .await;
    assert!(
        said.contains("one line of at most 300 characters"),
        "{said}"
    );
    let said = t
        .say(
            "UCAROL",
            &sec_id,
            "set cve <script>alert(1)</script> & CVE-2026-1",
        )
        .await;
    assert!(said.contains("CVE set to"), "{said}");

    // The incident page and the postmortem show them.
    let page = t.get("/incidents/INC-1").await.text().await.unwrap();
    for needle in [
        "<th>Region</th><td>apac</td>",
        "<th>Revenue impact</th><td>18000</td>",
        "<th>Ticket</th><td>https://jira.example.com/browse/OPS-7</td>",
        "<th>Customer owner</th>",
    ] {
        assert!(page.contains(needle), "{needle}");
    }
    let page3 = t.get("/incidents/INC-3").await.text().await.unwrap();
    assert!(
        page3.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; CVE-2026-1"),
        "escaped: {}",
        &page3[page3.find("CVE").unwrap_or(0)..]
            .chars()
            .take(300)
            .collect::<String>()
    );
    assert!(!page3.contains("<script>alert"), "never markup");
    let md = t
        .get("/incidents/INC-1/postmortem.md")
        .await
        .text()
        .await
        .unwrap();
    assert!(md.contains("- Revenue impact: 18000\n"), "{md}");
    assert!(
        !md.contains("- Revenue impact: _to fill"),
        "a revenue impact field fills the line: {md}"
    );
    assert!(md.contains("- Region: apac\n"), "{md}");

    // Insights: the number summed, the select grouped.
    let j: Value = t.get("/insights.json").await.json().await.unwrap();
    let fields = j["fields"].as_array().cloned().unwrap_or_default();
    let revenue = fields
        .iter()
        .find(|f| f["key"] == "revenue_impact")
        .unwrap();
    assert_eq!(revenue["sum"], 20000.5);
    assert_eq!(revenue["incidents"], 2);
    let region = fields.iter().find(|f| f["key"] == "region").unwrap();
    assert_eq!(region["options"][2]["option"], "apac");
    assert_eq!(region["options"][2]["incidents"], 2);
    let csv = t.get("/insights.csv").await.text().await.unwrap();
    assert!(csv.contains("field,,,revenue_impact,sum,20000.5"), "{csv}");
    assert!(csv.contains("field,,,region=apac,incidents,2"), "{csv}");
    let html = t.get("/insights").await.text().await.unwrap();
    assert!(html.contains("Your fields"), "the page has the section");
    t.stop().await;

    // Started again without the `ticket` field: refused, with how many use it.
    let without = FIELDS.replace(
        "[[fields]]\nkey = \"ticket\"\nlabel = \"Ticket\"\nkind = \"url\"\n",
        "",
    );
    assert_ne!(without, FIELDS);
    let err = match warroom::startup::Application::build(test_config(&db, &fake, &without)).await {
        Ok(_) => panic!("started with incidents whose field is gone"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(
            "1 stored incident has a value for field `ticket`, which [[fields]] no longer lists"
        ),
        "{err}"
    );
    db.cleanup().await;
}
