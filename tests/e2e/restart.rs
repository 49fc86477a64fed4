//! warroom killed (SIGKILL) in the middle of a declaration and started again: the
//! restarted process resumes the dead one's claimed work within seconds (not after the
//! 30 s lease: the dead worker's heartbeat stopped), the channel Slack created before
//! the kill is adopted, not made twice, and the rest of the set-up happens once. Runs
//! the real binary as a child process.

use crate::common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::child::{free_port, signed_command, wait_http};
use crate::common::fake_slack::{Failure, FakeSlack};
use crate::common::{SECRET, TestDb, on_both_databases};

fn start(config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("warroom starts")
}

async fn wait_healthy(base: &str) {
    wait_http(&format!("{base}/healthz")).await;
}

async fn declare(base: &str, text: &str) -> String {
    let (status, body, _) = signed_command(base, text).await;
    assert_eq!(status, 200, "{body}");
    body
}

on_both_databases!(killed_mid_declare_and_restarted_makes_exactly_one_channel);
async fn killed_mid_declare_and_restarted_makes_exactly_one_channel(db: TestDb) {
    common::init_logs();
    let fake = FakeSlack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let config = dir.path().join("warroom.toml");
    std::fs::write(
        &config,
        format!(
            "[slack]\napi_url = \"{}\"\nbot_token = \"xoxb-restart\"\nsigning_secret = \"{SECRET}\"\nannouncements_channel = \"CANNOUNCE\"\nrequest_timeout = \"30s\"\n\
             [http]\nlisten = \"127.0.0.1:{port}\"\n[database]\nurl = \"{}\"\n\
             [jobs]\nlease = \"30s\"\npoll_interval = \"100ms\"\nretry_base = \"100ms\"\nretry_max = \"1s\"\n",
            fake.api_url(),
            db.url()
        ),
    )
    .unwrap();

    // Slack will create the channel and then keep warroom waiting for the answer.
    fake.fail(
        "conversations.create",
        1,
        Failure::SucceedThenHang(Duration::from_secs(120)),
    );
    let mut child = start(&config);
    wait_healthy(&base).await;
    let answer = declare(&base, "declare sev1 Primary database unreachable").await;
    assert!(answer.contains("INC-1"), "{answer}");
    fake.wait("Slack created the channel", Duration::from_secs(10), |f| {
        !f.channels_named("inc-1-").is_empty()
    })
    .await;
    // Killed while waiting for Slack's answer: no chance to record the channel.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        fake.messages(&fake.channels_named("inc-1-")[0].id)
            .is_empty(),
        "nothing posted before the kill"
    );

    let restarted = std::time::Instant::now();
    let mut child = start(&config);
    wait_healthy(&base).await;
    fake.wait(
        "set-up finished after the restart",
        Duration::from_secs(40),
        |f| {
            let chans = f.channels_named("inc-1-");
            chans.len() == 1
                && f.pins().iter().any(|(c, _)| *c == chans[0].id)
                && !f.messages("CANNOUNCE").is_empty()
        },
    )
    .await;
    let resumed = restarted.elapsed();
    eprintln!(
        "FIGURE {}: set-up finished {resumed:?} after the restart",
        db.label()
    );
    assert!(
        resumed < Duration::from_secs(6),
        "resumed within seconds, not after the lease: {resumed:?}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let chans = fake.channels_named("inc-1");
    assert_eq!(
        chans.len(),
        1,
        "{}: exactly one channel: {chans:?}",
        db.label()
    );
    let msgs = fake.messages(&chans[0].id);
    assert_eq!(
        msgs.iter()
            .filter(|m| m.text.contains("Primary database unreachable"))
            .count(),
        1,
        "one headline"
    );
    assert_eq!(fake.messages("CANNOUNCE").len(), 1, "one announcement");
    assert!(
        fake.channel(&chans[0].id)
            .unwrap()
            .members
            .contains(&"UALICE".to_string())
    );
    // The incident works on in its adopted channel.
    let answer = declare(&base, "INC-1 status identified").await;
    assert!(answer.contains("Identified"), "{answer}");
    child.kill().unwrap();
    child.wait().unwrap();
    db.cleanup().await;
}
