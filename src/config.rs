//! Layered configuration: the documented defaults in `config/default.toml` (compiled
//! in), an optional file given with `--config`, then `WARROOM_*` environment variables
//! (`WARROOM_SLACK__BOT_TOKEN` sets `slack.bot_token`). Invalid values fail at start
//! with the key, the value and what was expected.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

use crate::domain::Severity;
pub use crate::domain::duration::Dur;
pub use crate::domain::secret::Secret;
pub use crate::watch::budgets::slo::SloConfig;
pub use crate::watch::{AutoDeclareRule, WatchConfig};

/// The defaults, documented, as shipped in `config/default.toml`.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Parse(String),
    #[error("configuration key `{key}`: {problem}")]
    Invalid { key: String, problem: String },
    #[error("configuration file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

fn invalid(key: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_string(),
        problem: problem.into(),
    }
}

/// Every setting lives in a section, so `WARROOM_SLACK_BOT_TOKEN` (one underscore) is a
/// typo that would otherwise be ignored: refuse it, naming the variable. Kubernetes'
/// service links for a Service named `warroom` (`WARROOM_PORT...`,
/// `WARROOM_SERVICE_...`) are someone else's and pass.
fn check_env_names(names: impl Iterator<Item = String>) -> Result<(), ConfigError> {
    for name in names {
        if let Some(rest) = name.strip_prefix("WARROOM_")
            && !rest.contains("__")
            && rest != "PORT"
            && !rest.starts_with("PORT_")
            && !rest.starts_with("SERVICE_")
        {
            let guess = rest
                .split_once('_')
                .map(|(a, b)| format!("WARROOM_{a}__{b}"))
                .unwrap_or_default();
            return Err(ConfigError::Invalid {
                key: name.clone(),
                problem: format!(
                    "environment variables name settings as WARROOM_<SECTION>__<KEY> (two underscores){}",
                    if guess.is_empty() {
                        String::new()
                    } else {
                        format!(", e.g. {guess}")
                    }
                ),
            });
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlackMode {
    Http,
    Socket,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    pub mode: SlackMode,
    pub api_url: String,
    pub bot_token: Secret,
    pub signing_secret: Secret,
    pub app_token: Secret,
    pub command: String,
    pub allowed_team_ids: Vec<String>,
    pub admins: Vec<String>,
    pub announcements_channel: String,
    pub pin_reaction: String,
    pub channel_prefix: String,
    pub request_timeout: Dur,
    pub rate_limits: RateLimitsConfig,
}

/// Slack's rate tiers, kept before calling (`chat::slack::ratelimit`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsConfig {
    pub enabled: bool,
    /// Multiplies every documented rate: below 1 to leave room for other apps on
    /// the workspace, above 1 only against a test double.
    pub scale: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentsConfig {
    #[serde(deserialize_with = "severity")]
    pub default_severity: Severity,
    pub responders: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    #[serde(deserialize_with = "socket_addr")]
    pub listen: SocketAddr,
    pub public_url: String,
    pub max_connections: usize,
    pub header_timeout: Dur,
    pub body_timeout: Dur,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    /// Connections for requests; unset, sized from the CPU ([`DatabaseConfig::request_connections`]).
    #[serde(default)]
    pub max_connections: Option<u32>,
}

/// The CPUs this process may use.
fn cpus() -> u32 {
    std::thread::available_parallelism().map_or(2, |n| n.get() as u32)
}

impl DatabaseConfig {
    /// Connections for requests: as set, else `2 × CPUs + 1`. A database (PostgreSQL
    /// especially) does its work on the CPU; more connections than it can run at once
    /// only queue inside it, where a person's command waits behind everything else:
    /// measured on 2 CPUs, a declare's p99 at 20 concurrent was 25 ms with 5
    /// connections and 45 ms with 24.
    pub fn request_connections(&self) -> u32 {
        self.max_connections.unwrap_or(2 * cpus() + 1)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    pub poll_interval: Dur,
    pub lease: Dur,
    pub max_attempts: u32,
    pub retry_base: Dur,
    pub retry_max: Dur,
    pub concurrency: usize,
    /// The worker's own connections; unset, sized from the CPU ([`JobsConfig::worker_connections`]).
    #[serde(default)]
    pub connections: Option<u32>,
    pub keep_done: Dur,
}

impl JobsConfig {
    /// The worker's connections: as set, else `CPUs + 2`, and never more than a
    /// connection per job at once plus the claim and the heartbeat. Jobs hold a
    /// connection only briefly (never across a Slack call), so a few serve many; more
    /// only compete with people's commands for the database's CPU.
    pub fn worker_connections(&self) -> u32 {
        let most = self.concurrency.min(1000) as u32 + 2;
        self.connections.unwrap_or(cpus() + 2).min(most)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemindersConfig {
    pub sev1: Dur,
    pub sev2: Dur,
    pub sev3: Dur,
    pub sev4: Dur,
    pub monitoring_factor: i32,
    /// `"sev1.identified" = "20m"`: one severity in one status ("0": none).
    #[serde(default)]
    pub overrides: std::collections::BTreeMap<String, Dur>,
    pub escalate_after: i64,
    pub escalation_contacts: Vec<String>,
    pub ack_timeout: Dur,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostmortemConfig {
    pub blame_phrases: Vec<String>,
    pub required_for: Vec<String>,
    pub due_after: Dur,
    pub reminder_interval: Dur,
    pub max_reminders: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    pub token: Secret,
    pub trusted_user_header: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    pub schedule: String,
    pub channel: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayConfig {
    #[serde(deserialize_with = "time_zone")]
    pub timezone: chrono_tz::Tz,
}

// Parse, don't validate: values with a type are typed when the file is read, and a
// bad one fails the load with its key (figment names it) and what was expected.

fn severity<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Severity, D::Error> {
    let s = String::deserialize(d)?;
    Severity::parse(&s).map_err(serde::de::Error::custom)
}

fn socket_addr<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "`{s}` is not an address: expected host:port, like 127.0.0.1:3000"
        ))
    })
}

fn time_zone<'de, D: serde::Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "`{s}` is not a time zone: expected an IANA name like UTC or Europe/Berlin"
        ))
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub level: String,
    pub format: String,
}

