//! Chart primitives for the insights page: stacked bars, horizontal bars, a small
//! line chart with an optional dashed target and percent bars with reference lines.
//! Each takes plain numbers and labels and returns one self-contained `<svg>` (no
//! script, scaled by its `viewBox`), with every label escaped by the pages' `esc`.
//! Numbers that are not finite or below zero are drawn as zero, never printed.

use crate::html::esc;

/// The colours of SEV1..SEV4, the same as the pages' severity badges.
pub const SEVERITY_COLOURS: [&str; 4] = ["#c0392b", "#e67e22", "#d4ac0d", "#7f8c8d"];

/// Colours for severities configured without one, by rank (wrapping after ten).
pub const PALETTE: [&str; 10] = [
    "#c0392b", "#e67e22", "#d4ac0d", "#7f8c8d", "#2f6f9f", "#16a085", "#8e44ad", "#34495e",
    "#b7950b", "#95a5a6",
];

/// A severity's colour on the charts: its configured `colour`, else the palette's.
pub fn colour_of(sev: crate::domain::Severity) -> &'static str {
    let own = sev.level().colour.as_str();
    if own.is_empty() {
        PALETTE[(usize::from(sev.rank()).max(1) - 1) % PALETTE.len()]
    } else {
        own
    }
}

/// Height of the plotting area of the bar charts (in `viewBox` units).
pub const PLOT_H: f64 = 100.0;
/// Width of the bar charts.
const W: f64 = 400.0;
/// Room under the plot for the axis labels.
const BOTTOM: f64 = 18.0;
/// Room above the plot, so that the top bar's label fits.
const TOP: f64 = 6.0;

/// One bar of a stacked chart: its label and the parts from the bottom up.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub label: String,
    pub parts: Vec<f64>,
}

/// One line of a line chart; `None` where there is no value (the line breaks).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    pub values: Vec<Option<f64>>,
}

/// A value fit to draw: finite and not negative, else zero.
pub fn clean(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 { v } else { 0.0 }
}

/// The length of `value` on an axis of `len` whose top is `max`; zero when `max` is.
pub fn scaled(value: f64, max: f64, len: f64) -> f64 {
    let max = clean(max);
    if max == 0.0 {
        0.0
    } else {
        (clean(value) / max).min(1.0) * len
    }
}

/// A number as shown in a label: one decimal, without a trailing `.0`.
pub fn short(v: f64) -> String {
    let s = format!("{:.1}", clean(v));
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// The opening `<svg>` with its accessible name, both as `aria-label` and `<title>`.
fn open(w: f64, h: f64, title: &str) -> String {
    let t = esc(title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{t}\" font-family=\"system-ui, sans-serif\" font-size=\"11\"><title>{t}</title>"
    )
}

/// A line across the plot at height `y`, dashed when `dashed`.
fn hline(x0: f64, x1: f64, y: f64, colour: &str, dashed: bool) -> String {
    let dash = if dashed {
        " stroke-dasharray=\"4,3\""
    } else {
        ""
    };
    format!(
        "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\"{dash}/>"
    )
}

/// The first and last labels under a row of bars (more would crowd a phone screen).
fn end_labels(labels: &[&str], x_first: f64, x_last: f64, y: f64) -> String {
    let mut s = String::new();
    if let Some(first) = labels.first() {
        s.push_str(&format!(
            "<text x=\"{x_first:.1}\" y=\"{y:.1}\" fill=\"#555\">{}</text>",
            esc(first)
        ));
    }
    if labels.len() > 1
        && let Some(last) = labels.last()
    {
        s.push_str(&format!(
            "<text x=\"{x_last:.1}\" y=\"{y:.1}\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            esc(last)
        ));
    }
    s
}

/// Vertical bars, each stacked from its parts (coloured by `colours`, in order),
/// scaled so that the tallest bar fills the plot. Each segment carries a tooltip.
pub fn stacked_bars(title: &str, stacks: &[Stack], names: &[&str], colours: &[&str]) -> String {
    let h = TOP + PLOT_H + BOTTOM;
    let mut s = open(W, h, title);
    let base = TOP + PLOT_H;
    let max = stacks
        .iter()
        .map(|b| b.parts.iter().copied().map(clean).sum::<f64>())
        .fold(0.0, f64::max);
    let slot = W / stacks.len().max(1) as f64;
    let bar_w = (slot * 0.8).max(1.0);
    for (i, b) in stacks.iter().enumerate() {
        let x = i as f64 * slot + (slot - bar_w) / 2.0;
        let mut y = base;
        for (j, part) in b.parts.iter().enumerate() {
            let height = scaled(*part, max, PLOT_H);
            if height == 0.0 {
                continue;
            }
            y -= height;
            let colour = colours.get(j).copied().unwrap_or("#888");
            let name = names.get(j).copied().unwrap_or("");
            s.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{height:.1}\" fill=\"{colour}\"><title>{} {}: {}</title></rect>",
                esc(&b.label),
                esc(name),
                short(*part)
            ));
        }
    }
    s.push_str(&hline(0.0, W, base, "#555", false));
    let labels: Vec<&str> = stacks.iter().map(|b| b.label.as_str()).collect();
    s.push_str(&end_labels(&labels, 0.0, W, base + 14.0));
    s.push_str(&format!(
        "<text x=\"{W}\" y=\"10\" text-anchor=\"end\" fill=\"#555\">max {}</text>",
        short(max)
    ));
    s.push_str("</svg>");
    s
}

