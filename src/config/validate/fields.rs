//! `[[fields]]`: keys, kinds, options and types within bounds.

use super::roles::check_text;
use crate::config::{Config, ConfigError, invalid};
use crate::domain::fields::{
    Ask, FieldKind, MAX_FIELD_KEY, MAX_FIELDS, MAX_HEADLINE, MAX_OPTIONS, is_field_key,
};
use crate::domain::keys::or_list;

const MAX_LABEL: usize = 40;
const MAX_DESCRIPTION: usize = 300;
const MAX_OPTION: usize = 40;

pub(super) fn fields(c: &Config) -> Result<(), ConfigError> {
    if c.fields.len() > MAX_FIELDS {
        return Err(invalid(
            "fields",
            format!("{} fields: at most {MAX_FIELDS}", c.fields.len()),
        ));
    }
    for (i, f) in c.fields.iter().enumerate() {
        let at = |field: &str| format!("fields[{i}].{field}");
        if !is_field_key(&f.key) {
            return Err(invalid(
                &at("key"),
                format!(
                    "`{}`: a lowercase letter, then letters, digits, - or _, at most {MAX_FIELD_KEY}",
                    f.key.chars().take(40).collect::<String>()
                ),
            ));
        }
        if c.fields[..i].iter().any(|o| o.key == f.key) {
            return Err(invalid(&at("key"), format!("`{}` is used twice", f.key)));
        }
        check_text(&at("label"), &f.label, 1, MAX_LABEL)?;
        check_text(&at("description"), &f.description, 0, MAX_DESCRIPTION)?;
        let Some(kind) = FieldKind::parse(&f.kind) else {
            let kinds: Vec<&str> = FieldKind::ALL.iter().map(|k| k.key()).collect();
            return Err(invalid(
                &at("kind"),
                format!(
                    "`{}`: expected {}",
                    f.kind.chars().take(30).collect::<String>(),
                    or_list(&kinds).unwrap_or_default()
                ),
            ));
        };
        let selects = matches!(kind, FieldKind::Select | FieldKind::MultiSelect);
        if selects && (f.options.is_empty() || f.options.len() > MAX_OPTIONS) {
            return Err(invalid(
                &at("options"),
                format!("a select needs 1 to {MAX_OPTIONS} options"),
            ));
        }
        if !selects && !f.options.is_empty() {
            return Err(invalid(&at("options"), "only a select has options"));
        }
        options(i, &f.options)?;
        if Ask::parse(&f.ask).is_none() {
            return Err(invalid(&at("ask"), "expected declare, resolve or any"));
        }
        if let Some(t) = f.types.iter().find(|t| !c.incident_types.contains_key(*t)) {
            return Err(invalid(
                &at("types"),
                format!("`{t}` is not a configured incident type"),
            ));
        }
    }
    if c.fields.iter().filter(|f| f.headline).count() > MAX_HEADLINE {
        return Err(invalid(
            "fields",
            format!("at most {MAX_HEADLINE} fields can be shown in the headline"),
        ));
    }
    Ok(())
}

/// A select's options: short, plain and each once.
fn options(i: usize, options: &[String]) -> Result<(), ConfigError> {
    for (j, o) in options.iter().enumerate() {
        let ok = !o.trim().is_empty()
            && o.chars().count() <= MAX_OPTION
            && o.chars()
                .all(|ch| ch.is_alphanumeric() || " -_.:/".contains(ch));
        if !ok {
            return Err(invalid(
                &format!("fields[{i}].options[{j}]"),
                format!("letters, digits, space and - _ . : / only, at most {MAX_OPTION}"),
            ));
        }
        if options[..j]
            .iter()
            .any(|p| p.to_lowercase() == o.to_lowercase())
        {
            return Err(invalid(
                &format!("fields[{i}].options[{j}]"),
                format!("`{o}` is listed twice"),
            ));
        }
    }
    Ok(())
}
