//! The managers' insights, end to end on both databases: incidents made through
//! the commands (an SLO priced impact, an action item, a resolution, a private one)
//! read back from `/insights.json` and `/insights.csv` (parsed back), the page's
//! sections, the filters and their refusals, access like the other pages, and
//! `/insights` in headless Chromium (screenshot in target/test-output/).

use chrono::TimeZone;
use serde_json::Value;

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestApp, TestDb, clocked, on_both_databases, spawn_with_clock};
use crate::pages_browser::{chromium, load_and_shoot};

const SETTINGS: &str = "[web]\ntoken = \"mgr-token\"\ntrusted_user_header = \"x-user\"\n[slack]\nadmins = [\"UADMIN\"]\n\
    [[slos]]\nname = \"api-availability\"\nservice = \"api\"\ntarget = 99.9\nwindow = \"30d\"\n";

async fn history(t: &TestApp) {
    t.say("UALICE", "CGENERAL", "declare sev1 API down").await;
    let ch = t.wait_ready(1).await.id;
    for cmd in [
        "service api",
        "impact 20% of API requests fail",
        "action Add a canary <@UBOB|bob> due 2026-01-05",
        "update Error rate back to 0.1%",
        "resolve Rolled back",
    ] {
        t.say("UALICE", &ch, cmd).await;
    }
    t.say(
        "UBOB",
        "CGENERAL",
        "declare sev2 --private Payroll export slow",
    )
    .await;
    t.wait_ready(2).await;
}

async fn get(t: &TestApp, path: &str, user: Option<&str>) -> reqwest::Response {
    let r = t.http.get(format!("{}{path}", t.base));
    let r = match user {
        Some(u) => r.header("x-user", u),
        None => r.bearer_auth("mgr-token"),
    };
    r.send().await.unwrap()
}

