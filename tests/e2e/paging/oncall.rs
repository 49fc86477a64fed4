//! Who is on call, and pages to someone, end to end against fakes built from
//! PagerDuty's REST API and Opsgenie's Alert API references: naming a service looks
//! up its team's first on-call level (through PagerDuty's pagination and a 429),
//! invites the ones Slack knows by email and shows them in the headline;
//! `/incident page` pages a team (a REST incident on its escalation policy, an
//! Opsgenie alert to its team) or a person (by their email), once each whatever
//! the retries; resolving closes those pages; an escalation pages the team.

use std::time::Duration;

use serde_json::Value;

use crate::common::clocked::env;
use crate::common::fake_opsgenie::FakeOpsgenie;
use crate::common::fake_pagerduty::FakePagerDuty;
use crate::common::fake_pagerduty_rest::{FROM, FakePagerDutyRest, Person, SERVICE, TOKEN};
use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn, until};

const WAIT: Duration = Duration::from_secs(20);

fn people() -> Vec<Person> {
    let p = |id, name, email, policy, level| Person {
        id,
        name,
        email,
        policy,
        schedule: None,
        level,
    };
    vec![
        p("PUBOB", "Bob", "bob@example.com", "PEDB001", 1),
        p("PUANA", "Ana Ruiz", "ana@example.com", "PEDB001", 1),
        p("PUCAROL", "Carol", "carol@example.com", "PEDB001", 2),
        p("PUDAVE", "Dave", "dave@example.com", "PEAPI01", 1),
        p("PUBOB", "Bob", "bob@example.com", "PEDB001", 1),
    ]
}

fn settings(rest: &FakePagerDutyRest, og: Option<&FakeOpsgenie>, token: &str) -> String {
    settings_with(rest, og, token, "")
}

/// The settings, with `pagerduty` lines added to `[paging.pagerduty]`.
fn settings_with(
    rest: &FakePagerDutyRest,
    og: Option<&FakeOpsgenie>,
    token: &str,
    pagerduty: &str,
) -> String {
    let mut s = format!(
        "[paging.pagerduty]\n{pagerduty}api_token = \"{token}\"\napi_url = \"{}\"\nfrom = \"{FROM}\"\nservice_id = \"{SERVICE}\"\n",
        rest.url
    );
    let team = match og {
        Some(og) => {
            s.push_str(&format!(
                "[paging.opsgenie]\napi_key = \"og-key\"\napi_url = \"{}\"\nseverities = []\n",
                og.url
            ));
            "opsgenie_team = \"dba\"\n"
        }
        None => "",
    };
    s.push_str(&format!(
        "[[paging.targets]]\nname = \"database\"\nservices = [\"postgres\", \"db\"]\npagerduty_escalation_policy = \"PEDB001\"\n{team}"
    ));
    s
}

fn headline_text(fake: &FakeSlack, ch: &str) -> String {
    fake.messages(ch)
        .iter()
        .find(|m| m.text.starts_with("INC-"))
        .map(|m| m.blocks.to_string())
        .unwrap_or_default()
}

