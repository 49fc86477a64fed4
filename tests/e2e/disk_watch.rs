//! The disk watcher against real sources: a small tmpfs this test mounts and fills
//! (statvfs, warroom's own samples, bind mounts counted once, largest directories), and
//! a real Prometheus scraping node_exporter's textfile collector (several hosts,
//! inodes, read-only skipped, a host going silent, Prometheus going down), with history
//! backfilled by promtool for the fill rate.

use crate::common;

use std::collections::BTreeMap;

use crate::common::prom;
use crate::common::tmpfs::Tmpfs;
use chrono::{Duration, Utc};
use warroom::config::Config;
use warroom::watch::{Finding, Level, disk};

fn by_key(f: &[Finding]) -> BTreeMap<String, Finding> {
    f.iter().map(|f| (f.key.clone(), f.clone())).collect()
}

#[tokio::test]
async fn a_local_tmpfs_filling_up() {
    let Some(fs) = Tmpfs::mount(20) else { return };
    let mnt = fs.path().display().to_string();
    let bind = fs.bind_path().display().to_string();
    let cfg = Config::from_toml(&format!(
        "[watch.disk]\nlocal = true\nmounts = [\"{mnt}\", \"{bind}\"]\nexclude_types = []\ntop_paths = [\"{mnt}\"]\nsample_window = \"2h\"\nrunbook = \"https://runbooks.example.com/disk\""
    ))
    .unwrap();
    let db = common::sqlite();
    let store = warroom::store::Store::connect(
        &db.url(),
        2,
        warroom::config::Config::from_toml("").unwrap().severities(),
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let t0 = Utc::now();

    // Half full: fine; one finding per device although it is mounted twice.
    fs.fill("logs", "a.log", 10);
    let f = disk::run(&cfg.watch.disk, Some(&store), t0).await;
    let space: Vec<&Finding> = f.iter().filter(|x| x.key.starts_with("disk:")).collect();
    assert_eq!(space.len(), 1, "bind mount counted once: {f:#?}");
    assert_eq!(space[0].level, Level::Ok);
    let key = space[0].key.clone();
    assert!(
        space[0].summary.contains("is 50% used"),
        "{}",
        space[0].summary
    );

    // 90%: a warning, naming the largest directory and the growth so far.
    fs.fill("logs", "b.log", 8);
    let f = by_key(&disk::run(&cfg.watch.disk, Some(&store), t0 + Duration::minutes(10)).await);
    let w = &f[&key];
    assert_eq!(w.level, Level::Warning, "{w:#?}");
    assert!(
        w.details
            .iter()
            .any(|d| d.starts_with("Largest here:") && d.contains("/logs` 18.0 MiB")),
        "{:#?}",
        w.details
    );
    assert!(w.details.iter().any(|d| d.contains("free of 20.0 MiB")));
    assert_eq!(
        w.runbook.as_deref(),
        Some("https://runbooks.example.com/disk")
    );

    // Still 90% ten minutes later: enough samples now (0, 10, 20 min) for a rate:
    // 8 MiB in 10 min then flat... the disk filled at ~24 MiB/h, full within an hour.
    let f = by_key(&disk::run(&cfg.watch.disk, Some(&store), t0 + Duration::minutes(20)).await);
    assert!(
        f[&key].details.iter().any(|d| d.starts_with("Growing")),
        "{:#?}",
        f[&key].details
    );
    assert_eq!(
        f[&key].level,
        Level::Critical,
        "full within 4 h at this rate"
    );
    assert!(f[&key].facts["hours_to_full"] < 4.0);

    // 97%: critical by percent as well.
    fs.fill("logs", "c.log", 1);
    let f = by_key(&disk::run(&cfg.watch.disk, Some(&store), t0 + Duration::minutes(30)).await);
    assert_eq!(f[&key].level, Level::Critical);
    assert!(f[&key].facts["percent_used"] >= 95.0);
}

#[test]
fn hysteresis_through_the_watcher() {
    // Same interface, synthetic filesystem: warning at 86%, still a warning at 83%,
    // cleared at 79%.
    let fs = |avail: f64| disk::Fs {
        host: "h".into(),
        device: "/dev/x".into(),
        mount: "/x".into(),
        fstype: "ext4".into(),
        size: 100.0,
        avail,
        files: 0.0,
        files_free: 0.0,
        prometheus: false,
    };
    let l = disk::estimate::Limits::default();
    let g = disk::estimate::Growth::NotGrowing { per_hour: 0.0 };
    let now = Utc::now();
    let run = |avail, before| {
        disk::evaluate(
            &fs(avail),
            disk::Kind::Space,
            g,
            &disk::Judging {
                before: disk::estimate::Prior::from(before),
                limits: l,
                runbook: None,
                top: &[],
                window: Duration::hours(6),
                now,
            },
        )
        .level
    };
    assert_eq!(run(14.0, Level::Ok), Level::Warning);
    assert_eq!(run(17.0, Level::Warning), Level::Warning);
    assert_eq!(run(21.0, Level::Warning), Level::Ok);
}

fn fs_line(metric: &str, device: &str, mount: &str, fstype: &str, v: f64) -> String {
    format!("{metric}{{device=\"{device}\",fstype=\"{fstype}\",mountpoint=\"{mount}\"}} {v}\n")
}

#[tokio::test]
async fn many_hosts_through_a_real_prometheus() {
    if !prom::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a_dir).unwrap();
    std::fs::create_dir_all(&b_dir).unwrap();
    const G: f64 = 1024.0 * 1024.0 * 1024.0;
    // Host A: /data 90% used (also bind-mounted at /srv/data), a read-only /snap.
    let mut a = String::new();
    for (m, dev) in [("/data", "/dev/sda1"), ("/srv/data", "/dev/sda1")] {
        a += &fs_line("node_filesystem_avail_bytes", dev, m, "ext4", 10.0 * G);
        a += &fs_line("node_filesystem_size_bytes", dev, m, "ext4", 100.0 * G);
        a += &fs_line("node_filesystem_files_free", dev, m, "ext4", 900_000.0);
        a += &fs_line("node_filesystem_files", dev, m, "ext4", 1_000_000.0);
        a += &fs_line("node_filesystem_readonly", dev, m, "ext4", 0.0);
    }
    a += &fs_line(
        "node_filesystem_avail_bytes",
        "/dev/loop0",
        "/snap/core",
        "ext4",
        0.0,
    );
    a += &fs_line(
        "node_filesystem_size_bytes",
        "/dev/loop0",
        "/snap/core",
        "ext4",
        G,
    );
    a += &fs_line(
        "node_filesystem_readonly",
        "/dev/loop0",
        "/snap/core",
        "ext4",
        1.0,
    );
    prom::write_prom(&a_dir, "fs", &a);
    // Host B: /logs half full but out of inodes.
    let mut b = String::new();
    b += &fs_line(
        "node_filesystem_avail_bytes",
        "/dev/sdb1",
        "/logs",
        "xfs",
        50.0 * G,
    );
    b += &fs_line(
        "node_filesystem_size_bytes",
        "/dev/sdb1",
        "/logs",
        "xfs",
        100.0 * G,
    );
    b += &fs_line(
        "node_filesystem_files_free",
        "/dev/sdb1",
        "/logs",
        "xfs",
        30_000.0,
    );
    b += &fs_line(
        "node_filesystem_files",
        "/dev/sdb1",
        "/logs",
        "xfs",
        1_000_000.0,
    );
    prom::write_prom(&b_dir, "fs", &b);
    let (_a_exp, a_port) = prom::node_exporter(&a_dir).await;
    let (b_exp, b_port) = prom::node_exporter(&b_dir).await;

    // Host C has no exporter: its last three hours are backfilled, filling 2 GiB/h with
    // 5 GiB of 20 left: only 75% used, but full in 2.5 h, so critical.
    let now = Utc::now().timestamp() / 60 * 60;
    let mut om = String::from("# TYPE node_filesystem_avail_bytes gauge\n");
    for i in (0..=180).rev() {
        let t = now - i * 60;
        let avail = 11.0 * G - (180 - i) as f64 / 60.0 * 2.0 * G;
        om += &format!(
            "node_filesystem_avail_bytes{{instance=\"host-c:9100\",job=\"node\",device=\"/dev/sdc1\",fstype=\"ext4\",mountpoint=\"/fill\"}} {avail} {t}\n"
        );
    }
    om += "# TYPE node_filesystem_size_bytes gauge\n";
    for i in (0..=180).rev() {
        om += &format!(
            "node_filesystem_size_bytes{{instance=\"host-c:9100\",job=\"node\",device=\"/dev/sdc1\",fstype=\"ext4\",mountpoint=\"/fill\"}} {} {}\n",
            20.0 * G,
            now - i * 60
        );
    }
    om += "# EOF\n";
    let tsdb = prom::backfill(&om, &dir.path().join("tsdb"));
    let (prom_proc, port) = prom::prometheus(&[a_port, b_port], &tsdb).await;
    prom::wait_series(port, "node_filesystem_avail_bytes", 5).await;

    let cfg = Config::from_toml(&format!("[watch.disk]\nlocal = false\nsample_window = \"3h\"\n[watch.disk.prometheus]\nurl = \"http://127.0.0.1:{port}\"")).unwrap();
    let db = common::sqlite();
    let store = warroom::store::Store::connect(
        &db.url(),
        2,
        warroom::config::Config::from_toml("").unwrap().severities(),
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let at = Utc::now();
    let findings = disk::run(&cfg.watch.disk, Some(&store), at).await;
    let f = by_key(&findings);
    let a_host = format!("127.0.0.1:{a_port}");
    let b_host = format!("127.0.0.1:{b_port}");
    let a_key = format!("disk:{a_host}:/dev/sda1");
    assert_eq!(f[&a_key].level, Level::Warning, "{:#?}", f[&a_key]);
    assert!(
        f[&a_key]
            .summary
            .starts_with(&format!("Disk /data on {a_host} is 90% full")),
        "the shortest mount point names it: {}",
        f[&a_key].summary
    );
    assert_eq!(
        findings.iter().filter(|x| x.key == a_key).count(),
        1,
        "bind mount once"
    );
    assert!(
        !f.contains_key(&format!("disk:{a_host}:/dev/loop0")),
        "read-only skipped"
    );
    assert_eq!(f[&format!("disk:{b_host}:/dev/sdb1")].level, Level::Ok);
    let inodes = &f[&format!("inodes:{b_host}:/dev/sdb1")];
    assert_eq!(inodes.level, Level::Critical, "{inodes:#?}");
    assert!(
        inodes.summary.starts_with("Inodes of /logs on"),
        "{}",
        inodes.summary
    );
    let c = &f["disk:host-c:9100:/dev/sdc1"];
    assert_eq!(c.level, Level::Critical, "{c:#?}");
    assert!(c.summary.contains("will be full in about"), "{}", c.summary);
    assert!(
        c.details.iter().any(|d| d.starts_with("Growing 2.0 GiB/h")),
        "{:#?}",
        c.details
    );
    assert!(
        (c.facts["hours_to_full"] - 2.5).abs() < 0.2,
        "{:?}",
        c.facts
    );
    assert!(
        c.facts["percent_used"] < 85.0,
        "critical by rate, below the percent lines"
    );

    // Keep what was seen, then host B's exporter stops: B is reported blind, not fine.
    let mut tx = store.begin().await.unwrap();
    for x in &findings {
        let mut w = warroom::store::warnings::lock(&mut tx, x, at)
            .await
            .unwrap();
        w.level = x.level;
        w.finding = x.clone();
        warroom::store::warnings::save(&mut tx, &w).await.unwrap();
    }
    tx.commit().await.unwrap();
    drop(b_exp);
    let mut blind = None;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let f = by_key(&disk::run(&cfg.watch.disk, Some(&store), Utc::now()).await);
        if let Some(x) = f
            .get(&format!("disk:{b_host}:/dev/sdb1"))
            .filter(|x| x.level == Level::Unknown)
        {
            blind = Some(x.clone());
            break;
        }
    }
    let blind = blind.expect("a silent host becomes unknown");
    assert!(
        blind.summary.contains("No data from Prometheus any more"),
        "{}",
        blind.summary
    );

    // Prometheus itself goes down: one unknown finding saying so.
    drop(prom_proc);
    let f = disk::run(&cfg.watch.disk, Some(&store), Utc::now()).await;
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].level, Level::Unknown);
    assert!(f[0].summary.contains("did not answer"), "{}", f[0].summary);
}

