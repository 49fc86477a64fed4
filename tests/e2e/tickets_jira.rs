//! Follow-through in Jira (issue 26), on both databases, against a fake of Jira
//! Cloud's REST API v3: the incident's ticket made after the declare and moved to
//! Done on resolve; an action item's ticket made with its owner, due date, priority
//! and labels, its description a document (the fake refuses a plain string); the link
//! in `/incident actions` and the headline; and the way back: closed in Jira, the
//! item is done; its due date moved, the item's moves; a delivery with a wrong
//! signature changes nothing. Then a refusal (a required custom field) told in the
//! channel with what to fix and a Retry button, the incident going on regardless.

use serde_json::Value;

use crate::common::fake_jira::{EMAIL, FakeJira, TOKEN};
use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn, until};

const SECRET: &str = "jira-hook-secret";

fn config(jira: &FakeJira, project: &str, extra: &str) -> String {
    format!(
        "[http]\npublic_url = \"https://warroom.example.com\"\n\
         [tickets.jira]\nurl = \"{}\"\nemail = \"{EMAIL}\"\napi_token = \"{TOKEN}\"\n\
         webhook_secret = \"{SECRET}\"\nusers = {{ UBOB = \"acc-bob\" }}\n\
         [[tickets.routes]]\ntracker = \"jira\"\nproject = \"{project}\"\nincident_ticket = true\n\
         labels = [\"team api\"]\n{extra}",
        jira.url
    )
}

fn texts(fake: &FakeSlack, channel: &str) -> Vec<String> {
    fake.messages(channel)
        .iter()
        .map(|m| format!("{} {}", m.text, m.blocks))
        .collect()
}

