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
            tokio::spawn(async move { c.get(url).send().await.map(|r| r.status().as_u16()) })
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
        let s = f.await.unwrap().unwrap_or(0);
        *statuses.entry(s).or_insert(0) += 1;
    }
    assert!(
        statuses.keys().all(|s| *s == 200 || *s == 503),
        "pages are served or shed, nothing else: {statuses:?}"
    );
    assert!(statuses.get(&200).is_some_and(|n| *n > 0), "{statuses:?}");
    t.stop().await;
    db.cleanup().await;
}
