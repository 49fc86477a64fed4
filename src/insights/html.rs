//! The managers' `/insights` page, rendered from a [`Report`] and the filter values
//! as typed: the filter form and export links, the headline figures, then one
//! section per theme (see `sections`). Pure: no database, no web wiring. No
//! JavaScript; every string from the report or the form goes through `esc`.

mod filters;
mod sections;

use crate::html::esc;
use crate::insights::model::Report;
use crate::insights::svg::short;

/// The current filter values, as typed, for the form to show again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormValues {
    pub since: String,
    pub until: String,
    pub severity: String,
    pub service: String,
    pub tag: String,
    pub status: String,
    /// The services to choose from.
    pub services: Vec<String>,
}

/// The page's own styles, on top of the shared ones: charts beside their tables on
/// wide screens and below them on phones, small multiples in a grid.
const STYLE: &str = r#"<style>
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 300px), 1fr)); gap: 1rem; align-items: start; }
.chart svg { max-width: 640px; display: block; }
.scroll { overflow-x: auto; }
.scroll th, .scroll td { white-space: nowrap; }
#response .pair { grid-template-columns: 1fr; }
.how { color: var(--muted); margin: .2rem 0 .6rem; }
.multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: .6rem; }
.multiples.wide { grid-template-columns: repeat(auto-fill, minmax(min(100%, 280px), 1fr)); }
.multiples figure { margin: 0; }
figcaption { font-size: .85em; color: var(--muted); }
caption { text-align: left; font-weight: 600; }
.headline { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .6rem; margin: 1rem 0; }
.headline div { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; }
.headline dt { font-size: .85em; color: var(--muted); }
.headline dd { margin: 0; font-size: 1.4rem; font-weight: 600; }
.headline dd.muted { font-size: .85rem; font-weight: normal; }
ul.legend { list-style: none; padding: 0; margin: .3rem 0; display: flex; flex-wrap: wrap; gap: .8rem; font-size: .85em; }
.swatch { display: inline-block; width: .8em; height: .8em; margin-right: .3em; vertical-align: middle; }
.swatch.median { background: #1d1d1f; } .swatch.p90 { background: #9b59b6; }
.swatch.target { border-top: 2px dashed #222; height: 0; }
p.empty { font-size: 1.1rem; padding: 1rem; border: 1px dashed var(--line); border-radius: 6px; text-align: center; }
@media (max-width: 600px) { main { margin: 0; padding: 1rem; border: 0; } }
</style>"#;

/// The whole `/insights` page.
pub fn page(report: &Report, form: &FormValues) -> String {
    let mut body = String::from(STYLE);
    body.push_str("<h1>Insights</h1>");
    body.push_str(&format!(
        "<p class=\"muted\">{}</p>",
        esc(&format!(
            "Incidents declared from {} to before {} (UTC); weeks and months in {}.",
            report.since.format("%Y-%m-%d %H:%M"),
            report.until.format("%Y-%m-%d %H:%M"),
            report.timezone
        ))
    ));
    body.push_str(&filters::filter_form(form, &report.severities));
    body.push_str(&sections::headline(report));
    if report.incidents == 0 {
        body.push_str("<p class=\"empty\">No incidents in this period.</p>");
    } else {
        for section in [
            sections::volume,
            sections::services,
            sections::fields,
            sections::timings,
            sections::budgets,
            sections::follow_through,
            sections::discipline,
        ] {
            body.push_str(&section(report));
        }
    }
    crate::html::page("Insights", &body)
}

/// A section: heading, how its figures are computed, then the chart and its table
/// side by side (or one under the other on narrow screens).
fn section(id: &str, heading: &str, how: &str, chart: &str, tables: &str) -> String {
    format!(
        "<section id=\"{}\"><h2>{}</h2><p class=\"how\">{}</p><div class=\"pair\"><div class=\"chart\">{chart}</div><div class=\"scroll\">{tables}</div></div></section>",
        esc(id),
        esc(heading),
        esc(how)
    )
}

/// A table with a caption; every cell is text and escaped here.
fn table(caption: &str, head: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = format!("<table><caption>{}</caption><thead><tr>", esc(caption));
    for h in head {
        s.push_str(&format!("<th scope=\"col\">{}</th>", esc(h)));
    }
    s.push_str("</tr></thead><tbody>");
    if rows.is_empty() {
        s.push_str(&format!(
            "<tr><td colspan=\"{}\" class=\"muted\">none</td></tr>",
            head.len().max(1)
        ));
    }
    for row in rows {
        s.push_str("<tr>");
        for cell in row {
            s.push_str(&format!("<td>{}</td>", esc(cell)));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

/// Minutes for a reader: `4.5 min`, `1 h 20 min`, `3 h`; `—` when not a duration.
pub fn minutes(m: f64) -> String {
    if !m.is_finite() || m < 0.0 {
        return "—".into();
    }
    if (m * 10.0).round() < 600.0 {
        return format!("{} min", short(m));
    }
    let total = m.round() as u64;
    match (total / 60, total % 60) {
        (h, 0) => format!("{h} h"),
        (h, min) => format!("{h} h {min} min"),
    }
}

/// A percent for a reader (`87.5 %`), or `—` when there is none.
pub fn percent(p: Option<f64>) -> String {
    match p {
        Some(p) if p.is_finite() => format!("{} %", short(p)),
        _ => "—".into(),
    }
}

/// Days for a reader (`2.5 d`), or `—` when not a number.
pub fn days(d: f64) -> String {
    if d.is_finite() {
        format!("{} d", short(d))
    } else {
        "—".into()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::domain::Severity;
    use crate::insights::model::*;

    const HOSTILE: &str = "<script>alert(1)</script>";

    fn bucket(label: &str, day: (i32, u32, u32), counts: [u32; 4]) -> Bucket {
        Bucket {
            label: label.into(),
            start: NaiveDate::from_ymd_opt(day.0, day.1, day.2).unwrap(),
            counts: counts.to_vec(),
        }
    }

    fn timing(month: &str, severity: Severity, phase: Phase, median: f64) -> Timing {
        Timing {
            month: month.into(),
            severity,
            phase,
            n: 2,
            median_minutes: Some(median),
            p90_minutes: Some(median * 2.0),
            target_minutes: (phase == Phase::Acknowledge && severity.rank() == 1).then_some(5.0),
            within_target_percent: Some(50.0),
        }
    }

    fn budget(slo: &str, month: &str, percent: f64, policy: &str) -> BudgetRow {
        BudgetRow {
            slo: slo.into(),
            month: month.into(),
            consumed_minutes: percent * 0.432,
            budget_minutes: 43.2,
            percent,
            policy: policy.into(),
            incidents: 1,
            measured_percent: None,
        }
    }

    fn empty() -> Report {
        Report {
            since: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            until: Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap(),
            timezone: "Europe/Paris".into(),
            severities: crate::domain::severity::seed().all().collect(),
            fields: vec![],
            incidents: 0,
            by_week: vec![],
            by_month: vec![],
            by_service: vec![],
            timings: vec![],
            budgets: vec![],
            actions: ActionStats::default(),
            postmortems: PostmortemStats::default(),
            discipline: Discipline::default(),
            resolve_median_minutes: None,
        }
    }

    fn fixture() -> Report {
        let mut timings = Vec::new();
        for (i, month) in ["2026-01", "2026-02", "2026-03"].iter().enumerate() {
            for sev in crate::domain::severity::seed().all() {
                timings.push(timing(month, sev, Phase::Acknowledge, 4.5 + i as f64));
                timings.push(timing(month, sev, Phase::Resolve, 80.0 + 10.0 * i as f64));
            }
        }
        Report {
            incidents: 9,
            by_week: vec![
                bucket("2026-W02", (2026, 1, 5), [1, 0, 1, 0]),
                bucket("2026-W06", (2026, 2, 2), [0, 2, 1, 1]),
                bucket("2026-W11", (2026, 3, 9), [1, 0, 0, 2]),
            ],
            by_month: vec![
                bucket("2026-01", (2026, 1, 1), [1, 0, 1, 0]),
                bucket("2026-02", (2026, 2, 1), [0, 2, 1, 1]),
                bucket("2026-03", (2026, 3, 1), [1, 0, 0, 2]),
            ],
            by_service: vec![
                ServiceCount {
                    service: "checkout".into(),
                    incidents: 6,
                },
                ServiceCount {
                    service: HOSTILE.into(),
                    incidents: 3,
                },
            ],
            timings,
            budgets: vec![
                budget("checkout-availability", "2026-01", 40.0, "normal"),
                budget("checkout-availability", "2026-02", 75.0, "caution"),
                budget("search-latency", "2026-03", 12.5, "normal"),
            ],
            actions: ActionStats {
                opened: 7,
                closed: 4,
                overdue: 2,
                closed_on_time_percent: Some(75.0),
                repeat_incidents: 1,
                in_tracker: 0,
                by_owner: vec![
                    OwnerStats {
                        owner: "U123".into(),
                        opened: 5,
                        closed: 3,
                        overdue: 2,
                    },
                    OwnerStats {
                        owner: "unassigned".into(),
                        opened: 2,
                        closed: 1,
                        overdue: 0,
                    },
                ],
            },
            postmortems: PostmortemStats {
                owed: 3,
                done: 2,
                median_days_to_done: Some(2.5),
            },
            discipline: Discipline {
                updates: 31,
                reminders: 4,
                escalations: 1,
                incidents_with_late_updates: 3,
            },
            ..empty()
        }
    }

    fn form() -> FormValues {
        FormValues {
            since: "2026-01-01".into(),
            until: "\"><script>x</script>".into(),
            severity: "sev2".into(),
            service: HOSTILE.into(),
            tag: HOSTILE.into(),
            status: String::new(),
            services: vec!["checkout".into(), HOSTILE.into()],
        }
    }

    /// No script, no event handler attributes (` onload=`...), no unprintable numbers.
    fn assert_safe(html: &str) {
        assert!(!html.to_lowercase().contains("<script"), "script in page");
        for (i, _) in html.match_indices(" on") {
            let rest = &html[i + 3..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            assert!(
                name.is_empty() || !rest[name.len()..].starts_with('='),
                "event attribute on{name}"
            );
        }
        for bad in ["NaN", "\"inf", ">inf", " inf", "-inf"] {
            assert!(!html.contains(bad), "{bad} in page");
        }
    }

    #[test]
    fn the_page_has_every_section_with_its_numbers() {
        let html = page(&fixture(), &form());
        assert_safe(&html);
        for heading in [
            "<h1>Insights</h1>",
            "<h2>Headline</h2>",
            "<h2>Incidents per week</h2>",
            "<h2>Incidents by service</h2>",
            "<h2>Response times</h2>",
            "<h2>Error budget</h2>",
            "<h2>Follow-through</h2>",
            "<h2>Update discipline</h2>",
        ] {
            assert!(html.contains(heading), "{heading}");
        }
        // Tables carry the same numbers as the charts.
        assert!(
            html.contains("<td>2026-W06</td><td>0</td><td>2</td><td>1</td><td>1</td><td>4</td>")
        );
        assert!(
            html.contains("<td>2026-03</td><td>1</td><td>0</td><td>0</td><td>2</td><td>3</td>")
        );
        assert!(html.contains("<td>2026-01</td><td>SEV1</td><td>Time to acknowledge</td><td>2</td><td>4.5 min</td><td>9 min</td><td>5 min</td><td>50 %</td>"));
        assert!(html.contains("<td>1 h 20 min</td><td>2 h 40 min</td>"));
        assert!(html.contains("<td>checkout-availability</td><td>2026-02</td>"));
        assert!(html.contains("<td>@U123</td><td>5</td><td>3</td><td>2</td>"));
        assert!(!html.contains("&lt;@U123"), "no Slack mention markup");
        assert!(html.contains("<td>3</td><td>2</td><td>2.5 d</td>"));
        assert!(html.contains("<td>31</td><td>4</td><td>1</td><td>3 (33.3 %)</td>"));
        // Headline: the worst SLO summed over months, the median to resolve.
        assert!(
            html.contains("<dd>115 %</dd>") && html.contains("worst SLO: checkout-availability")
        );
        assert!(html.contains("<dd>1 h 30 min</dd>"));
        // The SEV1 acknowledge target is drawn dashed.
        assert!(html.contains("class=\"target\"") && html.contains("stroke-dasharray"));
        assert!(html.contains(
            "SEV1 · Time to acknowledge: 2026-03 median 6.5 min, p90 13 min (target 5 min)"
        ));
        // Every SVG is labelled for screen readers.
        assert_eq!(
            html.matches("<svg").count(),
            html.matches("role=\"img\"").count()
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    #[test]
    fn the_form_shows_the_values_typed_and_links_the_exports() {
        let html = page(&fixture(), &form());
        assert!(html.contains("name=\"since\" value=\"2026-01-01\""));
        assert!(html.contains("value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
        assert!(html.contains("<option value=\"sev2\" selected>SEV2</option>"));
        assert!(html.contains("selected>&lt;script&gt;"));
        assert!(html.contains("href=\"/insights.csv?since=2026-01-01&amp;until="));
        assert!(html.contains("href=\"/insights.json?since=2026-01-01&amp;"));
        assert!(
            html.contains("<option value=\"\" selected>all</option>"),
            "status: all"
        );
    }

    #[test]
    fn an_empty_period_says_so_without_dividing_by_zero() {
        let html = page(&empty(), &FormValues::default());
        assert_safe(&html);
        assert!(html.contains("No incidents in this period"));
        assert!(html.contains("href=\"/insights.csv\""));
        assert!(html.contains("<dd>0</dd>") && html.contains("<dd>—</dd>"));
    }

    #[test]
    fn sections_cope_with_empty_parts_and_odd_numbers() {
        let mut r = empty();
        r.incidents = 1;
        r.budgets = vec![budget("x", "2026-01", f64::NAN, "normal")];
        r.actions.closed_on_time_percent = Some(f64::INFINITY);
        r.postmortems.median_days_to_done = Some(f64::NAN);
        r.timings = vec![Timing {
            median_minutes: None,
            p90_minutes: Some(f64::INFINITY),
            ..timing(
                "2026-01",
                crate::domain::severity::sev(2),
                Phase::Mitigate,
                1.0,
            )
        }];
        let html = page(&r, &FormValues::default());
        assert_safe(&html);
        assert!(html.contains("<h2>Update discipline</h2>"));
        assert!(html.contains("none</td>"));
    }

    #[test]
    fn minutes_read_like_speech() {
        assert_eq!(minutes(4.5), "4.5 min");
        assert_eq!(minutes(5.0), "5 min");
        assert_eq!(minutes(59.97), "1 h");
        assert_eq!(minutes(80.0), "1 h 20 min");
        assert_eq!(minutes(f64::NAN), "—");
        assert_eq!(percent(Some(87.54)), "87.5 %");
        assert_eq!(percent(None), "—");
    }
}