on_both_databases!(
    jira_tickets_follow_the_incident_and_its_items_both_ways,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn jira_tickets_follow_the_incident_and_its_items_both_ways(db: TestDb) {
    let fake = FakeSlack::start().await;
    let jira = FakeJira::start().await;
    let t = spawn(&db, &fake, &config(&jira, "OPS", "")).await;
    let hook = format!("{}/webhooks/jira", t.base);

    let said = t
        .say(
            "UALICE",
            "CGENERAL",
            "declare sev2 API error rate at 12% <b>",
        )
        .await;
    assert!(said.contains("INC-1"), "{said}");
    let ch = t.wait_ready(1).await.id;
    until("the incident's ticket", || jira.issue("OPS-1").is_some()).await;
    let inc_ticket = jira.issue("OPS-1").unwrap();
    assert_eq!(
        inc_ticket["fields"]["summary"],
        "[INC-1] API error rate at 12% <b>"
    );
    let labels = inc_ticket["fields"]["labels"].to_string();
    for l in ["warroom", "INC-1", "sev2", "team-api", "warroom-inc-1"] {
        assert!(labels.contains(&format!("\"{l}\"")), "{l} in {labels}");
    }
    assert_eq!(inc_ticket["fields"]["description"]["type"], "doc");
    // The headline links it.
    until("the headline shows the ticket", || {
        texts(&fake, &ch)
            .iter()
            .any(|m| m.contains("/browse/OPS-1|OPS-1>"))
    })
    .await;

    // And bookmarks it in the channel, once.
    until("the ticket bookmarked", || !fake.bookmarks().is_empty()).await;
    let marks = fake.bookmarks();
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(marks[0]["title"], "Ticket OPS-1");
    assert!(
        marks[0]["link"]
            .as_str()
            .unwrap()
            .ends_with("/browse/OPS-1")
    );

    // An action item: a ticket with its owner, due date and priority.
    t.say(
        "UALICE",
        &ch,
        "action add a connection-pool alarm <@UBOB> due 2027-01-05 p1",
    )
    .await;
    until("the item's ticket", || jira.issue("OPS-2").is_some()).await;
    let body = jira.created_bodies()[1].clone();
    println!(
        "SAMPLE JIRA CREATE {}",
        serde_json::to_string_pretty(&body).unwrap()
    );
    let f = &body["fields"];
    assert_eq!(f["project"]["key"], "OPS");
    assert_eq!(f["issuetype"]["name"], "Task");
    assert_eq!(f["summary"], "INC-1 action 1: add a connection-pool alarm");
    assert_eq!(f["assignee"]["accountId"], "acc-bob");
    assert_eq!(f["priority"]["name"], "High");
    assert_eq!(f["duedate"], "2027-01-05");
    assert!(f["labels"].to_string().contains("warroom-inc-1-action-1"));
    let actions = t.say("UALICE", &ch, "actions").await;
    assert!(actions.contains("OPS-2"), "{actions}");

    // Resolved: the incident's ticket is moved to Done (the configured transition).
    t.say("UALICE", &ch, "resolve pool raised; alarm follows")
        .await;
    until("the incident's ticket is Done", || {
        jira.issue("OPS-1").unwrap()["fields"]["status"]["name"] == "Done"
    })
    .await;

    // The postmortem's link is commented on the incident's ticket, once.
    until("the postmortem commented", || {
        jira.issue("OPS-1").unwrap()["comments"]
            .to_string()
            .contains("/incidents/INC-1/postmortem")
    })
    .await;
    // The item's ticket on the incident page, in the postmortem and the insights.
    let page = t.get("/incidents/INC-1").await.text().await.unwrap();
    assert!(
        page.contains("/browse/OPS-2\" rel=\"noopener noreferrer\">OPS-2</a>"),
        "{page}"
    );
    let md = t
        .get("/incidents/INC-1/postmortem.md")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        md.contains("add a connection-pool alarm ([OPS-2](http"),
        "{md}"
    );
    let csv = t.get("/insights.csv").await.text().await.unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains("in_tracker") && l.ends_with(",1")),
        "{csv}"
    );

    // A delivery with a wrong signature changes nothing.
    jira.close_silently("OPS-2");
    let forged = serde_json::json!({"webhookEvent": "jira:issue_updated",
        "issue": jira.issue("OPS-2").unwrap()});
    let bytes = serde_json::to_vec(&forged).unwrap();
    assert_eq!(
        jira.send_webhook_raw(&hook, &bytes, Some("sha256=00ff"))
            .await,
        401
    );
    assert_eq!(jira.send_webhook_raw(&hook, &bytes, None).await, 401);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(
        t.say("UALICE", &ch, "actions")
            .await
            .contains(":white_square: *#1*")
    );

    // Closed in Jira (a signed delivery): the item is done, and the channel told.
    assert_eq!(jira.close_by_hand("OPS-2", &hook, SECRET).await, 202);
    until("the item is done", || {
        texts(&fake, &ch)
            .iter()
            .any(|m| m.contains("#1 add a connection-pool alarm") && m.contains("closed in Jira"))
    })
    .await;
    let actions = t.say("UALICE", &ch, "actions").await;
    assert!(actions.contains(":white_check_mark: *#1*"), "{actions}");
    // The same delivery again changes nothing twice.
    let again = jira.last_webhook().unwrap();
    let sig = crate::common::fake_jira::hub_signature(SECRET, &again);
    assert_eq!(jira.send_webhook_raw(&hook, &again, Some(&sig)).await, 202);

    // Reopened there: open again; its due date moved there: the item's moves.
    assert_eq!(jira.reopen_by_hand("OPS-2", &hook, SECRET).await, 202);
    assert_eq!(
        jira.set_due_by_hand("OPS-2", "2027-02-01", &hook, SECRET)
            .await,
        202
    );
    until("the item follows", || {
        texts(&fake, &ch)
            .iter()
            .any(|m| m.contains("#1 is now due 2027-02-01"))
    })
    .await;
    let actions = t.say("UALICE", &ch, "actions").await;
    assert!(actions.contains(":white_square: *#1*"), "{actions}");
    assert!(actions.contains("due 2027-02-01"), "{actions}");
    let done_notices = texts(&fake, &ch)
        .iter()
        .filter(|m| m.contains("closed in Jira"))
        .count();
    assert_eq!(done_notices, 1, "one notice per change");

    // Reassigned in Jira: to someone warroom cannot map, the owner stays and the
    // channel is told which setting maps them; to Bob, the item is Bob's.
    assert_eq!(
        jira.reassign_by_hand("OPS-2", "acc-alice", &hook, SECRET)
            .await,
        202
    );
    until("the unmapped assignee told", || {
        texts(&fake, &ch)
            .iter()
            .any(|m| m.contains("assigned to Alice") && m.contains("tickets.jira.users"))
    })
    .await;
    assert!(t.say("UALICE", &ch, "actions").await.contains("<@UBOB>"));
    assert_eq!(
        jira.reassign_by_hand("OPS-2", "acc-bob", &hook, SECRET)
            .await,
        202
    );
    until("the item follows its assignee", || {
        texts(&fake, &ch)
            .iter()
            .any(|m| m.contains("#1 is now <@UBOB>'s"))
    })
    .await;

    // Done in warroom: the ticket is moved to Done again.
    t.say("UALICE", &ch, "action done 1").await;
    until("the item's ticket is Done", || {
        jira.issue("OPS-2").unwrap()["fields"]["status"]["name"] == "Done"
    })
    .await;
    assert_eq!(jira.creates(), 2, "one ticket each, never two");
}

