//! The forms (Slack modals): declaring an incident, resolving it, and posting an
//! update.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::format::who;
use super::updates::{impact, update_title};
use crate::app::entry::controls::Form;
use crate::chat::{Input, InputKind, Modal};
use crate::domain::fields::{Ask, Field, FieldBook, FieldKind, Values};
use crate::domain::incident::truncate_chars;
use crate::domain::incident_type::{NO_TYPE, TypeBook};
use crate::domain::severity::Scale;
use crate::domain::{Incident, Severity};

/// A severity as the form's select shows it: `SEV1 — Critical (< 5 minutes)`, within
/// Slack's 75 characters.
fn option_label(s: Severity) -> String {
    let mut label = s.to_string();
    if !s.label().is_empty() {
        label.push_str(&format!(" — {}", s.label()));
    }
    if !s.response_time().is_empty() {
        label.push_str(&format!(" ({})", s.response_time()));
    }
    truncate_chars(&label, 75)
}

/// Under the select: when to choose each level, from the levels' descriptions (none
/// when no level has one).
fn severity_hint(scale: &Scale) -> Option<String> {
    let lines: Vec<String> = scale
        .all()
        .filter(|s| !s.level().description.is_empty())
        .map(|s| format!("{s}: {}", s.level().description))
        .collect();
    (!lines.is_empty()).then(|| truncate_chars(&lines.join(" · "), 1900))
}

/// The form behind `declare` without a title.
pub(crate) fn declare_modal(
    default: Severity,
    origin_channel: &str,
    types: &TypeBook,
    kind: Option<&str>,
    (scale, fields): (&Scale, &FieldBook),
) -> Modal {
    let mut modal = Modal {
        callback_id: Form::Declare.id().into(),
        title: "Declare an incident".into(),
        submit: "Declare".into(),
        private_metadata: origin_channel.to_string(),
        intro: None,
        inputs: vec![
            Input {
                id: "title".into(),
                label: "Title".into(),
                kind: InputKind::Text {
                    multiline: false,
                    initial: None,
                    max_length: Some(crate::domain::command::MAX_TITLE),
                },
                optional: false,
                hint: Some("What is broken, as users see it: \"API error rate at 12%\"".into()),
            },
            Input {
                id: "severity".into(),
                label: "Severity".into(),
                kind: InputKind::Select {
                    options: scale
                        .all()
                        .map(|s| (s.key().to_string(), option_label(s)))
                        .collect(),
                    initial: Some(default.key().to_string()),
                },
                optional: false,
                hint: severity_hint(scale),
            },
            Input {
                id: "description".into(),
                label: "Description".into(),
                kind: InputKind::Text {
                    multiline: true,
                    initial: None,
                    max_length: Some(2900),
                },
                optional: true,
                hint: None,
            },
            Input {
                id: "private".into(),
                label: "Visibility".into(),
                kind: InputKind::Checkbox {
                    label: "Private incident (private channel, no announcement)".into(),
                    initial: false,
                },
                optional: true,
                hint: None,
            },
        ],
    };
    if !types.types.is_empty() {
        modal.inputs.insert(1, type_select(types, kind));
    }
    let asked = fields.fields.iter().filter(|f| f.ask == Ask::Declare);
    modal
        .inputs
        .extend(field_inputs(asked, &Values::new(), &[]));
    modal
}

