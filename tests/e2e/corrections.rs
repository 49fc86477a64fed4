//! Times when they happened (issue 28, item 2, in part), on both databases: a note
//! typed with `--at` lands at that time on the timeline (before entries recorded
//! earlier), a status changed with `--at` moves its milestone, `declare --started`
//! records impact that began before the declaration, `milestone` corrects a milestone
//! with a reason (the IC, not anyone), and the postmortem's key durations use them;
//! a time in the future or too long ago is refused.

use chrono::{Duration, Utc};

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn};

on_both_databases!(
    notes_and_status_changes_take_the_time_they_happened,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn notes_and_status_changes_take_the_time_they_happened(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    t.say("UALICE", "CGENERAL", "declare sev3 Search is slow")
        .await;
    let ch = t.wait_ready(1).await.id;
    // Things that happened a few minutes ago, typed now (HH:MM is UTC).
    let now = Utc::now();
    let at = |mins: i64| (now - Duration::minutes(mins)).format("%H:%M").to_string();
    let said = t
        .say("UALICE", &ch, "note first reply from the search team")
        .await;
    assert!(said.contains("Added to the timeline of INC-1."), "{said}");
    let said = t
        .say(
            "UALICE",
            &ch,
            &format!("note --at {} --cause the index was rebuilt at peak", at(10)),
        )
        .await;
    assert!(said.contains("Added to the timeline of INC-1 at"), "{said}");
    let said = t
        .say("UALICE", &ch, &format!("status identified --at {}", at(0)))
        .await;
    assert!(said.contains("is now *Identified*, as of"), "{said}");
    // The future is refused, with the usage.
    let future = (now + Duration::minutes(30)).to_rfc3339();
    let said = t
        .say("UALICE", &ch, &format!("note --at {future} too early"))
        .await;
    assert!(
        said.contains("in the future") && said.contains("note"),
        "{said}"
    );

    let md = t
        .get("/incidents/INC-1/postmortem.md")
        .await
        .text()
        .await
        .unwrap();
    // The cause, typed after the first note, happened before the declaration: the
    // timeline puts it first, at the minute given.
    let declared = md
        .find("**Declared**")
        .expect("the declaration on the timeline");
    let first = md
        .find("first reply from the search team")
        .expect("the first note");
    let cause = md
        .find("— **Root cause**: the index was rebuilt at peak")
        .expect("the cause on the timeline");
    let line = md[..cause].rfind('\n').map_or(0, |i| i + 1);
    assert!(md[line..].starts_with(&format!("- {} — ", at(10))), "{md}");
    assert!(cause < declared && declared < first, "{md}");
    assert!(md.contains(&format!("| Identified | {} |", at(0))), "{md}");
    assert!(!md.contains("too early"), "{md}");

    // A milestone corrected, with its reason: by the IC, not by anyone else.
    let said = t
        .say(
            "UBOB",
            &ch,
            &format!("milestone identified {} the logs show it", at(5)),
        )
        .await;
    assert!(!said.contains("is now"), "only the IC or an admin: {said}");
    let said = t
        .say(
            "UALICE",
            &ch,
            &format!("milestone identified {} the logs show it", at(5)),
        )
        .await;
    assert!(said.contains("Identified of INC-1 is now"), "{said}");
    let said = t
        .say("UALICE", &ch, "milestone mitigated 10:00 too soon")
        .await;
    assert!(said.contains("has no mitigated time yet"), "{said}");
    let md = t
        .get("/incidents/INC-1/postmortem.md")
        .await
        .text()
        .await
        .unwrap();
    assert!(md.contains(&format!("| Identified | {} |", at(5))), "{md}");
    assert!(
        md.contains("Identified time corrected") && md.contains("Reason: the logs show it"),
        "{md}"
    );

    // Impact that began before anyone declared: the postmortem counts from it.
    let said = t
        .say(
            "UALICE",
            "CGENERAL",
            &format!("declare sev3 --started {} Checkout slow", at(20)),
        )
        .await;
    assert!(said.contains("INC-2"), "{said}");
    t.wait_ready(2).await;
    let md = t
        .get("/incidents/INC-2/postmortem.md")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        md.contains(&format!("| Impact started | {} | 20 min before |", at(20))),
        "{md}"
    );
    assert!(md.contains(&format!("- {} — impact began", at(20))), "{md}");
    let said = t
        .say(
            "UALICE",
            "CGENERAL",
            "declare sev3 --started 2020-01-01T00:00Z Long ago",
        )
        .await;
    assert!(
        said.contains("days before the incident was declared"),
        "{said}"
    );
}
