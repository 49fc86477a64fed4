//! The shell, as a newcomer meets it: `warroom` with no Slack token, commands typed
//! (here piped) on stdin, what each channel would show on stdout, on the embedded
//! SQLite in the working directory.

use std::io::Write;
use std::process::{Command, Stdio};

fn run_shell(dir: &std::path::Path, args: &[&str], script: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .current_dir(dir)
        .env_remove("WARROOM_SLACK__BOT_TOKEN")
        .env_remove("DATABASE_URL")
        .env("USER", "alice")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("warroom runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "exit: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_newcomer_declares_works_and_resolves_an_incident() {
    let dir = tempfile::tempdir().unwrap();
    // The shell runs on the wall clock (no clock can be handed to the binary), and a
    // due date is accepted only within a year back and five years ahead of today: a
    // fixed date here would fail one day, so the item falls due a month from now.
    let due = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d");
    let script = format!(
        "\
/incident declare sev2 API error rate at 12%
/incident status identified
/as bob
/incident role ops @bob
The 13:50 deploy added a NOT NULL column
/pin
/incident sev 1
/as alice
/incident impact --since 00:00 12% of API requests fail
/incident action Add migration tests to CI @bob due {due} p1
/incident nonsense
/clock +30m
/incident timeline
/click Resolve
Rolled back the deploy; error rate back to 0.3%
/incident list
/quit
"
    );
    let out = run_shell(dir.path(), &[], &script);
    for want in [
        "warroom shell",
        "Declared *INC-1* (SEV2)",
        "#inc-1-api-error-rate-at-12 was created",
        "topic: SEV2 | Investigating | IC @alice",
        "▌ 🚨 INC-1: API error rate at 12%",
        "📌 pinned in #inc-1-api-error-rate-at-12",
        "→ you are now in #inc-1-api-error-rate-at-12",
        "Status → *Identified*",
        "@bob is now Operations Lead",
        "(warroom put it on the incident's timeline)",
        "Only the Incident Commander (@alice) or an admin can change the severity.",
        "Usage: `/incident sev <severity>`",
        "Unknown subcommand `nonsense`",
        "an update on *INC-1* is due",
        "> Incident Update — API error rate at 12% — SEV2 —",
        "[1 Edit and post this update]",
        "*Pinned message* The 13:50 deploy added a NOT NULL column",
        "Action item added",
        "form: Resolve INC-1",
        "is resolved",
        "No open incidents.",
    ] {
        assert!(out.contains(want), "shell output lacks {want:?}:\n{out}");
    }
    assert!(
        dir.path().join("warroom.db").exists(),
        "state kept in ./warroom.db"
    );

    // The next session finds the incident again.
    let out = run_shell(
        dir.path(),
        &["shell"],
        "/incident show INC-1\n/incident INC-1 reopen\n",
    );
    assert!(out.contains("INC-1: API error rate at 12%"), "{out}");
    assert!(out.contains("INC-1 is open again"), "{out}");
}

#[test]
fn bad_configuration_fails_at_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("WARROOM_HTTP__LISTEN", "not-an-address")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("http.listen") && err.contains("not-an-address") && err.contains("host:port"),
        "{err}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("serve")
        .current_dir(dir.path())
        .env("WARROOM_SLACK__BOT_TOKEN", "xoxb-1")
        .env_remove("WARROOM_SLACK__SIGNING_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("slack.signing_secret"), "{err}");
    assert!(!err.contains("xoxb-1"), "secrets are not echoed: {err}");
}

#[test]
fn the_postmortem_command_prints_markdown_and_html() {
    let dir = tempfile::tempdir().unwrap();
    run_shell(
        dir.path(),
        &[],
        "/incident declare sev2 Checkout errors\n/incident note --cause A bad feature flag\n/incident resolve Turned the flag off\n/quit\n",
    );
    let pm = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_warroom"))
            .arg("postmortem")
            .args(args)
            .current_dir(dir.path())
            .env_remove("WARROOM_SLACK__BOT_TOKEN")
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let md = pm(&["INC-1", "--format", "md"]);
    assert!(
        md.status.success(),
        "{}",
        String::from_utf8_lossy(&md.stderr)
    );
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.starts_with("# Incident Postmortem: INC-1: Checkout errors"),
        "{md}"
    );
    assert!(
        md.contains("A bad feature flag") && md.contains("Turned the flag off"),
        "{md}"
    );
    let html = pm(&["INC-1", "--format", "html"]);
    assert!(html.status.success());
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(
        html.starts_with("<!doctype html>")
            && html.contains("<h1>Incident Postmortem: INC-1: Checkout errors</h1>"),
        "{html}"
    );
    assert!(html.contains("<svg"), "the picture of the phases is inline");
    let missing = pm(&["INC-9"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("INC-9"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

#[test]
fn a_command_typed_into_a_form_closes_it_unsent_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_shell(
        dir.path(),
        &[],
        "/incident declare sev3 Slow search\n/incident resolve\n/incident show\n/quit\n",
    );
    assert!(out.contains("┌ form: Resolve INC-1"), "{out}");
    assert!(out.contains("└ form closed without submitting"), "{out}");
    assert!(
        !out.contains("is resolved after"),
        "the form was not submitted: {out}"
    );
    assert!(
        out.contains("Status: 🔍 Investigating"),
        "and `show` ran: {out}"
    );
}