/// One input per field, showing its value now; optional unless `required` names it
/// (the declare form checks a type's required fields once the type is chosen).
pub(crate) fn field_inputs<'a>(
    fields: impl Iterator<Item = &'a Field>,
    current: &Values,
    required: &[String],
) -> Vec<Input> {
    fields
        .map(|f| {
            let now = current.get(&f.key).cloned();
            let kind = match f.kind {
                FieldKind::Select => InputKind::Select {
                    options: f.options.iter().map(|o| (o.clone(), o.clone())).collect(),
                    initial: now,
                },
                _ => InputKind::Text {
                    multiline: false,
                    initial: now,
                    max_length: Some(crate::domain::fields::MAX_VALUE),
                },
            };
            let how = match f.kind {
                FieldKind::MultiSelect => format!(
                    "One or more of {}, separated by commas.",
                    f.options.join(", ")
                ),
                FieldKind::Number => "A number, e.g. 18000.".into(),
                FieldKind::User => "The person's Slack member ID (U012ABCDEF).".into(),
                FieldKind::Url => "A link, https://…".into(),
                FieldKind::Date => "A date, YYYY-MM-DD.".into(),
                _ => String::new(),
            };
            let hint = [f.description.trim(), how.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            Input {
                id: crate::domain::fields::input_id(&f.key),
                label: truncate_chars(&f.label, 48),
                kind,
                optional: !required.contains(&f.key),
                hint: (!hint.is_empty()).then_some(hint),
            }
        })
        .collect()
}

/// The type select: "No type", then each configured type with its description
/// (Slack shows at most 75 characters of an option).
fn type_select(types: &TypeBook, kind: Option<&str>) -> Input {
    let mut options = vec![(NO_TYPE.to_string(), "No type".to_string())];
    for t in &types.types {
        let label = if t.description.trim().is_empty() {
            t.name.clone()
        } else {
            format!("{} — {}", t.name, t.description.trim())
        };
        options.push((t.key.clone(), truncate_chars(&label, 75)));
    }
    Input {
        id: "type".into(),
        label: "Type".into(),
        kind: InputKind::Select {
            options,
            initial: Some(kind.unwrap_or(NO_TYPE).to_string()),
        },
        optional: false,
        hint: Some(
            "A type brings its defaults: private, who is invited, the channel's name.".into(),
        ),
    }
}

/// The resolve form: the summary, then the fields asked at resolution for the
/// incident's type (`required`: those its type requires).
pub(crate) fn resolve_modal(inc: &Incident, fields: &FieldBook, required: &[String]) -> Modal {
    let asked = fields
        .of_type(inc.kind.as_deref())
        .filter(|f| f.ask == Ask::Resolve);
    let mut modal = Modal {
        callback_id: Form::Resolve.id().into(),
        title: format!("Resolve {}", inc.id),
        submit: "Resolve".into(),
        private_metadata: inc.id.0.to_string(),
        intro: Some(format!(
            "*{}: {}*\nWhat fixed it? The summary goes on the timeline, the announcement and the postmortem.",
            inc.id,
            inc.title.mrkdwn()
        )),
        inputs: vec![Input {
            id: "summary".into(),
            label: "Resolution summary".into(),
            kind: InputKind::Text {
                multiline: true,
                initial: None,
                max_length: Some(2900),
            },
            optional: false,
            hint: None,
        }],
    };
    modal
        .inputs
        .extend(field_inputs(asked, &inc.fields, required));
    modal
}

/// The "Post update" form: the seed's update as it will be posted, with the part
/// people write (current actions) pre-filled from the timeline and editable. Status,
/// impact and IC come from the incident itself, so the update cannot contradict it.
/// The draft is plain text (a form field shows no markup), mentions as names.
pub(crate) fn update_modal(inc: &Incident, draft: String, now: DateTime<Utc>, tz: Tz) -> Modal {
    let draft = crate::domain::text::safe_prefix(&draft, crate::domain::command::MAX_TEXT);
    Modal {
        callback_id: Form::Update.id().into(),
        title: format!("Update {}", inc.id),
        submit: "Post update".into(),
        private_metadata: inc.id.0.to_string(),
        intro: Some(format!(
            "*{}*\n*Status*: {}\n*Impact*: {}\n*IC*: {}",
            crate::domain::text::escape(&update_title(inc, now, tz)),
            inc.status,
            impact(inc),
            who(inc.commander()),
        )),
        inputs: vec![Input {
            id: "text".into(),
            label: "Current actions".into(),
            kind: InputKind::Text {
                multiline: true,
                initial: Some(draft),
                max_length: Some(2900),
            },
            optional: false,
            hint: Some(
                "Posted under the header above, with the next update time. Change status, impact or roles with /incident status|impact|role."
                    .into(),
            ),
        }],
    }
}
