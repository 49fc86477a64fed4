//! Overload is shed, not absorbed: a flood of page views gets quick 503s beyond what
//! the machine can serve, while Slack's requests keep their own slots and are answered.
//! (How fast, under how much load, is measured by `cargo bench --bench overload`.)

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn};

on_both_databases!(
    a_flood_of_page_views_does_not_take_slacks_slots,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_flood_of_page_views_does_not_take_slacks_slots(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    for i in 0..5 {
        t.say("UALICE", "CGENERAL", &format!("declare sev3 Flood {i}"))
            .await;
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let flood: Vec<_> = (0..400)
        .map(|i| {
            let c = client.clone();
            let url = format!("{}/incidents/INC-{}", t.base, i % 5 + 1);
            tokio::spawn(async move {
                c.get(url).send().await.map(|r| {
                    let retry = r.headers().get("retry-after").is_some();
                    (r.status().as_u16(), retry)
                })
            })
        })
        .collect();
    for i in 0..10 {
        let a = t
            .say("UBOB", "CGENERAL", &format!("INC-1 note flood {i}"))
            .await;
        assert!(a.contains("Added to the timeline"), "{}: {a}", db.label());
    }
    let mut statuses = std::collections::BTreeMap::new();
    for f in flood {
        let (s, retry) = f.await.unwrap().unwrap_or((0, false));
        assert!(s != 503 || retry, "a shed page says when to come back");
        *statuses.entry(s).or_insert(0) += 1;
    }
    assert!(
        statuses.keys().all(|s| *s == 200 || *s == 503),
        "pages are served or shed, nothing else: {statuses:?}"
    );
    assert!(statuses.get(&200).is_some_and(|n| *n > 0), "{statuses:?}");
    // 400 views at once against a few page slots with a 50 ms wait: without shedding
    // every one would be served late, and this test would not see overload at all.
    assert!(
        statuses.get(&503).is_some_and(|n| *n > 0),
        "the flood beyond the pages' slots is shed: {statuses:?}"
    );
    t.stop().await;
    db.cleanup().await;
}
