//! The incident as a picture: its phases (investigating, identified, monitoring,
//! resolved) as coloured bands on a time axis, and its key events as marked ticks.
//! Plain SVG, no script, so it prints and renders anywhere.

use chrono::{DateTime, Duration, Utc};

use super::draft::Phase;
use crate::domain::Status;

/// A marked moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub label: String,
    /// Key milestones are drawn tall; minor events (updates) as dots.
    pub major: bool,
}

fn colour(s: Status) -> &'static str {
    match s {
        Status::Investigating => "#d64541",
        Status::Identified => "#f39c12",
        Status::Monitoring => "#f1c40f",
        Status::Resolved => "#27ae60",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A tick spacing that gives at most 10 ticks, whatever the span (a picture is the
/// same size for an hour and for a year).
fn tick_step(span: Duration) -> Duration {
    let mins = span.num_minutes().max(1);
    for step in [
        1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160, 43200, 129600,
        525600,
    ] {
        if mins / step <= 10 {
            return Duration::minutes(step);
        }
    }
    Duration::minutes(mins / 10 + 1)
}

/// Renders the picture for the span `start..end`.
pub fn render(
    phases: &[Phase],
    events: &[Event],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> String {
    const W: f64 = 960.0;
    const LEFT: f64 = 20.0;
    const RIGHT: f64 = 20.0;
    const BAR_Y: f64 = 96.0;
    const BAR_H: f64 = 30.0;
    let end = if end <= start {
        start + Duration::minutes(1)
    } else {
        end
    };
    let span = (end - start).num_milliseconds() as f64;
    let x = |t: DateTime<Utc>| {
        LEFT + ((t - start).num_milliseconds() as f64 / span).clamp(0.0, 1.0) * (W - LEFT - RIGHT)
    };
    let multi_day = start.date_naive() != end.date_naive();
    let fmt = |t: DateTime<Utc>| {
        if multi_day {
            t.format("%m-%d %H:%M").to_string()
        } else {
            t.format("%H:%M").to_string()
        }
    };

    let mut s = String::new();
    s.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} 230\" width=\"100%\" role=\"img\" aria-labelledby=\"tl-title tl-desc\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
    ));
    s.push_str(&format!(
        "<title id=\"tl-title\">Incident timeline</title><desc id=\"tl-desc\">Phases and key events from {} to {} UTC</desc>",
        fmt(start),
        fmt(end)
    ));
    // Phases.
    for p in phases {
        let (x0, x1) = (x(p.start), x(p.end));
        let width = (x1 - x0).max(1.0);
        s.push_str(&format!(
            "<rect class=\"phase\" data-status=\"{}\" x=\"{x0:.1}\" y=\"{BAR_Y}\" width=\"{width:.1}\" height=\"{BAR_H}\" fill=\"{}\"><title>{} {}–{}</title></rect>",
            p.status.key(),
            colour(p.status),
            p.status,
            fmt(p.start),
            fmt(p.end)
        ));
        if width > 70.0 {
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#fff\" font-weight=\"600\">{}</text>",
                x0 + 6.0,
                BAR_Y + 20.0,
                p.status
            ));
        }
    }
    // Axis and ticks.
    let axis_y = BAR_Y + BAR_H + 8.0;
    s.push_str(&format!(
        "<line x1=\"{LEFT}\" y1=\"{axis_y}\" x2=\"{:.1}\" y2=\"{axis_y}\" stroke=\"#555\"/>",
        W - RIGHT
    ));
    let step = tick_step(end - start);
    let step_ms = step.num_milliseconds();
    let first = start.timestamp_millis().div_euclid(step_ms) * step_ms + step_ms;
    let mut t = DateTime::<Utc>::from_timestamp_millis(first).unwrap_or(start);
    while t < end {
        let tx = x(t);
        s.push_str(&format!(
            "<line class=\"tick\" x1=\"{tx:.1}\" y1=\"{axis_y}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"#555\"/><text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            axis_y + 5.0,
            axis_y + 18.0,
            fmt(t)
        ));
        t += step;
    }
    // Events: labels on three staggered rows above the bar.
    let mut row = 0usize;
    for e in events {
        let ex = x(e.at);
        if e.major {
            let ly = 18.0 + 24.0 * row as f64;
            row = (row + 1) % 3;
            let anchor = if ex > W - 160.0 { "end" } else { "start" };
            s.push_str(&format!(
                "<g class=\"event\"><line x1=\"{ex:.1}\" y1=\"{:.1}\" x2=\"{ex:.1}\" y2=\"{:.1}\" stroke=\"#222\" stroke-dasharray=\"3,2\"/><circle cx=\"{ex:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#222\"/><text x=\"{:.1}\" y=\"{ly:.1}\" text-anchor=\"{anchor}\" fill=\"#111\">{} {}</text></g>",
                ly + 4.0,
                BAR_Y + BAR_H,
                ly + 4.0,
                if anchor == "end" { ex - 4.0 } else { ex + 4.0 },
                fmt(e.at),
                esc(&e.label)
            ));
        } else {
            s.push_str(&format!(
                "<circle class=\"minor\" cx=\"{ex:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#fff\" stroke=\"#222\"><title>{} {}</title></circle>",
                BAR_Y + BAR_H,
                fmt(e.at),
                esc(&e.label)
            ));
        }
    }
    // Legend.
    let mut lx = LEFT;
    let ly = 205.0;
    for st in Status::ALL {
        s.push_str(&format!(
            "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{st}</text>",
            ly - 10.0,
            colour(st),
            lx + 16.0,
            ly
        ));
        lx += 120.0;
    }
    s.push_str(&format!(
        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#fff\" stroke=\"#222\"/><text x=\"{:.1}\" y=\"{ly:.1}\" fill=\"#333\">status update</text>",
        lx + 6.0,
        ly - 4.0,
        lx + 16.0
    ));
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn any_span_gets_at_most_ten_ticks() {
        let t = Utc.with_ymd_and_hms(2026, 1, 5, 14, 0, 0).unwrap();
        for years in [0i64, 1, 30, 2000] {
            let start = t - Duration::days(365 * years) - Duration::minutes(17);
            let svg = render(&[], &[], start, t);
            assert!(svg.matches("class=\"tick\"").count() <= 11, "{years} years");
            assert!(svg.len() < 20_000, "{years} years: {} bytes", svg.len());
        }
    }

    #[test]
    fn draws_every_phase_and_event_inside_the_box() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 14, 0, 0).unwrap();
        let m = |n| t0 + Duration::minutes(n);
        let phases = vec![
            Phase {
                status: Status::Investigating,
                start: m(0),
                end: m(7),
            },
            Phase {
                status: Status::Identified,
                start: m(7),
                end: m(18),
            },
            Phase {
                status: Status::Monitoring,
                start: m(18),
                end: m(50),
            },
        ];
        let events = vec![
            Event {
                at: m(0),
                label: "Declared <SEV2>".into(),
                major: true,
            },
            Event {
                at: m(18),
                label: "Mitigated".into(),
                major: true,
            },
            Event {
                at: m(50),
                label: "Resolved".into(),
                major: true,
            },
            Event {
                at: m(20),
                label: "Update".into(),
                major: false,
            },
        ];
        let svg = render(&phases, &events, m(0), m(50));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("class=\"phase\"").count(), 3);
        assert_eq!(svg.matches("class=\"event\"").count(), 3);
        assert!(svg.contains("Declared &lt;SEV2&gt;"), "labels are escaped");
        assert!(
            svg.contains(">14:10<") && svg.contains(">14:40<"),
            "ticks every 10 minutes"
        );
        assert!(!svg.contains("NaN"));
        // A zero-length incident still draws.
        assert!(render(&[], &[], t0, t0).contains("</svg>"));
    }
}
