//! The Impact section: how long the incident and its user impact lasted, who was
//! affected, and how much error budget it consumed; what warroom cannot know (revenue,
//! data) is left to fill.

use std::fmt::Write;

use super::{Doc, TO_FILL, md_text, one_line};
use crate::domain::duration::human;
use crate::domain::error_budget::minutes;
use crate::domain::fields::FieldKind;
use crate::domain::text::escape;

/// `## Impact`.
pub(super) fn section(w: &mut String, d: &Doc) {
    let _ = writeln!(w, "## Impact");
    let _ = writeln!(w);
    duration(w, d);
    user_impact(w, d);
    users_affected(w, d);
    let revenue_known = custom_fields(w, d);
    if !revenue_known {
        let _ = writeln!(w, "- Revenue impact: {TO_FILL}");
    }
    error_budget(w, d);
    let _ = writeln!(w, "- Data lost or corrupted: {TO_FILL}");
    let _ = writeln!(w);
}

/// The incident's custom fields that have a value, one line each; true when one of
/// them is the revenue impact (then nothing is left to fill for it).
fn custom_fields(w: &mut String, d: &Doc) -> bool {
    let inc = d.incident();
    let mut revenue = false;
    for f in d.inputs.fields.of_type(inc.kind.as_deref()) {
        let Some(v) = inc.fields.get(&f.key) else {
            continue;
        };
        let shown = match f.kind {
            FieldKind::User => md_text(&escape(&d.name(v))),
            _ => md_text(&escape(&f.show(v))),
        };
        let _ = writeln!(w, "- {}: {}", md_text(&escape(&f.label)), one_line(&shown));
        revenue |= f.label.eq_ignore_ascii_case("revenue impact");
    }
    revenue
}

/// From declaration to resolution, or to now when it is not resolved yet.
fn duration(w: &mut String, d: &Doc) {
    let inc = d.incident();
    match inc.resolved_at {
        Some(r) => {
            let _ = writeln!(
                w,
                "- Duration: {} (declared {} → resolved {} UTC)",
                human(r - inc.declared_at),
                d.time(inc.declared_at),
                d.time(r)
            );
        }
        None => {
            let _ = writeln!(
                w,
                "- Duration: {} so far (declared {} UTC; not resolved yet)",
                human(d.inputs.generated_at - inc.declared_at),
                d.time(inc.declared_at)
            );
        }
    }
}

/// The impact window, named by what opened and closed it.
fn user_impact(w: &mut String, d: &Doc) {
    let inc = d.incident();
    let f = d.facts;
    let end_label = if inc.mitigated_at.is_some() {
        "mitigated"
    } else if inc.resolved_at.is_some() {
        "resolved"
    } else {
        "now"
    };
    let start_label = if inc.impact_started_at.is_some() {
        "impact began"
    } else {
        "declared"
    };
    let _ = writeln!(
        w,
        "- User impact: {} ({start_label} {} → {end_label} {} UTC)",
        human(f.impact_end - f.impact_start),
        d.time(f.impact_start),
        d.time(f.impact_end)
    );
}

/// The impact as recorded with `/incident impact`, or how to record it.
fn users_affected(w: &mut String, d: &Doc) {
    match &d.incident().impact {
        Some(text) => {
            let _ = writeln!(w, "- Users affected: {}", one_line(&d.plain(text)));
        }
        None => {
            let _ = writeln!(
                w,
                "- Users affected: {TO_FILL} (record it with `/incident impact <text, e.g. 12% of requests fail>`)"
            );
        }
    }
}

/// One line per SLO of an affected service, or why none could be worked out.
fn error_budget(w: &mut String, d: &Doc) {
    let f = d.facts;
    if f.consumption.is_empty() {
        let _ = writeln!(
            w,
            "- Error budget consumed: {TO_FILL} ({})",
            why_no_budget(d)
        );
        return;
    }
    for c in &f.consumption {
        let _ = writeln!(
            w,
            "- Error budget consumed: {} min of the {} min budget of `{}` ({}% over {}): {:.1}% — {} of impact × {}% of requests",
            minutes(c.consumed_minutes),
            minutes(c.budget_minutes),
            c.slo.name,
            c.slo.target,
            human(c.slo.window),
            c.percent_of_budget,
            human(f.impact_end - f.impact_start),
            c.fraction * 100.0
        );
    }
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
