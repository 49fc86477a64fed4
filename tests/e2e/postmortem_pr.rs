//! The postmortem as a pull request (issue 27), on both databases, against a fake of
//! GitHub's Git and pull-request endpoints: the first draft opens one pull request
//! (branch, file at the configured path, labels, the IC and Ops Lead asked to review,
//! the blame-wording finding as a review comment on its line); a later draft is a
//! commit on the same branch; a signed `pull_request` merge marks the postmortem
//! complete, once. Lost answers to every write end with one branch and one pull
//! request, and so does warroom killed (SIGKILL) while GitHub holds the answer to the
//! pull request's create; a refusal is told in the channel and its Retry button tries
//! again.

use std::time::Duration;

use chrono::Datelike;
use serde_json::Value;

use crate::common::fake_github_pulls::{FakeGitHubPulls, TOKEN};
use crate::common::fake_slack::FakeSlack;
use crate::common::{TestApp, TestDb, on_both_databases, spawn, until};

const HOOK_SECRET: &str = "pm-hook-secret";
const REPO: &str = "acme/postmortems";
const BRANCH: &str = "warroom/INC-1-postmortem";

fn config(gh: &FakeGitHubPulls, extra: &str) -> String {
    format!(
        "[tickets.github]\napi_url = \"{}\"\ntoken = \"{TOKEN}\"\nwebhook_secret = \"{HOOK_SECRET}\"\n\
         write_spacing = \"0s\"\nlogins = {{ UALICE = \"alice\", UBOB = \"bob\" }}\n\
         [postmortem.pull_request]\nrepo = \"{REPO}\"\n{extra}\n",
        gh.url
    )
}

fn file() -> String {
    format!("postmortems/{}/INC-1.md", chrono::Utc::now().year())
}

/// Declares INC-1 with Bob as Ops Lead and a note that reads as blame, and resolves it.
async fn incident_resolved(t: &TestApp) -> String {
    t.say("UALICE", "CGENERAL", "declare sev2 Checkout errors")
        .await;
    let ch = t.wait_ready(1).await.id;
    t.say("UALICE", &ch, "role ops <@UBOB>").await;
    t.say("UALICE", &ch, "note Bob should have tested the migration")
        .await;
    t.say("UALICE", &ch, "resolve Rolled back the deploy").await;
    ch
}

async fn the_pull_request(gh: &FakeGitHubPulls) -> Value {
    until("the pull request", || gh.pulls(REPO).len() == 1).await;
    gh.pulls(REPO).remove(0)
}

fn said(t: &TestApp, ch: &str, what: &str) -> usize {
    t.fake
        .messages(ch)
        .iter()
        .filter(|m| m.text.contains(what))
        .count()
}

