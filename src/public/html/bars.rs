//! The 90-day uptime bars of the status page: per component, an inline SVG with one
//! rect per UTC day coloured by its worst state (each with a `<title>` for pointer
//! users), hidden from screen readers, which read the text beside it instead: a visible
//! summary line and a visually hidden list of the days that were not operational.

use std::fmt::Write;

use super::esc;
use crate::public::ComponentState;
use crate::public::derive::{Derived, History};

/// A state's colour: each has a contrast of at least 4.5:1 with white (see the tests).
pub(super) fn state_colour(s: ComponentState) -> &'static str {
    match s {
        ComponentState::Operational => "#1a7f37",
        ComponentState::UnderMaintenance => "#0550ae",
        ComponentState::DegradedPerformance => "#7d4e00",
        ComponentState::PartialOutage => "#bc4c00",
        ComponentState::MajorOutage => "#cf222e",
    }
}

pub(super) fn uptime(out: &mut String, d: &Derived) {
    out.push_str(
        "<section aria-labelledby=\"h-uptime\"><h2 id=\"h-uptime\">Uptime over the last 90 \
         days</h2>",
    );
    for c in &d.components {
        let _ = write!(
            out,
            "<div class=\"uptime\"><h3>{}</h3>",
            esc(&c.config.name)
        );
        bars(out, &c.history);
        out.push_str(
            "<p class=\"axis\" aria-hidden=\"true\"><span>90 days ago</span>\
             <span>Today</span></p>",
        );
        bars_text(out, &c.history);
        out.push_str("</div>");
    }
    out.push_str("</section>");
}

/// One rect per day; hidden from screen readers, which read `bars_text` instead.
fn bars(out: &mut String, h: &History) {
    const STEP: usize = 6;
    let width = h.days.len() * STEP - 2;
    let _ = write!(
        out,
        "<svg class=\"bars\" viewBox=\"0 0 {width} 34\" width=\"100%\" height=\"34\" \
         preserveAspectRatio=\"none\" aria-hidden=\"true\" focusable=\"false\">"
    );
    for (i, day) in h.days.iter().enumerate() {
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"0\" width=\"4\" height=\"34\" fill=\"{}\"><title>{}: {}</title></rect>",
            i * STEP,
            state_colour(day.worst),
            day.date.format("%-d %b %Y"),
            day.worst.label()
        );
    }
    out.push_str("</svg>");
}

/// The bars in words: a visible summary line, then (for screen readers) every day that
/// was not operational.
fn bars_text(out: &mut String, h: &History) {
    let days = match h.outage_days {
        0 => "no days".to_string(),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    };
    let _ = write!(
        out,
        "<p class=\"summary\">{} uptime over 90 days; {days} with an outage.</p>",
        h.uptime_label()
    );
    let bad: Vec<_> = h
        .days
        .iter()
        .filter(|d| d.worst != ComponentState::Operational)
        .collect();
    if bad.is_empty() {
        out.push_str("<p class=\"vh\">Operational every day.</p>");
        return;
    }
    out.push_str("<div class=\"vh\"><p>Days not fully operational:</p><ul>");
    for d in bad {
        let _ = write!(
            out,
            "<li><time datetime=\"{}\">{}</time>: {}</li>",
            d.date.format("%Y-%m-%d"),
            d.date.format("%-d %b %Y"),
            d.worst.label()
        );
    }
    out.push_str("</ul></div>");
}

#[cfg(test)]
mod tests {
    use super::super::{CSS, index};
    use super::*;
    use crate::public::derive;
    use crate::public::fixture::view;

    #[test]
    fn uptime_bars_have_a_text_alternative() {
        let h = index(&view());
        assert_eq!(h.matches("<svg class=\"bars\"").count(), 2);
        assert_eq!(h.matches("<rect ").count(), 2 * derive::DAYS);
        assert_eq!(h.matches("</title></rect>").count(), 2 * derive::DAYS);
        assert!(h.contains("<title>10 Mar 2026: Major outage</title>"));
        assert!(h.contains("<title>21 Dec 2025: Operational</title>"));
        assert!(h.contains("aria-hidden=\"true\" focusable=\"false\""));
        assert!(h.contains(
            "<p class=\"summary\">99.86% uptime over 90 days; 2 days with an outage.</p>"
        ));
        assert!(h.contains(
            "<p class=\"summary\">99.95% uptime over 90 days; 1 day with an outage.</p>"
        ));
        assert!(
            h.contains("<li><time datetime=\"2026-03-10\">10 Mar 2026</time>: Major outage</li>")
        );
        assert!(h.contains(
            "<li><time datetime=\"2026-03-14\">14 Mar 2026</time>: Degraded performance</li>"
        ));
        // The bars scale with the viewport.
        assert!(h.contains("width=\"100%\" height=\"34\" preserveAspectRatio=\"none\""));
    }

    #[test]
    fn colours_have_enough_contrast() {
        fn lum(hex: &str) -> f64 {
            let c = |i: usize| {
                let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")) / 255.0;
                if v <= 0.039_28 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
        }
        let ratio = |a: &str, b: &str| {
            let (x, y) = (lum(a), lum(b));
            (x.max(y) + 0.05) / (x.min(y) + 0.05)
        };
        let mut fg: Vec<&str> = ComponentState::ALL.into_iter().map(state_colour).collect();
        fg.extend(["#1f2328", "#59636e", "#0550ae"]);
        for c in fg {
            assert!(CSS.contains(c), "{c} is used");
            for bg in ["#ffffff", "#f6f8fa"] {
                assert!(ratio(c, bg) >= 4.5, "{c} on {bg}: {}", ratio(c, bg));
            }
        }
    }
}
