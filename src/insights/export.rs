//! The insights as files: CSV (one figure per row: section, period, severity,
//! subject, metric, value; the same rows whatever the data, so spreadsheets and
//! scripts can pivot them) and Markdown (for `warroom report` and for pasting).
//! JSON is the [`Report`] itself, serialized.

use super::fields::FieldStat;
use crate::domain::Severity;
use std::fmt::Write as _;

use super::model::{
    ActionStats, Bucket, BudgetRow, Discipline, Phase, PostmortemStats, Report, ServiceCount,
    Timing,
};

/// The CSV header.
pub const CSV_HEADER: [&str; 6] = [
    "section", "period", "severity", "subject", "metric", "value",
];

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{}", (v * 100.0).round() / 100.0)
    } else {
        String::new()
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

fn phase_key(p: Phase) -> &'static str {
    match p {
        Phase::Acknowledge => "acknowledge",
        Phase::Identify => "identify",
        Phase::Mitigate => "mitigate",
        Phase::Resolve => "resolve",
    }
}

/// Every figure of the report as rows of [`CSV_HEADER`].
pub fn rows(r: &Report) -> Vec<[String; 6]> {
    let mut out = Rows::default();
    out.push(["total", "", "", ""], "incidents", r.incidents.to_string());
    counts(&mut out, r);
    services(&mut out, &r.by_service);
    timings(&mut out, &r.timings);
    budgets(&mut out, &r.budgets);
    actions(&mut out, &r.actions);
    postmortems(&mut out, &r.postmortems);
    discipline(&mut out, &r.discipline);
    fields(&mut out, &r.fields);
    out.0
}

/// The custom fields: a number's sum, a select's incidents per option.
fn fields(out: &mut Rows, fields: &[FieldStat]) {
    for f in fields {
        let at = ["field", "", "", f.key.as_str()];
        if let Some(sum) = f.sum {
            out.push(at, "sum", num(sum));
        }
        out.push(at, "incidents", f.incidents.to_string());
        for o in &f.options {
            let subject = format!("{}={}", f.key, o.option);
            out.push(
                ["field", "", "", &subject],
                "incidents",
                o.incidents.to_string(),
            );
        }
    }
}

/// The rows so far, in the order they are written.
#[derive(Default)]
struct Rows(Vec<[String; 6]>);

impl Rows {
    /// One figure: where it belongs (section, period, severity, subject), its
    /// metric and its value.
    fn push(&mut self, at: [&str; 4], metric: &str, v: String) {
        let [section, period, sev, subject] = at;
        self.0.push([
            section.into(),
            period.into(),
            sev.into(),
            subject.into(),
            metric.into(),
            v,
        ]);
    }

    /// Several figures that share the first four columns, in the order given.
    fn figures<'a>(&mut self, at: [&str; 4], figures: impl IntoIterator<Item = (&'a str, String)>) {
        for (metric, v) in figures {
            self.push(at, metric, v);
        }
    }
}

/// Incidents per week, then per month, one row per severity.
fn counts(out: &mut Rows, r: &Report) {
    for (section, buckets) in [("week", &r.by_week), ("month", &r.by_month)] {
        for b in buckets.iter() {
            for (sev, n) in r.severities.iter().zip(&b.counts) {
                out.push(
                    [section, &b.label, sev.key(), ""],
                    "incidents",
                    n.to_string(),
                );
            }
        }
    }
}

/// Incidents per service.
fn services(out: &mut Rows, services: &[ServiceCount]) {
    for s in services {
        let at = ["service", "", "", s.service.as_str()];
        out.push(at, "incidents", s.incidents.to_string());
    }
}

/// Response times per month, severity and phase.
fn timings(out: &mut Rows, timings: &[Timing]) {
    for t in timings {
        out.figures(
            ["timing", &t.month, t.severity.key(), phase_key(t.phase)],
            [
                ("n", t.n.to_string()),
                ("median_minutes", opt(t.median_minutes)),
                ("p90_minutes", opt(t.p90_minutes)),
                ("target_minutes", opt(t.target_minutes)),
                ("within_target_percent", opt(t.within_target_percent)),
            ],
        );
    }
}

/// Error budget per SLO and month.
fn budgets(out: &mut Rows, budgets: &[BudgetRow]) {
    for b in budgets {
        out.figures(
            ["budget", &b.month, "", &b.slo],
            [
                ("consumed_minutes", num(b.consumed_minutes)),
                ("budget_minutes", num(b.budget_minutes)),
                ("percent", num(b.percent)),
                ("policy", b.policy.clone()),
                ("incidents", b.incidents.to_string()),
            ],
        );
    }
}

/// Action items: the totals, then per owner.
fn actions(out: &mut Rows, a: &ActionStats) {
    out.figures(
        ["actions", "", "", ""],
        [
            ("opened", a.opened.to_string()),
            ("closed", a.closed.to_string()),
            ("overdue", a.overdue.to_string()),
            ("closed_on_time_percent", opt(a.closed_on_time_percent)),
            ("repeat_incidents", a.repeat_incidents.to_string()),
            ("in_tracker", a.in_tracker.to_string()),
        ],
    );
    for o in &a.by_owner {
        out.figures(
            ["owner", "", "", &o.owner],
            [
                ("opened", o.opened.to_string()),
                ("closed", o.closed.to_string()),
                ("overdue", o.overdue.to_string()),
            ],
        );
    }
}

