//! `[[fields]]` as the file writes them, and the field book messages use.

use serde::Deserialize;

use super::Config;
use crate::domain::fields::{Ask, Field, FieldBook, FieldKind};

/// One `[[fields]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldConfig {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub description: String,
    /// text, number, select, multi_select, user, url or date.
    pub kind: String,
    /// A select's choices.
    #[serde(default)]
    pub options: Vec<String>,
    /// declare, resolve or any (default): where the forms ask for it.
    #[serde(default)]
    pub ask: String,
    /// The incident types that use it; empty: every incident.
    #[serde(default)]
    pub types: Vec<String>,
    /// Shown in the pinned headline (at most four fields).
    #[serde(default)]
    pub headline: bool,
}

impl Config {
    pub(super) fn build_field_book(&self) -> FieldBook {
        FieldBook {
            fields: self
                .fields
                .iter()
                .map(|f| Field {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    description: f.description.clone(),
                    kind: FieldKind::parse(&f.kind).unwrap_or(FieldKind::Text),
                    options: f.options.clone(),
                    ask: Ask::parse(&f.ask).unwrap_or(Ask::Any),
                    types: f.types.clone(),
                    headline: f.headline,
                })
                .collect(),
        }
    }

    /// The fields an incident of type `kind` must have.
    pub fn required_fields(&self, kind: Option<&str>) -> Vec<String> {
        kind.and_then(|k| self.incident_types.get(k))
            .map(|t| t.required_fields.clone())
            .unwrap_or_default()
    }

    /// The configured fields.
    pub fn field_book(&self) -> &FieldBook {
        &self.vocabulary().fields
    }
}
