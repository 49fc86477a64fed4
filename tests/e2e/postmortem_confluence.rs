//! The postmortem as a Confluence page (issue 27), on both databases, against a fake
//! of Confluence Cloud's REST v2 pages: the first draft creates one page under the
//! configured parent (its create's answer lost: found again by its title, not
//! doubled), a later draft is the page's next version (a 409 read again and retried),
//! and a page a person edited is
//! never overwritten: warroom's draft goes to a page of its own beside it (kept
//! current by later drafts) and the channel is told once.

use std::time::Duration;

use crate::common::fake_confluence::{EMAIL, FakeConfluence, PARENT, SPACE, TOKEN};
use crate::common::fake_slack::FakeSlack;
use crate::common::{TestApp, TestDb, on_both_databases, spawn, until};

fn config(c: &FakeConfluence) -> String {
    // The account comes from [tickets.jira], as it would on one Atlassian site.
    format!(
        "[tickets.jira]\nurl = \"{}\"\nemail = \"{EMAIL}\"\napi_token = \"{TOKEN}\"\n\
         [postmortem.confluence]\nspace_id = \"{SPACE}\"\nparent_id = \"{PARENT}\"\n",
        c.url
    )
}

const TITLE: &str = "Postmortem INC-1: Checkout errors";
const BESIDE: &str = "Postmortem INC-1: Checkout errors (warroom's draft)";

fn said(t: &TestApp, ch: &str, what: &str) -> usize {
    t.fake
        .messages(ch)
        .iter()
        .filter(|m| m.text.contains(what))
        .count()
}

/// A new draft: a note, then `/incident postmortem`.
async fn redraft(t: &TestApp, ch: &str, note: &str) {
    t.say("UALICE", ch, &format!("note --cause {note}")).await;
    t.say("UALICE", ch, "postmortem").await;
}

on_both_databases!(
    a_postmortem_page_is_kept_current_and_never_overwrites_people,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_postmortem_page_is_kept_current_and_never_overwrites_people(db: TestDb) {
    let fake = FakeSlack::start().await;
    let wiki = FakeConfluence::start().await;
    // Confluence makes the page and the answer is lost.
    wiki.lose_next(1);
    let t = spawn(&db, &fake, &config(&wiki)).await;
    t.say("UALICE", "CGENERAL", "declare sev3 Checkout errors")
        .await;
    let ch = t.wait_ready(1).await.id;
    t.say("UALICE", &ch, "note <script>alert(1)</script> in the logs")
        .await;
    t.say("UALICE", &ch, "resolve Rolled back").await;
    until("the page", || wiki.pages().iter().any(|p| p.title == TITLE)).await;
    until("told in the channel", || {
        said(&t, &ch, "postmortem draft is on Confluence") == 1
    })
    .await;
    let page = wiki.pages().remove(0);
    assert_eq!(wiki.pages().len(), 1, "one page after a lost answer");
    assert_eq!(page.parent.as_deref(), Some(PARENT));
    assert!(
        page.body
            .contains("<h1>Incident Postmortem: INC-1: Checkout errors</h1>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("&lt;script&gt;") && !page.body.contains("<script>"),
        "typed text stays text"
    );
    assert!(
        !page.body.contains("<input"),
        "storage format has no form inputs"
    );

    // A later draft is the page's next version (its first update refused with a 409:
    // read again and retried).
    wiki.conflict_next_update();
    redraft(&t, &ch, "the migration added a NOT NULL column").await;
    until("version 2", || wiki.pages()[0].version == 2).await;
    assert!(
        wiki.pages()[0]
            .body
            .contains("the migration added a NOT NULL column")
    );
    assert_eq!(wiki.pages().len(), 1);
    let puts = wiki.log.all().iter().filter(|(m, _)| m == "PUT").count();
    assert_eq!(puts, 2, "the refused update and its retry");

    // A person edits the page; the next draft leaves it alone.
    wiki.edit_by_hand(&page.id, "<p>Our own words</p>");
    redraft(&t, &ch, "no canary for migrations").await;
    until("warroom's own page", || {
        wiki.pages().iter().any(|p| p.title == BESIDE)
    })
    .await;
    until("told", || {
        said(&t, &ch, "was edited there since warroom last wrote it") == 1
    })
    .await;
    let kept = wiki.pages().into_iter().find(|p| p.title == TITLE).unwrap();
    assert_eq!(
        (kept.version, kept.body.as_str()),
        (3, "<p>Our own words</p>")
    );
    let beside = wiki
        .pages()
        .into_iter()
        .find(|p| p.title == BESIDE)
        .unwrap();
    assert!(beside.body.contains("no canary for migrations"));

    // Later drafts keep warroom's page current; the person's page is still theirs.
    redraft(&t, &ch, "alerts fired late").await;
    until("warroom's page v2", || {
        wiki.pages()
            .iter()
            .any(|p| p.title == BESIDE && p.version == 2)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let kept = wiki.pages().into_iter().find(|p| p.title == TITLE).unwrap();
    assert_eq!(
        (kept.version, kept.body.as_str()),
        (3, "<p>Our own words</p>")
    );
    assert_eq!(wiki.pages().len(), 2);
    assert_eq!(
        said(&t, &ch, "was edited there since warroom last wrote it"),
        1,
        "told once"
    );
}