/// Shortens a label to `max` characters (on a character boundary), with an ellipsis.
fn clip(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut t: String = label.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Horizontal bars, one row per `(label, value)`, the largest filling the row.
pub fn horizontal_bars(title: &str, rows: &[(String, f64)], colour: &str) -> String {
    const ROW: f64 = 20.0;
    const LABEL_W: f64 = 140.0;
    const VALUE_W: f64 = 40.0;
    let h = (rows.len() as f64 * ROW).max(ROW);
    let mut s = open(W, h, title);
    let max = rows.iter().map(|(_, v)| clean(*v)).fold(0.0, f64::max);
    let len = W - LABEL_W - VALUE_W;
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i as f64 * ROW;
        let width = scaled(*value, max, len);
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#333\">{}</text>",
            LABEL_W - 6.0,
            y + 14.0,
            esc(&clip(label, 22))
        ));
        s.push_str(&format!(
            "<rect x=\"{LABEL_W}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{}: {}</title></rect>",
            y + 3.0,
            ROW - 6.0,
            esc(label),
            short(*value)
        ));
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{}</text>",
            LABEL_W + width + 4.0,
            y + 14.0,
            short(*value)
        ));
    }
    s.push_str("</svg>");
    s
}

/// The polyline(s) of one series: broken where values are missing, with a dot per
/// value so that a single month still shows.
fn series_path(sr: &Series, x: impl Fn(usize) -> f64, y: impl Fn(f64) -> f64) -> String {
    let mut s = String::new();
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, s: &mut String| {
        if run.len() > 1 {
            s.push_str(&format!(
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>",
                run.join(" "),
                sr.colour
            ));
        }
        run.clear();
    };
    for (i, v) in sr.values.iter().enumerate() {
        match v {
            Some(v) => {
                let (px, py) = (x(i), y(*v));
                run.push(format!("{px:.1},{py:.1}"));
                s.push_str(&format!(
                    "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"2\" fill=\"{}\"><title>{}: {}</title></circle>",
                    sr.colour,
                    esc(&sr.name),
                    short(*v)
                ));
            }
            None => flush(&mut run, &mut s),
        }
    }
    flush(&mut run, &mut s);
    s
}

/// A small line chart over `labels` (e.g. months), with a dashed `target` line when
/// given; the scale's top is the largest value or the target, with headroom.
pub fn line_chart(title: &str, labels: &[&str], series: &[Series], target: Option<f64>) -> String {
    const LW: f64 = 200.0;
    const LH: f64 = 70.0;
    const PAD: f64 = 8.0;
    let mut s = open(LW, LH + BOTTOM, title);
    let target = target.map(clean);
    let max = series
        .iter()
        .flat_map(|sr| sr.values.iter().flatten())
        .copied()
        .map(clean)
        .chain(target)
        .fold(0.0, f64::max)
        * 1.15;
    let n = labels.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            LW / 2.0
        } else {
            PAD + i as f64 * (LW - 2.0 * PAD) / (n - 1) as f64
        }
    };
    let y = |v: f64| LH - scaled(v, max, LH - PAD);
    s.push_str(&hline(0.0, LW, LH, "#999", false));
    if let Some(t) = target {
        s.push_str(&format!(
            "<g class=\"target\">{}<text x=\"{LW}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\" font-size=\"9\">target</text></g>",
            hline(0.0, LW, y(t), "#222", true),
            y(t) - 2.0
        ));
    }
    for sr in series {
        s.push_str(&series_path(sr, x, y));
    }
    s.push_str(&end_labels(labels, 0.0, LW, LH + 14.0));
    s.push_str("</svg>");
    s
}

