//! Tests of the jobs table: queue order, leases, priorities, dedupe keys, heartbeats.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::*;
use crate::store::{Store, testing};

async fn add(
    store: &Store,
    kind: &str,
    queue: Option<&str>,
    at: DateTime<Utc>,
    key: Option<&str>,
) -> Option<i64> {
    let mut tx = store.begin().await.unwrap();
    let id = enqueue(
        &mut tx,
        &NewJob {
            kind: kind.into(),
            queue: queue.map(str::to_string),
            payload: json!({"k": kind}),
            run_at: at,
            dedupe_key: key.map(str::to_string),
            priority: Priority::Normal,
        },
        at,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn queues_run_in_order_and_leases_expire() {
    let (store, _d) = testing::sqlite().await;
    let t0 = Utc::now();
    add(&store, "a1", Some("q:a"), t0, None).await.unwrap();
    add(&store, "a2", Some("q:a"), t0, None).await.unwrap();
    add(&store, "b1", Some("q:b"), t0, None).await.unwrap();
    add(&store, "free", None, t0, None).await.unwrap();
    add(&store, "later", None, t0 + Duration::minutes(5), None)
        .await
        .unwrap();

    let lease = Duration::seconds(30);
    let got = claim(&store, "w1", t0, lease, 10).await.unwrap();
    let kinds: Vec<_> = got.iter().map(|j| j.kind.as_str()).collect();
    assert_eq!(kinds, vec!["a1", "b1", "free"]);
    // Nothing else is claimable while a1 holds its queue.
    assert!(claim(&store, "w2", t0, lease, 10).await.unwrap().is_empty());

    let a1 = got.iter().find(|j| j.kind == "a1").unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(complete(&mut tx, a1, t0).await.unwrap());
    tx.commit().await.unwrap();
    let got2 = claim(&store, "w2", t0, lease, 10).await.unwrap();
    assert_eq!(
        got2.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(),
        vec!["a2"]
    );

    // b1's worker died: after the lease, another worker takes it, and the old
    // worker can no longer complete it.
    let b1 = got.iter().find(|j| j.kind == "b1").unwrap();
    let later = t0 + Duration::seconds(31);
    let again = claim(&store, "w3", later, lease, 10).await.unwrap();
    let b1_again = again.iter().find(|j| j.kind == "b1").expect("reclaimed");
    assert_eq!(b1_again.attempts, 2);
    let mut tx = store.begin().await.unwrap();
    assert!(!complete(&mut tx, b1, later).await.unwrap());
    assert!(complete(&mut tx, b1_again, later).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(
        next_run_at(&store)
            .await
            .unwrap()
            .map(|t| t.timestamp_millis() / 1000),
        Some((later + lease).timestamp_millis() / 1000),
        "a2 and free were reclaimed at `later`"
    );
}

#[tokio::test]
async fn people_go_before_cosmetics_and_order_holds_within_a_queue() {
    let (store, _d) = testing::sqlite().await;
    let t0 = Utc::now();
    let mut tx = store.begin().await.unwrap();
    for (kind, queue, priority, at) in [
        ("topic", "incident:1:topic", Priority::Cosmetic, 0),
        ("pin", "incident:2:pin", Priority::Normal, 1),
        ("post-a", "incident:3", Priority::Normal, 2),
        ("post-b", "incident:3", Priority::People, 3),
        ("answer", "channel:C1", Priority::People, 4),
    ] {
        let job = NewJob::now(
            kind,
            Some(queue.into()),
            json!({}),
            t0 + Duration::milliseconds(at),
        )
        .with_priority(priority);
        enqueue(&mut tx, &job, t0).await.unwrap();
    }
    tx.commit().await.unwrap();
    let later = t0 + Duration::seconds(1);
    let kinds = |jobs: &[Job]| jobs.iter().map(|j| j.kind.clone()).collect::<Vec<_>>();
    // One slot: the person's answer first, though it is the newest. post-b waits
    // behind post-a in its queue whatever its priority.
    let first = claim(&store, "w", later, Duration::seconds(30), 1)
        .await
        .unwrap();
    assert_eq!(kinds(&first), vec!["answer"]);
    let next = claim(&store, "w", later, Duration::seconds(30), 2)
        .await
        .unwrap();
    let mut got = kinds(&next);
    got.sort();
    assert_eq!(got, vec!["pin", "post-a"], "normal before cosmetic");
    let last = claim(&store, "w", later, Duration::seconds(30), 5)
        .await
        .unwrap();
    assert_eq!(kinds(&last), vec!["topic"], "post-b still waits for post-a");
    // Finishing a round and claiming the next is one transaction.
    let done: Vec<i64> = next.iter().map(|j| j.id).collect();
    let after = complete_and_claim(&store, "w", &done, later, Duration::seconds(30), 5)
        .await
        .unwrap();
    assert_eq!(kinds(&after), vec!["post-b"]);
    assert_eq!(counts(&store).await.unwrap(), (3, 0));
}

#[tokio::test]
async fn enqueue_all_writes_in_order_and_skips_held_keys() {
    let (store, _d) = testing::sqlite().await;
    let t0 = Utc::now();
    assert!(add(&store, "held", None, t0, Some("rem:1")).await.is_some());
    let q = || Some("incident:1".to_string());
    let batch = [
        NewJob::now("first", q(), json!({"n": 1}), t0),
        NewJob {
            dedupe_key: Some("rem:1".into()),
            ..NewJob::now("dup", None, json!({}), t0)
        },
        NewJob::now("second", q(), json!({"n": 2}), t0),
    ];
    let mut tx = store.begin().await.unwrap();
    assert_eq!(enqueue_all(&mut tx, &batch, t0).await.unwrap(), 2);
    assert_eq!(enqueue_all(&mut tx, &[], t0).await.unwrap(), 0);
    tx.commit().await.unwrap();
    assert_eq!(counts(&store).await.unwrap(), (3, 0));
    // The queue runs them in the order given.
    let later = t0 + Duration::seconds(1);
    let lease = Duration::seconds(30);
    let mut order = Vec::new();
    let mut done = Vec::new();
    for _ in 0..3 {
        let got = complete_and_claim(&store, "w", &done, later, lease, 10)
            .await
            .unwrap();
        done = got.iter().map(|j| j.id).collect();
        order.extend(got.into_iter().map(|j| j.kind).filter(|k| k != "held"));
    }
    assert_eq!(order, ["first", "second"]);
}

#[test]
fn placeholders_number_rows_then_columns() {
    assert_eq!(
        crate::store::placeholders(2, 3),
        "($1, $2, $3), ($4, $5, $6)"
    );
    assert_eq!(crate::store::placeholders(1, 1), "($1)");
}

#[tokio::test]
async fn dedupe_keys_and_counts() {
    let (store, _d) = testing::sqlite().await;
    let t0 = Utc::now();
    assert!(add(&store, "r", None, t0, Some("rem:1")).await.is_some());
    assert!(add(&store, "r", None, t0, Some("rem:1")).await.is_none());
    assert_eq!(counts(&store).await.unwrap(), (1, 0));
    let got = claim(&store, "w", t0, Duration::seconds(5), 10)
        .await
        .unwrap();
    fail(&store, &got[0], t0, "boom").await.unwrap();
    assert_eq!(counts(&store).await.unwrap(), (0, 1));
    // Once the first is no longer pending, the key is free again.
    assert!(add(&store, "r", None, t0, Some("rem:1")).await.is_some());
    let mut tx = store.begin().await.unwrap();
    assert!(cancel(&mut tx, "rem:1", t0).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(counts(&store).await.unwrap(), (0, 1));
}

#[tokio::test]
async fn claims_of_a_worker_that_stopped_beating_are_released() {
    let (store, _d) = testing::sqlite().await;
    let t0 = Utc::now();
    add(&store, "a", Some("q:a"), t0, None).await;
    add(&store, "b", Some("q:b"), t0, None).await;
    let lease = Duration::seconds(30);
    heartbeat(&store, "alive").await.unwrap();
    let a = claim(&store, "alive", t0, lease, 1).await.unwrap();
    let b = claim(&store, "dead", t0, lease, 1).await.unwrap();
    assert_eq!((a.len(), b.len()), (1, 1));
    // "dead" never beat: its claim goes; "alive" keeps its own.
    assert_eq!(
        release_stale(&store, Duration::seconds(3)).await.unwrap(),
        1
    );
    let again = claim(&store, "alive", t0, lease, 10).await.unwrap();
    assert_eq!(again.len(), 1, "the dead worker's job, at once");
    assert_eq!(again[0].kind, b[0].kind);
    let mut tx = store.begin().await.unwrap();
    assert!(
        !complete(&mut tx, &b[0], t0).await.unwrap(),
        "the dead one cannot finish it"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        release_stale(&store, Duration::seconds(3)).await.unwrap(),
        0
    );
    retire(&store, "alive").await.unwrap();
}

#[tokio::test]
async fn retry_moves_the_due_time() {
    let (store, _d) = testing::sqlite().await;
    let t0 = Utc::now();
    add(&store, "x", Some("q"), t0, None).await;
    add(&store, "y", Some("q"), t0, None).await;
    let got = claim(&store, "w", t0, Duration::seconds(5), 10)
        .await
        .unwrap();
    retry_at(&store, &got[0], t0 + Duration::seconds(60), "503")
        .await
        .unwrap();
    // The queue waits for x: y must not overtake it.
    assert!(
        claim(
            &store,
            "w",
            t0 + Duration::seconds(10),
            Duration::seconds(5),
            10
        )
        .await
        .unwrap()
        .is_empty()
    );
    let got = claim(
        &store,
        "w",
        t0 + Duration::seconds(61),
        Duration::seconds(5),
        10,
    )
    .await
    .unwrap();
    assert_eq!(got[0].kind, "x");
    assert_eq!(got[0].attempts, 2);
}

#[tokio::test]
async fn a_later_job_for_the_same_thing_supersedes() {
    let (store, _d) = testing::sqlite().await;
    let t0 = Utc::now();
    let mut tx = store.begin().await.unwrap();
    for key in ["a", "b", "a"] {
        let job = NewJob::now(
            "chat.refresh_warning",
            Some("channel:C1".into()),
            json!({"op": "refresh_warning", "key": key}),
            t0,
        );
        enqueue(&mut tx, &job, t0).await.unwrap();
    }
    tx.commit().await.unwrap();
    let lease = Duration::seconds(30);
    let mut done = Vec::new();
    // One queue: one job at a time, in order.
    for _ in 0..3 {
        let job = claim(&store, "w", t0, lease, 10).await.unwrap().remove(0);
        let mut tx = store.begin().await.unwrap();
        done.push((
            job.payload["key"].clone(),
            superseded(&store, &job).await.unwrap(),
        ));
        assert!(complete(&mut tx, &job, t0).await.unwrap());
        tx.commit().await.unwrap();
    }
    // The first edit of `a` stands down for the later one; `b`'s edit is not
    // another warning's to skip.
    assert_eq!(
        done,
        vec![(json!("a"), true), (json!("b"), false), (json!("a"), false)]
    );
}
