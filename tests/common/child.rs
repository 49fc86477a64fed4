//! Servers the tests run as child processes (the real warroom binary, Prometheus,
//! Alertmanager): a free port to give them, a wait until they answer, a signed slash
//! command to a warroom reached only by its address, and a guard that ends the child
//! however the test ends.

use std::process::Child;
use std::time::{Duration, Instant};

use super::{SECRET, slack_signature};

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (up to 15 s) until `url` answers with a success.
pub async fn wait_http(url: &str) {
    let c = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = c.get(url).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not come up");
}

/// `/incident <text>` as UALICE in CGENERAL, signed with the tests' secret, to the
/// warroom at `base`: its status (0 when no answer came within 10 s), body, and how
/// long it took.
pub async fn signed_command(base: &str, text: &str) -> (u16, String, Duration) {
    signed_command_on(&reqwest::Client::new(), base, text).await
}

/// [`signed_command`] on the connections of `c` (a benchmark measures the server, not
/// the client's connecting).
pub async fn signed_command_on(
    c: &reqwest::Client,
    base: &str,
    text: &str,
) -> (u16, String, Duration) {
    let body = serde_urlencoded::to_string([
        ("team_id", "T0001"),
        ("channel_id", "CGENERAL"),
        ("user_id", "UALICE"),
        ("command", "/incident"),
        ("text", text),
        ("response_url", "http://127.0.0.1:9/none"),
        ("trigger_id", "t"),
    ])
    .unwrap();
    let ts = chrono::Utc::now().timestamp();
    let started = Instant::now();
    let r = c
        .post(format!("{base}/slack/commands"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", ts.to_string())
        .header("x-slack-signature", slack_signature(SECRET, ts, &body))
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    match r {
        Ok(r) => {
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            (status, text, started.elapsed())
        }
        Err(e) => (0, e.to_string(), started.elapsed()),
    }
}

/// Kills and reaps its child when dropped, so a failed assertion leaves no server
/// behind (nor a pipe held open).
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real warroom binary serving on a port of its own, on `db_url`, talking to the
/// fake Slack at `slack_api`, with `extra` configuration; started (and started again
/// after a kill) with [`Served::start`].
pub struct Served {
    pub base: String,
    file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Served {
    pub fn new(slack_api: &str, db_url: &str, extra: &str) -> Served {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = free_port();
        let file = dir.path().join("warroom.toml");
        std::fs::write(
            &file,
            format!(
                "[slack]\napi_url = \"{slack_api}\"\nbot_token = \"xoxb-kill\"\nsigning_secret = \"{SECRET}\"\nannouncements_channel = \"CANNOUNCE\"\n\
                 [http]\nlisten = \"127.0.0.1:{port}\"\n[database]\nurl = \"{db_url}\"\n\
                 [jobs]\nlease = \"30s\"\npoll_interval = \"100ms\"\nretry_base = \"100ms\"\nretry_max = \"1s\"\n{extra}"
            ),
        )
        .expect("the configuration is written");
        Served {
            base: format!("http://127.0.0.1:{port}"),
            file,
            _dir: dir,
        }
    }

    /// Starts the server and waits until it answers.
    pub async fn start(&self) -> Killed {
        let child = Killed(
            std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
                .arg("--config")
                .arg(&self.file)
                .arg("serve")
                .env("RUST_LOG", "warn")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::inherit())
                .spawn()
                .expect("warroom starts"),
        );
        wait_http(&format!("{}/healthz", self.base)).await;
        child
    }
}

/// The first column of `sql`'s first row once it is not NULL, asked every 100 ms for
/// up to 30 s on a connection of the test's own; None if it never is.
pub async fn stored(db_url: &str, sql: &str) -> Option<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db_url)
        .await
        .expect("the test connects");
    let mut found = None;
    for _ in 0..300 {
        let row: Option<(Option<String>,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_optional(&pool)
            .await
            .expect("the query runs");
        if let Some((Some(v),)) = row {
            found = Some(v);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pool.close().await;
    found
}