#[tokio::test]
async fn a_disk_warning_as_posted_in_slack() {
    let Some(fs) = Tmpfs::mount(20) else { return };
    fs.fill("log/app", "app.log", 15);
    fs.fill("log/nginx", "access.log", 3);
    let mnt = fs.path().display().to_string();
    let fake = common::fake_slack::FakeSlack::start().await;
    let db = common::sqlite();
    let extra = format!(
        "[watch.disk]\nlocal = true\nschedule = \"every 1h\"\nmounts = [\"{mnt}\"]\nexclude_types = []\ntop_paths = [\"{mnt}/log\"]\nmention = [\"UONCALL\"]\nrunbook = \"https://runbooks.example.com/disk-full\""
    );
    let t = common::spawn(&db, &fake, &extra).await;
    fake.wait(
        "disk warning posted",
        std::time::Duration::from_secs(15),
        |f| {
            f.messages("CANNOUNCE")
                .iter()
                .any(|m| m.text.contains("Disk "))
        },
    )
    .await;
    let m = fake
        .messages("CANNOUNCE")
        .into_iter()
        .find(|m| m.text.contains("Disk "))
        .unwrap();
    assert!(
        m.text.starts_with("<@UONCALL> :warning: *Warning* — Disk "),
        "{}",
        m.text
    );
    assert!(
        m.text.contains("is 90% full")
            && m.text.contains("/log/app` 15.0 MiB")
            && m.text.contains("disk-full|the runbook"),
        "{}",
        m.text
    );
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("disk-warning.txt"),
        format!(
            "{}\n\nblocks: {}\n",
            m.text,
            serde_json::to_string_pretty(&m.blocks).unwrap()
        ),
    )
    .unwrap();
    t.stop().await;
}

#[test]
fn the_check_command_prints_a_table_and_exits_1_on_critical() {
    let dir = tempfile::tempdir().unwrap();
    let run = |critical: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["check", "disk"])
            .current_dir(dir.path())
            .env("WARROOM_WATCH__DISK__MOUNTS", "[\"/\"]")
            .env("WARROOM_WATCH__DISK__EXCLUDE_TYPES", "[]")
            .env("WARROOM_WATCH__DISK__CLEAR_PERCENT", "0")
            .env("WARROOM_WATCH__DISK__WARNING_PERCENT", "0.001")
            .env("WARROOM_WATCH__DISK__CRITICAL_PERCENT", critical)
            .output()
            .unwrap()
    };
    // Any used space on / is over these lines: a warning, then critical.
    let out = run("100");
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning is not critical: {table}"
    );
    assert!(
        table.starts_with("LEVEL") && table.contains("WARNING") && table.contains("Disk / on "),
        "{table}"
    );
    let out = run("0.002");
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(table.contains("CRITICAL  / on "), "{table}");
}
