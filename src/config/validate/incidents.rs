//! How incidents run, validated: `[incidents]` (responders by severity),
//! `[reminders]` and `[postmortem]`.

use crate::config::{Config, ConfigError, invalid};

/// `[incidents]`: responders by severity (the keys are checked with the severities).
pub(super) fn incidents(c: &Config) -> Result<(), ConfigError> {
    for (key, value) in &c.incidents.responders {
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
    Ok(())
}

/// `[reminders]`: the monitoring factor, per-status overrides and whom to escalate to.
pub(super) fn reminders(c: &Config) -> Result<(), ConfigError> {
    if c.reminders.monitoring_factor < 1 {
        return Err(invalid("reminders.monitoring_factor", "must be at least 1"));
    }
    for key in c.reminders.overrides.keys() {
        if crate::domain::cadence::override_key(c.severities(), key).is_none() {
            return Err(invalid(
                &format!("reminders.overrides.\"{key}\""),
                format!(
                    "expected <severity>.<status>, e.g. \"{}.identified\" (severity {}; status investigating, identified or monitoring)",
                    c.severities().all().next().map_or("", |s| s.key()),
                    c.severities().expected()
                ),
            ));
        }
    }
    if let Some(bad) = c
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
    Ok(())
}

/// `[postmortem]`: how often to remind (which severities owe one is checked with the
/// severities).
pub(super) fn postmortem(c: &Config) -> Result<(), ConfigError> {
    if c.postmortem.reminder_interval.0.is_zero() {
        return Err(invalid(
            "postmortem.reminder_interval",
            "must be longer than zero",
        ));
    }
    let path = c.postmortem.template.trim();
    if !path.is_empty() {
        let t = crate::postmortem::template::Template::load(std::path::Path::new(path))
            .map_err(|e| invalid("postmortem.template", e.to_string()))?;
        // Kept for the process; a second validation of the same config keeps the first.
        let _ = c.template.set(std::sync::Arc::new(t));
    }
    pull_request(c)
}

/// `[postmortem.pull_request]`: a repository, a token to reach it, and paths that
/// stay inside it.
fn pull_request(c: &Config) -> Result<(), ConfigError> {
    use crate::postmortem::pull_request::is_safe_path;
    let p = &c.postmortem.pull_request;
    if !p.enabled() {
        return Ok(());
    }
    if !crate::tickets::github::is_repo(p.repo.trim()) {
        return Err(invalid(
            "postmortem.pull_request.repo",
            format!("`{}` is not a repository: expected owner/name", p.repo),
        ));
    }
    if !c.tickets.github.token.is_set() {
        return Err(invalid(
            "tickets.github.token",
            "postmortem.pull_request needs a GitHub token (contents and pull requests: write)",
        ));
    }
    let sample = "INC-1234";
    for (key, value) in [
        ("postmortem.pull_request.path", p.file(sample, 2026, 1)),
        ("postmortem.pull_request.branch", p.branch_of(sample)),
        ("postmortem.pull_request.base", p.base.clone()),
    ] {
        if !is_safe_path(&value) || value.contains('{') {
            return Err(invalid(
                key,
                format!(
                    "`{value}` is not a path GitHub takes: letters, digits, `._-/` and {{year}}, {{month}}, {{key}}, no `..`"
                ),
            ));
        }
    }
    if !p.path.contains("{key}") || !p.branch.contains("{key}") {
        return Err(invalid(
            "postmortem.pull_request.path",
            "path and branch must each name {key}, so incidents do not share a file or a branch",
        ));
    }
    if p.labels.len() > 10
        || p.labels
            .iter()
            .any(|l| l.trim().is_empty() || l.chars().count() > 50)
    {
        return Err(invalid(
            "postmortem.pull_request.labels",
            "at most 10 labels of 1 to 50 characters",
        ));
    }
    Ok(())
}
