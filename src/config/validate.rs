//! Checks what types alone cannot: ranges, URLs' schemes, settings that need each
//! other, unique names. One function per section; the first problem found is the
//! error, naming its key.

use std::time::Duration;

use super::{Config, ConfigError, SlackMode, invalid};
use crate::domain::Severity;

impl Config {
    /// Checks what types alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        http(self)?;
        slack(self)?;
        incidents(self)?;
        database(self)?;
        jobs(self)?;
        reminders(self)?;
        postmortem(self)?;
        self.digest_schedule()?;
        slos(self)?;
        auto_declare(self)?;
        watch(self)?;
        alerts(self)?;
        paging(self)?;
        status(self)?;
        log(self)
    }
}

/// `[alerts]`: the body bound, and routes that send somewhere.
fn alerts(c: &Config) -> Result<(), ConfigError> {
    let max = crate::alerts::routes::MAX_BODY_LIMIT;
    if !(1024..=max).contains(&c.alerts.max_body) {
        return Err(invalid(
            "alerts.max_body",
            format!(
                "`{}` is out of range: expected 1024 to {max} bytes",
                c.alerts.max_body
            ),
        ));
    }
    for (i, r) in c.alerts.routes.iter().enumerate() {
        if r.matchers.is_empty() {
            return Err(invalid(
                &format!("alerts.routes[{i}].match"),
                "a route needs at least one matcher (an unmatched alert already goes to alerts.channel)".to_string(),
            ));
        }
    }
    Ok(())
}

/// `[paging]`: where events go.
fn paging(c: &Config) -> Result<(), ConfigError> {
    let http = |u: &str| u.starts_with("https://") || u.starts_with("http://");
    for (key, url, may_be_empty) in [
        (
            "paging.pagerduty.events_url",
            &c.paging.pagerduty.events_url,
            false,
        ),
        ("paging.opsgenie.api_url", &c.paging.opsgenie.api_url, true),
        (
            "paging.pagerduty.api_url",
            &c.paging.pagerduty.api_url,
            false,
        ),
    ] {
        if !(http(url) || (may_be_empty && url.is_empty())) {
            return Err(invalid(key, format!("`{url}` is not an http(s) URL")));
        }
    }
    let poll = c.paging.ack_poll.0;
    if poll < Duration::from_millis(100) || poll > Duration::from_secs(600) {
        return Err(invalid(
            "paging.ack_poll",
            format!("`{poll:?}` is out of range: expected 100ms to 10m"),
        ));
    }
    let pd = &c.paging.pagerduty;
    if !(pd.from.is_empty() || pd.from.contains('@') && pd.from.len() <= 254) {
        return Err(invalid(
            "paging.pagerduty.from",
            format!("`{}` is not an email address", pd.from),
        ));
    }
    if !pd.service_id.is_empty() && !crate::paging::targets::is_pagerduty_id(&pd.service_id) {
        return Err(invalid(
            "paging.pagerduty.service_id",
            format!("`{}` is not a PagerDuty ID (like PSV1234)", pd.service_id),
        ));
    }
    paging_targets(c)
}

