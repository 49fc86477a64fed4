//! The insights page's sections: the headline figures, incidents per week and month,
//! by service, response times, error budgets, follow-through and update
//! discipline. Each is a heading, how its figures are computed, a chart and a table
//! of the same numbers; text reaches the markup only through `esc` (directly, or in
//! [`table`] and the chart primitives).

use std::collections::BTreeSet;

use super::{days, minutes, percent, section, table};
use crate::domain::Severity;
use crate::html::esc;
use crate::insights::model::{Bucket, Phase, Report, Timing};
use crate::insights::svg::{
    Series, Stack, colour_of, horizontal_bars, line_chart, percent_bars, short, stacked_bars,
};

const MEDIAN_COLOUR: &str = "#1d1d1f";
const P90_COLOUR: &str = "#9b59b6";
const BAR_COLOUR: &str = "#2f6f9f";

/// The four headline figures.
pub(super) fn headline(r: &Report) -> String {
    let resolve = r
        .median_resolve_minutes()
        .map(minutes)
        .unwrap_or_else(|| "—".into());
    let budgets = r.budget_by_slo();
    let (budget, budget_note) = match budgets.first() {
        Some((slo, p)) => (format!("{} %", short(*p)), format!("worst SLO: {slo}")),
        None => ("—".to_string(), "no budget consumed".to_string()),
    };
    let figures = [
        ("Incidents", r.incidents.to_string(), String::new()),
        ("Median time to resolve", resolve, "all severities".into()),
        ("Error budget consumed", budget, budget_note),
        (
            "Action items overdue",
            r.actions.overdue.to_string(),
            String::new(),
        ),
    ];
    let mut s = String::from("<section id=\"headline\"><h2>Headline</h2>");
    s.push_str(&format!("<p class=\"how\">{}</p><dl class=\"headline\">", esc(
        "Median time to resolve: from declaration to final resolution, the median over all incidents resolved. Error budget: the SLO that consumed most, summed over the months."
    )));
    for (name, value, note) in figures {
        s.push_str(&format!(
            "<div><dt>{}</dt><dd>{}</dd>{}</div>",
            esc(name),
            esc(&value),
            if note.is_empty() {
                String::new()
            } else {
                format!("<dd class=\"muted\">{}</dd>", esc(&note))
            }
        ));
    }
    s.push_str("</dl></section>");
    s
}

/// The colour key of the severities, in the charts' colours.
fn severity_legend(severities: &[Severity]) -> String {
    let mut s = String::from("<ul class=\"legend\">");
    for sev in severities {
        s.push_str(&format!(
            "<li><span class=\"swatch\" style=\"background: {}\"></span>{}</li>",
            esc(colour_of(*sev)),
            esc(&sev.to_string())
        ));
    }
    s.push_str("</ul>");
    s
}

/// Buckets as table rows: label, one count per severity, the total.
fn bucket_rows(buckets: &[Bucket]) -> Vec<Vec<String>> {
    buckets
        .iter()
        .map(|b| {
            let mut row = vec![b.label.clone()];
            row.extend(b.counts.iter().map(u32::to_string));
            row.push(b.total().to_string());
            row
        })
        .collect()
}

/// Incidents per week (chart and table) and per month (table).
pub(super) fn volume(r: &Report) -> String {
    let names: Vec<String> = r.severities.iter().map(ToString::to_string).collect();
    let stacks: Vec<Stack> = r
        .by_week
        .iter()
        .map(|b| Stack {
            label: b.label.clone(),
            parts: b.counts.iter().map(|&c| f64::from(c)).collect(),
        })
        .collect();
    let chart = format!(
        "{}{}",
        stacked_bars(
            "Incidents per week, stacked by severity",
            &stacks,
            &names.iter().map(String::as_str).collect::<Vec<_>>(),
            &r.severities
                .iter()
                .map(|s| colour_of(*s))
                .collect::<Vec<_>>()
        ),
        severity_legend(&r.severities)
    );
    let head = |first: &'static str| {
        std::iter::once(first)
            .chain(names.iter().map(String::as_str))
            .chain(["Total"])
            .collect::<Vec<_>>()
    };
    let mut tables = table(
        "Incidents per week",
        &head("Week"),
        &bucket_rows(&r.by_week),
    );
    let head = head("Month");
    tables.push_str(&table(
        "Incidents per month",
        &head,
        &bucket_rows(&r.by_month),
    ));
    section(
        "volume",
        "Incidents per week",
        "Incidents declared in each week (and month, below), by their severity now, in the report's time zone.",
        &chart,
        &tables,
    )
}