on_both_databases!(
    a_postmortem_becomes_one_pull_request_reviewed_then_merged,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_postmortem_becomes_one_pull_request_reviewed_then_merged(db: TestDb) {
    let fake = FakeSlack::start().await;
    let gh = FakeGitHubPulls::start(REPO).await;
    gh.add_collaborator("alice");
    gh.add_collaborator("bob");
    let t = spawn(&db, &fake, &config(&gh, "")).await;
    let ch = incident_resolved(&t).await;
    let pr = the_pull_request(&gh).await;
    assert_eq!(pr["head"]["ref"], BRANCH);
    assert_eq!(pr["base"]["ref"], "main");
    assert_eq!(pr["title"], "Postmortem INC-1: Checkout errors");
    assert!(
        pr["body"]
            .as_str()
            .unwrap()
            .contains("<!-- warroom:postmortem INC-1 -->")
    );
    assert_eq!(pr["labels"], serde_json::json!(["postmortem"]));
    assert_eq!(
        pr["requested_reviewers"],
        serde_json::json!(["alice", "bob"])
    );
    let md = gh
        .file(REPO, BRANCH, &file())
        .expect("the draft is committed at the configured path");
    assert!(
        md.starts_with("# Incident Postmortem: INC-1: Checkout errors\n"),
        "{md}"
    );
    assert_eq!(gh.file(REPO, "main", &file()), None, "main is left alone");
    // The blame finding as a review comment on its timeline line.
    until("the review", || {
        gh.pulls(REPO)[0]["reviews"]
            .as_array()
            .is_some_and(|r| r.len() == 1)
    })
    .await;
    let review = gh.pulls(REPO)[0]["reviews"][0].clone();
    let comment = &review["comments"][0];
    let line = comment["line"].as_u64().unwrap() as usize;
    assert_eq!(comment["path"], file());
    let commented = md.lines().nth(line - 1).unwrap();
    assert!(
        commented.contains("Bob should have tested the migration") && commented.starts_with("- "),
        "{commented}"
    );
    assert!(comment["body"].as_str().unwrap().contains("“should have”"));
    until("told in the channel", || {
        said(&t, &ch, "postmortem draft is in the pull request") == 1
    })
    .await;

    // A later draft: one more commit on the same branch, still one pull request.
    t.say(
        "UALICE",
        &ch,
        "note --cause the migration added a NOT NULL column",
    )
    .await;
    t.say("UALICE", &ch, "postmortem").await;
    until("the second commit", || gh.commits(REPO, BRANCH) == 2).await;
    let md = gh.file(REPO, BRANCH, &file()).unwrap();
    assert!(md.contains("_Draft v2 written by warroom"), "{md}");
    assert!(md.contains("the migration added a NOT NULL column"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gh.pulls(REPO).len(), 1);
    assert_eq!(
        gh.pulls(REPO)[0]["reviews"].as_array().unwrap().len(),
        1,
        "the same finding is reviewed once"
    );
    assert_eq!(gh.branches(REPO).len(), 2);

    // Merged on GitHub: the postmortem is complete, once however often it is told.
    let hook = format!("{}/webhooks/github", t.base);
    let n = pr["number"].as_u64().unwrap();
    assert_eq!(gh.merge_by_hand(REPO, n, &hook, HOOK_SECRET).await, 202);
    assert_eq!(gh.merge_by_hand(REPO, n, &hook, HOOK_SECRET).await, 202);
    assert_eq!(gh.merge_by_hand(REPO, n, &hook, "wrong secret").await, 401);
    until("the merge told", || {
        said(&t, &ch, "was merged by carol") == 1
    })
    .await;
    assert!(said(&t, &ch, "postmortem of INC-1 is marked complete") == 1);
    let again = t.say("UALICE", &ch, "postmortem done").await;
    assert!(again.contains("already marked complete"), "{again}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(said(&t, &ch, "was merged by carol"), 1);
}

on_both_databases!(
    lost_answers_end_with_one_branch_and_one_pull_request,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn lost_answers_end_with_one_branch_and_one_pull_request(db: TestDb) {
    let fake = FakeSlack::start().await;
    let gh = FakeGitHubPulls::start(REPO).await;
    gh.add_collaborator("alice");
    gh.add_collaborator("bob");
    // GitHub makes the branch, the commit and the pull request, and each answer is
    // lost on the way back.
    gh.lose_next(3);
    let t = spawn(&db, &fake, &config(&gh, "")).await;
    let ch = incident_resolved(&t).await;
    the_pull_request(&gh).await;
    until("told in the channel", || {
        said(&t, &ch, "postmortem draft is in the pull request") == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gh.pulls(REPO).len(), 1);
    assert_eq!(
        gh.branches(REPO),
        vec!["main".to_string(), BRANCH.to_string()]
    );
    assert_eq!(gh.commits(REPO, BRANCH), 1, "the file committed once");
    assert_eq!(
        gh.pulls(REPO)[0]["requested_reviewers"],
        serde_json::json!(["alice", "bob"])
    );
}

on_both_databases!(
    a_refusal_is_told_and_retried_by_its_button,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_refusal_is_told_and_retried_by_its_button(db: TestDb) {
    let fake = FakeSlack::start().await;
    let gh = FakeGitHubPulls::start(REPO).await;
    gh.add_collaborator("alice");
    gh.add_collaborator("bob");
    let t = spawn(&db, &fake, &config(&gh, "base = \"trunk\"")).await;
    let ch = incident_resolved(&t).await;
    until("the refusal told", || {
        said(&t, &ch, "GitHub has no branch `trunk`") == 1
    })
    .await;
    let told = t
        .fake
        .messages(&ch)
        .into_iter()
        .find(|m| m.text.contains("no branch `trunk`"))
        .unwrap();
    let blocks = told.blocks.to_string();
    assert!(
        blocks.contains("postmortem_retry") && blocks.contains("Retry"),
        "{blocks}"
    );
    assert!(
        blocks.contains("postmortem.pull_request.base"),
        "what to fix: {blocks}"
    );
    assert!(gh.pulls(REPO).is_empty());
    // Someone makes the branch and presses Retry.
    gh.add_branch(REPO, "trunk");
    let r = t.click("UALICE", &ch, "postmortem_retry", "1").await;
    assert!(r.status().is_success());
    let pr = the_pull_request(&gh).await;
    assert_eq!(pr["base"]["ref"], "trunk");
}

on_both_databases!(killed_while_github_holds_the_answer_makes_one_pull_request);
async fn killed_while_github_holds_the_answer_makes_one_pull_request(db: TestDb) {
    use crate::common::child::{Served, signed_command, stored};
    crate::common::init_logs();
    let fake = FakeSlack::start().await;
    let gh = FakeGitHubPulls::start(REPO).await;
    let served = Served::new(
        &fake.api_url(),
        &db.url(),
        &config(&gh, "reviewers = false"),
    );
    gh.hold_next_pull();
    let mut child = served.start().await;
    let (status, body, _) = signed_command(&served.base, "declare sev3 Payments slow").await;
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = signed_command(&served.base, "INC-1 resolve Scaled up").await;
    assert_eq!(status, 200, "{body}");
    until("GitHub made the pull request", || gh.pulls(REPO).len() == 1).await;
    // Killed while GitHub holds the answer: warroom never learned the number.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let _child = served.start().await;
    let linked = stored(
        &db.url(),
        "SELECT reference FROM postmortem_documents WHERE incident_id = 1 AND target = 'github'",
    )
    .await;
    assert_eq!(
        linked.as_deref(),
        Some("1"),
        "the held pull request was found and recorded"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        gh.pulls(REPO).len(),
        1,
        "no second pull request after the restart"
    );
    assert_eq!(gh.branches(REPO).len(), 2);
    assert_eq!(gh.commits(REPO, BRANCH), 1);
    db.cleanup().await;
}
