//! Shared test helpers: a fresh database per test (SQLite always, PostgreSQL when it
//! is reachable; [`on_both_databases!`] runs one story on each), the real application
//! on port 0 against the fake Slack, and Slack's request signing done independently
//! of warroom's own code.
//!
//! The end-to-end binary uses all of it. Each benchmark (`benches/*.rs`, a binary of
//! its own) includes it for a slice, with the benchmarks' own helpers in `timing.rs`
//! beside it (declared there, not here: the tests use none of them).

pub mod alerting;
pub mod certs;
pub mod child;
pub mod clocked;
pub mod fake_confluence;
pub mod fake_github;
pub mod fake_github_pulls;
pub mod fake_google_calendar;
pub mod fake_jira;
pub mod fake_opsgenie;
pub mod fake_pagerduty;
pub mod fake_pagerduty_rest;
pub mod fake_slack;
pub mod fake_statuspage;
pub mod faults;
pub mod moto;
mod on_both;
pub mod pg_cluster;
pub mod prom;
pub mod skip;
pub mod storm;
pub mod tmpfs;

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use fake_slack::FakeSlack;
pub(crate) use on_both::on_both_databases;
use warroom::clock::{Clock, SystemClock};
use warroom::config::Config;
use warroom::startup::Application;

pub const SECRET: &str = "test-signing-secret-0123456789";

/// Slack's v0 signature, computed here rather than with warroom's code.
pub fn slack_signature(secret: &str, ts: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// A database for one test.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres {
        url: String,
        name: String,
        admin: String,
    },
    /// A database the test made itself (a private cluster, a file on a tmpfs).
    Url(String),
}

impl TestDb {
    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite(d) => format!("sqlite://{}", d.path().join("warroom.db").display()),
            TestDb::Postgres { url, .. } | TestDb::Url(url) => url.clone(),
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            TestDb::Sqlite(_) => "sqlite",
            TestDb::Postgres { .. } => "postgres",
            TestDb::Url(u) if u.starts_with("sqlite") => "sqlite",
            TestDb::Url(_) => "postgres",
        }
    }

    /// Drops a PostgreSQL test database.
    pub async fn cleanup(self) {
        if let TestDb::Postgres { name, admin, .. } = self {
            sqlx::any::install_default_drivers();
            if let Ok(mut c) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut c)
                .await;
            }
        }
    }
}

