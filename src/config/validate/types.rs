//! `[incident_types.<key>]`: the organisation's kinds of incident, within bounds.

use super::roles::check_text;
use crate::config::{Config, ConfigError, invalid};
use crate::domain::incident_type::{MAX_TYPE_KEY, NO_TYPE, is_type_key};

/// Most incident types.
pub const MAX_TYPES: usize = 20;
const MAX_NAME: usize = 40;
const MAX_DESCRIPTION: usize = 300;
const MAX_PREFIX: usize = 20;
const MAX_RESPONDERS: usize = 50;

pub(super) fn types(c: &Config) -> Result<(), ConfigError> {
    if c.incident_types.len() > MAX_TYPES {
        return Err(invalid(
            "incident_types",
            format!("{} types: at most {MAX_TYPES}", c.incident_types.len()),
        ));
    }
    for (key, t) in &c.incident_types {
        let at = |field: &str| format!("incident_types.{key}.{field}");
        if !is_type_key(key) || key == NO_TYPE {
            return Err(invalid(
                &format!("incident_types.{key}"),
                format!(
                    "`{key}` cannot name a type: lowercase letters, digits and -, starting with a letter, at most {MAX_TYPE_KEY}, not `{NO_TYPE}`"
                ),
            ));
        }
        check_text(&at("name"), &t.name, 1, MAX_NAME)?;
        check_text(&at("description"), &t.description, 0, MAX_DESCRIPTION)?;
        if !t.severity.is_empty() {
            super::severities::named(c, &at("severity"), &t.severity)?;
        }
        if t.channel_prefix.chars().count() > MAX_PREFIX
            || !t
                .channel_prefix
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        {
            return Err(invalid(
                &at("channel_prefix"),
                format!("lowercase letters, digits and -, at most {MAX_PREFIX}"),
            ));
        }
        if t.responders.len() > MAX_RESPONDERS {
            return Err(invalid(
                &at("responders"),
                format!("at most {MAX_RESPONDERS} user IDs"),
            ));
        }
        if let Some(bad) = t
            .responders
            .iter()
            .find(|u| u.trim().is_empty() || u.contains(' ') || u.starts_with('@'))
        {
            return Err(invalid(
                &at("responders"),
                format!("`{bad}` is not a user ID (like U012ABCDEF)"),
            ));
        }
        requirements(c, key, t)?;
    }
    Ok(())
}

/// A type's user groups, required fields and required roles: each one that exists.
fn requirements(c: &Config, key: &str, t: &crate::config::TypeConfig) -> Result<(), ConfigError> {
    let at = |field: &str| format!("incident_types.{key}.{field}");
    if let Some(bad) = t.user_groups.iter().find(|g| {
        !(g.len() >= 3
            && g.len() <= 20
            && g.starts_with('S')
            && g.chars()
                .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit()))
    }) {
        return Err(invalid(
            &at("user_groups"),
            format!("`{bad}` is not a user group ID (like S012ABCDEF)"),
        ));
    }
    for f in &t.required_fields {
        let used = c
            .fields
            .iter()
            .any(|x| x.key == *f && (x.types.is_empty() || x.types.iter().any(|k| k == key)));
        if !used {
            return Err(invalid(
                &at("required_fields"),
                format!("`{f}` is not a field of [[fields]] that this type uses"),
            ));
        }
    }
    for r in &t.required_roles {
        if crate::domain::Role::parse(r).is_err()
            || !c.role_book().roles.iter().any(|x| x.role.key() == r)
        {
            return Err(invalid(
                &at("required_roles"),
                format!("`{r}` is not a configured role"),
            ));
        }
    }
    Ok(())
}
