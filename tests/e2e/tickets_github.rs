//! Follow-through in GitHub Issues (issue 26), on both databases, against a fake of
//! GitHub's REST API: exactly one issue per item whatever happens between warroom and
//! GitHub (an answer lost after GitHub made the issue, three 5xx in a row, both at
//! once, a token whose labels GitHub drops silently); its secondary limit waited out;
//! a closed issue marks the item done, by a signed `issues` delivery or by the poll; a
//! delivery with a wrong signature changes nothing; a repository with issues turned
//! off told in the channel. And warroom killed (SIGKILL) while GitHub holds the
//! answer to a create: the restarted process finds the issue and makes no second.

use std::time::Duration;

use serde_json::Value;

use crate::common::child::{Served, signed_command, stored};
use crate::common::fake_github::{FakeGitHub, TOKEN};
use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn, until};

const HOOK_SECRET: &str = "gh-hook-secret";

fn config(gh: &FakeGitHub, repo: &str, extra: &str) -> String {
    format!(
        "[tickets]\n{extra}\n[tickets.github]\napi_url = \"{}\"\ntoken = \"{TOKEN}\"\n\
         webhook_secret = \"{HOOK_SECRET}\"\nwrite_spacing = \"0s\"\nlogins = {{ UBOB = \"bob\" }}\n\
         [[tickets.routes]]\ntracker = \"github\"\nproject = \"{repo}\"\n",
        gh.url
    )
}

fn marked(gh: &FakeGitHub, repo: &str, marker: &str) -> Vec<Value> {
    let line = format!("<!-- warroom:{marker} -->");
    gh.issues(repo)
        .into_iter()
        .filter(|i| i["body"].as_str().unwrap_or("").contains(&line))
        .collect()
}

