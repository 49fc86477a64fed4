//! The budget watcher against its sources: AWS Budgets and Cost Explorer as moto serves
//! them (requests signed with Signature Version 4), a FOCUS export with bad rows, and a
//! JSON endpoint; then the warnings as they are posted in Slack.

use crate::common;

use std::collections::BTreeMap;

use crate::common::fake_slack::FakeSlack;
use crate::common::moto::{self, Moto};
use axum::Router;
use axum::routing::get;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use warroom::config::Config;
use warroom::watch::{Finding, Level, budgets};

async fn json_endpoint() -> String {
    let app = Router::new().route(
        "/api/allocation",
        get(|| async {
            axum::Json(json!({"code": 200, "data": [{"name": "cluster", "totalCost": 555.25}]}))
        }),
    );
    format!("{}/api/allocation", crate::common::faults::serve(app).await)
}

/// The moment every test here reads the budgets at: late in a month, so the run-rate
/// forecast of a fixed spend is the same whatever day the suite runs (read on the 7th,
/// 555 of 1,000 would be forecast at 273% and the "info" would be a warning).
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

fn month_start() -> String {
    now().format("%Y-%m-01").to_string()
}

fn focus_file(dir: &std::path::Path) -> std::path::PathBuf {
    let m = month_start();
    let p = dir.join("focus.csv");
    std::fs::write(
        &p,
        format!(
            "BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,SubAccountName\n\
             400.00,EUR,{m}T00:00:00Z,{m}T23:59:59Z,Compute Engine,prod\n\
             oops,EUR,{m}T00:00:00Z,{m}T23:59:59Z,Cloud Storage,prod\n\
             180.50,EUR,{m}T00:00:00Z,{m}T23:59:59Z,Cloud Storage,prod\n\
             20.00,EUR,2001-01-01T00:00:00Z,2001-01-02T00:00:00Z,Compute Engine,old\n"
        ),
    )
    .unwrap();
    p
}

fn config(moto: &Moto, focus: &std::path::Path, json_url: &str, mention: &str) -> String {
    format!(
        r#"[watch.budgets]
schedule = "every 1h"
mention = [{mention}]
runbook = "https://runbooks.example.com/cloud-costs"
[watch.budgets.aws]
budgets = true
account_id = "123456789012"
endpoint = "{endpoint}"
access_key_id = "AKIDTEST"
secret_access_key = "test-secret"
[[watch.budgets.budgets]]
name = "ce-team-a"
amount = 100
source = "cost_explorer"
[[watch.budgets.budgets]]
name = "gcp-focus"
amount = 700
currency = "EUR"
source = "focus"
file = "{focus}"
[[watch.budgets.budgets]]
name = "k8s-opencost"
amount = 1000
source = "json"
url = "{json_url}"
amount_path = "data.0.totalCost"
"#,
        endpoint = moto.url(""),
        focus = focus.display()
    )
}

fn by_key(f: &[Finding]) -> BTreeMap<String, Finding> {
    f.iter().map(|f| (f.key.clone(), f.clone())).collect()
}

