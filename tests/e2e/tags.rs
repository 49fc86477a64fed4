//! Tags end to end on both databases: `/incident tag add|remove` with its answers,
//! limits and usage, the timeline entry, the headline, the incident page, the
//! `/incidents` listing and `/insights.json` filtered by a tag (a `_` in a tag is
//! not a wildcard), and `warroom report --tag` run as the real binary.

use serde_json::Value;

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestApp, TestDb, on_both_databases, spawn};

async fn page(t: &TestApp, path: &str) -> (u16, String) {
    let r = t.get(path).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

on_both_databases!(
    incidents_are_tagged_and_found_by_tag,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn incidents_are_tagged_and_found_by_tag(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    for title in ["Primary DB failover", "EU latency", "Queue backlog"] {
        t.say("UALICE", "CGENERAL", &format!("declare sev2 {title}"))
            .await;
    }
    let one = t.wait_ready(1).await.id;
    let two = t.wait_ready(2).await.id;
    let three = t.wait_ready(3).await.id;

    let said = t.say("UALICE", &one, "tag add DB, eu #db").await;
    assert_eq!(
        said,
        ":white_check_mark: Tags added on INC-1. It carries `db`, `eu`."
    );
    assert_eq!(
        t.say("UBOB", "CGENERAL", "tag INC-2 add eu a_b").await,
        ":white_check_mark: Tags added on INC-2. It carries `eu`, `a_b`."
    );
    t.say("UBOB", &three, "tag add axb").await;
    assert_eq!(
        t.say("UALICE", &one, "tag add db").await,
        ":white_check_mark: Nothing to change on INC-1. It carries `db`, `eu`."
    );
    assert_eq!(
        t.say("UALICE", &two, "tag remove eu").await,
        ":white_check_mark: Tags removed on INC-2. It carries `a_b`."
    );

    // Refusals: short, with the usage, and nothing recorded.
    for (typed, says) in [
        ("tag", "Say `add` or `remove`"),
        ("tag add <!channel>", "is not a tag"),
        (
            "tag add t1,t2,t3,t4,t5,t6,t7,t8,t9",
            "at most 10 tags; this would make 11",
        ),
    ] {
        let text = t.say("UALICE", &one, typed).await;
        assert!(text.contains(says), "{typed}: {text}");
        assert!(
            text.contains("Usage: `/incident tag add"),
            "{typed}: {text}"
        );
    }

    // Stored, on the timeline, in the headline and on the incident page.
    let pool = t.peek().await;
    let stored: Vec<(i64, String)> = sqlx::query_as("SELECT id, tags FROM incidents ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    let stored: Vec<(i64, &str)> = stored.iter().map(|(i, s)| (*i, s.as_str())).collect();
    assert_eq!(stored, vec![(1, "db,eu"), (2, "a_b"), (3, "axb")]);
    let entries: Vec<(String,)> = sqlx::query_as(
        "SELECT text FROM timeline WHERE incident_id = 1 AND kind = 'tags' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(entries, vec![("Tags added: db, eu".to_string(),)]);
    fake.wait(
        "the headline shows the tags",
        std::time::Duration::from_secs(10),
        |f| {
            f.messages(&one)
                .first()
                .is_some_and(|m| m.blocks.to_string().contains("tags: `db` `eu`"))
        },
    )
    .await;
    let (status, html) = page(&t, "/incidents/INC-1").await;
    assert_eq!(status, 200);
    assert!(html.contains("<th>Tags</th><td>db, eu</td>"), "{html}");

    // The listing, filtered by a tag; `_` matches itself only.
    let (_, all) = page(&t, "/incidents").await;
    assert!(all.contains("href=\"/incidents?tag=db\">#db</a>"), "{all}");
    let (_, eu) = page(&t, "/incidents?tag=EU").await;
    assert!(
        eu.contains("/incidents/INC-1\"") && !eu.contains("/incidents/INC-2\""),
        "{eu}"
    );
    let (_, ab) = page(&t, "/incidents?tag=a_b").await;
    assert!(
        ab.contains("/incidents/INC-2\"") && !ab.contains("/incidents/INC-3\""),
        "{ab}"
    );
    let (status, bad) = page(&t, "/incidents?tag=%25").await;
    assert_eq!(status, 400, "{bad}");
    assert!(bad.contains("must be one tag"), "{bad}");

    // Insights, by tag.
    let j: Value = t.get("/insights.json?tag=db").await.json().await.unwrap();
    assert_eq!(j["incidents"], 1, "{j}");
    let j: Value = t.get("/insights.json").await.json().await.unwrap();
    assert_eq!(j["incidents"], 3, "{j}");
    let (status, _) = page(&t, "/insights?tag=no%20such").await;
    assert_eq!(status, 400);

    // `warroom report --tag`, the real binary on the same database.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args([
            "report", "--since", "30d", "--format", "json", "--tag", "a_b",
        ])
        .env("WARROOM_DATABASE__URL", &t.db_url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["incidents"], 1, "{j}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["report", "--since", "30d", "--tag", "bad tag"])
        .env("WARROOM_DATABASE__URL", &t.db_url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tag `bad tag`"));
    t.stop().await;
}