/// The number fields' totals and the selects' incidents per option; nothing when no
/// such field is configured.
pub(super) fn fields(r: &Report) -> String {
    if r.fields.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = r
        .fields
        .iter()
        .flat_map(|f| {
            let total = f.sum.map(|s| {
                vec![
                    f.label.clone(),
                    "total".into(),
                    crate::domain::fields::format_number(s),
                ]
            });
            let set = vec![
                f.label.clone(),
                "incidents with a value".into(),
                f.incidents.to_string(),
            ];
            let per = f
                .options
                .iter()
                .map(|o| vec![f.label.clone(), o.option.clone(), o.incidents.to_string()]);
            total
                .into_iter()
                .chain([set])
                .chain(per)
                .collect::<Vec<_>>()
        })
        .collect();
    section(
        "fields",
        "Your fields",
        "Number fields summed over the incidents that have them; select fields counted per option (an incident may count under several).",
        "",
        &table("Fields", &["Field", "What", "Value"], &rows),
    )
}

/// Incidents per service, most first as the report orders them.
pub(super) fn services(r: &Report) -> String {
    let rows: Vec<(String, f64)> = r
        .by_service
        .iter()
        .map(|s| (s.service.clone(), f64::from(s.incidents)))
        .collect();
    let chart = horizontal_bars("Incidents by service", &rows, BAR_COLOUR);
    let cells: Vec<Vec<String>> = r
        .by_service
        .iter()
        .map(|s| vec![s.service.clone(), s.incidents.to_string()])
        .collect();
    section(
        "services",
        "Incidents by service",
        "Incidents that affected each service; an incident affecting two services counts for both.",
        &chart,
        &table("Incidents by service", &["Service", "Incidents"], &cells),
    )
}

/// One small chart per severity and phase: median and p90 per month, and the target.
fn timing_multiple(sev: Severity, phase: Phase, months: &[&str], group: &[&Timing]) -> String {
    let at = |m: &str, f: fn(&Timing) -> Option<f64>| {
        group.iter().find(|t| t.month == m).and_then(|t| f(t))
    };
    let series = [
        Series {
            name: "median".into(),
            colour: MEDIAN_COLOUR,
            values: months.iter().map(|m| at(m, |t| t.median_minutes)).collect(),
        },
        Series {
            name: "p90".into(),
            colour: P90_COLOUR,
            values: months.iter().map(|m| at(m, |t| t.p90_minutes)).collect(),
        },
    ];
    let target = group.iter().find_map(|t| t.target_minutes);
    let title = format!("{sev} · {}", phase.label());
    // The charts have no value axis: the caption gives the latest figures in words.
    let latest = group.iter().max_by(|a, b| a.month.cmp(&b.month));
    let opt = |v: Option<f64>| v.map(minutes).unwrap_or_else(|| "—".into());
    let mut caption = match latest {
        Some(t) => format!(
            "{title}: {} median {}, p90 {}",
            t.month,
            opt(t.median_minutes),
            opt(t.p90_minutes)
        ),
        None => title.clone(),
    };
    if let Some(t) = target {
        caption.push_str(&format!(" (target {})", minutes(t)));
    }
    format!(
        "<figure>{}<figcaption>{}</figcaption></figure>",
        line_chart(&title, months, &series, target),
        esc(&caption)
    )
}

