//! The sections about where postmortems go and who meets over them:
//! `[postmortem.pull_request]` and `[debrief]`.

use super::{Config, ConfigError, invalid};

/// `[postmortem.pull_request]`: a repository, a token to reach it, and paths that
/// stay inside it.
pub(super) fn pull_request(c: &Config) -> Result<(), ConfigError> {
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
        if !is_safe_path(&value) || value.contains(['{', '}']) {
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

/// `[debrief]`: a time of day, working days, a length within the seed's 30–60
/// minutes' neighbourhood, addresses that are addresses, levels and types that exist.
pub(super) fn debrief(c: &Config) -> Result<(), ConfigError> {
    let d = &c.debrief;
    if d.time_of_day().is_none() {
        return Err(invalid(
            "debrief.at",
            format!(
                "`{}` is not a time of day: expected HH:MM, e.g. 10:00",
                d.at
            ),
        ));
    }
    match d.days() {
        Err(day) => {
            return Err(invalid(
                "debrief.working_days",
                format!("`{day}` is not a day: expected Mon … Sun"),
            ));
        }
        Ok(days) if days.is_empty() => {
            return Err(invalid("debrief.working_days", "name at least one day"));
        }
        Ok(_) => {}
    }
    let len = d.duration.0;
    if len < std::time::Duration::from_secs(15 * 60)
        || len > std::time::Duration::from_secs(4 * 3600)
    {
        return Err(invalid(
            "debrief.duration",
            format!("`{len:?}` is out of range: expected 15m to 4h"),
        ));
    }
    people(c)
}

/// `[debrief]`'s people: the organizer and more addresses, the facilitators, and the
/// levels and types it is for.
fn people(c: &Config) -> Result<(), ConfigError> {
    let d = &c.debrief;
    let is_address = |a: &str| {
        let a = a.trim();
        a.len() <= 254
            && a.split_once('@')
                .is_some_and(|(u, h)| !u.is_empty() && !h.is_empty())
            && !a
                .chars()
                .any(|c| c.is_whitespace() || "<>\"(),;:".contains(c))
    };
    if !is_address(&d.organizer) {
        return Err(invalid(
            "debrief.organizer",
            format!("`{}` is not an email address", d.organizer),
        ));
    }
    if d.invite.len() > 20 {
        return Err(invalid("debrief.invite", "at most 20 addresses"));
    }
    if let Some((i, a)) = d.invite.iter().enumerate().find(|(_, a)| !is_address(a)) {
        return Err(invalid(
            &format!("debrief.invite[{i}]"),
            format!("`{a}` is not an email address"),
        ));
    }
    if let Some((i, u)) = d.facilitators.iter().enumerate().find(|(_, u)| {
        !(u.len() <= 20
            && (u.starts_with('U') || u.starts_with('W'))
            && u.chars().all(|c| c.is_ascii_alphanumeric()))
    }) {
        return Err(invalid(
            &format!("debrief.facilitators[{i}]"),
            format!("`{u}` is not a Slack user ID (U…)"),
        ));
    }
    for (i, s) in d.severities.iter().flatten().enumerate() {
        if c.severities().parse(s).is_err() {
            return Err(invalid(
                &format!("debrief.severities[{i}]"),
                format!("`{s}` is not a configured severity"),
            ));
        }
    }
    if let Some((i, t)) = d
        .types
        .iter()
        .enumerate()
        .find(|(_, t)| !c.incident_types.contains_key(*t))
    {
        return Err(invalid(
            &format!("debrief.types[{i}]"),
            format!("`{t}` is not a configured incident type"),
        ));
    }
    Ok(())
}

/// `[postmortem.confluence]`: numeric IDs, a site, and an account (its own or
/// `[tickets.jira]`'s).
pub(super) fn confluence(c: &Config) -> Result<(), ConfigError> {
    use crate::postmortem::confluence::is_id;
    let own = &c.postmortem.confluence;
    if !own.enabled() {
        return Ok(());
    }
    let k = |name: &str| format!("postmortem.confluence.{name}");
    if !is_id(own.space_id.trim()) {
        return Err(invalid(
            &k("space_id"),
            format!(
                "`{}` is not a space ID: expected its number (REST v2 spaceId)",
                own.space_id
            ),
        ));
    }
    if !own.parent_id.trim().is_empty() && !is_id(own.parent_id.trim()) {
        return Err(invalid(
            &k("parent_id"),
            format!("`{}` is not a page ID: expected its number", own.parent_id),
        ));
    }
    let r = own.resolved(&c.tickets.jira);
    if !r.url.starts_with("https://") && !r.url.starts_with("http://") {
        return Err(invalid(
            &k("url"),
            "set the Atlassian site (https://acme.atlassian.net), here or in tickets.jira.url",
        ));
    }
    if r.email.trim().is_empty() || !r.api_token.is_set() {
        return Err(invalid(
            &k("api_token"),
            "set email and api_token, here or in [tickets.jira]",
        ));
    }
    Ok(())
}

/// `[debrief.google_calendar]`: an OAuth client and a refresh token, and addresses.
pub(super) fn google_calendar(c: &Config) -> Result<(), ConfigError> {
    let g = &c.debrief.google_calendar;
    if !g.enabled() {
        return Ok(());
    }
    let k = |name: &str| format!("debrief.google_calendar.{name}");
    if g.client_id.trim().is_empty() {
        return Err(invalid(&k("client_id"), "set the OAuth client's ID"));
    }
    if !g.client_secret.is_set() || !g.refresh_token.is_set() {
        return Err(invalid(
            &k("refresh_token"),
            "set client_secret and refresh_token (an account that may write to the calendar)",
        ));
    }
    for (name, url) in [("api_url", &g.api_url), ("token_url", &g.token_url)] {
        if !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(invalid(&k(name), format!("`{url}` is not an http(s) URL")));
        }
    }
    Ok(())
}
