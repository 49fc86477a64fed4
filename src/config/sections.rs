//! The typed sections of the configuration (`[slack]`, `[http]`, `[jobs]`...), as the
//! layers are read into them, with the deserializers that type values at load.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::Deserialize;

use crate::domain::duration::Dur;
use crate::domain::secret::Secret;

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

/// Slack's rate tiers, kept before calling (`slack::ratelimit`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsConfig {
    pub enabled: bool,
    /// Multiplies every documented rate: below 1 to leave room for other apps on
    /// the workspace, above 1 only against a test double.
    pub scale: f64,
}

/// `[incident_types.<key>]`: a kind of incident and the defaults that come with it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeConfig {
    pub name: String,
    /// Shown in the declare form and in `help type`.
    #[serde(default)]
    pub description: String,
    /// The severity of a declaration of this type that names none ("": the default).
    #[serde(default)]
    pub severity: String,
    /// Private unless said otherwise.
    #[serde(default)]
    pub private: bool,
    /// Its channels' prefix ("": `slack.channel_prefix`).
    #[serde(default)]
    pub channel_prefix: String,
    /// User IDs invited besides the severity's responders.
    #[serde(default)]
    pub responders: Vec<String>,
    /// User groups (S…) whose members are invited too, as the group is when declared.
    #[serde(default)]
    pub user_groups: Vec<String>,
    /// Owes a postmortem (true) or never (false) whatever its severity; unset: as the
    /// severity says.
    #[serde(default)]
    pub postmortem: Option<bool>,
    /// false for drills and game days: left out of the insights.
    #[serde(default = "counted")]
    pub count_in_insights: bool,
    /// Fields (keys of `[[fields]]`) it must have: asked at declare or at resolve, as
    /// the field's `ask` says.
    #[serde(default)]
    pub required_fields: Vec<String>,
    /// Roles it needs filled: the declarer is told, and the headline shows the seat
    /// empty until someone takes it.
    #[serde(default)]
    pub required_roles: Vec<String>,
}

fn counted() -> bool {
    true
}

/// `[roles.<key>]`: what a role is called, what it does and the checklist shown to
/// whoever takes it. The keys `ic`, `ops`, `comms` and `sme` describe the seed's roles;
/// any other key adds one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    pub name: String,
    /// For prompts and buttons (`IC`, `Scribe`); the name when empty.
    #[serde(default)]
    pub short: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub checklist: Vec<String>,
    /// Several people may hold it at once (added roles only; SMEs always may).
    #[serde(default)]
    pub multiple: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentsConfig {
    /// Empty: the level marked `default` in `[[severities]]`.
    #[serde(default)]
    pub default_severity: String,
    #[serde(default)]
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
pub(super) fn cpus() -> u32 {
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

/// Not `deny_unknown_fields`: keys other than these are severities' cadences
/// (`every`), checked against the severities when validated.
#[derive(Debug, Clone, Deserialize)]
pub struct RemindersConfig {
    pub monitoring_factor: i32,
    /// `"sev1.identified" = "20m"`: one severity in one status ("0": none).
    #[serde(default)]
    pub overrides: std::collections::BTreeMap<String, Dur>,
    pub escalate_after: i64,
    pub escalation_contacts: Vec<String>,
    pub ack_timeout: Dur,
    /// `sev1 = "15m"`: a severity's cadence by its key, over its `update_every` (the
    /// older spelling; any other key is refused when validated).
    #[serde(flatten)]
    pub every: BTreeMap<String, figment::value::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostmortemConfig {
    pub blame_phrases: Vec<String>,
    /// A Markdown template file of the team's own; empty: the shipped one.
    #[serde(default)]
    pub template: String,
    /// Each postmortem as a pull request in the team's repository.
    #[serde(default)]
    pub pull_request: crate::postmortem::pull_request::PullRequestConfig,
    /// Each postmortem as a page in the team's Confluence space.
    #[serde(default)]
    pub confluence: crate::postmortem::confluence::ConfluenceConfig,
    /// Unset: each severity's `postmortem`.
    #[serde(default)]
    pub required_for: Option<Vec<String>>,
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