on_both_databases!(
    one_issue_per_item_whatever_happens_on_the_way,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn one_issue_per_item_whatever_happens_on_the_way(db: TestDb) {
    let fake = FakeSlack::start().await;
    let gh = FakeGitHub::start().await;
    let t = spawn(&db, &fake, &config(&gh, "acme/api", "")).await;
    let hook = format!("{}/webhooks/github", t.base);
    t.say("UALICE", "CGENERAL", "declare sev2 Checkout errors")
        .await;
    let ch = t.wait_ready(1).await.id;

    // 1: GitHub makes the issue and the answer is lost.
    gh.lose_next_creates(1);
    t.say("UALICE", &ch, "action add a retry budget <@UBOB> p2")
        .await;
    until("item 1's issue", || {
        marked(&gh, "acme/api", "warroom-inc-1-action-1").len() == 1
    })
    .await;
    // 2: three 5xx in a row before GitHub makes it.
    gh.faults.fail(3, 502);
    t.say("UALICE", &ch, "action alert on checkout 5xx").await;
    // 3: two 5xx, then GitHub makes the issue and the answer is lost.
    until("item 2's issue", || {
        marked(&gh, "acme/api", "warroom-inc-1-action-2").len() == 1
    })
    .await;
    gh.faults.fail(2, 502);
    gh.lose_next_creates(1);
    t.say("UALICE", &ch, "action write the runbook").await;
    until("item 3's issue", || {
        marked(&gh, "acme/api", "warroom-inc-1-action-3").len() == 1
    })
    .await;
    let actions = wait_links_in(&t, &ch, "acme/api#", 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        gh.issues("acme/api").len(),
        3,
        "one issue per item: {actions}"
    );
    let first = &marked(&gh, "acme/api", "warroom-inc-1-action-1")[0];
    assert_eq!(first["assignees"][0]["login"], "bob");
    assert_eq!(first["title"], "INC-1 action 1: add a retry budget");
    let labels = first["labels"].to_string();
    for l in ["warroom", "INC-1", "sev2"] {
        assert!(labels.contains(&format!("\"{l}\"")), "{l} in {labels}");
    }
    assert!(
        actions.contains("acme/api#1") && actions.contains("acme/api#3"),
        "{actions}"
    );

    // A delivery with a wrong signature changes nothing.
    let n = first["number"].as_u64().unwrap();
    gh.close_silently("acme/api", n);
    let forged = serde_json::json!({"action": "closed", "issue": gh.issue("acme/api", n).unwrap(),
        "repository": {"full_name": "acme/api"}, "sender": {"login": "mallory"}});
    let bytes = serde_json::to_vec(&forged).unwrap();
    assert_eq!(
        gh.send_webhook_raw(&hook, "issues", &bytes, Some("sha256=0000"))
            .await,
        401
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        t.say("UALICE", &ch, "actions")
            .await
            .contains(":white_square: *#1*")
    );
    // Closed on GitHub: the item is done.
    gh.reopen_silently("acme/api", n);
    assert_eq!(
        gh.close_by_hand("acme/api", n, &hook, HOOK_SECRET).await,
        202
    );
    until("item 1 done", || {
        t.fake
            .messages(&ch)
            .iter()
            .any(|m| m.text.contains("closed in GitHub by alice"))
    })
    .await;
    assert!(
        t.say("UALICE", &ch, "actions")
            .await
            .contains(":white_check_mark: *#1*")
    );
    // Assigned on GitHub to bob (mapped to UBOB): item 3, which had no owner, is his.
    let three = marked(&gh, "acme/api", "warroom-inc-1-action-3")[0]["number"]
        .as_u64()
        .unwrap();
    assert_eq!(
        gh.assign_by_hand("acme/api", three, "bob", &hook, HOOK_SECRET)
            .await,
        202
    );
    until("item 3 is bob's", || {
        t.fake
            .messages(&ch)
            .iter()
            .any(|m| m.text.contains("#3 is now <@UBOB>'s"))
    })
    .await;
    assert!(
        t.say("UALICE", &ch, "actions")
            .await
            .contains("*#3* write the runbook · <@UBOB>")
    );
    // Done in warroom: its issue is closed.
    t.say("UALICE", &ch, "action done 2").await;
    let two = marked(&gh, "acme/api", "warroom-inc-1-action-2")[0]["number"]
        .as_u64()
        .unwrap();
    until("item 2's issue closed", || {
        gh.issue("acme/api", two).unwrap()["state"] == "closed"
    })
    .await;
    assert_eq!(gh.issues("acme/api").len(), 3, "still one issue per item");
}

on_both_databases!(
    limits_dropped_labels_disabled_issues_and_the_poll,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn limits_dropped_labels_disabled_issues_and_the_poll(db: TestDb) {
    let fake = FakeSlack::start().await;
    let gh = FakeGitHub::start().await;
    // Two writes per second: a burst of items waits for GitHub's secondary limit.
    gh.secondary_limit(2, Duration::from_secs(1));
    let extra = "poll = \"every 1s\"";
    let t = spawn(&db, &fake, &config(&gh, "acme/readonly", extra)).await;
    t.say("UALICE", "CGENERAL", "declare sev3 Search slow")
        .await;
    let ch = t.wait_ready(1).await.id;
    // The labels are dropped silently (no push access), and an answer is lost: the
    // marker in the body still finds the issue.
    gh.lose_next_creates(1);
    for i in 1..=6 {
        t.say("UALICE", &ch, &format!("action item number {i}"))
            .await;
    }
    until("six issues", || gh.issues("acme/readonly").len() >= 6).await;
    for i in 1..=6 {
        let m = format!("warroom-inc-1-action-{i}");
        until("each linked once", || {
            marked(&gh, "acme/readonly", &m).len() == 1
        })
        .await;
    }
    let _ = wait_links_in(&t, &ch, "acme/readonly#", 6).await;
    assert_eq!(gh.issues("acme/readonly").len(), 6, "no duplicate");
    assert!(
        gh.secondary_refusals() > 0,
        "the limit was met and waited out"
    );
    assert!(
        gh.issues("acme/readonly")[0]["labels"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Closed on GitHub with no webhook: the poll finds it.
    let n = marked(&gh, "acme/readonly", "warroom-inc-1-action-4")[0]["number"]
        .as_u64()
        .unwrap();
    gh.close_silently("acme/readonly", n);
    until("the poll marks item 4 done", || {
        t.fake
            .messages(&ch)
            .iter()
            .any(|m| m.text.contains("#4 item number 4") && m.text.contains("closed in GitHub"))
    })
    .await;
}

/// `/incident actions` once `n` items show an issue whose name starts with `prefix`.
async fn wait_links_in(t: &crate::common::TestApp, ch: &str, prefix: &str, n: usize) -> String {
    for _ in 0..300 {
        let a = t.say("UALICE", ch, "actions").await;
        if a.matches(prefix).count() >= n {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never linked: {}", t.say("UALICE", ch, "actions").await);
}

on_both_databases!(
    a_repository_with_issues_off_is_told,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_repository_with_issues_off_is_told(db: TestDb) {
    let fake = FakeSlack::start().await;
    let gh = FakeGitHub::start().await;
    let t = spawn(&db, &fake, &config(&gh, "acme/noissues", "")).await;
    t.say("UALICE", "CGENERAL", "declare sev3 Search slow")
        .await;
    let ch = t.wait_ready(1).await.id;
    let said = t.say("UALICE", &ch, "action reindex nightly").await;
    assert!(
        said.contains("Action item #1 recorded"),
        "the item is kept: {said}"
    );
    until("told", || {
        t.fake
            .messages(&ch)
            .iter()
            .any(|m| m.text.contains("Issues are turned off in `acme/noissues`"))
    })
    .await;
    let told = t
        .fake
        .messages(&ch)
        .into_iter()
        .find(|m| m.text.contains("Issues are turned off"))
        .unwrap();
    assert!(told.text.contains("(410)"), "{}", told.text);
    assert!(
        told.blocks.to_string().contains("\"value\":\"1:action:1\""),
        "a Retry button: {}",
        told.blocks
    );
}

on_both_databases!(killed_while_github_holds_the_answer_makes_one_issue);
async fn killed_while_github_holds_the_answer_makes_one_issue(db: TestDb) {
    crate::common::init_logs();
    let fake = FakeSlack::start().await;
    let gh = FakeGitHub::start().await;
    let extra = format!(
        "{}incident_ticket = true\nactions = false\n",
        config(&gh, "acme/api", "")
    );
    let served = Served::new(&fake.api_url(), &db.url(), &extra);
    gh.hold_next_create();
    let mut child = served.start().await;
    let (status, body, _) = signed_command(&served.base, "declare sev2 Payments down").await;
    assert_eq!(status, 200, "{body}");
    until("GitHub made the issue", || gh.creates() == 1).await;
    // Killed while GitHub holds the answer: warroom never learned the number.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let _child = served.start().await;
    let linked = stored(
        &db.url(),
        "SELECT ticket_key FROM tickets WHERE incident_id = 1 AND subject = 'incident'",
    )
    .await;
    assert_eq!(
        linked.as_deref(),
        Some("1"),
        "the held issue was found and linked"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gh.creates(), 1, "no second issue after the restart");
    assert_eq!(gh.issues("acme/api").len(), 1);
    db.cleanup().await;
}
