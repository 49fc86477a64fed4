//! The database going away and coming back: every command is answered within Slack's
//! 3 s and says honestly that nothing was recorded, /readyz says 503 within a second,
//! and warroom recovers by itself. PostgreSQL stopped (a private cluster, never the
//! shared server), SQLite's disk full (a small tmpfs), SQLite locked by another
//! process.

use std::time::{Duration, Instant};

use crate::common::fake_slack::FakeSlack;
use crate::common::pg_cluster::PgCluster;
use crate::common::tmpfs::Tmpfs;
use crate::common::{TestApp, TestDb, spawn};
use sqlx::Connection;

/// Runs a command and says how long the answer took.
async fn timed(t: &TestApp, channel: &str, text: &str) -> (String, Duration) {
    let started = Instant::now();
    let a = t.say("UALICE", channel, text).await;
    (a, started.elapsed())
}

async fn readyz(t: &TestApp) -> (u16, String, Duration) {
    let started = Instant::now();
    let r = t.get("/readyz").await;
    let status = r.status().as_u16();
    (
        status,
        r.text().await.unwrap_or_default(),
        started.elapsed(),
    )
}

async fn wait_ready(t: &TestApp, within: Duration) {
    let until = Instant::now() + within;
    while Instant::now() < until {
        if readyz(t).await.0 == 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("warroom did not become ready again");
}

fn notes(tl: &str, needle: &str) -> usize {
    tl.matches(needle).count()
}

/// Posts one Alertmanager group; its status and how long the answer took.
async fn alert(t: &TestApp) -> (u16, Duration) {
    let body = serde_json::json!({"version": "4", "groupKey": "{}:{alertname=\"DiskFull\"}",
        "status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "DiskFull"},
        "annotations": {"summary": "Disk full"}, "startsAt": "2026-03-02T10:00:00Z"}]});
    let started = Instant::now();
    let r = t.alert("am", &body).await;
    (r.status().as_u16(), started.elapsed())
}

#[tokio::test]
async fn postgres_stopped_then_back() {
    let Some(pg) = PgCluster::start() else { return };
    let db = TestDb::Url(pg.url());
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "[alerts]\nalertmanager.token = \"am\"").await;
    t.say("UALICE", "CGENERAL", "declare sev2 Checkout errors")
        .await;
    let ch = t.wait_ready(1).await.id;

    pg.stop();
    // An alert that cannot be stored gets a 5xx, which Alertmanager retries.
    let (status, took) = alert(&t).await;
    eprintln!("FIGURE postgres stopped: alert answered {status} in {took:?}");
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(3), "{took:?}");
    for cmd in [
        "note rolling back the deploy",
        "status identified",
        "timeline",
    ] {
        let (a, took) = timed(&t, &ch, cmd).await;
        eprintln!("FIGURE postgres stopped: `{cmd}` answered in {took:?}");
        assert!(took < Duration::from_secs(3), "{cmd}: {took:?}");
        assert!(a.contains("not recorded"), "{cmd}: {a}");
    }
    let (status, body, took) = readyz(&t).await;
    eprintln!("FIGURE postgres stopped: /readyz {status} in {took:?}");
    assert_eq!(status, 503, "{body}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert_eq!(t.get("/healthz").await.status(), 200, "alive all along");
    let started = Instant::now();
    assert_eq!(t.get("/metrics").await.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));

    pg.restart();
    let back = Instant::now();
    wait_ready(&t, Duration::from_secs(20)).await;
    eprintln!(
        "FIGURE postgres back: ready again after {:?}",
        back.elapsed()
    );
    let (a, _) = timed(&t, &ch, "note rolling back the deploy").await;
    assert!(a.contains("Added"), "{a}");
    // Alertmanager's retry is stored now: one warning.
    assert_eq!(alert(&t).await.0, 200);
    fake.wait("the alert's warning", Duration::from_secs(10), |f| {
        f.calls("chat.postMessage")
            .iter()
            .filter(|b| {
                b["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains("[FIRING:1] Disk full")
            })
            .count()
            == 1
    })
    .await;
    let (tl, _) = timed(&t, &ch, "timeline").await;
    assert_eq!(
        notes(&tl, "rolling back the deploy"),
        1,
        "recorded once: {tl}"
    );
    t.stop().await;
}

#[tokio::test]
async fn sqlite_disk_full_then_freed() {
    let Some(fs) = Tmpfs::mount(8) else { return };
    let db = TestDb::Url(format!("sqlite://{}/warroom.db", fs.path().display()));
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    t.say("UALICE", "CGENERAL", "declare sev2 Disk filling")
        .await;
    let ch = t.wait_ready(1).await.id;

    // Fill the filesystem to the last byte.
    let filler = fs.path().join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.flush();
    }
    let mut told = 0;
    for i in 0..4 {
        let text = format!("note {} {i}", "x".repeat(2000));
        let (a, took) = timed(&t, &ch, &text).await;
        assert!(took < Duration::from_secs(3), "{took:?}");
        if a.contains("disk is full") && a.contains("not recorded") {
            told += 1;
        }
    }
    assert!(told > 0, "people are told the disk is full");
    let (status, body, _) = readyz(&t).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("full"), "{body}");

    std::fs::remove_file(&filler).unwrap();
    wait_ready(&t, Duration::from_secs(10)).await;
    for i in 0..5 {
        let (a, _) = timed(&t, &ch, &format!("note space freed {i}")).await;
        assert!(a.contains("Added"), "no restart needed ({i}): {a}");
    }
    t.stop().await;
}

#[tokio::test]
async fn sqlite_locked_by_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/warroom.db", dir.path().display());
    let db = TestDb::Url(url.clone());
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, "").await;
    t.say("UALICE", "CGENERAL", "declare sev3 Slow search")
        .await;
    let ch = t.wait_ready(1).await.id;

    // Another program takes the write lock and keeps it.
    let mut other = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let (a, took) = timed(&t, &ch, "note reindexing").await;
    eprintln!("FIGURE sqlite locked: answered in {took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(
        a.contains("locked by another program") && a.contains("not recorded"),
        "{a}"
    );
    let (status, body, _) = readyz(&t).await;
    assert_eq!(status, 503, "{body}");
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    drop(other);

    let (a, _) = timed(&t, &ch, "note reindexing").await;
    assert!(a.contains("Added"), "{a}");
    assert_eq!(readyz(&t).await.0, 200);
    t.stop().await;
}
