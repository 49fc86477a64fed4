//! `[paging]` validated: where events go, how often acknowledgements are polled,
//! PagerDuty's identity, and the `[[paging.targets]]` that `/incident page` names.

use std::time::Duration;

use super::is_http_url;
use crate::config::{Config, ConfigError, invalid};
use crate::domain::command::is_service_name;
use crate::paging::PagingConfig;
use crate::paging::targets::{Target, is_pagerduty_id};

/// `[paging]`: where events go.
pub(super) fn paging(c: &Config) -> Result<(), ConfigError> {
    urls(&c.paging)?;
    let poll = c.paging.ack_poll.0;
    if poll < Duration::from_millis(100) || poll > Duration::from_secs(600) {
        return Err(invalid(
            "paging.ack_poll",
            format!("`{poll:?}` is out of range: expected 100ms to 10m"),
        ));
    }
    pagerduty(&c.paging)?;
    targets(&c.paging)
}

/// The providers' addresses: http(s), though Opsgenie's may be left empty.
fn urls(p: &PagingConfig) -> Result<(), ConfigError> {
    for (key, url, may_be_empty) in [
        (
            "paging.pagerduty.events_url",
            &p.pagerduty.events_url,
            false,
        ),
        ("paging.opsgenie.api_url", &p.opsgenie.api_url, true),
        ("paging.pagerduty.api_url", &p.pagerduty.api_url, false),
    ] {
        if !(is_http_url(url) || (may_be_empty && url.is_empty())) {
            return Err(invalid(key, format!("`{url}` is not an http(s) URL")));
        }
    }
    Ok(())
}

/// `[paging.pagerduty]`: the sender's email and the service, when given.
fn pagerduty(p: &PagingConfig) -> Result<(), ConfigError> {
    let pd = &p.pagerduty;
    if !(pd.from.is_empty() || pd.from.contains('@') && pd.from.len() <= 254) {
        return Err(invalid(
            "paging.pagerduty.from",
            format!("`{}` is not an email address", pd.from),
        ));
    }
    if !pd.service_id.is_empty() && !is_pagerduty_id(&pd.service_id) {
        return Err(invalid(
            "paging.pagerduty.service_id",
            format!("`{}` is not a PagerDuty ID (like PSV1234)", pd.service_id),
        ));
    }
    Ok(())
}

/// `[[paging.targets]]`: unique names, IDs that look like IDs, and the provider
/// settings that each reference needs.
fn targets(p: &PagingConfig) -> Result<(), ConfigError> {
    if p.targets.len() > 200 {
        return Err(invalid(
            "paging.targets",
            "more than 200 targets".to_string(),
        ));
    }
    for (i, t) in p.targets.iter().enumerate() {
        target(p, i, t)?;
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

/// The `i`th target: its name, its services, and someone it pages.
fn target(p: &PagingConfig, i: usize, t: &Target) -> Result<(), ConfigError> {
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
    oncall(p, t, &key)?;
    if !t.has_pagerduty_oncall() && t.opsgenie_team.is_empty() {
        return Err(invalid(
            &key("name"),
            format!(
                "`{}` pages nobody: set pagerduty_escalation_policy, pagerduty_schedule or opsgenie_team",
                t.name
            ),
        ));
    }
    Ok(())
}

/// A target's on-call references: PagerDuty IDs that look like IDs, and each with
/// the provider credentials it needs to be read.
fn oncall(p: &PagingConfig, t: &Target, key: &dyn Fn(&str) -> String) -> Result<(), ConfigError> {
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
    Ok(())
}