/// Postmortems owed and done, and how long they took.
fn postmortems(out: &mut Rows, p: &PostmortemStats) {
    out.figures(
        ["postmortems", "", "", ""],
        [
            ("owed", p.owed.to_string()),
            ("done", p.done.to_string()),
            ("median_days_to_done", opt(p.median_days_to_done)),
        ],
    );
}

/// Update discipline: updates, the reminders and escalations it took.
fn discipline(out: &mut Rows, d: &Discipline) {
    out.figures(
        ["discipline", "", "", ""],
        [
            ("updates", d.updates.to_string()),
            ("reminders", d.reminders.to_string()),
            ("escalations", d.escalations.to_string()),
            (
                "incidents_with_late_updates",
                d.incidents_with_late_updates.to_string(),
            ),
        ],
    );
}

/// The report as CSV.
pub fn csv(r: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_HEADER);
    for row in rows(r) {
        let _ = w.write_record(&row);
    }
    w.into_inner()
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

/// The report as Markdown.
pub fn markdown(r: &Report) -> String {
    let mut w = String::new();
    let _ = writeln!(
        w,
        "# Incident insights, {} to {} ({})\n",
        r.since.format("%Y-%m-%d"),
        r.until.format("%Y-%m-%d"),
        r.timezone
    );
    let _ = writeln!(w, "Incidents: {}\n", r.incidents);
    md_months(&mut w, &r.by_month, &r.severities);
    md_services(&mut w, &r.by_service);
    md_timings(&mut w, &r.timings);
    md_budgets(&mut w, &r.budgets);
    md_follow_through(&mut w, &r.actions, &r.postmortems);
    md_fields(&mut w, &r.fields);
    md_discipline(&mut w, &r.discipline);
    w
}

/// A percentage with its sign, or nothing.
fn percent(v: Option<f64>) -> Option<String> {
    v.map(|p| format!("{}%", num(p)))
}

/// `## Incidents per month`: a row per month, a column per severity.
fn md_months(w: &mut String, months: &[Bucket], severities: &[Severity]) {
    let names: String = severities.iter().map(|s| format!(" {s} |")).collect();
    let rule = "---|".repeat(severities.len() + 2);
    let _ = writeln!(
        w,
        "## Incidents per month\n\n| month |{names} total |\n|{rule}"
    );
    for b in months {
        let counts: String = b.counts.iter().map(|n| format!(" {n} |")).collect();
        let _ = writeln!(w, "| {} |{counts} {} |", b.label, b.total());
    }
}

/// `## Fields`: sums and incidents per option.
fn md_fields(w: &mut String, fields: &[FieldStat]) {
    if fields.is_empty() {
        return;
    }
    let _ = writeln!(w, "\n## Fields\n\n| field | what | value |\n|---|---|---|");
    for f in fields {
        if let Some(sum) = f.sum {
            let _ = writeln!(w, "| {} | total | {} |", f.label, num(sum));
        }
        let _ = writeln!(
            w,
            "| {} | incidents with a value | {} |",
            f.label, f.incidents
        );
        for o in &f.options {
            let _ = writeln!(w, "| {} | {} | {} |", f.label, o.option, o.incidents);
        }
    }
}

/// `## By service`.
fn md_services(w: &mut String, services: &[ServiceCount]) {
    let _ = writeln!(w, "\n## By service\n\n| service | incidents |\n|---|---|");
    for s in services {
        let _ = writeln!(w, "| {} | {} |", s.service, s.incidents);
    }
}

/// `## Response times (minutes)`: per month, severity and phase, against the target.
fn md_timings(w: &mut String, timings: &[Timing]) {
    let _ = writeln!(
        w,
        "\n## Response times (minutes)\n\n| month | severity | phase | n | median | p90 | target | within target |\n|---|---|---|---|---|---|---|---|"
    );
    for t in timings {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            t.month,
            t.severity,
            phase_key(t.phase),
            t.n,
            opt(t.median_minutes),
            opt(t.p90_minutes),
            opt(t.target_minutes),
            percent(t.within_target_percent).unwrap_or_default()
        );
    }
}

/// `## Error budget`: per SLO and month.
fn md_budgets(w: &mut String, budgets: &[BudgetRow]) {
    let _ = writeln!(
        w,
        "\n## Error budget\n\n| SLO | month | consumed (min) | budget (min) | % | policy |\n|---|---|---|---|---|---|"
    );
    for b in budgets {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            b.slo,
            b.month,
            num(b.consumed_minutes),
            num(b.budget_minutes),
            num(b.percent),
            b.policy
        );
    }
}

/// `## Follow-through`: action items and postmortems.
fn md_follow_through(w: &mut String, a: &ActionStats, p: &PostmortemStats) {
    let _ = writeln!(
        w,
        "\n## Follow-through\n\n- Action items: {} opened, {} closed, {} overdue, {} closed by their due date\n- Repeat incidents (declared while an earlier incident's follow-up on their service was open): {}\n- In the team's tracker: {} of the action items\n- Postmortems: {} owed, {} done, median {} days from resolution to done",
        a.opened,
        a.closed,
        a.overdue,
        percent(a.closed_on_time_percent).unwrap_or_else(|| "n/a".into()),
        a.repeat_incidents,
        a.in_tracker,
        p.owed,
        p.done,
        opt(p.median_days_to_done)
    );
}

/// `## Update discipline`.
fn md_discipline(w: &mut String, d: &Discipline) {
    let _ = writeln!(
        w,
        "\n## Update discipline\n\n- {} updates, {} late-update reminders, {} escalations; {} incidents had a late update",
        d.updates, d.reminders, d.escalations, d.incidents_with_late_updates
    );
}
