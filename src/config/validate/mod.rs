//! Checks what types alone cannot: ranges, URLs' schemes, settings that need each
//! other, unique names. One function per section, grouped in files by what the
//! sections are for; the first problem found is the error, naming its key.
//!
//! Here: the order of the checks and the process's own sections (listener,
//! database, jobs worker, log). Beside it: [`severities`], [`slack`], [`incidents`] (how
//! incidents run), [`signals`] (what raises them), [`paging`], [`status`], [`roles`]
//! and [`types`].

mod documents;
mod fields;
mod incidents;
mod paging;
mod roles;
mod severities;
mod signals;
mod slack;
mod status;
mod tickets;
mod types;

use std::time::Duration;

use super::{Config, ConfigError, invalid};

impl Config {
    /// Checks what types alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        http(self)?;
        severities::severities(self)?;
        severities::references(self)?;
        slack::slack(self)?;
        incidents::incidents(self)?;
        database(self)?;
        jobs(self)?;
        incidents::reminders(self)?;
        incidents::postmortem(self)?;
        documents::debrief(self)?;
        documents::confluence(self)?;
        documents::google_calendar(self)?;
        self.digest_schedule()?;
        signals::slos(self)?;
        signals::auto_declare(self)?;
        signals::watch(self)?;
        signals::alerts(self)?;
        paging::paging(self)?;
        status::status(self)?;
        roles::roles(self)?;
        types::types(self)?;
        fields::fields(self)?;
        tickets::tickets(self)?;
        log(self)
    }
}

/// Whether a setting is an http(s) URL (the scheme is all that is checked here).
fn is_http_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
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
