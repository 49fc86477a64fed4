//! `[tickets]` validated: the trackers' addresses and credentials, the poll's
//! schedule, the Jira maps (priorities, transitions), and each route's tracker,
//! project and filters naming things that exist.

use std::time::Duration;

use super::is_http_url;
use crate::config::{Config, ConfigError, invalid};
use crate::domain::schedule::Schedule;
use crate::tickets::{Route, TicketsConfig, Tracker, github, jira};

/// The most routes.
const MAX_ROUTES: usize = 20;
/// The most labels a route adds, and their length.
const MAX_LABELS: usize = 10;
const MAX_LABEL: usize = 50;
/// The states a Jira transition can be named for.
const STATES: [&str; 6] = [
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "done",
    "open",
];

pub(super) fn tickets(c: &Config) -> Result<(), ConfigError> {
    let t = &c.tickets;
    if !t.poll.trim().is_empty() {
        Schedule::parse(&t.poll).map_err(|e| invalid("tickets.poll", e.to_string()))?;
    }
    jira_settings(t)?;
    github_settings(t)?;
    if t.routes.len() > MAX_ROUTES {
        return Err(invalid(
            "tickets.routes",
            format!("{} routes: at most {MAX_ROUTES}", t.routes.len()),
        ));
    }
    for (i, r) in t.routes.iter().enumerate() {
        route(c, i, r)?;
    }
    Ok(())
}

fn timeout(key: &str, d: Duration) -> Result<(), ConfigError> {
    if d < Duration::from_secs(1) || d > Duration::from_secs(120) {
        return Err(invalid(
            key,
            format!("`{d:?}` is out of range: expected 1s to 2m"),
        ));
    }
    Ok(())
}

fn jira_settings(t: &TicketsConfig) -> Result<(), ConfigError> {
    let j = &t.jira;
    timeout("tickets.jira.timeout", j.timeout.0)?;
    if !j.enabled() {
        return Ok(());
    }
    if !is_http_url(&j.url) {
        return Err(invalid(
            "tickets.jira.url",
            format!("`{}` is not an http(s) URL", j.url),
        ));
    }
    if j.email.trim().is_empty() || !j.email.contains('@') {
        return Err(invalid(
            "tickets.jira.email",
            "the API token's account email is needed",
        ));
    }
    if !j.api_token.is_set() {
        return Err(invalid(
            "tickets.jira.api_token",
            "not set (env: WARROOM_TICKETS__JIRA__API_TOKEN)",
        ));
    }
    for k in j.priorities.keys() {
        if crate::domain::command::Priority::parse(k).is_none() {
            return Err(invalid(
                &format!("tickets.jira.priorities.{k}"),
                "unknown priority: expected P1, P2 or P3",
            ));
        }
    }
    for (k, name) in &j.transitions {
        if !STATES.contains(&k.as_str()) {
            return Err(invalid(
                &format!("tickets.jira.transitions.{k}"),
                format!("unknown state: expected one of {}", STATES.join(", ")),
            ));
        }
        if name.trim().is_empty() {
            return Err(invalid(
                &format!("tickets.jira.transitions.{k}"),
                "empty transition name",
            ));
        }
    }
    Ok(())
}

fn github_settings(t: &TicketsConfig) -> Result<(), ConfigError> {
    let g = &t.github;
    timeout("tickets.github.timeout", g.timeout.0)?;
    if !is_http_url(&g.api_url) {
        return Err(invalid(
            "tickets.github.api_url",
            format!("`{}` is not an http(s) URL", g.api_url),
        ));
    }
    if g.write_spacing.0 > Duration::from_secs(60) {
        return Err(invalid("tickets.github.write_spacing", "at most 60s"));
    }
    for (user, login) in &g.logins {
        let ok = !login.is_empty()
            && login.len() <= 39
            && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            return Err(invalid(
                &format!("tickets.github.logins.{user}"),
                format!("`{login}` is not a GitHub login"),
            ));
        }
    }
    Ok(())
}

fn route(c: &Config, i: usize, r: &Route) -> Result<(), ConfigError> {
    let key = |k: &str| format!("tickets.routes[{i}].{k}");
    if !c.tickets.enabled(r.tracker) {
        let set = match r.tracker {
            Tracker::Jira => "tickets.jira.url",
            Tracker::GitHub => "tickets.github.token",
        };
        return Err(invalid(
            &key("tracker"),
            format!("{} is not configured: set {set}", r.tracker.name()),
        ));
    }
    let project_ok = match r.tracker {
        Tracker::Jira => jira::is_key(&format!("{}-1", r.project)),
        Tracker::GitHub => github::is_repo(&r.project),
    };
    if !project_ok {
        let expected = match r.tracker {
            Tracker::Jira => "a Jira project key such as OPS",
            Tracker::GitHub => "a repository such as owner/name",
        };
        return Err(invalid(
            &key("project"),
            format!("`{}`: expected {expected}", r.project),
        ));
    }
    if r.issue_type.trim().is_empty() || r.issue_type.chars().count() > 60 {
        return Err(invalid(&key("issue_type"), "expected 1 to 60 characters"));
    }
    let scale = c.severities();
    if let Some(s) = r.severities.iter().find(|s| scale.get(s).is_none()) {
        return Err(invalid(
            &key("severities"),
            format!("unknown severity `{s}`"),
        ));
    }
    if let Some(t) = r.types.iter().find(|t| !c.incident_types.contains_key(*t)) {
        return Err(invalid(
            &key("types"),
            format!("unknown incident type `{t}`"),
        ));
    }
    if r.labels.len() > MAX_LABELS
        || r.labels
            .iter()
            .any(|l| l.trim().is_empty() || l.chars().count() > MAX_LABEL)
    {
        return Err(invalid(
            &key("labels"),
            format!("at most {MAX_LABELS} labels of 1 to {MAX_LABEL} characters"),
        ));
    }
    if !r.jira_fields.is_empty() && r.tracker != Tracker::Jira {
        return Err(invalid(
            &key("jira_fields"),
            "only a Jira route sets Jira fields",
        ));
    }
    if !(r.incident_ticket || r.actions) {
        return Err(invalid(
            &key("actions"),
            "the route takes nothing: set actions or incident_ticket",
        ));
    }
    Ok(())
}
