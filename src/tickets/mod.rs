//! Follow-through in the team's tracker (Jira Cloud, GitHub Issues): the `[tickets]`
//! settings, which route an incident's tickets take, and what a ticket says. Pure:
//! the HTTP is in `providers/{jira,github}`, the jobs in `app/tickets`.
//!
//! A ticket belongs to one *subject*: the incident itself, or one of its action
//! items. Each subject has a marker (`warroom-inc-42`, `warroom-inc-42-action-3`),
//! kept in the ticket (a Jira label; a comment line in a GitHub body) so that a create
//! whose answer was lost is found again instead of made twice.

pub mod draft;
pub mod github;
pub mod inbound;
pub mod jira;

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::duration::Dur;
use crate::domain::secret::Secret;
use crate::domain::{Incident, IncidentId};

/// `[tickets]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TicketsConfig {
    /// How often linked tickets are read back, for trackers that cannot send
    /// webhooks (`every 10m`); empty: never.
    #[serde(default)]
    pub poll: String,
    /// Marking an action item done in warroom closes its ticket.
    #[serde(default = "yes")]
    pub close_on_done: bool,
    #[serde(default)]
    pub jira: JiraConfig,
    #[serde(default)]
    pub github: GitHubConfig,
    /// Which tracker and project an incident's tickets go to: the first route that
    /// matches wins.
    #[serde(default)]
    pub routes: Vec<Route>,
}

fn yes() -> bool {
    true
}

/// `[tickets.jira]`: off until `url` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraConfig {
    /// The site, `https://your-domain.atlassian.net`.
    #[serde(default)]
    pub url: String,
    /// The account the API token belongs to (Basic auth).
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub api_token: Secret,
    /// The secret of the Jira webhook that calls `/webhooks/jira`.
    #[serde(default)]
    pub webhook_secret: Secret,
    /// warroom's priority (P1..P3) → the Jira priority's name.
    #[serde(default = "jira_priorities")]
    pub priorities: BTreeMap<String, String>,
    /// What to do in Jira when warroom's side moves: a state (`identified`,
    /// `monitoring`, `resolved` for an incident's ticket; `done` and `open` for an
    /// action item's) → the name of the workflow transition to take.
    #[serde(default = "jira_transitions")]
    pub transitions: BTreeMap<String, String>,
    /// Slack user ID → Jira accountId; others are found by their Slack email.
    #[serde(default)]
    pub users: BTreeMap<String, String>,
    #[serde(default = "default_timeout")]
    pub timeout: Dur,
}

impl Default for JiraConfig {
    fn default() -> Self {
        JiraConfig {
            url: String::new(),
            email: String::new(),
            api_token: Secret::default(),
            webhook_secret: Secret::default(),
            priorities: jira_priorities(),
            transitions: jira_transitions(),
            users: BTreeMap::new(),
            timeout: default_timeout(),
        }
    }
}

fn jira_priorities() -> BTreeMap<String, String> {
    [("P1", "High"), ("P2", "Medium"), ("P3", "Low")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn jira_transitions() -> BTreeMap<String, String> {
    [("resolved", "Done"), ("done", "Done"), ("open", "Reopen")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn default_timeout() -> Dur {
    Dur(std::time::Duration::from_secs(15))
}

impl JiraConfig {
    pub fn enabled(&self) -> bool {
        !self.url.trim().is_empty()
    }
}

/// `[tickets.github]`: off until `token` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitHubConfig {
    /// `https://api.github.com`, or GitHub Enterprise's `https://host/api/v3`.
    #[serde(default = "github_api")]
    pub api_url: String,
    #[serde(default)]
    pub token: Secret,
    /// The secret of the repository's webhook that calls `/webhooks/github`.
    #[serde(default)]
    pub webhook_secret: Secret,
    /// Slack user ID → GitHub login (owners become assignees).
    #[serde(default)]
    pub logins: BTreeMap<String, String>,
    /// The least time between two writes (GitHub asks for a second between
    /// content-creating requests, to stay under its secondary limits).
    #[serde(default = "write_spacing")]
    pub write_spacing: Dur,
    #[serde(default = "default_timeout")]
    pub timeout: Dur,
}

impl Default for GitHubConfig {
    fn default() -> Self {
        GitHubConfig {
            api_url: github_api(),
            token: Secret::default(),
            webhook_secret: Secret::default(),
            logins: BTreeMap::new(),
            write_spacing: write_spacing(),
            timeout: default_timeout(),
        }
    }
}

fn github_api() -> String {
    "https://api.github.com".into()
}

fn write_spacing() -> Dur {
    Dur(std::time::Duration::from_secs(1))
}

impl GitHubConfig {
    pub fn enabled(&self) -> bool {
        self.token.is_set()
    }

    /// The Slack user whose GitHub login is `login`.
    pub fn slack_user(&self, login: &str) -> Option<&str> {
        self.logins
            .iter()
            .find(|(_, l)| l.eq_ignore_ascii_case(login))
            .map(|(u, _)| u.as_str())
    }
}

/// The trackers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tracker {
    Jira,
    #[serde(rename = "github")]
    GitHub,
}

impl Tracker {
    /// As stored and configured (`jira`, `github`).
    pub fn key(self) -> &'static str {
        match self {
            Tracker::Jira => "jira",
            Tracker::GitHub => "github",
        }
    }

    /// As people read it.
    pub fn name(self) -> &'static str {
        match self {
            Tracker::Jira => "Jira",
            Tracker::GitHub => "GitHub",
        }
    }

    pub fn parse(s: &str) -> Option<Tracker> {
        match s {
            "jira" => Some(Tracker::Jira),
            "github" => Some(Tracker::GitHub),
            _ => None,
        }
    }
}

