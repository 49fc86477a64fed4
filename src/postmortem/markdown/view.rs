//! What a postmortem template is given: the record worked out into plain values
//! (every text a person typed already Markdown-safe, every time already formatted in
//! the draft's zone), so that a template only arranges them. The names here are the
//! contract with the teams' own templates: README "Publishing postmortems" lists them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Doc, TO_FILL, md_text, one_line};
use crate::domain::duration::human;
use crate::domain::error_budget::minutes;
use crate::domain::fields::FieldKind;
use crate::domain::text::escape;
use crate::domain::timeline::{Entry, EntryKind};
use crate::domain::{ActionItem, UserText};
use crate::postmortem::draft;

/// Everything a template may name.
#[derive(Debug, Serialize)]
pub struct View {
    /// `**[to fill]**`: marks what warroom cannot know.
    pub to_fill: &'static str,
    pub draft: DraftInfo,
    pub incident: IncidentInfo,
    pub impact: ImpactInfo,
    pub milestones: Vec<Milestone>,
    /// When impact began, if before the declaration.
    pub impact_began: Option<String>,
    pub timeline: Vec<Line>,
    pub roles: Vec<RoleLine>,
    pub participants: Vec<String>,
    /// Notes by kind: `cause`, `factor`, `went_well`, `went_poorly`, `lucky`.
    pub notes: Notes,
    /// What warroom saw for itself: `went_well`, `went_poorly`.
    pub recorded: Recorded,
    pub actions: Vec<Action>,
    /// Open action items of earlier incidents on the same services.
    pub earlier: Vec<Action>,
    pub checklist: Checklist,
    /// Notes whose wording may read as blame.
    pub blame: Vec<Blame>,
}

#[derive(Debug, Serialize)]
pub struct DraftInfo {
    pub version: i64,
    /// `2026-01-15 14:51`, in UTC.
    pub written_at: String,
}

#[derive(Debug, Serialize)]
pub struct IncidentInfo {
    /// `INC-12`.
    pub key: String,
    pub title: String,
    /// `SEV2`.
    pub severity: String,
    /// `Major`.
    pub severity_label: String,
    /// The incident type's key, if any.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub services: Vec<String>,
    /// `investigating`, `identified`, `monitoring` or `resolved`.
    pub status: String,
    pub resolved: bool,
    /// How long it took (`50 min`), or how long it has been open so far.
    pub duration: String,
    pub description: Option<String>,
    /// The resolution summary.
    pub resolution: Option<String>,
    /// Times carry their date (the incident spans days).
    pub multi_day: bool,
}

