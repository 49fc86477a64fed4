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
    super::documents::pull_request(c)
}
