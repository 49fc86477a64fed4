//! The insights as files: CSV (one figure per row: section, period, severity,
//! subject, metric, value; the same rows whatever the data, so spreadsheets and
//! scripts can pivot them) and Markdown (for `warroom report` and for pasting).
//! JSON is the [`Report`] itself, serialized.

use std::fmt::Write as _;

use super::model::{Phase, Report};

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
    let mut out: Vec<[String; 6]> = Vec::new();
    let mut row = |s: &str, p: &str, sev: &str, subj: &str, m: &str, v: String| {
        out.push([s.into(), p.into(), sev.into(), subj.into(), m.into(), v]);
    };
    row("total", "", "", "", "incidents", r.incidents.to_string());
    for (section, buckets) in [("week", &r.by_week), ("month", &r.by_month)] {
        for b in buckets.iter() {
            for (i, n) in b.counts.iter().enumerate() {
                row(
                    section,
                    &b.label,
                    &format!("sev{}", i + 1),
                    "",
                    "incidents",
                    n.to_string(),
                );
            }
        }
    }
    for s in &r.by_service {
        row(
            "service",
            "",
            "",
            &s.service,
            "incidents",
            s.incidents.to_string(),
        );
    }
    for t in &r.timings {
        let (m, sev, ph) = (&t.month, t.severity.key(), phase_key(t.phase));
        row("timing", m, sev, ph, "n", t.n.to_string());
        row(
            "timing",
            m,
            sev,
            ph,
            "median_minutes",
            opt(t.median_minutes),
        );
        row("timing", m, sev, ph, "p90_minutes", opt(t.p90_minutes));
        row(
            "timing",
            m,
            sev,
            ph,
            "target_minutes",
            opt(t.target_minutes),
        );
        row(
            "timing",
            m,
            sev,
            ph,
            "within_target_percent",
            opt(t.within_target_percent),
        );
    }
    for b in &r.budgets {
        row(
            "budget",
            &b.month,
            "",
            &b.slo,
            "consumed_minutes",
            num(b.consumed_minutes),
        );
        row(
            "budget",
            &b.month,
            "",
            &b.slo,
            "budget_minutes",
            num(b.budget_minutes),
        );
        row("budget", &b.month, "", &b.slo, "percent", num(b.percent));
        row("budget", &b.month, "", &b.slo, "policy", b.policy.clone());
        row(
            "budget",
            &b.month,
            "",
            &b.slo,
            "incidents",
            b.incidents.to_string(),
        );
    }
    let a = &r.actions;
    row("actions", "", "", "", "opened", a.opened.to_string());
    row("actions", "", "", "", "closed", a.closed.to_string());
    row("actions", "", "", "", "overdue", a.overdue.to_string());
    row(
        "actions",
        "",
        "",
        "",
        "closed_on_time_percent",
        opt(a.closed_on_time_percent),
    );
    for o in &a.by_owner {
        row("owner", "", "", &o.owner, "opened", o.opened.to_string());
        row("owner", "", "", &o.owner, "closed", o.closed.to_string());
        row("owner", "", "", &o.owner, "overdue", o.overdue.to_string());
    }
    let p = &r.postmortems;
    row("postmortems", "", "", "", "owed", p.owed.to_string());
    row("postmortems", "", "", "", "done", p.done.to_string());
    row(
        "postmortems",
        "",
        "",
        "",
        "median_days_to_done",
        opt(p.median_days_to_done),
    );
    let d = &r.discipline;
    row("discipline", "", "", "", "updates", d.updates.to_string());
    row(
        "discipline",
        "",
        "",
        "",
        "reminders",
        d.reminders.to_string(),
    );
    row(
        "discipline",
        "",
        "",
        "",
        "escalations",
        d.escalations.to_string(),
    );
    row(
        "discipline",
        "",
        "",
        "",
        "incidents_with_late_updates",
        d.incidents_with_late_updates.to_string(),
    );
    out
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
    let _ = writeln!(
        w,
        "## Incidents per month\n\n| month | SEV1 | SEV2 | SEV3 | SEV4 | total |\n|---|---|---|---|---|---|"
    );
    for b in &r.by_month {
        let c = b.counts;
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            b.label,
            c[0],
            c[1],
            c[2],
            c[3],
            b.total()
        );
    }
    let _ = writeln!(w, "\n## By service\n\n| service | incidents |\n|---|---|");
    for s in &r.by_service {
        let _ = writeln!(w, "| {} | {} |", s.service, s.incidents);
    }
    let _ = writeln!(
        w,
        "\n## Response times (minutes)\n\n| month | severity | phase | n | median | p90 | target | within target |\n|---|---|---|---|---|---|---|---|"
    );
    for t in &r.timings {
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
            t.within_target_percent
                .map(|p| format!("{}%", num(p)))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        w,
        "\n## Error budget\n\n| SLO | month | consumed (min) | budget (min) | % | policy |\n|---|---|---|---|---|---|"
    );
    for b in &r.budgets {
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
    let (a, p, d) = (&r.actions, &r.postmortems, &r.discipline);
    let _ = writeln!(
        w,
        "\n## Follow-through\n\n- Action items: {} opened, {} closed, {} overdue, {} closed by their due date\n- Postmortems: {} owed, {} done, median {} days from resolution to done",
        a.opened,
        a.closed,
        a.overdue,
        a.closed_on_time_percent
            .map(|p| format!("{}%", num(p)))
            .unwrap_or_else(|| "n/a".into()),
        p.owed,
        p.done,
        opt(p.median_days_to_done)
    );
    let _ = writeln!(
        w,
        "\n## Update discipline\n\n- {} updates, {} late-update reminders, {} escalations; {} incidents had a late update",
        d.updates, d.reminders, d.escalations, d.incidents_with_late_updates
    );
    w
}