/// `[[paging.targets]]`: unique names, IDs that look like IDs, and the provider
/// settings that each reference needs.
fn paging_targets(c: &Config) -> Result<(), ConfigError> {
    use crate::domain::command::is_service_name;
    use crate::paging::targets::is_pagerduty_id;
    let p = &c.paging;
    if p.targets.len() > 200 {
        return Err(invalid(
            "paging.targets",
            "more than 200 targets".to_string(),
        ));
    }
    for (i, t) in p.targets.iter().enumerate() {
        let key = |k: &str| format!("paging.targets[{i}].{k}");
        if !is_service_name(&t.name) {
            return Err(invalid(
                &key("name"),
                format!("`{}` is not a name: letters, digits, - _ . / only", t.name),
            ));
        }
        if p.targets[..i]
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&t.name))
        {
            return Err(invalid(
                &key("name"),
                format!("`{}` is named twice", t.name),
            ));
        }
        if let Some(bad) = t.services.iter().find(|s| !is_service_name(s)) {
            return Err(invalid(
                &key("services"),
                format!("`{bad}` is not a service name"),
            ));
        }
        for (k, id) in [
            (
                "pagerduty_escalation_policy",
                &t.pagerduty_escalation_policy,
            ),
            ("pagerduty_schedule", &t.pagerduty_schedule),
        ] {
            if id.is_empty() {
                continue;
            }
            if !is_pagerduty_id(id) {
                return Err(invalid(&key(k), format!("`{id}` is not a PagerDuty ID")));
            }
            if !p.pagerduty.rest_enabled() {
                return Err(invalid(
                    &key(k),
                    "needs paging.pagerduty.api_token (env WARROOM_PAGING__PAGERDUTY__API_TOKEN)"
                        .to_string(),
                ));
            }
        }
        if !t.opsgenie_team.is_empty() && !p.opsgenie.enabled() {
            return Err(invalid(
                &key("opsgenie_team"),
                "needs paging.opsgenie.api_key".to_string(),
            ));
        }
        if !t.has_pagerduty_oncall() && t.opsgenie_team.is_empty() {
            return Err(invalid(
                &key("name"),
                format!(
                    "`{}` pages nobody: set pagerduty_escalation_policy, pagerduty_schedule or opsgenie_team",
                    t.name
                ),
            ));
        }
    }
    let esc = &p.escalation_target;
    if !esc.is_empty() && !p.targets.iter().any(|t| t.name.eq_ignore_ascii_case(esc)) {
        return Err(invalid(
            "paging.escalation_target",
            format!("`{esc}` is not the name of a [[paging.targets]] entry"),
        ));
    }
    Ok(())
}

/// `[status]`: components with unique, printable names; a Statuspage that can be
/// reached; cadences in range; its own listener apart from the main one.
fn status(c: &Config) -> Result<(), ConfigError> {
    use crate::domain::command::is_service_name;
    let s = &c.status;
    if s.page_name.trim().is_empty() || s.page_name.chars().count() > 100 {
        return Err(invalid(
            "status.page_name",
            "expected 1 to 100 characters".to_string(),
        ));
    }
    if !(s.public_url.is_empty()
        || s.public_url.starts_with("https://")
        || s.public_url.starts_with("http://"))
    {
        return Err(invalid(
            "status.public_url",
            format!("`{}` is not an http(s) URL", s.public_url),
        ));
    }
    if s.listen
        .is_some_and(|l| l == c.http.listen && l.port() != 0)
    {
        return Err(invalid(
            "status.listen",
            "must differ from http.listen (leave it unset to serve /status there)".to_string(),
        ));
    }
    for (key, d) in [
        ("status.first_after", s.first_after.0),
        ("status.every", s.every.0),
    ] {
        if d < Duration::from_secs(60) || d > Duration::from_secs(24 * 3600) {
            return Err(invalid(
                key,
                format!("`{d:?}` is out of range: expected 1m to 24h"),
            ));
        }
    }
    if s.components.len() > 100 {
        return Err(invalid(
            "status.components",
            "more than 100 components".to_string(),
        ));
    }
    for (i, comp) in s.components.iter().enumerate() {
        let key = |k: &str| format!("status.components[{i}].{k}");
        let n = comp.name.trim();
        if n.is_empty() || n.chars().count() > 60 || comp.name.chars().any(char::is_control) {
            return Err(invalid(
                &key("name"),
                "expected 1 to 60 printable characters".to_string(),
            ));
        }
        if s.components[..i]
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&comp.name))
        {
            return Err(invalid(
                &key("name"),
                format!("`{}` is named twice", comp.name),
            ));
        }
        if let Some(bad) = comp.services.iter().find(|x| !is_service_name(x)) {
            return Err(invalid(
                &key("services"),
                format!("`{bad}` is not a service name"),
            ));
        }
        if !(comp.statuspage_id.is_empty()
            || crate::public::statuspage::is_safe_id(&comp.statuspage_id))
        {
            return Err(invalid(
                &key("statuspage_id"),
                format!("`{}` is not a Statuspage ID", comp.statuspage_id),
            ));
        }
    }
    let sp = &s.statuspage;
    if sp.api_key.is_set() && !crate::public::statuspage::is_safe_id(&sp.page_id) {
        return Err(invalid(
            "status.statuspage.page_id",
            "needed with status.statuspage.api_key: the page's ID (letters and digits)".to_string(),
        ));
    }
    if !(sp.api_url.starts_with("https://") || sp.api_url.starts_with("http://")) {
        return Err(invalid(
            "status.statuspage.api_url",
            format!("`{}` is not an http(s) URL", sp.api_url),
        ));
    }
    Ok(())
}

