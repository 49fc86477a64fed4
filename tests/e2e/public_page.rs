//! The public status page, end to end: served without login whatever `web.token`
//! says, made only of published external updates (a private incident and an
//! internal note appear nowhere), cached with ETags, its Atom feed read by a real
//! feed parser and its JSON in Statuspage's shape; on `status.listen` nothing else
//! is reachable; in headless Chromium at phone and desktop widths with no script.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde_json::Value;
use warroom::clock::ManualClock;

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn, spawn_with_clock};
use crate::pages_browser::{chromium, load_and_shoot};

const SECRET: &str = "SECRET-NOTE-7731";

fn settings() -> String {
    "[web]\ntoken = \"internal-only\"\n[status]\npage_name = \"Acme status\"\n\
     [[status.components]]\nname = \"API\"\ndescription = \"REST and GraphQL\"\nservices = [\"api\"]\n\
     [[status.components]]\nname = \"Web app\"\nservices = [\"web\"]\n"
        .to_string()
}

/// A public SEV2 with two external updates and an internal note (incident `first`),
/// and a private SEV1 with its own note (`first + 1`). Returns the public one's channel.
async fn history(t: &crate::common::TestApp, first: i64) -> String {
    t.say(
        "UALICE",
        "CGENERAL",
        "declare sev2 Internal: pgbouncer pool exhausted",
    )
    .await;
    let ch = t.wait_ready(first).await.id;
    t.say("UALICE", &ch, "service api").await;
    t.say("UALICE", &ch, &format!("note {SECRET} do not publish"))
        .await;
    let a = t
        .say("UALICE", &ch, "statusupdate We are investigating elevated error rates for the API. Some users may experience timeouts & <errors>.")
        .await;
    assert!(a.contains("Published"), "{a}");
    t.say(
        "UALICE",
        &ch,
        "statusupdate identified A database migration has been identified as the cause.",
    )
    .await;
    t.say(
        "UBOB",
        "CGENERAL",
        "declare sev1 --private Payroll export leaked",
    )
    .await;
    let private = t.wait_ready(first + 1).await.id;
    t.say("UBOB", &private, &format!("note {SECRET}-private"))
        .await;
    ch
}

