//! The postmortem page in a real browser: headless Chromium (Debian's `chromium`, which
//! ./scripts/test installs) loads it from the running server, its DOM is checked for
//! content, and a screenshot is taken; the console must stay free of errors. The
//! screenshot and the Markdown draft are kept under target/test-output/.

use crate::common;

use std::process::Command;
use std::sync::Arc;

use crate::common::fake_slack::FakeSlack;
use chrono::{TimeZone, Utc};
use warroom::clock::ManualClock;

pub(crate) fn chromium() -> Option<String> {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(c.to_string());
        }
    }
    common::skip::skip(
        common::skip::Need::Browser,
        "no chromium on PATH (scripts/setup.d/chromium.sh installs it)",
    );
    None
}

pub(crate) fn browser(bin: &str, profile: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

/// Loads `url` in headless Chromium: its DOM, then a screenshot per (file, "w,h").
pub(crate) async fn load_and_shoot(
    bin: &str,
    url: &str,
    shots: Vec<(std::path::PathBuf, &'static str)>,
) -> (std::process::Output, Vec<std::process::Output>) {
    let (bin, url) = (bin.to_string(), url.to_string());
    tokio::task::spawn_blocking(move || {
        let profile = tempfile::tempdir().unwrap();
        let dom = browser(&bin, profile.path(), &["--dump-dom", &url]);
        let outs = shots
            .iter()
            .map(|(file, size)| {
                browser(
                    &bin,
                    profile.path(),
                    &[
                        &format!("--screenshot={}", file.display()),
                        &format!("--window-size={size}"),
                        &url,
                    ],
                )
            })
            .collect();
        (dom, outs)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_postmortem_page_renders_in_chromium() {
    let Some(bin) = chromium() else { return };
    let db = common::sqlite();
    let fake = FakeSlack::start().await;
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap(),
    ));
    let slo = "[[slos]]\nname = \"api-availability\"\nservice = \"api\"\ntarget = 99.9\nwindow = \"30d\"\n[reminders]\nescalate_after = 0\n";
    let t = common::spawn_with_clock(&db, &fake, slo, clock.clone()).await;
    t.say("UALICE", "CGENERAL", "declare sev2 API error rate at 12%")
        .await;
    let ch = t.wait_ready(1).await.id;
    let step = |m| clock.advance(chrono::Duration::minutes(m));
    for (m, user, text) in [
        (0, "UALICE", "service api"),
        (1, "UALICE", "impact 12% of API requests fail"),
        (2, "UALICE", "role sme <@UBOB|bob>"),
        (4, "UALICE", "status identified"),
        (
            1,
            "UBOB",
            "note --cause Migration added a NOT NULL column without a default",
        ),
        (5, "UALICE", "sev 1"),
        (5, "UALICE", "status monitoring"),
        (1, "UALICE", "update Error rate back to 0.3%"),
        (
            0,
            "UALICE",
            "action Add migration tests to CI <@UBOB|bob> due 2026-12-15 p1",
        ),
        (
            30,
            "UALICE",
            "resolve Rolled back the deploy and the migration",
        ),
    ] {
        step(m);
        t.say(user, &ch, text).await;
    }
    let url = format!("{}/incidents/INC-1/postmortem", t.base);
    let out_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&out_dir).unwrap();
    let md = t
        .get("/incidents/INC-1/postmortem.md")
        .await
        .text()
        .await
        .unwrap();
    std::fs::write(out_dir.join("postmortem-INC-1.md"), &md).unwrap();

    let (dom, mut shots) = load_and_shoot(
        &bin,
        &url,
        vec![(out_dir.join("postmortem-INC-1.png"), "1280,2600")],
    )
    .await;
    let shot = shots.remove(0);
    assert!(
        dom.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let html = String::from_utf8_lossy(&dom.stdout);
    for want in [
        "Incident Postmortem: INC-1: API error rate at 12%",
        "<svg",
        "data-status=\"monitoring\"",
        "Error budget consumed: 2.2 min of the 43.2 min budget",
        "Add migration tests to CI",
    ] {
        assert!(html.contains(want), "the rendered page lacks {want:?}");
    }
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&dom.stderr),
        String::from_utf8_lossy(&shot.stderr)
    );
    for bad in [
        "CONSOLE",
        "Uncaught",
        "Failed to load resource",
        "net::ERR_",
    ] {
        assert!(!log.contains(bad), "browser reported {bad}:\n{log}");
    }
    assert!(shot.status.success(), "screenshot failed: {log}");
    let png = std::fs::read(out_dir.join("postmortem-INC-1.png")).expect("screenshot written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert!(
        png.len() > 30_000,
        "a real picture of the page, not a blank: {} bytes",
        png.len()
    );
    t.stop().await;
}