on_both_databases!(
    the_on_call_joins_and_pages_go_out_once_and_close,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn the_on_call_joins_and_pages_go_out_once_and_close(db: TestDb) {
    let fake = FakeSlack::start().await;
    let rest = FakePagerDutyRest::start(people()).await;
    let og = FakeOpsgenie::start("og-key").await;
    let t = spawn(&db, &fake, &settings(&rest, Some(&og), TOKEN)).await;
    t.say("UALICE", "CGENERAL", "declare sev2 Replica lag")
        .await;
    let ch = t.wait_ready(1).await.id;
    rest.faults.fail(1, 429);
    let answer = t.say("UALICE", &ch, "service postgres").await;
    assert!(answer.contains("affects postgres"), "{answer}");
    fake.wait("the on-call invited", WAIT, |f| {
        f.channel(&ch)
            .unwrap()
            .members
            .contains(&"UBOB".to_string())
    })
    .await;
    fake.wait("the headline shows the on-call", WAIT, |f| {
        headline_text(f, &ch).contains(":pager: on call: <@UBOB>")
    })
    .await;
    let lookups: Vec<String> = rest
        .log
        .all()
        .into_iter()
        .filter(|(m, p, _)| m == "GET" && p.starts_with("/oncalls"))
        .map(|(_, p, _)| p)
        .collect();
    // A 429, then two pages of two (the fake pages below the asked-for limit).
    assert_eq!(lookups.len(), 3, "{lookups:?}");
    assert!(
        lookups
            .iter()
            .all(|p| p.contains("escalation_policy_ids%5B%5D=PEDB001")
                && p.contains("include%5B%5D=users"))
    );
    assert!(lookups[2].contains("offset=2"), "{lookups:?}");
    let members = fake.channel(&ch).unwrap().members;
    assert!(
        !members.contains(&"UCAROL".to_string()),
        "level 2 is not first: {members:?}"
    );
    assert!(
        !members.contains(&"UDAVE".to_string()),
        "another policy: {members:?}"
    );
    let roles = t.say("UALICE", &ch, "roles").await;
    assert!(roles.contains("On call (pager): <@UBOB>"), "{roles}");
    let tl = t.say("UALICE", &ch, "timeline").await;
    assert_eq!(tl.matches("On call for `database`").count(), 1, "{tl}");
    assert!(tl.contains("(PagerDuty: Database): <@UBOB>"), "{tl}");
    assert!(
        tl.contains("no Slack account with the email of Ana Ruiz (ana@example.com)"),
        "{tl}"
    );

    // A team, by the name of a service it covers.
    let answer = t.say("UALICE", &ch, "page db Replica 40 min behind").await;
    assert!(
        answer.contains("Paging `database` through PagerDuty and Opsgenie"),
        "{answer}"
    );
    until("the team paged", || {
        rest.created().len() == 1 && og.accepted.all().len() == 1
    })
    .await;
    let inc = &rest.created()[0]["incident"];
    assert_eq!(
        inc["escalation_policy"],
        serde_json::json!({"id": "PEDB001", "type": "escalation_policy_reference"})
    );
    assert_eq!(inc["service"]["id"], SERVICE);
    assert_eq!(inc["urgency"], "high");
    assert_eq!(inc["title"], "INC-1 SEV2: Replica 40 min behind");
    assert!(
        inc["incident_key"]
            .as_str()
            .unwrap()
            .starts_with("warroom/INC-1/page/")
    );
    let post = rest
        .log
        .all()
        .into_iter()
        .find(|(m, _, _)| m == "POST")
        .unwrap();
    assert_eq!(post.2.as_deref(), Some(FROM));
    let (what, alert) = &og.accepted.all()[0];
    assert_eq!(what, "create");
    assert_eq!(
        alert["responders"][0],
        serde_json::json!({"type": "team", "name": "dba"})
    );
    assert!(
        alert["alias"]
            .as_str()
            .unwrap()
            .starts_with("warroom-INC-1-page-")
    );

    // A person, by their email; PagerDuty answers 500 once.
    rest.faults.fail(1, 500);
    let answer = t.say("UALICE", &ch, "page <@UCAROL|carol>").await;
    assert!(answer.contains("Paging <@UCAROL>"), "{answer}");
    until("the person paged", || {
        rest.created().len() == 2 && og.accepted.all().len() == 2
    })
    .await;
    let inc = &rest.created()[1]["incident"];
    assert_eq!(inc["assignments"][0]["assignee"]["id"], "PUCAROL");
    assert!(inc.get("escalation_policy").is_none());
    assert_eq!(
        og.accepted.all()[1].1["responders"][0],
        serde_json::json!({"type": "user", "username": "carol@example.com"})
    );
    assert!(
        rest.log
            .all()
            .iter()
            .any(|(_, p, _)| p == "/users?query=carol%40example.com"),
        "{:?}",
        rest.log.all()
    );

    // Bad requests get an ephemeral answer with the usage.
    let a = t.say("UALICE", &ch, "page billing").await;
    assert!(
        a.contains("No team named `billing`") && a.contains("`database`") && a.contains("Usage"),
        "{a}"
    );
    let a = t.say("UDAVE", &ch, "page database").await;
    assert!(a.contains("Only the incident's responders"), "{a}");

    fake.wait("both pages told in the channel", WAIT, |f| {
        f.messages(&ch)
            .iter()
            .filter(|m| m.text.starts_with(":pager: Paged "))
            .count()
            == 4
    })
    .await;
    let tl = t.say("UALICE", &ch, "timeline").await;
    assert!(tl.contains("Paged `database` through PagerDuty (PagerDuty incident `Q00001`) for <@UALICE>: Replica 40 min behind"), "{tl}");
    assert!(
        tl.contains("Paged <@UCAROL> through PagerDuty (PagerDuty incident `Q00002`)"),
        "{tl}"
    );
    assert_eq!(
        tl.matches("Paged <@UCAROL> through PagerDuty").count(),
        1,
        "the 500 was retried once: {tl}"
    );

    // Resolving closes what the pages opened.
    let a = t.say("UALICE", &ch, "resolve Replica rebuilt").await;
    assert!(a.contains("resolved"), "{a}");
    until("pages closed", || {
        let r = rest.resolved();
        r.contains(&"Q00001".to_string()) && r.contains(&"Q00002".to_string())
    })
    .await;
    let aliases: Vec<String> = og
        .accepted
        .all()
        .iter()
        .filter(|(w, _)| w == "create")
        .map(|(_, a)| a["alias"].as_str().unwrap().to_string())
        .collect();
    until("alerts closed", || {
        aliases
            .iter()
            .all(|a| og.status(a).as_deref() == Some("closed"))
    })
    .await;
    assert_eq!(rest.created().len(), 2, "nothing paged twice");
    assert_eq!(rest.unauthorised(), 0);
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(
    an_escalation_pages_the_team_and_a_bad_token_is_told,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn an_escalation_pages_the_team_and_a_bad_token_is_told(db: TestDb) {
    let rest = FakePagerDutyRest::start(people()).await;
    let extra = format!(
        "[reminders]\nescalate_after = 2\n{}",
        settings(&rest, None, TOKEN)
    );
    let e = env(&db, &extra).await;
    let c = e.declare(1, "sev1 Primary database down").await;
    e.t.say("UALICE", &c, "service postgres").await;
    e.settle().await;
    e.advance(15).await;
    assert!(rest.created().is_empty(), "one missed update does not page");
    e.advance(15).await;
    until("the escalation paged", || rest.created().len() == 1).await;
    let inc: Value = rest.created()[0]["incident"].clone();
    assert_eq!(inc["escalation_policy"]["id"], "PEDB001");
    assert!(
        inc["title"]
            .as_str()
            .unwrap()
            .contains("2 update reminders went unanswered"),
        "{inc}"
    );
    e.settle().await;
    let tl = e.t.say("UALICE", &c, "timeline").await;
    assert!(
        tl.contains(
            "Paged `database` through PagerDuty (PagerDuty incident `Q00001`): 2 update reminders"
        ),
        "{tl}"
    );
    e.t.stop().await;

    // A wrong key: the lookup's refusal is told in the channel, once.
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, &settings(&rest, None, "wrong-token")).await;
    t.say("UALICE", "CGENERAL", "declare sev2 Disk full").await;
    let ch = t.wait_ready(2).await.id;
    t.say("UALICE", &ch, "service db").await;
    fake.wait("the refusal told", WAIT, |f| {
        f.messages(&ch).iter().any(|m| {
            m.text
                .contains("PagerDuty refused to say who is on call (401)")
        })
    })
    .await;
    assert!(rest.unauthorised() >= 1);
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(
    acknowledgements_on_the_phone_are_read_back,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn acknowledgements_on_the_phone_are_read_back(db: TestDb) {
    let fake = FakeSlack::start().await;
    let events = FakePagerDuty::start().await;
    let rest = FakePagerDutyRest::start(people()).await;
    let og = FakeOpsgenie::start("og-key").await;
    let events_keys = format!(
        "routing_key = \"0123456789abcdef0123456789abcdef\"\nevents_url = \"{}\"\n",
        events.url
    );
    let extra = format!(
        "[paging]\nack_poll = \"200ms\"\n{}[alerts]\nalertmanager.token = \"am\"\n[[auto_declare]]\nwatcher = \"alerts\"\nseverity = \"sev1\"\n",
        settings_with(&rest, Some(&og), TOKEN, &events_keys)
    );
    let t = spawn(&db, &fake, &extra).await;
    let body = serde_json::json!({"version": "4", "groupKey": "{}:{alertname=\"DbDown\"}", "status": "firing",
        "alerts": [{"status": "firing", "labels": {"alertname": "DbDown", "severity": "critical", "service": "postgres"},
        "annotations": {"summary": "Primary database down"}, "startsAt": "2026-03-02T10:00:00Z"}]});
    assert_eq!(t.alert("am", &body).await.status(), 200);
    let ch = t.wait_ready(1).await.id;
    until("the page triggered", || !events.accepted.is_empty()).await;
    until("the page watched", || {
        rest.log
            .all()
            .iter()
            .any(|(_, p, _)| p.starts_with("/incidents?incident_key=warroom%2FINC-1"))
    })
    .await;
    let acked = acknowledged_at(&t).await;
    assert!(
        acked.is_none(),
        "declared by an alert, nobody acknowledged it yet"
    );
    rest.acknowledge("warroom/INC-1", "Bob");
    fake.wait("the acknowledgement told", WAIT, |f| {
        f.messages(&ch).iter().any(|m| {
            m.text
                .starts_with(":pager: PagerDuty page acknowledged by Bob after")
        })
    })
    .await;
    let acked = acknowledged_at(&t).await;
    assert!(
        acked.is_some(),
        "the page's acknowledgement acknowledges the incident"
    );

    // A page to the team: each provider's acknowledgement is read back once.
    t.say("UALICE", &ch, "role ic <@UALICE>").await;
    let a = t.say("UALICE", &ch, "page database Failover stuck").await;
    assert!(a.contains("Paging `database`"), "{a}");
    until("the team paged", || {
        !rest.created().is_empty() && og.accepted.all().iter().any(|(w, _)| w == "create")
    })
    .await;
    let alias = og
        .accepted
        .all()
        .iter()
        .find(|(w, _)| w == "create")
        .map(|(_, b)| b["alias"].as_str().unwrap().to_string())
        .unwrap();
    og.acknowledge_by(&alias, "carol@example.com");
    rest.acknowledge("Q00001", "Dave");
    fake.wait("both acknowledgements told", WAIT, |f| {
        let ms = f.messages(&ch);
        ms.iter().any(|m| {
            m.text.starts_with(
                ":pager: Page to `database` acknowledged in Opsgenie by carol@example.com",
            )
        }) && ms.iter().any(|m| {
            m.text
                .starts_with(":pager: Page to `database` acknowledged in PagerDuty by Dave")
        })
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let tl = t.say("UALICE", &ch, "timeline").await;
    assert_eq!(
        tl.matches("acknowledged in PagerDuty by Dave").count(),
        1,
        "{tl}"
    );
    assert_eq!(
        tl.matches("PagerDuty page acknowledged by Bob").count(),
        1,
        "{tl}"
    );
    t.stop().await;
    db.cleanup().await;
}

/// INC-1's acknowledgement time, read from the database.
async fn acknowledged_at(t: &crate::common::TestApp) -> Option<i64> {
    sqlx::query_scalar("SELECT acknowledged_at FROM incidents WHERE id = 1")
        .fetch_one(&t.peek().await)
        .await
        .unwrap()
}

on_both_databases!(
    a_page_that_never_gets_through_is_told,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_page_that_never_gets_through_is_told(db: TestDb) {
    let fake = FakeSlack::start().await;
    let rest = FakePagerDutyRest::start(people()).await;
    let og = FakeOpsgenie::start("og-key").await;
    let extra = format!(
        "[jobs]\nmax_attempts = 2\n{}",
        settings(&rest, Some(&og), TOKEN)
    );
    let t = spawn(&db, &fake, &extra).await;
    t.say("UALICE", "CGENERAL", "declare sev2 Replica lag")
        .await;
    let ch = t.wait_ready(1).await.id;
    rest.faults.fail(10, 500);
    let a = t.say("UALICE", &ch, "page database").await;
    assert!(a.contains("Paging `database`"), "{a}");
    // PagerDuty is down; Opsgenie's page does not wait behind it.
    until("Opsgenie paged", || {
        og.accepted.all().iter().any(|(w, _)| w == "create")
    })
    .await;
    fake.wait("the give-up told", WAIT, |f| {
        f.messages(&ch).iter().any(|m| {
            m.text
                .starts_with(":warning: warroom gave up on the page after 2 attempts")
        })
    })
    .await;
    assert!(rest.created().is_empty());
    t.stop().await;
    db.cleanup().await;
}