on_both_databases!(
    insights_are_read_back_as_json_csv_and_a_page,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn insights_are_read_back_as_json_csv_and_a_page(db: TestDb) {
    // A fixed clock: the action item's due date and the default period are read
    // against it, so the figures do not depend on the day the suite runs.
    let fake = FakeSlack::start().await;
    let clock = std::sync::Arc::new(warroom::clock::ManualClock::new(clocked::t0()));
    let t = spawn_with_clock(&db, &fake, SETTINGS, clock).await;
    history(&t).await;
    assert_eq!(
        t.get("/insights").await.status(),
        401,
        "same access as the other pages"
    );

    let j: Value = get(&t, "/insights.json", None).await.json().await.unwrap();
    assert_eq!(j["incidents"], 1, "the private one only for admins: {j}");
    assert_eq!(j["by_service"][0]["service"], "api");
    assert_eq!(j["actions"]["opened"], 1);
    assert_eq!(j["actions"]["overdue"], 1, "due in January");
    assert_eq!(j["postmortems"]["owed"], 1);
    assert_eq!(
        j["discipline"]["updates"], 1,
        "counted as the timeline is written"
    );
    let ack = j["timings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["severity"] == "sev1" && x["phase"] == "acknowledge")
        .cloned()
        .unwrap_or_default();
    assert_eq!(ack["n"], 1, "{j}");
    assert_eq!(ack["target_minutes"], 5.0);
    assert_eq!(j["budgets"][0]["slo"], "api-availability", "{j}");
    let admin: Value = get(&t, "/insights.json", Some("UADMIN"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(admin["incidents"], 2);
    let sev2: Value = get(&t, "/insights.json?severity=sev2", Some("UADMIN"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sev2["incidents"], 1);

    let csv = get(&t, "/insights.csv", None).await;
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        warroom::insights::export::CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert!(
        rows.iter()
            .any(|r| &r[0] == "total" && &r[4] == "incidents" && &r[5] == "1"),
        "{text}"
    );
    assert!(
        rows.iter()
            .any(|r| &r[0] == "service" && &r[3] == "api" && &r[5] == "1")
    );

    let html = get(&t, "/insights", None).await.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("<table") && !html.contains("<script"));
    assert!(!html.contains("Payroll"));
    for bad in [
        "since=2026-13-01",
        "since=2026-11-10&until=2026-11-01",
        "severity=sev9",
        "service=a%20b",
    ] {
        let r = get(&t, &format!("/insights?{bad}"), None).await;
        assert_eq!(r.status(), 400, "{bad}");
    }
    t.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn the_insights_page_in_chromium() {
    let Some(bin) = chromium() else { return };
    let db = crate::common::sqlite();
    let fake = FakeSlack::start().await;
    let slo = "[[slos]]\nname = \"api-availability\"\nservice = \"api\"\ntarget = 99.9\nwindow = \"30d\"\n[reminders]\nescalate_after = 0\n";
    let start = chrono::Utc.with_ymd_and_hms(2026, 9, 7, 9, 0, 0).unwrap();
    let clock = std::sync::Arc::new(warroom::clock::ManualClock::new(start));
    let t = crate::common::spawn_with_clock(&db, &fake, slo, clock.clone()).await;
    // Twelve weeks of incidents: (days later, severity, service, minutes to acknowledge, to resolve).
    let story = [
        (0, "sev2", "api", 4, 50),
        (9, "sev3", "web", 30, 180),
        (16, "sev1", "api", 3, 75),
        (23, "sev2", "db", 20, 95),
        (30, "sev3", "api", 45, 240),
        (38, "sev1", "api", 8, 140),
        (44, "sev2", "web", 12, 60),
        (51, "sev3", "db", 50, 300),
        (59, "sev2", "api", 9, 45),
        (66, "sev1", "db", 4, 65),
        (73, "sev2", "api", 14, 35),
        (80, "sev3", "web", 25, 120),
    ];
    let mut at = start;
    for (n, (day, sev, service, ack, resolve)) in story.iter().enumerate() {
        let when = start + chrono::Duration::days(*day);
        clock.advance(when - at);
        at = when;
        t.say(
            "UBOB",
            "CGENERAL",
            &format!("declare {sev} Incident {n} on {service}"),
        )
        .await;
        let ch = t.wait_ready(n as i64 + 1).await.id;
        t.say("UBOB", &ch, &format!("service {service}")).await;
        t.say(
            "UBOB",
            &ch,
            &format!("impact {}% of requests fail", 5 + n * 3),
        )
        .await;
        t.say(
            "UBOB",
            &ch,
            &format!(
                "action Follow-up {n} <@UCAROL|carol> due 2026-11-{:02}",
                1 + n
            ),
        )
        .await;
        clock.advance(chrono::Duration::minutes(*ack));
        t.say("UALICE", &ch, "role ic <@UALICE|alice>").await;
        t.say("UALICE", &ch, "status identified").await;
        clock.advance(chrono::Duration::minutes(*resolve - *ack));
        t.say("UALICE", &ch, "resolve Fixed").await;
        at += chrono::Duration::minutes(*resolve);
    }
    clock.advance(chrono::Duration::days(3));
    let url = format!("{}/insights?since=2026-09-01&until=2026-11-30", t.base);
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&out).unwrap();
    let file = out.join("insights.png");
    let (dom, mut shots) = load_and_shoot(&bin, &url, vec![(file.clone(), "1280,2400")]).await;
    let shot = shots.remove(0);
    assert!(dom.status.success());
    let html = String::from_utf8_lossy(&dom.stdout);
    assert!(html.contains("<svg") && !html.contains("<script"), "{html}");
    let log = String::from_utf8_lossy(&shot.stderr);
    assert!(shot.status.success() && !log.contains("Uncaught"), "{log}");
    let png = std::fs::read(&file).expect("screenshot written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 20_000, "a real picture: {} bytes", png.len());
    t.stop().await;
}
