//! Layered configuration: the documented defaults in `config/default.toml` (compiled
//! in), an optional file given with `--config`, then `WARROOM_*` environment variables
//! (`WARROOM_SLACK__BOT_TOKEN` sets `slack.bot_token`). Invalid values fail at start
//! with the key, the value and what was expected.

mod env;
mod fields;
mod load;
mod sections;
pub(crate) mod severities;
mod validate;

use serde::Deserialize;

pub use crate::domain::duration::Dur;
pub use crate::domain::secret::Secret;
use crate::domain::{Role, Severity};
pub use crate::watch::budgets::slo::SloConfig;
pub use crate::watch::{AutoDeclareRule, WatchConfig};
pub use fields::FieldConfig;
pub use sections::{
    DatabaseConfig, DigestConfig, DisplayConfig, HttpConfig, IncidentsConfig, JobsConfig,
    LogConfig, PostmortemConfig, RateLimitsConfig, RemindersConfig, RoleConfig, SlackConfig,
    SlackMode, TypeConfig, WebConfig,
};
pub use severities::SeverityConfig;

/// The defaults, documented, as shipped in `config/default.toml`.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

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

/// Everything configurable, as read from the layers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The severity levels, most severe first (a `[[severities]]` list in a file
    /// replaces the shipped one whole).
    pub severities: Vec<SeverityConfig>,
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
    #[serde(default)]
    pub alerts: crate::alerts::AlertsConfig,
    #[serde(default)]
    pub paging: crate::paging::PagingConfig,
    #[serde(default)]
    pub status: crate::public::StatusConfig,
    #[serde(default)]
    pub tickets: crate::tickets::TicketsConfig,
    /// The debrief proposed after a major incident.
    #[serde(default)]
    pub debrief: crate::postmortem::debrief::DebriefConfig,
    /// The seed's roles described, and the organisation's own, by key.
    #[serde(default)]
    pub roles: std::collections::BTreeMap<String, RoleConfig>,
    /// The organisation's incident types, by key.
    #[serde(default)]
    pub incident_types: std::collections::BTreeMap<String, TypeConfig>,
    /// Custom fields, in the order they are shown.
    #[serde(default)]
    pub fields: Vec<FieldConfig>,
    /// `roles` and `incident_types` as the messages use them, built on first use and
    /// kept: the sections above do not change once loaded.
    #[serde(skip)]
    words: std::sync::OnceLock<crate::domain::incident_type::Vocabulary>,
    /// `severities` as a scale, built on first use ([`Config::severities`]).
    #[serde(skip)]
    scale: std::sync::OnceLock<&'static crate::domain::severity::Scale>,
    /// `postmortem.template` loaded and checked by validation; unset: the shipped one.
    #[serde(skip)]
    template: std::sync::OnceLock<std::sync::Arc<crate::postmortem::template::Template>>,
}

impl Config {
    /// True when the pages may be served without a token: no access control is
    /// configured and only this machine can reach the listener.
    pub fn pages_open(&self) -> bool {
        self.web.token.expose().is_empty()
            && self.web.trusted_user_header.trim().is_empty()
            && self.http.listen.ip().is_loopback()
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
    /// What postmortem drafts are judged against.
    pub fn postmortem_rules(&self) -> crate::postmortem::Rules {
        crate::postmortem::Rules {
            slos: self.slos(),
            blame_phrases: self.postmortem.blame_phrases.clone(),
            role_names: self
                .role_book()
                .roles
                .iter()
                .map(|r| (r.role.key().to_string(), r.name.clone()))
                .collect(),
            fields: self.field_book().clone(),
            template: self
                .template
                .get()
                .cloned()
                .unwrap_or_else(crate::postmortem::template::Template::shipped),
        }
    }

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

    fn build_role_book(&self) -> crate::domain::role::RoleBook {
        use crate::domain::role::{RoleBook, RoleInfo};
        let info = |role: Role| {
            let c = self.roles.get(role.key());
            let name = c
                .map(|c| c.name.clone())
                .unwrap_or_else(|| role.to_string());
            RoleInfo {
                role,
                short: c
                    .map(|c| c.short.clone())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| name.clone()),
                name,
                description: c.map(|c| c.description.clone()).unwrap_or_default(),
                checklist: c.map(|c| c.checklist.clone()).unwrap_or_default(),
                multiple: role == Role::Expert || c.is_some_and(|c| c.multiple),
            }
        };
        let added = self
            .roles
            .keys()
            .filter_map(|k| Role::parse(k).ok())
            .filter(|r| !r.is_builtin());
        RoleBook {
            roles: Role::ALL.into_iter().chain(added).map(info).collect(),
        }
    }

    fn build_type_book(&self) -> crate::domain::incident_type::TypeBook {
        use crate::domain::incident_type::{TypeBook, TypeInfo};
        let types = self
            .incident_types
            .iter()
            .map(|(key, t)| TypeInfo {
                key: key.clone(),
                name: t.name.clone(),
                description: t.description.clone(),
                severity: self.severities().parse(&t.severity).ok(),
                private: t.private,
                channel_prefix: Some(t.channel_prefix.clone()).filter(|p| !p.is_empty()),
                responders: t.responders.clone(),
                user_groups: t.user_groups.clone(),
                postmortem: t.postmortem,
                counted: t.count_in_insights,
                required_fields: t.required_fields.clone(),
                required_roles: t
                    .required_roles
                    .iter()
                    .filter_map(|r| Role::parse(r).ok())
                    .collect(),
            })
            .collect();
        TypeBook { types }
    }

    /// True when an incident of `severity` and type `kind` owes a postmortem: its type
    /// says so, else its severity.
    pub fn postmortem_owed(&self, severity: Severity, kind: Option<&str>) -> bool {
        match kind
            .and_then(|k| self.incident_types.get(k))
            .and_then(|t| t.postmortem)
        {
            Some(owed) => owed,
            None => self.postmortem_required(severity),
        }
    }

    /// The words the messages need: roles and incident types as configured.
    pub fn vocabulary(&self) -> &crate::domain::incident_type::Vocabulary {
        self.words
            .get_or_init(|| crate::domain::incident_type::Vocabulary {
                roles: self.build_role_book(),
                types: self.build_type_book(),
                fields: self.build_field_book(),
            })
    }

    /// Every role: the seed's four (as configured, else by their seed names), then the
    /// added ones in key order.
    pub fn role_book(&self) -> &crate::domain::role::RoleBook {
        &self.vocabulary().roles
    }

    /// The configured incident types, in key order.
    pub fn type_book(&self) -> &crate::domain::incident_type::TypeBook {
        &self.vocabulary().types
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
#[path = "tests.rs"]
mod tests;
