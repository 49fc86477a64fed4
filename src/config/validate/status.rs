//! `[status]` validated: the public page's name, address and listener, the
//! cadence of external updates, its components, and the Statuspage it publishes to.

use std::time::Duration;

use super::is_http_url;
use crate::config::{Config, ConfigError, invalid};
use crate::domain::command::is_service_name;
use crate::public::statuspage::is_safe_id;
use crate::public::{ComponentConfig, StatusConfig};

/// `[status]`: components with unique, printable names; a Statuspage that can be
/// reached; cadences in range; its own listener apart from the main one.
pub(super) fn status(c: &Config) -> Result<(), ConfigError> {
    let s = &c.status;
    page(c)?;
    cadence(s)?;
    components(s)?;
    statuspage(s)
}

/// The page itself: a title, an http(s) address, a listener of its own if any.
fn page(c: &Config) -> Result<(), ConfigError> {
    let s = &c.status;
    if s.page_name.trim().is_empty() || s.page_name.chars().count() > 100 {
        return Err(invalid(
            "status.page_name",
            "expected 1 to 100 characters".to_string(),
        ));
    }
    if !(s.public_url.is_empty() || is_http_url(&s.public_url)) {
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
    Ok(())
}

/// When external updates are due: between a minute and a day apart.
fn cadence(s: &StatusConfig) -> Result<(), ConfigError> {
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
    Ok(())
}

/// `[[status.components]]`: at most 100, each checked by [`component`].
fn components(s: &StatusConfig) -> Result<(), ConfigError> {
    if s.components.len() > 100 {
        return Err(invalid(
            "status.components",
            "more than 100 components".to_string(),
        ));
    }
    for (i, comp) in s.components.iter().enumerate() {
        component(&s.components[..i], i, comp)?;
    }
    Ok(())
}

/// The `i`th component, after `earlier` ones: a printable name not used before,
/// service names, and a Statuspage ID that is safe in a URL.
fn component(
    earlier: &[ComponentConfig],
    i: usize,
    comp: &ComponentConfig,
) -> Result<(), ConfigError> {
    let key = |k: &str| format!("status.components[{i}].{k}");
    let n = comp.name.trim();
    if n.is_empty() || n.chars().count() > 60 || comp.name.chars().any(char::is_control) {
        return Err(invalid(
            &key("name"),
            "expected 1 to 60 printable characters".to_string(),
        ));
    }
    if earlier
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
    if !(comp.statuspage_id.is_empty() || is_safe_id(&comp.statuspage_id)) {
        return Err(invalid(
            &key("statuspage_id"),
            format!("`{}` is not a Statuspage ID", comp.statuspage_id),
        ));
    }
    Ok(())
}

/// `[status.statuspage]`: a page ID to go with a key, and an http(s) API.
fn statuspage(s: &StatusConfig) -> Result<(), ConfigError> {
    let sp = &s.statuspage;
    if sp.api_key.is_set() && !is_safe_id(&sp.page_id) {
        return Err(invalid(
            "status.statuspage.page_id",
            "needed with status.statuspage.api_key: the page's ID (letters and digits)".to_string(),
        ));
    }
    if !is_http_url(&sp.api_url) {
        return Err(invalid(
            "status.statuspage.api_url",
            format!("`{}` is not an http(s) URL", sp.api_url),
        ));
    }
    Ok(())
}