/// The admin URL of the test PostgreSQL server.
pub fn pg_admin_url() -> String {
    std::env::var("WR_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh PostgreSQL database, or None when the server is unreachable (the test
/// skips, see [`skip`]; with WR_REQUIRE_POSTGRES=1, as in CI, it fails).
pub async fn postgres() -> Option<TestDb> {
    sqlx::any::install_default_drivers();
    let admin = pg_admin_url();
    let conn = tokio::time::timeout(
        Duration::from_secs(3),
        <sqlx::AnyConnection as sqlx::Connection>::connect(&admin),
    )
    .await;
    let mut conn = match conn {
        Ok(Ok(c)) => c,
        other => {
            let why = match other {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".into(),
            };
            skip::skip(
                skip::Need::Postgres,
                &format!(
                    "PostgreSQL at {admin} is unreachable ({why}); set WR_TEST_POSTGRES to point elsewhere"
                ),
            );
            return None;
        }
    };
    let name = format!("warroom_t_{:016x}", rand::random::<u64>());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin.clone());
    Some(TestDb::Postgres {
        url: format!("{base}/{name}"),
        name,
        admin,
    })
}

pub fn sqlite() -> TestDb {
    TestDb::Sqlite(tempfile::tempdir().unwrap())
}

/// Settings for a test instance: the fake Slack, the test database, fast retries.
pub fn test_config(db: &TestDb, fake: &FakeSlack, extra: &str) -> Config {
    let toml = format!(
        r#"
[slack]
api_url = "{api}"
bot_token = "xoxb-test-token"
signing_secret = "{SECRET}"
announcements_channel = "CANNOUNCE"
request_timeout = "2s"
[slack.rate_limits]
# Slack's tiers, a hundred times faster: on, but not slowing the tests down.
scale = 100.0
[http]
listen = "127.0.0.1:0"
[database]
url = "{db}"
[jobs]
poll_interval = "100ms"
retry_base = "50ms"
retry_max = "1s"
lease = "5s"
[watch.disk]
local = false
# No weekly digest unless a test asks for one: its default (Mondays 09:00) would post
# into the announcements channel of any test whose clock starts at the real now and
# crosses that hour.
[digest]
schedule = ""
"#,
        api = fake.api_url(),
        db = db.url()
    );
    Config::from_toml_layers(&[&toml, extra]).expect("test config")
}

/// Logs of the app under test go to the test's captured output (shown when it
/// fails); RUST_LOG=warroom=debug shows more.
pub fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// A running warroom with an HTTP client that signs its requests.
pub struct TestApp {
    pub app: Application,
    pub base: String,
    pub http: reqwest::Client,
    pub fake: FakeSlack,
    /// The database's URL, for looking at it from outside ([`TestApp::peek`]).
    pub db_url: String,
    observer: tokio::sync::OnceCell<sqlx::AnyPool>,
}

pub async fn spawn(db: &TestDb, fake: &FakeSlack, extra: &str) -> TestApp {
    spawn_with_clock(db, fake, extra, Arc::new(SystemClock)).await
}

pub async fn spawn_with_clock(
    db: &TestDb,
    fake: &FakeSlack,
    extra: &str,
    clock: Arc<dyn Clock>,
) -> TestApp {
    let cfg = test_config(db, fake, extra);
    init_logs();
    let app = Application::build_with_clock(cfg, clock)
        .await
        .expect("app starts");
    let base = format!("http://{}", app.addr);
    TestApp {
        app,
        base,
        http: reqwest::Client::new(),
        fake: fake.clone(),
        db_url: db.url(),
        observer: tokio::sync::OnceCell::new(),
    }
}

impl TestApp {
    /// A connection of the test's own to warroom's database: tests look at what was
    /// stored from outside, as an operator would, never through warroom's pool.
    /// Opened once per test app and kept.
    pub async fn peek(&self) -> sqlx::AnyPool {
        self.observer
            .get_or_init(|| async {
                sqlx::any::install_default_drivers();
                sqlx::any::AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&self.db_url)
                    .await
                    .expect("test connects to the database")
            })
            .await
            .clone()
    }

    fn now(&self) -> i64 {
        self.app.app.now().timestamp()
    }

    /// POSTs a body signed with the test secret.
    pub async fn signed(&self, path: &str, content_type: &str, body: String) -> reqwest::Response {
        let ts = self.now();
        let sig = slack_signature(SECRET, ts, &body);
        self.http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .header("x-slack-request-timestamp", ts.to_string())
            .header("x-slack-signature", sig)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// Runs `/incident <text>` as `user` in `channel`; returns the answer's JSON
    /// (Null for an empty 200).
    pub async fn command(&self, user: &str, channel: &str, text: &str) -> Value {
        let form = serde_urlencoded::to_string([
            ("token", "deprecated"),
            ("team_id", fake_slack::TEAM),
            ("team_domain", "test"),
            ("channel_id", channel),
            ("channel_name", "whatever"),
            ("user_id", user),
            ("user_name", "someone"),
            ("command", "/incident"),
            ("text", text),
            ("api_app_id", "A1"),
            ("response_url", &self.fake.response_url("cmd")),
            ("trigger_id", "trigger.123"),
        ])
        .unwrap();
        let r = self
            .signed("/slack/commands", "application/x-www-form-urlencoded", form)
            .await;
        assert_eq!(r.status(), 200, "slash command answered");
        let body = r.text().await.unwrap();
        if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&body).unwrap()
        }
    }

    /// The text of a command's ephemeral answer.
    /// POSTs an Alertmanager notification with a bearer `token`.
    pub async fn alert(&self, token: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}/alerts/alertmanager", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("the alert is sent")
    }

    pub async fn say(&self, user: &str, channel: &str, text: &str) -> String {
        let v = self.command(user, channel, text).await;
        assert_eq!(
            v["response_type"], "ephemeral",
            "answers are ephemeral: {v}"
        );
        v["text"].as_str().unwrap_or_default().to_string()
    }

    pub async fn event(&self, body: &Value) -> reqwest::Response {
        self.signed("/slack/events", "application/json", body.to_string())
            .await
    }

    pub async fn interaction(&self, payload: &Value) -> reqwest::Response {
        let form = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        self.signed(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            form,
        )
        .await
    }

    /// `user` clicks the button `action_id` carrying `value` on a message in
    /// `channel` (a signed `block_actions` payload).
    pub async fn click(
        &self,
        user: &str,
        channel: &str,
        action_id: &str,
        value: &str,
    ) -> reqwest::Response {
        let payload = serde_json::json!({"type": "block_actions", "team": {"id": fake_slack::TEAM},
            "user": {"id": user}, "trigger_id": "trigger.click", "channel": {"id": channel},
            "container": {"type": "message", "message_ts": "1", "channel_id": channel},
            "response_url": self.fake.response_url("click"),
            "actions": [{"type": "button", "action_id": action_id, "value": value, "action_ts": "1"}]});
        self.interaction(&payload).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get")
    }

    /// The incident channel the fake saw created for INC-n.
    pub fn incident_channel(&self, n: i64) -> Option<fake_slack::Channel> {
        self.fake
            .channels_named(&format!("inc-{n}-"))
            .into_iter()
            .next()
            .or_else(|| {
                self.fake
                    .channels_named(&format!("inc-{n}"))
                    .into_iter()
                    .find(|c| c.name == format!("inc-{n}"))
            })
    }

    /// Waits until INC-n's channel exists, its headline is posted and pinned.
    pub async fn wait_ready(&self, n: i64) -> fake_slack::Channel {
        let prefix = format!("inc-{n}");
        self.fake
            .wait(&format!("INC-{n} set up"), Duration::from_secs(15), |f| {
                f.channels_named(&prefix)
                    .iter()
                    .any(|c| f.pins().iter().any(|(ch, _)| *ch == c.id))
            })
            .await;
        self.incident_channel(n).expect("channel")
    }

    pub async fn stop(self) {
        self.app.stop().await;
    }
}

/// Waits (up to 20 s) until `f` holds; panics naming `what` otherwise.
pub async fn until<F: Fn() -> bool>(what: &str, f: F) {
    for _ in 0..400 {
        if f() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never: {what}");
}
