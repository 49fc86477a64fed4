//! SLO error budgets against a real Prometheus: a month of synthetic request counters is
//! backfilled with promtool, shaped so that each multi-window burn-rate rule fires and
//! then clears as its short window recovers; then the SLO warning as posted in Slack.

use crate::common;

use std::sync::Arc;

use crate::common::fake_slack::FakeSlack;
use crate::common::prom;
use chrono::{DateTime, Duration, TimeZone, Utc};
use warroom::clock::ManualClock;
use warroom::config::Config;
use warroom::watch::budgets::slo;
use warroom::watch::prometheus::Prometheus;
use warroom::watch::{Finding, Level};

/// Requests per minute in the synthetic history.
const RPM: f64 = 1000.0;

/// One phase of history: how long, the sample step, and the burn rate against a 99.9%
/// SLO (error ratio = burn × 0.1%).
struct Phase {
    minutes: i64,
    step: i64,
    burn: f64,
}

/// The history, oldest first, ending at `end()`.
const PHASES: [Phase; 6] = [
    // 26 quiet days at 0.2× so that the 30-day window is full.
    Phase {
        minutes: 26 * 1440,
        step: 5,
        burn: 0.2,
    },
    // 3.5 days at 3.5×: the slow-burn rule (3× over 3 days and 6 h).
    Phase {
        minutes: 84 * 60,
        step: 1,
        burn: 3.5,
    },
    // 7 hours at 7×: the warning rule (6× over 6 h and 30 min).
    Phase {
        minutes: 7 * 60,
        step: 1,
        burn: 7.0,
    },
    // 1 hour at 20×: the critical rule (14.4× over 1 h and 5 min).
    Phase {
        minutes: 60,
        step: 1,
        burn: 20.0,
    },
    // Mitigated: 0.5× for 10 hours.
    Phase {
        minutes: 10 * 60,
        step: 1,
        burn: 0.5,
    },
    // One last minute so that the end is a sample.
    Phase {
        minutes: 1,
        step: 1,
        burn: 0.5,
    },
];

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
}

/// The end of each phase.
fn phase_end(i: usize) -> DateTime<Utc> {
    start() + Duration::minutes(PHASES[..=i].iter().map(|p| p.minutes).sum())
}

/// Cumulative counters of good (200) and failed (500) requests, in OpenMetrics.
fn history() -> String {
    let (mut ok, mut bad) = (String::new(), String::new());
    let (mut good, mut failed) = (0.0f64, 0.0f64);
    let mut t = start();
    for p in &PHASES {
        let ratio = p.burn * 0.001;
        for _ in 0..p.minutes / p.step {
            t += Duration::minutes(p.step);
            let n = RPM * p.step as f64;
            failed += n * ratio;
            good += n * (1.0 - ratio);
            let ts = t.timestamp();
            ok += &format!("http_requests_total{{job=\"api\",code=\"200\"}} {good:.3} {ts}\n");
            bad += &format!("http_requests_total{{job=\"api\",code=\"500\"}} {failed:.3} {ts}\n");
        }
    }
    format!("# TYPE http_requests counter\n{ok}{bad}# EOF\n")
}

const SLO: &str = r#"[[slos]]
name = "api-availability"
service = "api"
target = 99.9
window = "30d"
error_ratio = 'sum(rate(http_requests_total{job="api",code=~"5.."}[$window])) / sum(rate(http_requests_total{job="api"}[$window]))'
"#;

async fn prometheus(dir: &std::path::Path) -> Option<(prom::Proc, u16)> {
    if !prom::available() {
        return None;
    }
    let tsdb = prom::backfill(&history(), &dir.join("tsdb"));
    let (p, port) = prom::prometheus(&[], &tsdb).await;
    prom::wait_series(
        port,
        &format!("http_requests_total @ {}", phase_end(5).timestamp()),
        2,
    )
    .await;
    Some((p, port))
}