/// Vertical bars of percentages (one per label) with a line at each of `refs`
/// (e.g. 50 and 100); the scale reaches past the highest bar or reference.
pub fn percent_bars(title: &str, rows: &[(String, f64)], refs: &[f64]) -> String {
    let h = TOP + PLOT_H + BOTTOM;
    let mut s = open(W, h, title);
    let base = TOP + PLOT_H;
    let max = rows
        .iter()
        .map(|(_, v)| clean(*v))
        .chain(refs.iter().copied().map(clean))
        .fold(0.0, f64::max)
        * 1.1;
    let slot = W / rows.len().max(1) as f64;
    let bar_w = (slot * 0.6).clamp(1.0, 60.0);
    for (i, (label, v)) in rows.iter().enumerate() {
        let height = scaled(*v, max, PLOT_H);
        let x = i as f64 * slot + (slot - bar_w) / 2.0;
        let colour = if clean(*v) >= 100.0 {
            SEVERITY_COLOURS[0]
        } else {
            "#2f6f9f"
        };
        s.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{height:.1}\" fill=\"{colour}\"><title>{}: {} %</title></rect>",
            base - height,
            esc(label),
            short(*v)
        ));
    }
    for r in refs {
        let y = base - scaled(*r, max, PLOT_H);
        s.push_str(&hline(0.0, W, y, "#222", true));
        s.push_str(&format!(
            "<text x=\"2\" y=\"{:.1}\" fill=\"#333\" font-size=\"10\">{} %</text>",
            y - 2.0,
            short(*r)
        ));
    }
    s.push_str(&hline(0.0, W, base, "#555", false));
    let labels: Vec<&str> = rows.iter().map(|(l, _)| l.as_str()).collect();
    s.push_str(&end_labels(&labels, 0.0, W, base + 14.0));
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Well-formed enough: one root, closed, no numbers that are not numbers.
    fn assert_valid(svg: &str) {
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{svg}");
        assert_eq!(svg.matches("<svg").count(), 1, "{svg}");
        assert!(
            svg.contains("role=\"img\"") && svg.contains("<title>"),
            "{svg}"
        );
        for bad in ["NaN", "inf", "<script"] {
            assert!(!svg.contains(bad), "{bad} in {svg}");
        }
    }

    fn stack(label: &str, parts: &[f64]) -> Stack {
        Stack {
            label: label.into(),
            parts: parts.to_vec(),
        }
    }

    #[test]
    fn stacked_bar_heights_are_proportional_to_totals() {
        let svg = stacked_bars(
            "weeks",
            &[stack("W1", &[1.0, 1.0]), stack("W2", &[2.0, 2.0])],
            &["SEV1", "SEV2"],
            &SEVERITY_COLOURS,
        );
        assert_valid(&svg);
        // The tallest bar (4) fills the plot: its two parts are 50 each; the other
        // bar's parts (1 of 4) are 25 each.
        assert_eq!(svg.matches("height=\"50.0\"").count(), 2, "{svg}");
        assert_eq!(svg.matches("height=\"25.0\"").count(), 2, "{svg}");
        assert!(svg.contains("W1 SEV1: 1"));
    }

    #[test]
    fn horizontal_bars_scale_to_the_largest_and_escape_labels() {
        let rows = vec![("<script>x</script>".to_string(), 2.0), ("db".into(), 1.0)];
        let svg = horizontal_bars("services", &rows, "#333");
        assert_valid(&svg);
        assert!(svg.contains("&lt;script&gt;"));
        // 400 wide - 140 label - 40 value = 220 for the largest; half for the other.
        assert!(svg.contains("width=\"220.0\"") && svg.contains("width=\"110.0\""));
    }

    #[test]
    fn line_chart_draws_a_dashed_target_and_breaks_on_gaps() {
        let median = Series {
            name: "median".into(),
            colour: "#000",
            values: vec![Some(4.0), None, Some(6.0)],
        };
        let svg = line_chart(
            "SEV1 ack",
            &["2026-01", "2026-02", "2026-03"],
            &[median],
            Some(5.0),
        );
        assert_valid(&svg);
        assert!(svg.contains("stroke-dasharray") && svg.contains("class=\"target\""));
        // Two lone points: dots, no polyline.
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(!svg.contains("<polyline"));
    }

    #[test]
    fn percent_bars_have_reference_lines() {
        let rows = vec![("2026-01".to_string(), 50.0), ("2026-02".into(), 110.0)];
        let svg = percent_bars("api", &rows, &[50.0, 100.0]);
        assert_valid(&svg);
        assert_eq!(svg.matches("stroke-dasharray").count(), 2);
        // Scale top is 110 * 1.1 = 121: 50 % is 100 * 50 / 121 high.
        assert!(svg.contains("height=\"41.3\""), "{svg}");
    }

    #[test]
    fn empty_and_hostile_numbers_still_make_valid_svg() {
        assert_valid(&stacked_bars("none", &[], &[], &[]));
        assert_valid(&stacked_bars("zeros", &[stack("W1", &[0.0; 4])], &[], &[]));
        assert_valid(&horizontal_bars("none", &[], "#000"));
        assert_valid(&horizontal_bars(
            "odd",
            &[("a".into(), f64::NAN), ("b".into(), f64::INFINITY)],
            "#000",
        ));
        assert_valid(&line_chart("none", &[], &[], None));
        let nan = Series {
            name: "m".into(),
            colour: "#000",
            values: vec![Some(f64::NAN), Some(-3.0)],
        };
        assert_valid(&line_chart("nan", &["a", "b"], &[nan], Some(f64::INFINITY)));
        assert_valid(&percent_bars("none", &[], &[]));
        assert_valid(&percent_bars("nan", &[("a".into(), f64::NAN)], &[50.0]));
    }

    #[test]
    fn short_numbers_drop_a_trailing_zero() {
        assert_eq!(short(4.0), "4");
        assert_eq!(short(4.54), "4.5");
        assert_eq!(short(f64::NAN), "0");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