#[derive(Debug, Serialize)]
pub struct ImpactInfo {
    pub declared: String,
    pub resolved: Option<String>,
    /// The user-impact window and what opened and closed it.
    pub length: String,
    pub start_label: &'static str,
    pub start: String,
    pub end_label: &'static str,
    pub end: String,
    /// As recorded with `/incident impact`.
    pub users_affected: Option<String>,
    /// Custom fields with a value.
    pub fields: Vec<Field>,
    /// One of the fields is the revenue impact.
    pub revenue_known: bool,
    pub budgets: Vec<Budget>,
    /// Why no budget could be worked out, when none was.
    pub no_budget: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct Budget {
    /// Minutes, one decimal.
    pub consumed: String,
    pub budget: String,
    pub slo: String,
    /// `99.9`.
    pub target: String,
    pub window: String,
    /// Share of the window's budget in percent, one decimal.
    pub percent: String,
    /// Percent of requests affected.
    pub requests: String,
}

#[derive(Debug, Serialize)]
pub struct Milestone {
    pub label: &'static str,
    /// None: not recorded.
    pub time: Option<String>,
    /// `7 min`, `5 min before`, or `—`.
    pub since: String,
}

/// A timeline entry, or a note.
#[derive(Debug, Serialize)]
pub struct Line {
    pub time: String,
    pub who: String,
    /// The entry's kind as the timeline names it (`Root cause`, `Status`…).
    pub kind: &'static str,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct RoleLine {
    pub role: String,
    /// Holders' names, or `—`.
    pub who: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Notes {
    pub cause: Vec<Line>,
    pub factor: Vec<Line>,
    pub went_well: Vec<Line>,
    pub went_poorly: Vec<Line>,
    pub lucky: Vec<Line>,
}

#[derive(Debug, Serialize)]
pub struct Recorded {
    pub went_well: Vec<String>,
    pub went_poorly: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Action {
    /// `INC-12`: the incident the item belongs to.
    pub incident: String,
    pub seq: i64,
    pub text: String,
    pub owner: Option<String>,
    /// `P1`.
    pub priority: Option<String>,
    /// `2026-02-15`.
    pub due: Option<String>,
    pub done: bool,
    /// The ticket as a Markdown link (`[OPS-12](https://…)`), or its name.
    pub ticket: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Checklist {
    pub cause: bool,
    pub factors: bool,
    /// Every action item has an owner and a due date.
    pub complete: bool,
}

#[derive(Debug, Serialize)]
pub struct Blame {
    pub time: String,
    pub who: String,
    pub phrase: String,
    pub text: String,
}

/// The view of a draft.
pub(super) fn build(d: &Doc) -> View {
    let i = d.inputs;
    let f = d.facts;
    let actions = i.actions;
    View {
        to_fill: TO_FILL,
        draft: DraftInfo {
            version: i.version,
            written_at: i.generated_at.format("%Y-%m-%d %H:%M").to_string(),
        },
        incident: incident(d),
        impact: impact(d),
        milestones: milestones(d),
        impact_began: d
            .incident()
            .impact_started_at
            .filter(|t| *t < d.incident().declared_at)
            .map(|t| d.time(t)),
        timeline: i
            .entries
            .iter()
            // Drafts of the postmortem itself are not part of the incident's story.
            .filter(|e| e.kind != EntryKind::Postmortem)
            .map(|e| line(d, e))
            .collect(),
        roles: draft::role_lines(d.incident(), i.names, i.role_names)
            .into_iter()
            .map(|(role, who)| RoleLine { role, who })
            .collect(),
        participants: f.participants.iter().map(|u| d.name(u)).collect(),
        notes: notes(d),
        recorded: Recorded {
            went_well: f.went_well.clone(),
            went_poorly: f.went_poorly.clone(),
        },
        actions: actions.iter().map(|a| action(d, a)).collect(),
        earlier: i.earlier.iter().map(|a| action(d, a)).collect(),
        checklist: Checklist {
            cause: f.notes.contains_key("cause"),
            factors: f.notes.contains_key("factor") && !actions.is_empty(),
            complete: !actions.is_empty()
                && actions.iter().all(|a| a.owner.is_some() && a.due.is_some()),
        },
        blame: f
            .blame
            .iter()
            .map(|b| Blame {
                time: d.time(b.at),
                who: d.name(&b.actor),
                phrase: b.phrase.clone(),
                text: one_line(&d.plain(&b.text)),
            })
            .collect(),
    }
}

fn incident(d: &Doc) -> IncidentInfo {
    let inc = d.incident();
    let end = inc.resolved_at.unwrap_or(d.inputs.generated_at);
    let typed = |t: &UserText| Some(t).filter(|t| !t.is_empty()).map(|t| d.plain(t));
    IncidentInfo {
        key: inc.id.to_string(),
        title: one_line(&d.plain(&inc.title)),
        severity: inc.severity.to_string(),
        severity_label: inc.severity.label().to_string(),
        kind: inc.kind.clone(),
        services: inc.services.clone(),
        status: inc.status.key().to_string(),
        resolved: inc.resolved_at.is_some(),
        duration: human(end - inc.declared_at),
        description: inc
            .description
            .as_ref()
            .and_then(typed)
            .map(|s| s.trim().to_string()),
        resolution: inc.summary.as_ref().map(|s| d.plain(s)),
        multi_day: d.multi_day,
    }
}

fn impact(d: &Doc) -> ImpactInfo {
    let inc = d.incident();
    let f = d.facts;
    let (fields, revenue_known) = fields(d);
    ImpactInfo {
        declared: d.time(inc.declared_at),
        resolved: inc.resolved_at.map(|r| d.time(r)),
        length: human(f.impact_end - f.impact_start),
        start_label: if inc.impact_started_at.is_some() {
            "impact began"
        } else {
            "declared"
        },
        start: d.time(f.impact_start),
        end_label: if inc.mitigated_at.is_some() {
            "mitigated"
        } else if inc.resolved_at.is_some() {
            "resolved"
        } else {
            "now"
        },
        end: d.time(f.impact_end),
        users_affected: inc.impact.as_ref().map(|t| one_line(&d.plain(t))),
        fields,
        revenue_known,
        budgets: f
            .consumption
            .iter()
            .map(|c| Budget {
                consumed: minutes(c.consumed_minutes),
                budget: minutes(c.budget_minutes),
                slo: c.slo.name.clone(),
                target: c.slo.target.to_string(),
                window: human(c.slo.window),
                percent: format!("{:.1}", c.percent_of_budget),
                requests: (c.fraction * 100.0).to_string(),
            })
            .collect(),
        no_budget: f.consumption.is_empty().then(|| why_no_budget(d)),
    }
}

/// The incident's custom fields that have a value; true when one of them is the
/// revenue impact (then nothing is left to fill for it).
fn fields(d: &Doc) -> (Vec<Field>, bool) {
    let inc = d.incident();
    let mut revenue = false;
    let mut out = Vec::new();
    for f in d.inputs.fields.of_type(inc.kind.as_deref()) {
        let Some(v) = inc.fields.get(&f.key) else {
            continue;
        };
        let shown = match f.kind {
            FieldKind::User => md_text(&escape(&d.name(v))),
            _ => md_text(&escape(&f.show(v))),
        };
        out.push(Field {
            label: md_text(&escape(&f.label)),
            value: one_line(&shown),
        });
        revenue |= f.label.eq_ignore_ascii_case("revenue impact");
    }
    (out, revenue)
}

/// What is missing for the error budget to be worked out.
fn why_no_budget(d: &Doc) -> &'static str {
    let inc = d.incident();
    match (
        inc.impact_percent,
        inc.services.is_empty(),
        d.inputs.slos.is_empty(),
    ) {
        (None, _, _) => "no percentage of affected requests was recorded",
        (Some(_), true, _) => "no affected service was named (`/incident service <name>`)",
        (Some(_), false, true) => "no SLO is configured",
        (Some(_), false, false) => "no SLO is configured for the affected services",
    }
}

fn milestones(d: &Doc) -> Vec<Milestone> {
    let inc = d.incident();
    let declared = inc.declared_at;
    let since = |label: &str, t: DateTime<Utc>| {
        if label == "Declared" {
            "—".to_string()
        } else if t < declared {
            format!("{} before", human(declared - t))
        } else {
            human(t - declared)
        }
    };
    [
        ("Impact started", inc.impact_started_at),
        ("Declared", Some(declared)),
        ("Acknowledged", inc.acknowledged_at),
        ("Identified", inc.identified_at),
        ("Mitigated", inc.mitigated_at),
        ("Resolved", inc.resolved_at),
    ]
    .into_iter()
    .filter(|(label, t)| *label != "Impact started" || t.is_some())
    .map(|(label, t)| Milestone {
        label,
        time: t.map(|t| d.time(t)),
        since: t.map(|t| since(label, t)).unwrap_or_else(|| "—".into()),
    })
    .collect()
}

fn line(d: &Doc, e: &Entry) -> Line {
    Line {
        time: d.time(e.at),
        who: d.name(&e.actor),
        kind: e.kind.label(),
        text: one_line(&d.plain(&e.text)),
    }
}

fn notes(d: &Doc) -> Notes {
    let of = |key: &str| {
        d.facts
            .notes
            .get(key)
            .map(|n| n.iter().map(|e| line(d, e)).collect())
            .unwrap_or_default()
    };
    Notes {
        cause: of("cause"),
        factor: of("factor"),
        went_well: of("went-well"),
        went_poorly: of("went-poorly"),
        lucky: of("lucky"),
    }
}

fn action(d: &Doc, a: &ActionItem) -> Action {
    Action {
        incident: a.incident.to_string(),
        seq: a.seq,
        text: d.plain(&a.text),
        owner: a.owner.as_deref().map(|o| d.name(o)),
        priority: a.priority.map(|p| p.key().to_string()),
        due: a.due.map(|due| due.to_string()),
        done: a.done,
        ticket: ticket(a),
    }
}

/// The item's ticket as a Markdown link (`[OPS-12](https://…)`), its name alone when
/// its address is not a web address; None without one.
fn ticket(a: &ActionItem) -> Option<String> {
    let t = a.ticket.as_ref()?;
    let name = super::cell(&t.name.replace(['[', ']'], ""));
    Some(match t.web_url() {
        Some(u) => format!("[{name}]({})", u.replace('(', "%28").replace(')', "%29")),
        None => name,
    })
}