async fn judge(cfg: &Config, p: &Prometheus, at: DateTime<Utc>) -> Finding {
    let mut f = slo::run(&cfg.slos, p, None, at).await;
    assert_eq!(f.len(), 1, "{f:#?}");
    f.remove(0)
}

#[tokio::test]
async fn each_burn_rate_rule_fires_and_clears() {
    let dir = tempfile::tempdir().unwrap();
    let Some((server, port)) = prometheus(dir.path()).await else {
        return;
    };
    let cfg = Config::from_toml(&format!(
        "{SLO}[watch.budgets.prometheus]\nurl = \"http://127.0.0.1:{port}\"\n"
    ))
    .unwrap();
    let p = Prometheus::connect(&cfg.watch.budgets.prometheus).unwrap();

    // The quiet month: nothing.
    let quiet = judge(&cfg, &p, phase_end(0)).await;
    assert_eq!(quiet.level, Level::Ok, "{quiet:#?}");
    assert!((quiet.facts["burn_1h"] - 0.2).abs() < 0.05, "{quiet:#?}");

    // After 3.5 days at 3.5×: the slow burn is worth a note, nothing more.
    let slow = judge(&cfg, &p, phase_end(1)).await;
    assert_eq!(slow.level, Level::Info, "{slow:#?}");
    assert!((slow.facts["burn_3d"] - 3.5).abs() < 0.1, "{slow:#?}");
    assert!(
        slow.details
            .iter()
            .any(|d| d == "Rule: 3× over 3 days and 6 h (info)"),
        "{:#?}",
        slow.details
    );

    // After 7 h at 7×: a warning.
    let warn = judge(&cfg, &p, phase_end(2)).await;
    assert_eq!(warn.level, Level::Warning, "{warn:#?}");
    assert!(
        (warn.facts["burn_6h"] - 7.0).abs() < 0.1 && (warn.facts["burn_30m"] - 7.0).abs() < 0.1,
        "{warn:#?}"
    );

    // After an hour at 20×: critical, and the whole month's budget lasts 36 h at that rate.
    let crit = judge(&cfg, &p, phase_end(3)).await;
    assert_eq!(crit.level, Level::Critical, "{crit:#?}");
    assert!(crit.summary.starts_with("SLO api-availability (99.9% over 30 d) is burning its error budget at 20.0× (1 h) and 20.0× (5 min)"), "{}", crit.summary);
    assert!(
        crit.details
            .iter()
            .any(|d| d == "At 20.0× the whole 30 d budget lasts 1 d 12 h"),
        "{:#?}",
        crit.details
    );
    // Consumed over the 30 days: 26 d × 0.2 + 3.5 d × 3.5 + 7 h × 7 + 1 h × 20 = 20.3
    // budget-days of 30, so about a third is left: the 25–50% policy level.
    let left = crit.facts["budget_remaining_percent"];
    assert!((left - 32.0).abs() < 1.5, "{crit:#?}");
    assert!(
        crit.details
            .iter()
            .any(|d| d.contains("*32%* (25-50% remaining)")),
        "{:#?}",
        crit.details
    );

    // 10 minutes after mitigation the 5-minute window has recovered: no longer critical,
    // but the 30-minute and 6-hour windows still say warning.
    let after = judge(&cfg, &p, phase_end(3) + Duration::minutes(10)).await;
    assert_eq!(after.level, Level::Warning, "{after:#?}");
    assert!(
        after.facts["burn_1h"] > 14.4,
        "the long window alone does not keep it critical: {after:#?}"
    );
    // 40 minutes after: the 30-minute window has recovered too; the slow-burn note stays.
    let later = judge(&cfg, &p, phase_end(3) + Duration::minutes(40)).await;
    assert_eq!(later.level, Level::Info, "{later:#?}");
    // 7 hours after: the 6-hour window is clean, so every rule has cleared.
    let clear = judge(&cfg, &p, phase_end(3) + Duration::hours(7)).await;
    assert_eq!(clear.level, Level::Ok, "{clear:#?}");
    assert!(
        clear.facts["burn_3d"] >= 3.0,
        "the 3-day window alone does not keep the note: {clear:#?}"
    );

    // A query Prometheus refuses makes the SLO unknown, never silently fine.
    let bad = SLO.replace("sum(rate(", "sum(rate((");
    let cfg = Config::from_toml(&format!(
        "{bad}[watch.budgets.prometheus]\nurl = \"http://127.0.0.1:{port}\"\n"
    ))
    .unwrap();
    let p = Prometheus::connect(&cfg.watch.budgets.prometheus).unwrap();
    let f = judge(&cfg, &p, phase_end(3)).await;
    assert_eq!(f.level, Level::Unknown, "{f:#?}");
    assert!(
        f.summary
            .starts_with("Could not evaluate SLO api-availability"),
        "{}",
        f.summary
    );
    drop(server);
}