/// `[[tickets.routes]]`: where an incident's tickets go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub tracker: Tracker,
    /// The Jira project key (`OPS`), or the GitHub repository (`owner/name`).
    pub project: String,
    /// The Jira issue type of new tickets.
    #[serde(default = "task")]
    pub issue_type: String,
    /// Only for incidents on one of these services (empty: any).
    #[serde(default)]
    pub services: Vec<String>,
    /// Only for incidents of one of these types (empty: any).
    #[serde(default)]
    pub types: Vec<String>,
    /// Only for incidents of one of these severities (empty: any).
    #[serde(default)]
    pub severities: Vec<String>,
    /// A ticket for the incident itself.
    #[serde(default)]
    pub incident_ticket: bool,
    /// Each action item as a ticket.
    #[serde(default = "yes")]
    pub actions: bool,
    /// Private incidents' tickets too (off: a private incident's title stays out of
    /// the tracker).
    #[serde(default)]
    pub private: bool,
    /// Labels added to every ticket, beside `warroom`, the incident and its severity.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Further Jira fields every create sets (a required custom field:
    /// `customfield_10042 = { value = "SRE" }`).
    #[serde(default)]
    pub jira_fields: BTreeMap<String, serde_json::Value>,
}

fn task() -> String {
    "Task".into()
}

impl Route {
    /// True when this route takes `inc`'s tickets.
    pub fn matches(&self, inc: &Incident) -> bool {
        let sev = inc.severity.key();
        (self.severities.is_empty() || self.severities.iter().any(|s| s.eq_ignore_ascii_case(sev)))
            && (self.types.is_empty()
                || inc
                    .kind
                    .as_deref()
                    .is_some_and(|k| self.types.iter().any(|t| t == k)))
            && (self.services.is_empty() || inc.services.iter().any(|s| self.services.contains(s)))
    }
}

/// What a ticket is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Incident,
    Action(i64),
}

impl Subject {
    /// As stored (`incident`, `action:3`).
    pub fn key(self) -> String {
        match self {
            Subject::Incident => "incident".into(),
            Subject::Action(seq) => format!("action:{seq}"),
        }
    }

    pub fn parse(s: &str) -> Option<Subject> {
        match s {
            "incident" => Some(Subject::Incident),
            _ => s
                .strip_prefix("action:")?
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .map(Subject::Action),
        }
    }

    /// The marker that finds its ticket again (`warroom-inc-42-action-3`).
    pub fn marker(self, id: IncidentId) -> String {
        match self {
            Subject::Incident => format!("warroom-inc-{}", id.0),
            Subject::Action(seq) => format!("warroom-inc-{}-action-{seq}", id.0),
        }
    }

    /// As people read it ("the incident's ticket", "action 3's ticket").
    pub fn describe(self) -> String {
        match self {
            Subject::Incident => "the incident's ticket".into(),
            Subject::Action(seq) => format!("action item #{seq}'s ticket"),
        }
    }
}

impl TicketsConfig {
    /// The route `subject`'s ticket takes for `inc`, if any, with its index (for
    /// messages that name the setting).
    pub fn route_for(&self, inc: &Incident, subject: Subject) -> Option<(usize, &Route)> {
        self.routes.iter().enumerate().find(|(_, r)| {
            r.matches(inc)
                && match subject {
                    Subject::Incident => r.incident_ticket,
                    Subject::Action(_) => r.actions,
                }
                && self.enabled(r.tracker)
        })
    }

    /// True when `t` is configured.
    pub fn enabled(&self, t: Tracker) -> bool {
        match t {
            Tracker::Jira => self.jira.enabled(),
            Tracker::GitHub => self.github.enabled(),
        }
    }

    /// True when any route exports anything.
    pub fn any(&self) -> bool {
        self.routes.iter().any(|r| self.enabled(r.tracker))
    }
}

#[cfg(test)]
mod tests;