on_both_databases!(
    a_refusal_is_told_with_what_to_fix_and_a_retry_button,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_refusal_is_told_with_what_to_fix_and_a_retry_button(db: TestDb) {
    let fake = FakeSlack::start().await;
    let jira = FakeJira::start().await;
    // STRICT requires a custom field the route does not set.
    let t = spawn(&db, &fake, &config(&jira, "STRICT", "")).await;
    let said = t
        .say("UALICE", "CGENERAL", "declare sev3 Checkout slow")
        .await;
    assert!(said.contains("INC-1"), "the declare goes on: {said}");
    let ch = t.wait_ready(1).await.id;
    until("the refusal is told", || {
        texts(&fake, &ch)
            .iter()
            .any(|m| m.contains("customfield_10042"))
    })
    .await;
    let told = texts(&fake, &ch)
        .into_iter()
        .find(|m| m.contains("customfield_10042"))
        .unwrap();
    assert!(told.contains("Team is required"), "{told}");
    assert!(told.contains("tickets.routes[0]"), "{told}");
    assert!(told.contains("jira_fields"), "{told}");
    assert!(
        told.contains("\"action_id\":\"ticket\""),
        "a Retry button: {told}"
    );
    assert_eq!(jira.creates(), 0);
    // The incident goes on.
    let status = t.say("UALICE", &ch, "status identified").await;
    assert!(status.to_lowercase().contains("identified"), "{status}");

    // Retry: tried again (and refused again, told again): the button works.
    assert_eq!(
        t.click("UALICE", &ch, "ticket", "1:incident")
            .await
            .status(),
        200
    );
    until("told again after the retry", || {
        texts(&fake, &ch)
            .iter()
            .filter(|m| m.contains("customfield_10042"))
            .count()
            >= 2
    })
    .await;
    let creates: Vec<Value> = jira
        .log
        .all()
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p == "/rest/api/3/issue")
        .map(|(_, _, b)| b)
        .collect();
    assert!(creates.len() >= 2, "tried twice: {}", creates.len());
}

on_both_databases!(
    a_lost_answer_and_a_rate_limit_make_one_jira_ticket_and_earlier_items_get_a_button,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_lost_answer_and_a_rate_limit_make_one_jira_ticket_and_earlier_items_get_a_button(
    db: TestDb,
) {
    let fake = FakeSlack::start().await;
    let jira = FakeJira::start().await;
    // An item recorded before any tracker was configured.
    let t = spawn(&db, &fake, "").await;
    t.say("UALICE", "CGENERAL", "declare sev2 Queue backlog")
        .await;
    let ch = t.wait_ready(1).await.id;
    // Alice is in no `users` map: Jira finds her account by her Slack email.
    t.say("UALICE", &ch, "action add a backlog alarm <@UALICE>")
        .await;
    t.stop().await;

    // Restarted with Jira, a transition the workflow does not offer, and Jira
    // answering 429 (Retry-After) and then losing the answer to the create.
    let extra = "[tickets.jira.transitions]\nidentified = \"Triage\"\n";
    // No webhook here: the poll reads the tickets back (JQL by key).
    let polled = format!(
        "[tickets]\npoll = \"every 1s\"\n{}",
        config(&jira, "OPS", extra)
    );
    let t = spawn(&db, &fake, &polled).await;
    let listing = t.command("UALICE", &ch, "actions").await.to_string();
    assert!(listing.contains("Create ticket #1"), "{listing}");
    assert!(listing.contains("\"value\":\"1:action:1\""), "{listing}");
    jira.faults.fail(1, 429);
    jira.lose_next_creates(1);
    assert_eq!(
        t.click("UALICE", &ch, "ticket#1", "1:action:1")
            .await
            .status(),
        200
    );
    until("the item linked", || {
        jira.issues().iter().any(|i| {
            i["fields"]["labels"]
                .to_string()
                .contains("warroom-inc-1-action-1")
        })
    })
    .await;
    let mut listing = String::new();
    for _ in 0..100 {
        listing = t.say("UALICE", &ch, "actions").await;
        if listing.contains("|OPS-") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(listing.contains("|OPS-"), "{listing}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let items: Vec<Value> = jira
        .issues()
        .into_iter()
        .filter(|i| {
            i["fields"]["labels"]
                .to_string()
                .contains("warroom-inc-1-action-1")
        })
        .collect();
    assert_eq!(items.len(), 1, "one ticket after a 429 and a lost answer");
    assert_eq!(items[0]["fields"]["assignee"]["accountId"], "acc-alice");
    assert!(
        jira.log.all().iter().any(|(m, p, _)| m == "GET"
            && p.contains("/rest/api/3/user/search?query=alice%40example.com")),
        "looked up by email"
    );

    // A status whose named transition the workflow does not offer is told, with the
    // ones it does.
    t.say("UALICE", &ch, "status identified").await;
    until("the missing transition told", || {
        texts(&fake, &ch).iter().any(|m| {
            m.contains("no transition named \\\"Triage\\\"")
                || m.contains("no transition named \"Triage\"")
        })
    })
    .await;
    let told = texts(&fake, &ch)
        .into_iter()
        .find(|m| m.contains("Triage"))
        .unwrap();
    assert!(told.contains("Start progress"), "{told}");
    assert!(
        told.contains("tickets.jira.transitions.identified"),
        "{told}"
    );

    // Closed in Jira, no webhook: the poll finds it and the item is done.
    let key = items[0]["key"].as_str().unwrap().to_string();
    jira.close_silently(&key);
    until("the poll marks the item done", || {
        texts(&fake, &ch)
            .iter()
            .any(|m| m.contains("#1 add a backlog alarm") && m.contains("closed in Jira"))
    })
    .await;
    assert!(
        jira.log
            .all()
            .iter()
            .any(|(_, p, b)| p == "/rest/api/3/search/jql"
                && b["jql"].as_str().unwrap_or("").starts_with("issuekey in (")),
        "read back by key"
    );
}