#[tokio::test]
async fn an_slo_warning_as_posted_in_slack() {
    let dir = tempfile::tempdir().unwrap();
    let Some((_p, port)) = prometheus(dir.path()).await else {
        return;
    };
    let fake = FakeSlack::start().await;
    let db = common::sqlite();
    let clock = Arc::new(ManualClock::new(phase_end(3)));
    let extra = format!(
        "{SLO}[watch.budgets]\nschedule = \"every 5m\"\nmention = [\"USRE\"]\nrunbook = \"https://runbooks.example.com/slo\"\n[watch.budgets.prometheus]\nurl = \"http://127.0.0.1:{port}\"\n"
    );
    let t = common::spawn_with_clock(&db, &fake, &extra, clock).await;
    fake.wait("SLO warning", std::time::Duration::from_secs(20), |f| {
        f.messages("CANNOUNCE")
            .iter()
            .any(|m| m.text.contains("SLO api-availability"))
    })
    .await;
    let msg = fake
        .messages("CANNOUNCE")
        .into_iter()
        .find(|m| m.text.contains("SLO api-availability"))
        .unwrap();
    assert!(msg.text.starts_with("<@USRE> :red_circle: *Critical* — SLO api-availability (99.9% over 30 d) is burning its error budget at 20.0×"), "{}", msg.text);
    assert!(
        msg.text.contains("Error budget left over the last 30 d"),
        "{}",
        msg.text
    );
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("slo-warning.txt"), format!("{}\n", msg.text)).unwrap();
    // One click on "Declare incident" opens a SEV2 named for the burn.
    let blocks = serde_json::to_string(&msg.blocks).unwrap();
    assert!(blocks.contains("Declare incident"), "{blocks}");
    t.stop().await;
}

#[tokio::test]
async fn insights_show_what_prometheus_measured() {
    let dir = tempfile::tempdir().unwrap();
    let Some((_p, port)) = prometheus(dir.path()).await else {
        return;
    };
    let fake = FakeSlack::start().await;
    let db = common::sqlite();
    let clock = Arc::new(ManualClock::new(phase_end(3)));
    let extra = format!("{SLO}[watch.budgets.prometheus]\nurl = \"http://127.0.0.1:{port}\"\n");
    let t = common::spawn_with_clock(&db, &fake, &extra, clock).await;
    let j: serde_json::Value = t.get("/insights.json").await.json().await.unwrap();
    let october = j["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["slo"] == "api-availability" && b["month"] == "2026-10")
        .cloned()
        .unwrap_or_else(|| panic!("no October row: {j}"));
    let measured = october["measured_percent"].as_f64().expect("measured");
    // The history burns at 0.2× for 26 days, then 3.5× for 3.5 days and more: well
    // over a fifth of a 30-day budget, not more than all of it several times over.
    assert!(measured > 20.0 && measured < 300.0, "{october}");
    assert_eq!(
        october["incidents"], 0,
        "no incident priced it: Prometheus did"
    );
    t.stop().await;
}
