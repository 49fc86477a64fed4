//! The custom fields in the insights: for a number field (a revenue impact) its sum
//! over the incidents that have it, for a select its incidents per option (grouped by
//! region, by customer tier).

use serde::Serialize;

use crate::domain::facts::IncidentFacts;
use crate::domain::fields::{FieldBook, FieldKind};

/// One field's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldStat {
    pub key: String,
    pub label: String,
    pub kind: &'static str,
    /// Incidents with a value.
    pub incidents: u32,
    /// A number field's total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<f64>,
    /// A select's incidents per option, in the configured order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionCount {
    pub option: String,
    pub incidents: u32,
}

/// The figures of every number and select field over the chosen incidents.
pub fn stats(book: &FieldBook, chosen: &[&IncidentFacts]) -> Vec<FieldStat> {
    book.fields
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                FieldKind::Number | FieldKind::Select | FieldKind::MultiSelect
            )
        })
        .map(|f| {
            let values: Vec<&str> = chosen
                .iter()
                .filter_map(|i| i.fields.get(&f.key).map(String::as_str))
                .collect();
            let sum = (f.kind == FieldKind::Number).then(|| {
                values
                    .iter()
                    .filter_map(|v| v.parse::<f64>().ok())
                    .fold(0.0, |a, b| a + b)
            });
            let options = f
                .options
                .iter()
                .map(|o| OptionCount {
                    option: o.clone(),
                    incidents: values
                        .iter()
                        .filter(|v| v.split(',').any(|x| x == o))
                        .count() as u32,
                })
                .collect();
            FieldStat {
                key: f.key.clone(),
                label: f.label.clone(),
                kind: f.kind.key(),
                incidents: values.len() as u32,
                sum,
                options,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::sample;

    /// An incident's facts with these field values and nothing else.
    fn facts_with(pairs: &[(&str, &str)]) -> IncidentFacts {
        IncidentFacts {
            id: 1,
            severity: crate::domain::severity::sev(2),
            status: crate::domain::Status::Resolved,
            private: false,
            services: vec![],
            tags: vec![],
            fields: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            kind: None,
            declared_at: chrono::Utc::now(),
            acknowledged_at: None,
            identified_at: None,
            mitigated_at: None,
            resolved_at: None,
            reopened: false,
            postmortem_required: false,
            postmortem_done_at: None,
            updates: 0,
            reminders: 0,
            escalations: 0,
            budget: vec![],
        }
    }

    #[test]
    fn numbers_sum_and_selects_group() {
        let field = |key: &str, kind, options: &[&str]| sample(key, key, kind, options);
        let book = FieldBook {
            fields: vec![
                field("revenue", FieldKind::Number, &[]),
                field("region", FieldKind::MultiSelect, &["eu", "us"]),
                field("note", FieldKind::Text, &[]),
            ],
        };
        let a = facts_with(&[("revenue", "18000"), ("region", "eu,us")]);
        let b = facts_with(&[("revenue", "2000.5"), ("region", "eu")]);
        let c = facts_with(&[]);
        let s = stats(&book, &[&a, &b, &c]);
        assert_eq!(s.len(), 2, "text fields are not counted");
        assert_eq!((s[0].sum, s[0].incidents), (Some(20000.5), 2));
        let per: Vec<(&str, u32)> = s[1]
            .options
            .iter()
            .map(|o| (o.option.as_str(), o.incidents))
            .collect();
        assert_eq!(per, [("eu", 2), ("us", 1)]);
    }
}
