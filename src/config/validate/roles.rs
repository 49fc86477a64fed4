//! `[roles.<key>]`: the seed's four described, and the organisation's own added,
//! within bounds (key shape, lengths, counts).

use crate::config::{Config, ConfigError, invalid};
use crate::domain::Role;
use crate::domain::role::MAX_ROLE_KEY;

/// Most roles an organisation may add beside the seed's four.
pub const MAX_ADDED_ROLES: usize = 12;
const MAX_NAME: usize = 40;
const MAX_SHORT: usize = 20;
const MAX_DESCRIPTION: usize = 500;
const MAX_CHECKLIST: usize = 15;
const MAX_ITEM: usize = 200;

pub(super) fn roles(c: &Config) -> Result<(), ConfigError> {
    let mut added = 0;
    for (key, r) in &c.roles {
        let at = |field: &str| format!("roles.{key}.{field}");
        let role = Role::parse(key).ok().filter(|role| {
            // A built-in is configured by its key only, not by an alias.
            !role.is_builtin() || role.key() == key
        });
        let Some(role) = role else {
            return Err(invalid(
                &format!("roles.{key}"),
                format!(
                    "`{key}` cannot name a role: expected ic, ops, comms, sme, or a new key of lowercase letters, digits and - (at most {MAX_ROLE_KEY}, not an alias of the four)"
                ),
            ));
        };
        if role.is_builtin() && r.multiple {
            return Err(invalid(
                &at("multiple"),
                "the seed's roles keep their rule (only SMEs are several); add a role of your own instead",
            ));
        }
        added += usize::from(!role.is_builtin());
        check_text(&at("name"), &r.name, 1, MAX_NAME)?;
        check_text(&at("short"), &r.short, 0, MAX_SHORT)?;
        check_text(&at("description"), &r.description, 0, MAX_DESCRIPTION)?;
        if r.checklist.len() > MAX_CHECKLIST {
            return Err(invalid(
                &at("checklist"),
                format!("{} items: at most {MAX_CHECKLIST}", r.checklist.len()),
            ));
        }
        for (i, item) in r.checklist.iter().enumerate() {
            check_text(&format!("roles.{key}.checklist[{i}]"), item, 1, MAX_ITEM)?;
        }
    }
    if added > MAX_ADDED_ROLES {
        return Err(invalid(
            "roles",
            format!("{added} roles added: at most {MAX_ADDED_ROLES} beside ic, ops, comms and sme"),
        ));
    }
    Ok(())
}

/// Between `min` and `max` characters, on one line.
pub(super) fn check_text(key: &str, text: &str, min: usize, max: usize) -> Result<(), ConfigError> {
    let n = text.trim().chars().count();
    if n < min {
        return Err(invalid(key, "must not be empty"));
    }
    if n > max {
        return Err(invalid(key, format!("{n} characters: at most {max}")));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid(key, "must be one line without control characters"));
    }
    Ok(())
}
