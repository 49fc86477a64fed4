//! The custom fields in the insights: for a number field (a revenue impact) its sum
//! over the incidents that have it, for a select its incidents per option (grouped by
//! region, by customer tier). And the repeat incidents: declared while a follow-up of
//! an earlier incident on the same service was still open.

use serde::Serialize;

use super::model::ActionFacts;
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

/// How many of the chosen incidents were declared while an action item of an earlier
/// incident (among `all`) on one of their services was still open.
pub fn repeats(all: &[IncidentFacts], actions: &[ActionFacts], chosen: &[&IncidentFacts]) -> u32 {
    chosen
        .iter()
        .filter(|i| {
            actions.iter().any(|a| {
                a.incident != i.id
                    && a.created_at <= i.declared_at
                    && a.done_at.is_none_or(|d| d > i.declared_at)
                    && all.iter().any(|e| {
                        e.id == a.incident
                            && e.declared_at < i.declared_at
                            && e.services.iter().any(|s| i.services.contains(s))
                    })
            })
        })
        .count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::{Ask, Field};

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
    fn an_incident_on_a_service_with_an_open_follow_up_is_a_repeat() {
        let at = |h: i64| chrono::Utc::now() + chrono::Duration::hours(h);
        let inc = |id: i64, h: i64, services: &[&str]| IncidentFacts {
            id,
            declared_at: at(h),
            services: services.iter().map(|s| s.to_string()).collect(),
            ..facts_with(&[])
        };
        let action = |incident: i64, h: i64, done: Option<i64>| ActionFacts {
            incident,
            owner: None,
            due: None,
            created_at: at(h),
            done_at: done.map(at),
        };
        let all = [
            inc(1, 0, &["api"]),
            inc(2, 10, &["api", "db"]),
            inc(3, 20, &["web"]),
            inc(4, 30, &["api"]),
        ];
        // INC-1's item was open when INC-2 came, and done before INC-4.
        let actions = [action(1, 1, Some(25))];
        let chosen: Vec<&IncidentFacts> = all.iter().collect();
        assert_eq!(repeats(&all, &actions, &chosen), 1);
        let still_open = [action(1, 1, None)];
        assert_eq!(repeats(&all, &still_open, &chosen), 2, "INC-2 and INC-4");
    }

    #[test]
    fn numbers_sum_and_selects_group() {
        let field = |key: &str, kind, options: &[&str]| Field {
            key: key.into(),
            label: key.into(),
            description: String::new(),
            kind,
            options: options.iter().map(|o| o.to_string()).collect(),
            ask: Ask::Any,
            types: vec![],
            headline: false,
        };
        let book = FieldBook {
            fields: vec![
                field("revenue", FieldKind::Number, &[]),
                field("region", FieldKind::MultiSelect, &["eu", "us"]),
                field("note", FieldKind::Text, &[]),
            ],
        };
        let facts = facts_with;
        let a = facts(&[("revenue", "18000"), ("region", "eu,us")]);
        let b = facts(&[("revenue", "2000.5"), ("region", "eu")]);
        let c = facts(&[]);
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
