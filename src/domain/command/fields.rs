//! `set <field> <value>`: a field's key and what was typed; whether the field exists
//! for the incident and the value fits it is for the caller, who has the configuration.

use super::words::split_word;
use super::{Command, CommandError};
use crate::domain::fields::is_field_key;

/// `set <field> <value>` (`-` clears the field).
pub(super) fn parse_set(rest: &str) -> Result<Command, CommandError> {
    let (key, value) = split_word(rest);
    let key = key.to_ascii_lowercase();
    if key.is_empty() {
        return Err(CommandError::new("Name the field and its value.", "set"));
    }
    if !is_field_key(&key) {
        let shown: String = key.chars().take(30).collect();
        return Err(CommandError::new(
            format!("`{shown}` is not a field's key."),
            "set",
        ));
    }
    let value = value.trim();
    if value.is_empty() {
        return Err(CommandError::new(
            format!("Say the value after `{key}` (or `-` to clear it)."),
            "set",
        ));
    }
    Ok(Command::SetField {
        key,
        value: (value != "-").then(|| value.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, ok};
    use super::*;

    #[test]
    fn set_takes_a_key_and_a_value() {
        assert_eq!(
            ok("set region EU west"),
            Command::SetField {
                key: "region".into(),
                value: Some("EU west".into())
            }
        );
        assert_eq!(
            ok("set Revenue_Impact -"),
            Command::SetField {
                key: "revenue_impact".into(),
                value: None
            }
        );
        assert!(err("set region").message.contains("say the value"));
        assert!(err("set <b> x").message.contains("not a field"));
        assert!(err("set").message.contains("name the field"));
    }
}