/// Response times per severity and phase, as small multiples and one table.
pub(super) fn timings(r: &Report) -> String {
    let months: Vec<&str> = r
        .timings
        .iter()
        .map(|t| t.month.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut charts = String::from(
        "<ul class=\"legend\"><li><span class=\"swatch median\"></span>median</li><li><span class=\"swatch p90\"></span>p90</li><li><span class=\"swatch target\"></span>target</li></ul><div class=\"multiples\">",
    );
    for &sev in &r.severities {
        for phase in Phase::ALL {
            let group: Vec<&Timing> = r
                .timings
                .iter()
                .filter(|t| t.severity == sev && t.phase == phase)
                .collect();
            if !group.is_empty() {
                charts.push_str(&timing_multiple(sev, phase, &months, &group));
            }
        }
    }
    charts.push_str("</div>");
    if r.timings.is_empty() {
        charts = "<p class=\"muted\">No response times in this period.</p>".into();
    }
    let mut sorted: Vec<&Timing> = r.timings.iter().collect();
    sorted.sort_by(|a, b| (&a.month, a.severity, a.phase).cmp(&(&b.month, b.severity, b.phase)));
    let cells: Vec<Vec<String>> = sorted.iter().map(|t| timing_row(t)).collect();
    let head = [
        "Month",
        "Severity",
        "Phase",
        "n",
        "Median",
        "p90",
        "Target",
        "Within target",
    ];
    section(
        "response",
        "Response times",
        "From the declaration to the first acknowledgement, identification, mitigation and final resolution: median and 90th percentile per month of the incidents that reached each phase.",
        &charts,
        &table("Response times per month", &head, &cells),
    )
}

fn timing_row(t: &Timing) -> Vec<String> {
    let opt = |v: Option<f64>| v.map(minutes).unwrap_or_else(|| "—".into());
    vec![
        t.month.clone(),
        t.severity.to_string(),
        t.phase.label().to_string(),
        t.n.to_string(),
        opt(t.median_minutes),
        opt(t.p90_minutes),
        opt(t.target_minutes),
        percent(t.within_target_percent),
    ]
}

/// Error budget consumed per SLO per month, with its policy level.
pub(super) fn budgets(r: &Report) -> String {
    let mut slos: Vec<&str> = Vec::new();
    for b in &r.budgets {
        if !slos.contains(&b.slo.as_str()) {
            slos.push(&b.slo);
        }
    }
    let mut charts = String::from("<div class=\"multiples wide\">");
    for slo in &slos {
        let rows: Vec<&_> = r.budgets.iter().filter(|b| b.slo == *slo).collect();
        let bars: Vec<(String, f64)> = rows.iter().map(|b| (b.month.clone(), b.percent)).collect();
        let policy = rows.last().map(|b| b.policy.as_str()).unwrap_or("");
        charts.push_str(&format!(
            "<figure>{}<figcaption>{}</figcaption></figure>",
            percent_bars(
                &format!("{slo}: error budget consumed per month"),
                &bars,
                &[50.0, 100.0]
            ),
            esc(&format!("{slo} — policy: {policy}"))
        ));
    }
    charts.push_str("</div>");
    if slos.is_empty() {
        charts = "<p class=\"muted\">No error budget consumed in this period.</p>".into();
    }
    let cells: Vec<Vec<String>> = r
        .budgets
        .iter()
        .map(|b| {
            vec![
                b.slo.clone(),
                b.month.clone(),
                minutes(b.consumed_minutes),
                minutes(b.budget_minutes),
                percent(Some(b.percent)),
                b.policy.clone(),
                b.incidents.to_string(),
                percent(b.measured_percent),
            ]
        })
        .collect();
    let head = [
        "SLO",
        "Month",
        "Consumed",
        "Budget",
        "Used",
        "Policy",
        "Incidents",
        "Measured",
    ];
    section(
        "budget",
        "Error budget",
        "Minutes of equivalent full downtime the incidents cost each SLO, as a percent of its budget for the month; dashed lines at 50 % and 100 %. Measured: the error ratio the SLO watcher's query gives in Prometheus over the month, as a percent of the budget.",
        &charts,
        &table("Error budget per SLO and month", &head, &cells),
    )
}

/// An owner as plain text: `@U123` (never Slack markup), or as given when unassigned.
fn owner_text(owner: &str) -> String {
    if owner == "unassigned" || owner.is_empty() {
        "unassigned".into()
    } else {
        format!("@{owner}")
    }
}

/// Action items and postmortems: how much of the follow-up got done, and when.
pub(super) fn follow_through(r: &Report) -> String {
    let a = &r.actions;
    let rows = [
        ("Opened".to_string(), f64::from(a.opened)),
        ("Closed".to_string(), f64::from(a.closed)),
        ("Overdue".to_string(), f64::from(a.overdue)),
    ];
    let chart = horizontal_bars("Action items", &rows, BAR_COLOUR);
    let mut tables = table(
        "Action items",
        &[
            "Opened",
            "Closed",
            "Overdue",
            "Closed on time",
            "Repeat incidents",
            "In the tracker",
        ],
        &[vec![
            a.opened.to_string(),
            a.closed.to_string(),
            a.overdue.to_string(),
            percent(a.closed_on_time_percent),
            a.repeat_incidents.to_string(),
            a.in_tracker.to_string(),
        ]],
    );
    let owners: Vec<Vec<String>> = a
        .by_owner
        .iter()
        .map(|o| {
            vec![
                owner_text(&o.owner),
                o.opened.to_string(),
                o.closed.to_string(),
                o.overdue.to_string(),
            ]
        })
        .collect();
    tables.push_str(&table(
        "Action items by owner",
        &["Owner", "Opened", "Closed", "Overdue"],
        &owners,
    ));
    let p = &r.postmortems;
    tables.push_str(&table(
        "Postmortems",
        &["Owed", "Done", "Median days to done"],
        &[vec![
            p.owed.to_string(),
            p.done.to_string(),
            p.median_days_to_done
                .map(days)
                .unwrap_or_else(|| "—".into()),
        ]],
    ));
    section(
        "follow-through",
        "Follow-through",
        "Action items of these incidents: overdue means open past the due date; closed on time is the share of closed items with a due date closed by it. Postmortems are owed by resolved incidents whose severity requires one.",
        &chart,
        &tables,
    )
}

/// Updates, reminders of late updates and escalations.
pub(super) fn discipline(r: &Report) -> String {
    let d = &r.discipline;
    let rows = [
        ("Updates".to_string(), f64::from(d.updates)),
        ("Reminders".to_string(), f64::from(d.reminders)),
        ("Escalations".to_string(), f64::from(d.escalations)),
    ];
    let chart = horizontal_bars("Update discipline", &rows, BAR_COLOUR);
    let share = (r.incidents > 0)
        .then(|| f64::from(d.incidents_with_late_updates) * 100.0 / f64::from(r.incidents));
    let late = format!(
        "{} ({})",
        d.incidents_with_late_updates,
        share
            .map(|s| format!("{} %", short(s)))
            .unwrap_or_else(|| "—".into())
    );
    section(
        "discipline",
        "Update discipline",
        "Formal updates posted, reminders sent because an update was late, escalations, and the incidents that had at least one late update.",
        &chart,
        &table(
            "Update discipline",
            &[
                "Updates",
                "Reminders (late updates)",
                "Escalations",
                "Incidents with late updates",
            ],
            &[vec![
                d.updates.to_string(),
                d.reminders.to_string(),
                d.escalations.to_string(),
                late,
            ]],
        ),
    )
}