/// `[http]`: the listener's bounds.
fn http(c: &Config) -> Result<(), ConfigError> {
    if !(16..=1_000_000).contains(&c.http.max_connections) {
        return Err(invalid(
            "http.max_connections",
            format!(
                "`{}` is out of range: expected 16 to 1000000",
                c.http.max_connections
            ),
        ));
    }
    for (key, d) in [
        ("http.header_timeout", c.http.header_timeout.0),
        ("http.body_timeout", c.http.body_timeout.0),
    ] {
        if d < Duration::from_millis(100) || d > Duration::from_secs(300) {
            return Err(invalid(
                key,
                format!("`{d:?}` is out of range: expected 100ms to 5m"),
            ));
        }
    }
    Ok(())
}

/// `[slack]`: the API's address, the command, the channel, the tokens the mode needs, and the rate tiers' scale.
fn slack(c: &Config) -> Result<(), ConfigError> {
    let url = c.slack.api_url.trim_end_matches('/');
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(invalid(
            "slack.api_url",
            format!(
                "`{}` is not a URL: expected https://slack.com/api or another http(s) base URL",
                c.slack.api_url
            ),
        ));
    }
    if !c.slack.command.starts_with('/') || c.slack.command.len() < 2 || c.slack.command.len() > 32
    {
        return Err(invalid(
            "slack.command",
            format!(
                "`{}` is not a slash command: expected / and 1-31 characters, like /incident",
                c.slack.command
            ),
        ));
    }
    let ch = &c.slack.announcements_channel;
    if !ch.is_empty() && (ch.starts_with('#') || ch.contains(' ')) {
        return Err(invalid(
            "slack.announcements_channel",
            format!(
                "`{ch}` looks like a channel name: expected the channel ID (like C012ABCDEF), shown in the channel's details in Slack"
            ),
        ));
    }
    if c.slack.mode == SlackMode::Socket
        && c.slack.bot_token.is_set()
        && !c.slack.app_token.is_set()
    {
        return Err(invalid(
            "slack.app_token",
            "Socket Mode needs the app-level token (xapp-...) with connections:write",
        ));
    }
    if c.slack.mode == SlackMode::Http
        && c.slack.bot_token.is_set()
        && !c.slack.signing_secret.is_set()
    {
        return Err(invalid(
            "slack.signing_secret",
            "HTTP mode needs the app's signing secret to verify requests from Slack",
        ));
    }
    let scale = c.slack.rate_limits.scale;
    if !(scale.is_finite() && scale > 0.0 && scale <= 1000.0) {
        return Err(invalid(
            "slack.rate_limits.scale",
            format!("`{scale}` is out of range: expected more than 0, at most 1000"),
        ));
    }
    Ok(())
}