on_both_databases!(
    the_public_page_shows_only_what_was_published,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn the_public_page_shows_only_what_was_published(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, &settings()).await;
    history(&t, 1).await;
    assert!(
        t.get("/incidents").await.status().is_client_error(),
        "internal pages keep their login"
    );
    let r = t.get("/status").await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let r = t.get("/status/").await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let html = r.text().await.unwrap();
    assert!(html.contains("We are investigating elevated error rates for the API. Some users may experience timeouts &amp; &lt;errors&gt;."), "{html}");
    assert!(html.contains("Identified"), "{html}");
    assert!(html.contains("Acme status") && html.contains("REST and GraphQL"));
    assert!(
        html.contains("Issue affecting API"),
        "a public title, not the internal one"
    );
    for leak in [SECRET, "Payroll", "<script", "pgbouncer"] {
        assert!(!html.contains(leak), "{leak} on the public page");
    }
    let again = t
        .http
        .get(format!("{}/status/", t.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "the reader's copy is current");

    let one = t.get("/status/incidents/1").await;
    assert_eq!(one.status(), 200);
    let one = one.text().await.unwrap();
    assert!(one.contains("A database migration has been identified") && !one.contains(SECRET));
    assert_eq!(t.get("/status/incidents/2").await.status(), 404, "private");
    assert_eq!(t.get("/status/incidents/999").await.status(), 404);

    let feed = t.get("/status/feed.atom").await;
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let body = feed.bytes().await.unwrap();
    let parsed = feed_rs::parser::parse(&body[..]).expect("a valid Atom feed");
    assert_eq!(parsed.entries.len(), 1);
    assert!(!String::from_utf8_lossy(&body).contains(SECRET));

    let r = t.get("/status/api/v2/summary.json").await;
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["status"]["indicator"], "major");
    let api = s["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "API")
        .unwrap()
        .clone();
    assert_eq!(api["status"], "partial_outage");
    assert_eq!(s["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(
        s["incidents"][0]["incident_updates"][0]["status"], "identified",
        "newest first"
    );
    assert!(!s.to_string().contains(SECRET) && !s.to_string().contains("Payroll"));
    let st: Value = t
        .get("/status/api/v2/status.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(st["status"]["indicator"], "major");
    assert!(st["page"]["name"] == "Acme status");
    t.stop().await;
    db.cleanup().await;
}

on_both_databases!(
    on_its_own_listener_nothing_else_is_reachable,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn on_its_own_listener_nothing_else_is_reachable(db: TestDb) {
    let fake = FakeSlack::start().await;
    let own = settings().replace("[status]\n", "[status]\nlisten = \"127.0.0.1:0\"\n");
    let t = spawn(&db, &fake, &own).await;
    history(&t, 1).await;
    let public = format!("http://{}", t.app.status_addr.expect("its own listener"));
    let get = |p: &str| t.http.get(format!("{public}{p}")).send();
    let r = get("/").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("We are investigating elevated error rates")
    );
    assert_eq!(
        get("/incidents/1").await.unwrap().status(),
        200,
        "the public history"
    );
    assert_eq!(get("/incidents/2").await.unwrap().status(), 404, "private");
    for path in [
        "/",
        "/incidents/1",
        "/feed.atom",
        "/api/v2/summary.json",
        "/api/v2/status.json",
    ] {
        let body = get(path).await.unwrap().text().await.unwrap();
        for leak in [SECRET, "Payroll", "pgbouncer", "<script"] {
            assert!(
                !body.contains(leak),
                "{leak} in {path} on the public listener"
            );
        }
    }
    for internal in [
        "/incidents",
        "/incidents/INC-1",
        "/metrics",
        "/slack/commands",
        "/alerts/alertmanager",
    ] {
        let s = get(internal).await.unwrap().status();
        assert!(
            s == 404 || s == 405,
            "{internal} answered {s} on the public listener"
        );
    }
    assert_eq!(
        t.get("/status/").await.status(),
        404,
        "not on the main listener as well"
    );
    t.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn the_public_page_in_chromium_at_phone_and_desktop_widths() {
    let Some(bin) = chromium() else { return };
    let db = crate::common::sqlite();
    let fake = FakeSlack::start().await;
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap(),
    ));
    let t = spawn_with_clock(&db, &fake, &settings(), clock.clone()).await;
    // A resolved incident from last week, then today's.
    t.say("UALICE", "CGENERAL", "declare sev1 Checkout down")
        .await;
    let old = t.wait_ready(1).await.id;
    t.say("UALICE", &old, "service web").await;
    t.say(
        "UALICE",
        &old,
        "statusupdate Checkout is failing for all customers.",
    )
    .await;
    clock.advance(chrono::Duration::minutes(50));
    t.say(
        "UALICE",
        &old,
        "statusupdate resolved This incident has been resolved.",
    )
    .await;
    t.say("UALICE", &old, "resolve Fixed").await;
    clock.advance(chrono::Duration::days(6));
    history(&t, 2).await;
    clock.advance(chrono::Duration::minutes(40));
    let url = format!("{}/status/", t.base);
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&out).unwrap();
    let files: Vec<(std::path::PathBuf, &'static str)> =
        [("phone", "375,1400"), ("desktop", "1280,1400")]
            .iter()
            .map(|(name, size)| (out.join(format!("status-{name}.png")), *size))
            .collect();
    let (dom, outs) = load_and_shoot(&bin, &url, files.clone()).await;
    let shots: Vec<_> = files.into_iter().map(|(f, _)| f).zip(outs).collect();
    assert!(dom.status.success());
    let html = String::from_utf8_lossy(&dom.stdout);
    assert!(
        html.contains("Issue affecting Web app")
            && html.contains("We are investigating elevated error rates")
            && html.contains("<svg"),
        "{html}"
    );
    assert!(!html.contains("<script") && !html.contains(SECRET));
    for (file, o) in shots {
        let log = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success() && !log.contains("Uncaught"), "{log}");
        let png = std::fs::read(&file).expect("screenshot written");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(
            png.len() > 20_000,
            "{} is a real picture: {} bytes",
            file.display(),
            png.len()
        );
    }
    t.stop().await;
}