async fn setup(mention: &str) -> Option<(Moto, tempfile::TempDir, String)> {
    if !moto::available() {
        return None;
    }
    let moto = Moto::start().await;
    moto.create_budget("monthly-cost", 1000.0, 850.0, 1100.0, "MONTHLY");
    moto.create_budget("quarterly-infra", 5000.0, 5200.0, 6000.0, "QUARTERLY");
    moto.create_budget("small", 100.0, 10.0, 20.0, "MONTHLY");
    let day = now().format("%Y-%m-%d").to_string();
    // Two pages: Cost Explorer paginates, and each page is one queued answer.
    moto.queue_costs(json!([
        {"ResultsByTime": [{"TimePeriod": {"Start": month_start(), "End": day}, "Total": {}, "Groups": [
            {"Keys": ["Amazon Elastic Compute Cloud - Compute"], "Metrics": {"UnblendedCost": {"Amount": "60.00", "Unit": "USD"}}},
            {"Keys": ["Amazon Simple Storage Service"], "Metrics": {"UnblendedCost": {"Amount": "15.00", "Unit": "USD"}}}], "Estimated": true}],
         "GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}], "DimensionValueAttributes": [], "NextPageToken": "page-2"},
        {"ResultsByTime": [{"TimePeriod": {"Start": day.clone(), "End": day}, "Total": {}, "Groups": [
            {"Keys": ["Amazon Simple Storage Service"], "Metrics": {"UnblendedCost": {"Amount": "10.00", "Unit": "USD"}}}], "Estimated": true}],
         "GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}], "DimensionValueAttributes": []}
    ]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let focus = focus_file(dir.path());
    let json_url = json_endpoint().await;
    let cfg = config(&moto, &focus, &json_url, mention);
    Some((moto, dir, cfg))
}

#[tokio::test]
async fn budgets_from_aws_cost_explorer_focus_and_json() {
    let Some((_moto, _dir, toml)) = setup("").await else {
        return;
    };
    let cfg = Config::from_toml(&toml).unwrap();
    let findings = budgets::run(&cfg.watch.budgets, &cfg.slos, now()).await;
    let f = by_key(&findings);
    let m = &f["budget:aws:monthly-cost"];
    assert_eq!(m.level, Level::Warning, "{m:#?}");
    assert!(
        m.summary.contains("is at 85% (850.00 USD of 1,000.00 USD)"),
        "{}",
        m.summary
    );
    assert!(
        m.details.iter().any(
            |d| d.contains("Forecast for the period: *1,100.00 USD* (110%) — from AWS Budgets")
        ),
        "{:#?}",
        m.details
    );
    assert_eq!(f["budget:aws:quarterly-infra"].level, Level::Critical);
    assert!(
        f["budget:aws:quarterly-infra"]
            .summary
            .contains("is exhausted: 104% spent")
    );
    assert_eq!(f["budget:aws:small"].level, Level::Ok);

    let ce = &f["budget:ce-team-a"];
    assert_eq!(
        ce.level,
        Level::Warning,
        "85 of 100 through two pages of Cost Explorer: {ce:#?}"
    );
    assert!(ce.details.iter().any(|d| d == "Top cost drivers: Amazon Elastic Compute Cloud - Compute 60.00 USD, Amazon Simple Storage Service 25.00 USD"), "{:#?}", ce.details);
    assert!(
        ce.details
            .iter()
            .any(|d| d.contains("from the run rate so far (Cost Explorer gives no forecast)"))
    );

    let focus = &f["budget:gcp-focus"];
    assert!(
        (focus.facts["percent_actual"] - 82.93).abs() < 0.1,
        "580.50 of 700 EUR; the bad row and last century's row left out: {focus:#?}"
    );
    assert!(
        focus
            .details
            .iter()
            .any(|d| d.contains("1 row of")
                && d.contains("line 3: BilledCost `oops` is not a number")),
        "{:#?}",
        focus.details
    );
    assert!(focus.summary.contains("EUR"));

    let json = &f["budget:k8s-opencost"];
    assert!(
        (json.facts["percent_actual"] - 55.5).abs() < 0.1,
        "{json:#?}"
    );
    assert!(json.details.iter().any(|d| d == "Source: JSON endpoint"));
}

#[tokio::test]
async fn unreachable_sources_are_unknown_not_silent() {
    let cfg = Config::from_toml(
        "[watch.budgets.aws]\nbudgets = true\nendpoint = \"http://127.0.0.1:1\"\naccess_key_id = \"A\"\nsecret_access_key = \"S\"\n[[watch.budgets.budgets]]\nname = \"missing-file\"\namount = 10\nsource = \"focus\"\nfile = \"/nonexistent/focus.csv\"",
    )
    .unwrap();
    let f = by_key(&budgets::run(&cfg.watch.budgets, &cfg.slos, now()).await);
    assert_eq!(f["budget:aws"].level, Level::Unknown);
    assert!(
        f["budget:aws"]
            .summary
            .starts_with("Could not read AWS Budgets")
    );
    assert_eq!(f["budget:missing-file"].level, Level::Unknown);
    assert!(
        f["budget:missing-file"]
            .summary
            .contains("cannot read /nonexistent/focus.csv")
    );
}

#[tokio::test]
async fn a_spend_warning_as_posted_in_slack() {
    let Some((_moto, _dir, toml)) = setup("\"UFINOPS\"").await else {
        return;
    };
    let fake = FakeSlack::start().await;
    let db = common::sqlite();
    let clock = std::sync::Arc::new(warroom::clock::ManualClock::new(now()));
    let t = common::spawn_with_clock(&db, &fake, &toml, clock).await;
    fake.wait("budget warnings", std::time::Duration::from_secs(20), |f| {
        f.messages("CANNOUNCE")
            .iter()
            .filter(|m| m.text.contains("Budget "))
            .count()
            >= 5
    })
    .await;
    let msgs = fake.messages("CANNOUNCE");
    let monthly = msgs
        .iter()
        .find(|m| m.text.contains("Budget monthly-cost"))
        .unwrap();
    assert!(
        monthly
            .text
            .starts_with("<@UFINOPS> :warning: *Warning* — Budget monthly-cost is at 85%"),
        "{}",
        monthly.text
    );
    let opencost = msgs
        .iter()
        .find(|m| m.text.contains("Budget k8s-opencost"))
        .unwrap();
    assert!(
        opencost.text.starts_with(":information_source: *Info* —"),
        "info is posted without mentions: {}",
        opencost.text
    );
    assert!(
        !msgs.iter().any(|m| m.text.contains("Budget small")),
        "a budget within bounds says nothing"
    );
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("budget-warning.txt"),
        format!("{}\n", monthly.text),
    )
    .unwrap();
    // `warroom check budgets` prints the same and exits 1 (one budget is exhausted).
    let dir = tempfile::tempdir().unwrap();
    let cfg_file = dir.path().join("warroom.toml");
    std::fs::write(&cfg_file, &toml).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--config")
        .arg(&cfg_file)
        .args(["check", "budgets"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("CRITICAL") && table.contains("budget quarterly-infra"),
        "{table}"
    );
    t.stop().await;
}