/// `[incidents]`: responders by severity.
fn incidents(c: &Config) -> Result<(), ConfigError> {
    for (key, value) in &c.incidents.responders {
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
    Ok(())
}

/// `[database]`: a SQLite or PostgreSQL URL and a usable pool.
fn database(c: &Config) -> Result<(), ConfigError> {
    if c.database.url.trim().is_empty() {
        return Err(invalid(
            "database.url",
            "empty: expected sqlite://path or postgres://...",
        ));
    }
    if !(c.database.url.starts_with("sqlite:")
        || c.database.url.starts_with("postgres:")
        || c.database.url.starts_with("postgresql:"))
    {
        return Err(invalid(
            "database.url",
            "expected a sqlite:// or postgres:// URL",
        ));
    }
    if c.database.max_connections == Some(0) {
        return Err(invalid("database.max_connections", "must be at least 1"));
    }
    Ok(())
}

/// `[jobs]`: the worker's connections, concurrency, attempts and lease.
fn jobs(c: &Config) -> Result<(), ConfigError> {
    if c.jobs.connections.is_some_and(|n| n < 2) {
        return Err(invalid(
            "jobs.connections",
            "must be at least 2 (one claims jobs while another beats)",
        ));
    }
    if c.jobs.concurrency == 0 {
        return Err(invalid("jobs.concurrency", "must be at least 1"));
    }
    if c.jobs.max_attempts == 0 {
        return Err(invalid("jobs.max_attempts", "must be at least 1"));
    }
    if c.jobs.lease.0 < Duration::from_millis(100) {
        return Err(invalid("jobs.lease", "must be at least 100ms"));
    }
    Ok(())
}

/// `[reminders]`: the monitoring factor, per-status overrides and whom to escalate to.
fn reminders(c: &Config) -> Result<(), ConfigError> {
    if c.reminders.monitoring_factor < 1 {
        return Err(invalid("reminders.monitoring_factor", "must be at least 1"));
    }
    for key in c.reminders.overrides.keys() {
        if crate::domain::cadence::override_key(key).is_none() {
            return Err(invalid(
                &format!("reminders.overrides.\"{key}\""),
                "expected <severity>.<status>, e.g. \"sev1.identified\" (status investigating, identified or monitoring)",
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

/// `[postmortem]`: which severities owe one, and how often to remind.
fn postmortem(c: &Config) -> Result<(), ConfigError> {
    for (i, s) in c.postmortem.required_for.iter().enumerate() {
        if Severity::parse(s).is_err() {
            return Err(invalid(
                &format!("postmortem.required_for[{i}]"),
                format!("`{s}`: expected sev1, sev2, sev3 or sev4"),
            ));
        }
    }
    if c.postmortem.reminder_interval.0.is_zero() {
        return Err(invalid(
            "postmortem.reminder_interval",
            "must be longer than zero",
        ));
    }
    Ok(())
}

/// `[[slos]]`: unique names, a service, a target, a window and one way to query.
fn slos(c: &Config) -> Result<(), ConfigError> {
    let mut names = std::collections::BTreeSet::new();
    for (i, slo) in c.slos.iter().enumerate() {
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
    Ok(())
}

/// `[[auto_declare]]`: a bound needs the fact it tests (the rest is typed at load).
fn auto_declare(c: &Config) -> Result<(), ConfigError> {
    for (i, r) in c.auto_declare.iter().enumerate() {
        let key = |k: &str| format!("auto_declare[{i}].{k}");
        if (r.at_most.is_some() || r.at_least.is_some()) && r.fact.is_empty() {
            return Err(invalid(
                &key("fact"),
                "at_most/at_least need the fact they test, e.g. days_left",
            ));
        }
    }
    Ok(())
}

/// `[watch]`: each watcher's own checks, and the snooze.
fn watch(c: &Config) -> Result<(), ConfigError> {
    c.watch
        .certs
        .validate("watch.certs")
        .map_err(|(k, p)| invalid(&k, p))?;
    c.watch
        .disk
        .validate("watch.disk")
        .map_err(|(k, p)| invalid(&k, p))?;
    c.watch
        .budgets
        .validate("watch.budgets")
        .map_err(|(k, p)| invalid(&k, p))?;
    if c.watch.snooze.0.is_zero() {
        return Err(invalid("watch.snooze", "must be longer than zero"));
    }
    Ok(())
}

/// `[log]`: the format.
fn log(c: &Config) -> Result<(), ConfigError> {
    if !matches!(c.log.format.as_str(), "text" | "json") {
        return Err(invalid(
            "log.format",
            format!("`{}`: expected text or json", c.log.format),
        ));
    }
    Ok(())
}
