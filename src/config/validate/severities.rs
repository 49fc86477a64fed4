//! `[[severities]]`: the levels within bounds, each mapping onto the providers' closed
//! lists, and every other section's severity names (responders, cadences, overrides,
//! postmortems, paging, the status page, types, auto-declare) naming a configured one.

use super::roles::check_text;
use crate::config::{Config, ConfigError, invalid};
use crate::domain::finding::DeclareAs;
use crate::domain::severity::{MAX_KEY_LEN, Scale};

const MAX_NAME: usize = 16;
const MAX_LABEL: usize = 40;
const MAX_DESCRIPTION: usize = 300;
const MAX_RESPONSE: usize = 40;
const MAX_ALIASES: usize = 5;

/// The levels themselves.
pub(super) fn severities(c: &Config) -> Result<(), ConfigError> {
    let levels: Vec<_> = c.severities.iter().map(|s| s.level()).collect();
    if let Err((i, problem)) = Scale::check(&levels) {
        let key = if c.severities.is_empty() {
            "severities".to_string()
        } else {
            format!("severities[{i}]")
        };
        return Err(invalid(&key, problem));
    }
    for (i, s) in c.severities.iter().enumerate() {
        let at = |field: &str| format!("severities[{i}].{field}");
        level(s, &at)?;
        if c.severities[..i].iter().any(|o| o.default) && s.default {
            return Err(invalid(
                &at("default"),
                "only one severity can be the default",
            ));
        }
    }
    // Every spelling people may type names one level only.
    let scale = c.severities();
    for (i, s) in c.severities.iter().enumerate() {
        for word in std::iter::once(&s.name).chain(&s.aliases) {
            if let Some(other) = scale.all().find(|o| o.key() != s.key && o.matches(word)) {
                return Err(invalid(
                    &format!("severities[{i}]"),
                    format!("`{word}` also names `{}`", other.key()),
                ));
            }
        }
    }
    Ok(())
}

/// One level's fields.
fn level(
    s: &crate::config::SeverityConfig,
    at: &dyn Fn(&str) -> String,
) -> Result<(), ConfigError> {
    let simple = |v: &str| {
        v.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, ' ' | '-' | '_' | '.'))
    };
    if s.name.chars().count() > MAX_NAME || !simple(&s.name) || s.name.contains(' ') {
        return Err(invalid(
            &at("name"),
            format!(
                "one word of letters, digits, - _ . only, at most {MAX_NAME} (default: the key in capitals)"
            ),
        ));
    }
    check_text(&at("label"), &s.label, 0, MAX_LABEL)?;
    check_text(&at("description"), &s.description, 0, MAX_DESCRIPTION)?;
    check_text(&at("response"), &s.response, 0, MAX_RESPONSE)?;
    let emoji_ok = s.emoji.is_empty()
        || (s.emoji.len() >= 3
            && s.emoji.len() <= 50
            && s.emoji.starts_with(':')
            && s.emoji.ends_with(':')
            && s.emoji[1..s.emoji.len() - 1]
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "_+-'".contains(ch)));
    if !emoji_ok {
        return Err(invalid(
            &at("emoji"),
            "a Slack emoji code such as `:red_circle:`, or empty",
        ));
    }
    let colour_ok = s.colour.is_empty()
        || (s.colour.len() == 7
            && s.colour.starts_with('#')
            && s.colour[1..].chars().all(|ch| ch.is_ascii_hexdigit()));
    if !colour_ok {
        return Err(invalid(
            &at("colour"),
            "a colour such as `#c0392b`, or empty",
        ));
    }
    one_of(
        &at("pagerduty_severity"),
        &s.pagerduty_severity,
        &["critical", "error", "warning", "info"],
    )?;
    one_of(
        &at("pagerduty_urgency"),
        &s.pagerduty_urgency,
        &["high", "low"],
    )?;
    one_of(
        &at("opsgenie_priority"),
        &s.opsgenie_priority,
        &["P1", "P2", "P3", "P4", "P5"],
    )?;
    one_of(
        &at("statuspage_impact"),
        &s.statuspage_impact,
        &["critical", "major", "minor", "none"],
    )?;
    let kinds: Vec<&str> = DeclareAs::ALL.iter().map(|k| k.key()).collect();
    for w in &s.for_warnings {
        one_of(&at("for_warnings"), w, &kinds)?;
    }
    if s.aliases.len() > MAX_ALIASES
        || s.aliases
            .iter()
            .any(|a| a.is_empty() || a.len() > MAX_KEY_LEN || !simple(a))
    {
        return Err(invalid(
            &at("aliases"),
            format!("at most {MAX_ALIASES}, each letters, digits, - _ . and at most {MAX_KEY_LEN}"),
        ));
    }
    Ok(())
}

fn one_of(key: &str, value: &str, allowed: &[&str]) -> Result<(), ConfigError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(invalid(
        key,
        format!(
            "`{}`: expected {}",
            value.chars().take(30).collect::<String>(),
            crate::domain::keys::or_list(allowed).unwrap_or_default()
        ),
    ))
}

/// A severity named in another section (`key`): one the scale reads.
pub(super) fn named(c: &Config, key: &str, word: &str) -> Result<(), ConfigError> {
    c.severities()
        .parse(word)
        .map(|_| ())
        .map_err(|e| invalid(key, e.to_string()))
}

/// The other sections' severity names.
pub(super) fn references(c: &Config) -> Result<(), ConfigError> {
    if !c.incidents.default_severity.trim().is_empty() {
        named(
            c,
            "incidents.default_severity",
            &c.incidents.default_severity,
        )?;
    }
    for key in c.incidents.responders.keys() {
        named(c, &format!("incidents.responders.{key}"), key)?;
    }
    for (key, value) in &c.reminders.every {
        c.severities().get(key).ok_or_else(|| {
            invalid(
                &format!("reminders.{key}"),
                format!(
                    "not a setting of [reminders] nor a severity's key (severities: {})",
                    c.severities().expected()
                ),
            )
        })?;
        if crate::config::severities::cadence(value).is_none() {
            return Err(invalid(
                &format!("reminders.{key}"),
                "expected a duration such as 30s, 15m, 1h30m or 2d (\"0\": never)",
            ));
        }
    }
    let lists = [
        ("postmortem.required_for", &c.postmortem.required_for),
        (
            "paging.pagerduty.severities",
            &c.paging.pagerduty.severities,
        ),
        ("paging.opsgenie.severities", &c.paging.opsgenie.severities),
        ("status.severities", &c.status.severities),
    ];
    for (key, list) in lists {
        for (i, s) in list.iter().flatten().enumerate() {
            named(c, &format!("{key}[{i}]"), s)?;
        }
    }
    Ok(())
}
