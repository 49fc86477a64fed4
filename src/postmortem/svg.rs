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

/// Width of the picture (its height is fixed by the rows below).
const W: f64 = 960.0;
const LEFT: f64 = 20.0;
const RIGHT: f64 = 20.0;
/// Top and height of the band of phases.
const BAR_Y: f64 = 96.0;
const BAR_H: f64 = 30.0;
/// The time axis, just under the band.
const AXIS_Y: f64 = BAR_Y + BAR_H + 8.0;
/// The baseline of the legend.
const LEGEND_Y: f64 = 205.0;

/// The span drawn, and how times map onto it.
struct Frame {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    span_ms: f64,
    /// Times carry their date when the span crosses midnight.
    multi_day: bool,
}

impl Frame {
    /// The frame for `start..end`; an empty or reversed span is drawn as one minute.
    fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Frame {
        let end = if end <= start {
            start + Duration::minutes(1)
        } else {
            end
        };
        Frame {
            start,
            end,
            span_ms: (end - start).num_milliseconds() as f64,
            multi_day: start.date_naive() != end.date_naive(),
        }
    }

    /// The x coordinate of a moment, kept inside the picture.
    fn x(&self, t: DateTime<Utc>) -> f64 {
        LEFT + ((t - self.start).num_milliseconds() as f64 / self.span_ms).clamp(0.0, 1.0)
            * (W - LEFT - RIGHT)
    }

    /// A moment as labelled in the picture.
    fn fmt(&self, t: DateTime<Utc>) -> String {
        if self.multi_day {
            t.format("%m-%d %H:%M").to_string()
        } else {
            t.format("%H:%M").to_string()
        }
    }
}

/// Renders the picture for the span `start..end`.
pub fn render(
    phases: &[Phase],
    events: &[Event],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> String {
    let f = Frame::new(start, end);
    let mut s = String::new();
    open(&mut s, &f);
    for p in phases {
        phase(&mut s, &f, p);
    }
    axis(&mut s, &f);
    // Labels on three staggered rows above the bar.
    let mut row = 0usize;
    for e in events {
        if e.major {
            major_event(&mut s, &f, e, row);
            row = (row + 1) % 3;
        } else {
            minor_event(&mut s, &f, e);
        }
    }
    legend(&mut s);
    s.push_str("</svg>");
    s
}

/// The `<svg>` element with its accessible title and description.
fn open(s: &mut String, f: &Frame) {
    s.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} 230\" width=\"100%\" role=\"img\" aria-labelledby=\"tl-title tl-desc\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
    ));
    s.push_str(&format!(
        "<title id=\"tl-title\">Incident timeline</title><desc id=\"tl-desc\">Phases and key events from {} to {} UTC</desc>",
        f.fmt(f.start),
        f.fmt(f.end)
    ));
}

/// One phase as a coloured stretch of the band, named inside when there is room.
fn phase(s: &mut String, f: &Frame, p: &Phase) {
    let (x0, x1) = (f.x(p.start), f.x(p.end));
    let width = (x1 - x0).max(1.0);
    s.push_str(&format!(
        "<rect class=\"phase\" data-status=\"{}\" x=\"{x0:.1}\" y=\"{BAR_Y}\" width=\"{width:.1}\" height=\"{BAR_H}\" fill=\"{}\"><title>{} {}–{}</title></rect>",
        p.status.key(),
        colour(p.status),
        p.status,
        f.fmt(p.start),
        f.fmt(p.end)
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

/// The time axis under the band, with labelled ticks at round times.
fn axis(s: &mut String, f: &Frame) {
    s.push_str(&format!(
        "<line x1=\"{LEFT}\" y1=\"{AXIS_Y}\" x2=\"{:.1}\" y2=\"{AXIS_Y}\" stroke=\"#555\"/>",
        W - RIGHT
    ));
    let step = tick_step(f.end - f.start);
    let step_ms = step.num_milliseconds();
    let first = f.start.timestamp_millis().div_euclid(step_ms) * step_ms + step_ms;
    let mut t = DateTime::<Utc>::from_timestamp_millis(first).unwrap_or(f.start);
    while t < f.end {
        let tx = f.x(t);
        s.push_str(&format!(
            "<line class=\"tick\" x1=\"{tx:.1}\" y1=\"{AXIS_Y}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"#555\"/><text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            AXIS_Y + 5.0,
            AXIS_Y + 18.0,
            f.fmt(t)
        ));
        t += step;
    }
}

/// A key event: a dashed line down to the band from its label on label row `row`,
/// the label turned leftwards near the right edge.
fn major_event(s: &mut String, f: &Frame, e: &Event, row: usize) {
    let ex = f.x(e.at);
    let ly = 18.0 + 24.0 * row as f64;
    let anchor = if ex > W - 160.0 { "end" } else { "start" };
    s.push_str(&format!(
        "<g class=\"event\"><line x1=\"{ex:.1}\" y1=\"{:.1}\" x2=\"{ex:.1}\" y2=\"{:.1}\" stroke=\"#222\" stroke-dasharray=\"3,2\"/><circle cx=\"{ex:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#222\"/><text x=\"{:.1}\" y=\"{ly:.1}\" text-anchor=\"{anchor}\" fill=\"#111\">{} {}</text></g>",
        ly + 4.0,
        BAR_Y + BAR_H,
        ly + 4.0,
        if anchor == "end" { ex - 4.0 } else { ex + 4.0 },
        f.fmt(e.at),
        esc(&e.label)
    ));
}

/// A minor event (a status update): a dot on the band's lower edge.
fn minor_event(s: &mut String, f: &Frame, e: &Event) {
    s.push_str(&format!(
        "<circle class=\"minor\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#fff\" stroke=\"#222\"><title>{} {}</title></circle>",
        f.x(e.at),
        BAR_Y + BAR_H,
        f.fmt(e.at),
        esc(&e.label)
    ));
}

/// The colour of each state, then the dot of a status update.
fn legend(s: &mut String) {
    let mut lx = LEFT;
    let ly = LEGEND_Y;
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