/// Everything configurable, as read from the layers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub slos: Vec<SloConfig>,
    #[serde(default)]
    pub auto_declare: Vec<AutoDeclareRule>,
    pub slack: SlackConfig,
    pub incidents: IncidentsConfig,
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub jobs: JobsConfig,
    pub reminders: RemindersConfig,
    pub postmortem: PostmortemConfig,
    pub digest: DigestConfig,
    pub web: WebConfig,
    pub watch: WatchConfig,
    pub display: DisplayConfig,
    pub log: LogConfig,
}

impl Config {
    /// Defaults, then `file`, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut fig = Figment::new().merge(Toml::string(DEFAULT_TOML));
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::File {
                path: path.display().to_string(),
                source,
            })?;
            fig = fig.merge(Toml::string(&text));
        }
        // DATABASE_URL is the convention many tools share; WARROOM_DATABASE__URL wins.
        if let Ok(url) = std::env::var("DATABASE_URL")
            && std::env::var("WARROOM_DATABASE__URL").is_err()
            && !url.trim().is_empty()
        {
            fig = fig.merge(("database.url", url));
        }
        check_env_names(std::env::vars().map(|(k, _)| k))?;
        fig = fig.merge(Env::prefixed("WARROOM_").split("__"));
        Config::from_figment(fig)
    }

    /// The defaults with `overrides` (TOML text) on top, ignoring the environment:
    /// what tests use.
    pub fn from_toml(overrides: &str) -> Result<Config, ConfigError> {
        Config::from_toml_layers(&[overrides])
    }

    /// The defaults with several TOML layers on top, later ones winning.
    pub fn from_toml_layers(layers: &[&str]) -> Result<Config, ConfigError> {
        let mut fig = Figment::new().merge(Toml::string(DEFAULT_TOML));
        for l in layers {
            fig = fig.merge(Toml::string(l));
        }
        Config::from_figment(fig)
    }

    fn from_figment(fig: Figment) -> Result<Config, ConfigError> {
        let cfg: Config = fig.extract().map_err(|e| {
            // One line per problem; figment names the key and the source.
            ConfigError::Parse(
                e.into_iter()
                    .map(|e| {
                        // The key as the file spells it (`http.listen`), whichever
                        // source set it (an environment variable's is upper case).
                        let key = e.path.join(".").to_ascii_lowercase();
                        let from = e
                            .metadata
                            .as_ref()
                            .map(|m| format!(" (from {})", m.name))
                            .unwrap_or_default();
                        if key.is_empty() {
                            e.to_string()
                        } else {
                            format!("{key}: {}{from}", e.kind)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks what types alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(16..=1_000_000).contains(&self.http.max_connections) {
            return Err(invalid(
                "http.max_connections",
                format!(
                    "`{}` is out of range: expected 16 to 1000000",
                    self.http.max_connections
                ),
            ));
        }
        for (key, d) in [
            ("http.header_timeout", self.http.header_timeout.0),
            ("http.body_timeout", self.http.body_timeout.0),
        ] {
            if d < Duration::from_millis(100) || d > Duration::from_secs(300) {
                return Err(invalid(
                    key,
                    format!("`{d:?}` is out of range: expected 100ms to 5m"),
                ));
            }
        }
        let url = self.slack.api_url.trim_end_matches('/');
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(invalid(
                "slack.api_url",
                format!(
                    "`{}` is not a URL: expected https://slack.com/api or another http(s) base URL",
                    self.slack.api_url
                ),
            ));
        }
        if !self.slack.command.starts_with('/')
            || self.slack.command.len() < 2
            || self.slack.command.len() > 32
        {
            return Err(invalid(
                "slack.command",
                format!(
                    "`{}` is not a slash command: expected / and 1-31 characters, like /incident",
                    self.slack.command
                ),
            ));
        }
        for (key, value) in &self.incidents.responders {
            if Severity::parse(key).is_err() {
                return Err(invalid(
                    &format!("incidents.responders.{key}"),
                    "expected one of sev1, sev2, sev3, sev4 as the key",
                ));
            }
            if let Some(bad) = value
                .iter()
                .find(|u| u.trim().is_empty() || u.contains(' '))
            {
                return Err(invalid(
                    &format!("incidents.responders.{key}"),
                    format!("`{bad}` is not a user ID (like U012ABCDEF)"),
                ));
            }
        }
        let ch = &self.slack.announcements_channel;
        if !ch.is_empty() && (ch.starts_with('#') || ch.contains(' ')) {
            return Err(invalid(
                "slack.announcements_channel",
                format!(
                    "`{ch}` looks like a channel name: expected the channel ID (like C012ABCDEF), shown in the channel's details in Slack"
                ),
            ));
        }
        if self.slack.mode == SlackMode::Socket
            && self.slack.bot_token.is_set()
            && !self.slack.app_token.is_set()
        {
            return Err(invalid(
                "slack.app_token",
                "Socket Mode needs the app-level token (xapp-...) with connections:write",
            ));
        }
        if self.slack.mode == SlackMode::Http
            && self.slack.bot_token.is_set()
            && !self.slack.signing_secret.is_set()
        {
            return Err(invalid(
                "slack.signing_secret",
                "HTTP mode needs the app's signing secret to verify requests from Slack",
            ));
        }
        if self.database.url.trim().is_empty() {
            return Err(invalid(
                "database.url",
                "empty: expected sqlite://path or postgres://...",
            ));
        }
        if !(self.database.url.starts_with("sqlite:")
            || self.database.url.starts_with("postgres:")
            || self.database.url.starts_with("postgresql:"))
        {
            return Err(invalid(
                "database.url",
                "expected a sqlite:// or postgres:// URL",
            ));
        }
        if self.database.max_connections == Some(0) {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        if self.jobs.connections.is_some_and(|n| n < 2) {
            return Err(invalid(
                "jobs.connections",
                "must be at least 2 (one claims jobs while another beats)",
            ));
        }
        let scale = self.slack.rate_limits.scale;
        if !(scale.is_finite() && scale > 0.0 && scale <= 1000.0) {
            return Err(invalid(
                "slack.rate_limits.scale",
                format!("`{scale}` is out of range: expected more than 0, at most 1000"),
            ));
        }
        if self.jobs.concurrency == 0 {
            return Err(invalid("jobs.concurrency", "must be at least 1"));
        }
        if self.jobs.max_attempts == 0 {
            return Err(invalid("jobs.max_attempts", "must be at least 1"));
        }
        if self.jobs.lease.0 < Duration::from_millis(100) {
            return Err(invalid("jobs.lease", "must be at least 100ms"));
        }
        if self.reminders.monitoring_factor < 1 {
            return Err(invalid("reminders.monitoring_factor", "must be at least 1"));
        }
        for key in self.reminders.overrides.keys() {
            if crate::domain::cadence::override_key(key).is_none() {
                return Err(invalid(
                    &format!("reminders.overrides.\"{key}\""),
                    "expected <severity>.<status>, e.g. \"sev1.identified\" (status investigating, identified or monitoring)",
                ));
            }
        }
        for (i, s) in self.postmortem.required_for.iter().enumerate() {
            if Severity::parse(s).is_err() {
                return Err(invalid(
                    &format!("postmortem.required_for[{i}]"),
                    format!("`{s}`: expected sev1, sev2, sev3 or sev4"),
                ));
            }
        }
        if self.postmortem.reminder_interval.0.is_zero() {
            return Err(invalid(
                "postmortem.reminder_interval",
                "must be longer than zero",
            ));
        }
        self.digest_schedule()?;
        if let Some(bad) = self
            .reminders
            .escalation_contacts
            .iter()
            .find(|c| c.trim().is_empty() || c.contains(' ') || c.starts_with('@'))
        {
            return Err(invalid(
                "reminders.escalation_contacts",
                format!("`{bad}`: expected user IDs (U012ABCDEF) or user group IDs (S012ABCDEF)"),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, slo) in self.slos.iter().enumerate() {
            let key = |k: &str| format!("slos[{i}].{k}");
            if slo.name.trim().is_empty() || !names.insert(slo.name.clone()) {
                return Err(invalid(
                    &key("name"),
                    format!("`{}`: every SLO needs a unique name", slo.name),
                ));
            }
            if slo.service.trim().is_empty() {
                return Err(invalid(
                    &key("service"),
                    "empty: name the service the SLO belongs to",
                ));
            }
            if !(slo.target > 0.0 && slo.target < 100.0) {
                return Err(invalid(
                    &key("target"),
                    format!(
                        "{}: expected a percentage between 0 and 100, like 99.9",
                        slo.target
                    ),
                ));
            }
            if slo.window.0.is_zero() {
                return Err(invalid(
                    &key("window"),
                    "must be longer than zero, like 30d",
                ));
            }
            if !slo.error_ratio.is_empty() && (!slo.good.is_empty() || !slo.total.is_empty()) {
                return Err(invalid(
                    &key("error_ratio"),
                    "give either error_ratio or good and total, not both",
                ));
            }
            if !slo.error_ratio.is_empty() && !slo.error_ratio.contains("$window") {
                return Err(invalid(
                    &key("error_ratio"),
                    "the query must contain $window, which warroom replaces with 5m, 1h, 3d...",
                ));
            }
            if slo.good.is_empty() != slo.total.is_empty() {
                return Err(invalid(&key("good"), "good and total go together"));
            }
        }
        for (i, r) in self.auto_declare.iter().enumerate() {
            let key = |k: &str| format!("auto_declare[{i}].{k}");
            if !matches!(r.watcher.as_str(), "*" | "certs" | "disk" | "budgets") {
                return Err(invalid(
                    &key("watcher"),
                    format!("`{}`: expected certs, disk, budgets or *", r.watcher),
                ));
            }
            if !matches!(
                r.level.as_str(),
                "info" | "unknown" | "warning" | "critical"
            ) {
                return Err(invalid(
                    &key("level"),
                    format!("`{}`: expected warning or critical", r.level),
                ));
            }
            Severity::parse(&r.severity).map_err(|e| invalid(&key("severity"), e.to_string()))?;
            if (r.at_most.is_some() || r.at_least.is_some()) && r.fact.is_empty() {
                return Err(invalid(
                    &key("fact"),
                    "at_most/at_least need the fact they test, e.g. days_left",
                ));
            }
        }
        self.watch
            .certs
            .validate("watch.certs")
            .map_err(|(k, p)| invalid(&k, p))?;
        self.watch
            .disk
            .validate("watch.disk")
            .map_err(|(k, p)| invalid(&k, p))?;
        self.watch
            .budgets
            .validate("watch.budgets")
            .map_err(|(k, p)| invalid(&k, p))?;
        if self.watch.snooze.0.is_zero() {
            return Err(invalid("watch.snooze", "must be longer than zero"));
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(invalid(
                "log.format",
                format!("`{}`: expected text or json", self.log.format),
            ));
        }
        Ok(())
    }

    /// True when the pages may be served without a token: no access control is
    /// configured and only this machine can reach the listener.
    pub fn pages_open(&self) -> bool {
        self.web.token.expose().is_empty()
            && self.web.trusted_user_header.trim().is_empty()
            && self.http.listen.ip().is_loopback()
    }

    /// User IDs to invite for a severity.
    pub fn responders(&self, sev: Severity) -> Vec<String> {
        self.incidents
            .responders
            .iter()
            .filter(|(k, _)| Severity::parse(k).ok() == Some(sev))
            .flat_map(|(_, v)| v.iter().cloned())
            .collect()
    }

    /// The update cadence.
    pub fn cadence(&self) -> crate::domain::cadence::Cadence {
        let d = |x: &Dur| {
            (!x.0.is_zero())
                .then(|| chrono::Duration::from_std(x.0).unwrap_or(chrono::Duration::hours(1)))
        };
        let r = &self.reminders;
        crate::domain::cadence::Cadence {
            every: [d(&r.sev1), d(&r.sev2), d(&r.sev3), d(&r.sev4)],
            monitoring_factor: r.monitoring_factor,
            overrides: r
                .overrides
                .iter()
                .filter_map(|(k, v)| {
                    crate::domain::cadence::override_key(k).map(|(sev, st)| (sev, st, d(v)))
                })
                .collect(),
        }
    }

    /// The weekly digest's schedule; None when turned off.
    pub fn digest_schedule(
        &self,
    ) -> Result<Option<crate::domain::schedule::Schedule>, ConfigError> {
        if self.digest.schedule.trim().is_empty() {
            return Ok(None);
        }
        crate::domain::schedule::Schedule::parse(&self.digest.schedule)
            .map(Some)
            .map_err(|e| invalid("digest.schedule", e.to_string()))
    }

    /// The SLOs, as the domain knows them.
    pub fn slos(&self) -> Vec<crate::domain::error_budget::Slo> {
        self.slos
            .iter()
            .map(|s| crate::domain::error_budget::Slo {
                name: s.name.clone(),
                service: s.service.clone(),
                target: s.target,
                window: chrono::Duration::from_std(s.window.0)
                    .unwrap_or(chrono::Duration::days(30)),
            })
            .collect()
    }

    /// True when incidents of this severity owe a postmortem.
    pub fn postmortem_required(&self, sev: Severity) -> bool {
        self.postmortem
            .required_for
            .iter()
            .any(|s| Severity::parse(s).ok() == Some(sev))
    }

    /// True when a Slack bot token is configured (otherwise `warroom` runs the shell).
    pub fn has_slack(&self) -> bool {
        self.slack.bot_token.is_set()
    }

    /// The user groups warroom itself is configured to ping (escalation contacts,
    /// watchers' mentions): the only special mentions allowed out to Slack.
    pub fn own_groups(&self) -> Vec<String> {
        let w = &self.watch;
        self.reminders
            .escalation_contacts
            .iter()
            .chain(&w.certs.mention)
            .chain(&w.disk.mention)
            .chain(&w.budgets.mention)
            .filter(|m| m.starts_with('S'))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_validate() {
        let c = Config::from_toml("").unwrap();
        assert_eq!(c.slack.api_url, "https://slack.com/api");
        assert_eq!(c.http.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.incidents.default_severity, Severity::Sev3);
        assert!(!c.has_slack());
        assert_eq!(c.slack.command, "/incident");
    }

    #[test]
    fn pools_are_sized_from_the_cpu_unless_set() {
        let cpus = cpus();
        let c = Config::from_toml("").unwrap();
        assert_eq!(c.database.request_connections(), 2 * cpus + 1);
        assert_eq!(c.jobs.worker_connections(), (cpus + 2).min(18));
        let c = Config::from_toml(
            "[database]\nmax_connections = 12\n[jobs]\nconnections = 9\nconcurrency = 4",
        )
        .unwrap();
        assert_eq!(c.database.request_connections(), 12);
        assert_eq!(
            c.jobs.worker_connections(),
            6,
            "never more than a connection per job, claim and beat"
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        let cases = [
            ("[http]\nlisten = \"nope\"", "http.listen"),
            (
                "[incidents]\ndefault_severity = \"sev9\"",
                "incidents.default_severity",
            ),
            ("[jobs]\nlease = \"soon\"", "lease"),
            ("[display]\ntimezone = \"Mars/Olympus\"", "display.timezone"),
            ("[slack]\nmode = \"carrier-pigeon\"", "mode"),
            (
                "[slack]\nannouncements_channel = \"#incidents\"",
                "slack.announcements_channel",
            ),
            ("[slack]\nbot_token = \"xoxb-1\"", "slack.signing_secret"),
            (
                "[slack]\nmode = \"socket\"\nbot_token = \"xoxb-1\"",
                "slack.app_token",
            ),
            ("[database]\nurl = \"mysql://x\"", "database.url"),
            (
                "[database]\nmax_connections = 0",
                "database.max_connections",
            ),
            ("[jobs]\nconnections = 1", "jobs.connections"),
            (
                "[incidents.responders]\nsev7 = [\"U1\"]",
                "incidents.responders.sev7",
            ),
            ("[slack]\nnot_a_key = 1", "not_a_key"),
            (
                "[slack.rate_limits]\nscale = 0.0",
                "slack.rate_limits.scale",
            ),
            ("[slack.rate_limits]\nenabled = \"yes\"", "enabled"),
            ("[digest]\nschedule = \"at nine\"", "digest.schedule"),
            ("[digest]\nschedule = \"0 25 * * MON\"", "digest.schedule"),
            (
                "[postmortem]\nrequired_for = [\"sev9\"]",
                "postmortem.required_for[0]",
            ),
            ("[reminders]\nsev1 = \"quickly\"", "sev1"),
            (
                "[reminders]\nescalation_contacts = [\"@oncall\"]",
                "reminders.escalation_contacts",
            ),
            (
                "[[slos]]\nname = \"a\"\nservice = \"api\"\ntarget = 100.5\nwindow = \"30d\"",
                "slos[0].target",
            ),
            (
                "[[slos]]\nname = \"a\"\nservice = \"api\"\ntarget = 99.9\nwindow = \"0\"",
                "slos[0].window",
            ),
            (
                "[[slos]]\nname = \"a\"\nservice = \"\"\ntarget = 99.9\nwindow = \"30d\"",
                "slos[0].service",
            ),
            (
                "[[slos]]\nname = \"a\"\nservice = \"api\"\ntarget = 99.9\nwindow = \"30d\"\nerror_ratio = \"rate(x[5m])\"",
                "slos[0].error_ratio",
            ),
            (
                "[[auto_declare]]\nwatcher = \"certs\"\nseverity = \"sev7\"",
                "auto_declare[0].severity",
            ),
            (
                "[[auto_declare]]\nwatcher = \"certs\"\nat_most = 1.0\nseverity = \"sev1\"",
                "auto_declare[0].fact",
            ),
            (
                "[watch.certs]\ntargets = [\"bad host name:x\"]",
                "watch.certs.targets[0]",
            ),
            (
                "[watch.certs]\nschedule = \"sometimes\"",
                "watch.certs.schedule",
            ),
            (
                "[watch.certs]\nwarning_days = [30, -1]",
                "watch.certs.warning_days",
            ),
            (
                "[watch.disk]\nwarning_percent = 120",
                "watch.disk.warning_percent",
            ),
            (
                "[watch.disk]\nclear_percent = 90",
                "watch.disk.clear_percent",
            ),
            (
                "[watch.disk.prometheus]\nurl = \"prometheus:9090\"",
                "watch.disk.prometheus.url",
            ),
            (
                "[[watch.budgets.budgets]]\nname = \"b\"\namount = 10\nsource = \"excel\"",
                "watch.budgets.budgets[0].source",
            ),
            (
                "[[watch.budgets.budgets]]\nname = \"b\"\namount = 10\nsource = \"focus\"",
                "watch.budgets.budgets[0].file",
            ),
            (
                "[watch.budgets]\nschedule = \"often\"",
                "watch.budgets.schedule",
            ),
            (
                "[reminders.overrides]\n\"sev1.done\" = \"5m\"",
                "reminders.overrides.\"sev1.done\"",
            ),
        ];
        for (toml, key) in cases {
            let err = Config::from_toml(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{toml}: {err}");
        }
    }

    #[test]
    fn single_underscore_environment_names_are_refused() {
        let ok = [
            "WARROOM_SLACK__BOT_TOKEN",
            "PATH",
            "WARROOMX",
            // What Kubernetes sets for a Service named warroom.
            "WARROOM_PORT",
            "WARROOM_PORT_3000_TCP_ADDR",
            "WARROOM_SERVICE_HOST",
            "WARROOM_SERVICE_PORT_HTTP",
        ]
        .map(String::from);
        assert!(check_env_names(ok.into_iter()).is_ok());
        let err = check_env_names(["WARROOM_SLACK_BOT_TOKEN".to_string()].into_iter())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("WARROOM_SLACK_BOT_TOKEN") && err.contains("WARROOM_SLACK__BOT_TOKEN"),
            "{err}"
        );
    }

    #[test]
    fn secrets_never_print() {
        let c = Config::from_toml(
            "[slack]\nbot_token = \"xoxb-secret-value\"\nsigning_secret = \"shh\"",
        )
        .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("xoxb-secret-value"));
        assert!(!dbg.contains("shh"));
        assert!(dbg.contains("Secret(***)"));
    }

    #[test]
    fn responders_by_severity() {
        let c =
            Config::from_toml("[incidents.responders]\nsev1 = [\"U1\", \"U2\"]\nsev2 = [\"U3\"]")
                .unwrap();
        assert_eq!(c.responders(Severity::Sev1), vec!["U1", "U2"]);
        assert_eq!(c.responders(Severity::Sev2), vec!["U3"]);
        assert!(c.responders(Severity::Sev4).is_empty());
    }
}
