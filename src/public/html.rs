//! The public status page as HTML: `/status` (overall banner, components, open
//! incidents, past incidents, 90-day uptime bars) and `/status/incidents/<id>` (one
//! incident's public history). Pure functions of a `StatusView`.
//!
//! No JavaScript at all and only an inline `<style>`, so the page works under the CSP
//! `default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:`. Every piece of
//! text from the model goes through `esc` (the postmortem pages' escaper): people's text
//! is data, never markup; only line breaks in bodies become `<br>`, after escaping.
//!
//! Links are relative to the page, so the same HTML works under `/status/` on the main
//! listener and at `/` on a listener of its own. The index therefore has to be served at
//! a path ending in `/` (`/status/`; `/status` should redirect there): from the index,
//! `incidents/42`, `feed.atom` and `api/v2/summary.json`; from an incident page at
//! `<root>/incidents/42`, `../` and `../feed.atom`.

mod bars;

use std::fmt::Write;

use chrono::{DateTime, NaiveDate, Utc};

use super::derive::{self, Derived};
use super::{ComponentState, ExternalUpdate, Impact, PublicIncident, StatusView};
use crate::html::esc;

/// The whole `/status` page.
pub fn index(view: &StatusView) -> String {
    let d = derive::derive(view);
    let mut main = String::with_capacity(32 * 1024);
    banner(&mut main, view, &d);
    components(&mut main, &d);
    open_incidents(&mut main, view);
    past_incidents(&mut main, view);
    bars::uptime(&mut main, &d);
    let header = format!("<h1>{}</h1>", esc(&view.page_name));
    page(view, &esc(&view.page_name), &header, "", &main)
}

/// `/status/incidents/<id>`: the public history of one incident, newest update first.
pub fn incident(view: &StatusView, inc: &PublicIncident) -> String {
    let mut main = String::with_capacity(8 * 1024);
    let _ = write!(
        main,
        "<h1>{}</h1><p class=\"meta\"><span class=\"badge\">{}</span> · Impact: {}",
        esc(inc.name()),
        inc.status().label(),
        inc.impact.key()
    );
    if let Some(t) = inc.created_at() {
        let _ = write!(main, " · Started {}", time(t, &stamp(t, None)));
    }
    if let Some(t) = inc.resolved_at() {
        let _ = write!(main, " · Resolved {}", time(t, &stamp(t, None)));
    }
    main.push_str(
        "</p><section aria-labelledby=\"h-updates\"><h2 id=\"h-updates\">Updates</h2>\
         <ol class=\"updates\">",
    );
    for u in inc.updates.iter().rev() {
        let _ = write!(main, "<li>{}", update_line(u, &stamp(u.posted_at, None)));
        if !u.components.is_empty() {
            main.push_str("<p class=\"affected\">Affected: ");
            for (i, (name, state)) in u.components.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                let _ = write!(main, "{sep}{} ({})", esc(name), state.label());
            }
            main.push_str("</p>");
        }
        main.push_str("</li>");
    }
    main.push_str("</ol></section>");
    let header = format!(
        "<p class=\"site\"><a href=\"../\"><span aria-hidden=\"true\">← </span>{}</a></p>",
        esc(&view.page_name)
    );
    let title = format!("{} · {}", esc(inc.name()), esc(&view.page_name));
    page(view, &title, &header, "../", &main)
}

/// One update as on the seed's template: `[14:05 UTC] Investigating — body`, where
/// `stamp` is the text of the time. Shared with the Atom feed's content.
pub fn update_line(u: &ExternalUpdate, stamp: &str) -> String {
    format!(
        "[{}] <strong>{}</strong> — {}",
        time(u.posted_at, stamp),
        u.status.label(),
        body(&u.body)
    )
}

/// A body as HTML: escaped, its line breaks as `<br>`.
fn body(text: &str) -> String {
    esc(&text.replace("\r\n", "\n").replace('\r', "\n")).replace('\n', "<br>\n")
}

/// "14:05 UTC" on `today`, "19 Mar 2026 10:00 UTC" otherwise.
fn stamp(t: DateTime<Utc>, today: Option<NaiveDate>) -> String {
    if Some(t.date_naive()) == today {
        t.format("%H:%M UTC").to_string()
    } else {
        t.format("%-d %b %Y %H:%M UTC").to_string()
    }
}

fn time(t: DateTime<Utc>, text: &str) -> String {
    format!(
        "<time datetime=\"{}\">{text}</time>",
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// The CSS class of a state's colour.
fn state_class(s: ComponentState) -> &'static str {
    match s {
        ComponentState::Operational => "s-op",
        ComponentState::UnderMaintenance => "s-mt",
        ComponentState::DegradedPerformance => "s-dg",
        ComponentState::PartialOutage => "s-po",
        ComponentState::MajorOutage => "s-mo",
    }
}

fn banner(out: &mut String, view: &StatusView, d: &Derived) {
    let class = match d.overall.indicator {
        Impact::None => "s-op",
        Impact::Minor => "s-dg",
        Impact::Major => "s-po",
        Impact::Critical => "s-mo",
    };
    let _ = write!(
        out,
        "<section class=\"banner {class}\" aria-labelledby=\"h-overall\">\
         <h2 id=\"h-overall\">{}</h2><p>As of {}</p></section>",
        d.overall.description,
        time(view.now, &stamp(view.now, None))
    );
}

fn components(out: &mut String, d: &Derived) {
    out.push_str(
        "<section aria-labelledby=\"h-components\"><h2 id=\"h-components\">Components</h2>\
         <ul class=\"components\">",
    );
    for c in &d.components {
        let _ = write!(
            out,
            "<li><span class=\"name\">{}</span> <span class=\"state {}\">{}</span>",
            esc(&c.config.name),
            state_class(c.current),
            c.current.label()
        );
        if !c.config.description.is_empty() {
            let _ = write!(out, "<p class=\"muted\">{}</p>", esc(&c.config.description));
        }
        out.push_str("</li>");
    }
    out.push_str("</ul></section>");
}

fn open_incidents(out: &mut String, view: &StatusView) {
    out.push_str("<section aria-labelledby=\"h-open\"><h2 id=\"h-open\">Open incidents</h2>");
    let mut open: Vec<&PublicIncident> = view.incidents.iter().filter(|i| i.is_open()).collect();
    open.sort_by_key(|i| std::cmp::Reverse(i.created_at()));
    if open.is_empty() {
        out.push_str("<p>No open incidents.</p>");
    }
    let today = Some(view.now.date_naive());
    for inc in open {
        let _ = write!(
            out,
            "<article class=\"incident\" aria-labelledby=\"inc-{id}\">\
             <h3 id=\"inc-{id}\"><a href=\"incidents/{id}\">{}</a></h3>\
             <p class=\"muted\">Impact: {}</p><ol class=\"updates\">",
            esc(inc.name()),
            inc.impact.key(),
            id = inc.id
        );
        for u in inc.updates.iter().rev() {
            let _ = write!(
                out,
                "<li>{}</li>",
                update_line(u, &stamp(u.posted_at, today))
            );
        }
        out.push_str("</ol></article>");
    }
    out.push_str("</section>");
}

/// Incidents resolved in the last 90 days, newest first.
fn past_incidents(out: &mut String, view: &StatusView) {
    out.push_str("<section aria-labelledby=\"h-past\"><h2 id=\"h-past\">Past incidents</h2>");
    let since = view.now - chrono::Duration::days(derive::DAYS as i64);
    let mut past: Vec<(DateTime<Utc>, &PublicIncident)> = view
        .incidents
        .iter()
        .filter_map(|i| i.resolved_at().filter(|t| *t >= since).map(|t| (t, i)))
        .collect();
    past.sort_by_key(|(t, i)| std::cmp::Reverse((*t, i.id)));
    if past.is_empty() {
        out.push_str("<p>No incidents in the last 90 days.</p>");
    } else {
        out.push_str("<ul class=\"past\">");
        for (t, inc) in past {
            let _ = write!(
                out,
                "<li><a href=\"incidents/{}\">{}</a> <span class=\"muted\">Resolved {} · \
                 impact {}</span></li>",
                inc.id,
                esc(inc.name()),
                time(t, &stamp(t, None)),
                inc.impact.key()
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");
}

/// Colours: text #1f2328 and #59636e, links #0550ae, and the state colours, all at least
/// 4.5:1 on white and on #f6f8fa. Nothing has a fixed width beyond the viewport's.
const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;background:#f6f8fa;color:#1f2328;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
header,main,footer{max-width:46rem;margin:0 auto;padding:0 1rem}
header h1,header .site{font-size:1.5rem;margin:1.25rem 0 .75rem;font-weight:700}
a{color:#0550ae}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
h3{font-size:1.05rem;margin:1rem 0 .25rem}
section{margin-bottom:1rem}
.banner{color:#fff;border-radius:6px;padding:.75rem 1rem}
.banner h2{margin:0;font-size:1.3rem}
.banner p{margin:.25rem 0 0}
.banner.s-op{background:#1a7f37}.banner.s-mt{background:#0550ae}.banner.s-dg{background:#7d4e00}.banner.s-po{background:#bc4c00}.banner.s-mo{background:#cf222e}
ul,ol{list-style:none;margin:0;padding:0}
.components li,.past li,.updates li,.incident,.uptime{background:#fff;border:1px solid #d1d9e0;border-radius:6px;padding:.6rem .8rem;margin:.4rem 0}
.components li{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem}
.components li p{flex-basis:100%;margin:0}
.name{font-weight:600}
.state{font-weight:600}
.state.s-op{color:#1a7f37}.state.s-mt{color:#0550ae}.state.s-dg{color:#7d4e00}.state.s-po{color:#bc4c00}.state.s-mo{color:#cf222e}
.muted,.affected{color:#59636e}
.updates li{border-width:0 0 0 3px;border-radius:0}
.affected{margin:.25rem 0 0;font-size:.9rem}
.badge{font-weight:700}
.bars{display:block;width:100%;max-width:100%;height:34px}
.axis{display:flex;justify-content:space-between;margin:.2rem 0;color:#59636e;font-size:.85rem}
.summary{margin:.2rem 0}
.vh{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
footer{padding-bottom:2rem;color:#59636e}
"#;

/// A complete document. `title` is already escaped; `root` is the relative path to the
/// index ("" on the index, "../" on an incident page).
fn page(view: &StatusView, title: &str, header: &str, root: &str, main: &str) -> String {
    let name = esc(&view.page_name);
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"{name}: incidents\" \
         href=\"{root}feed.atom\"><style>{CSS}</style></head>\n<body><header>{header}</header>\
         <main>{main}</main><footer><p><a href=\"{root}feed.atom\">Atom feed</a> · \
         <a href=\"{root}api/v2/summary.json\">JSON (Statuspage format)</a></p></footer>\
         </body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::public::fixture::{POSTER, view};

    const HOSTILE: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(2)> 'x' onmouseover=\"y\" javascript:alert(3) &amp;";

    /// Every tag's name and attribute names, in order. Escaped text has no raw `<`,
    /// so whatever sits between `<` and `>` is markup.
    fn tags(html: &str) -> Vec<String> {
        let re = regex::Regex::new(r"<(/?[a-zA-Z!][^>]*)>").expect("regex");
        re.captures_iter(html).map(|c| c[1].to_string()).collect()
    }

    fn text(html: &str) -> String {
        let re = regex::Regex::new(r"<[^>]*>").expect("regex");
        re.replace_all(html, "")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    /// A tag's attributes as (name, value). Values are quoted and escaped, so a value
    /// never holds a `"`.
    fn attributes(tag: &str) -> Vec<(String, String)> {
        let re = regex::Regex::new(r#"\s([^\s="'>/]+)(?:\s*=\s*(?:"([^"]*)"|([^\s"'>]+)))?"#)
            .expect("regex");
        re.captures_iter(tag)
            .map(|c| {
                let v = c.get(2).or(c.get(3)).map_or("", |m| m.as_str());
                (c[1].to_ascii_lowercase(), v.to_ascii_lowercase())
            })
            .collect()
    }

    fn assert_inert(html: &str) {
        let allowed = [
            "!doctype", "html", "head", "meta", "title", "link", "style", "body", "header", "main",
            "footer", "section", "article", "div", "h1", "h2", "h3", "p", "a", "span", "ul", "ol",
            "li", "time", "strong", "br", "svg", "rect",
        ];
        for t in tags(html) {
            let name = t
                .trim_start_matches('/')
                .split_whitespace()
                .next()
                .unwrap_or("");
            assert!(
                allowed.contains(&name.to_ascii_lowercase().as_str()),
                "tag <{t}>"
            );
            for (attr, value) in attributes(&t) {
                assert!(!attr.starts_with("on"), "event attribute in <{t}>");
                assert!(attr != "style", "inline style attribute in <{t}>");
                if attr == "href" || attr == "src" {
                    assert!(!value.trim_start().starts_with("javascript:"), "<{t}>");
                }
            }
        }
    }

    fn hostile_view() -> StatusView {
        let mut v = view();
        v.page_name = HOSTILE.into();
        for c in &mut v.components {
            c.name = format!("{}{HOSTILE}", c.name);
            c.description = HOSTILE.into();
        }
        for inc in &mut v.incidents {
            for u in &mut inc.updates {
                u.title = HOSTILE.into();
                u.body = format!("{HOSTILE}\n{HOSTILE}");
                for (name, _) in &mut u.components {
                    *name = format!("{name}{HOSTILE}");
                }
            }
        }
        v
    }

    #[test]
    fn the_index_has_everything_in_order() {
        let v = view();
        let h = index(&v);
        assert!(h.starts_with("<!doctype html>\n<html lang=\"en\">"));
        assert!(
            h.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        );
        let at = |s: &str| h.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(at("Partial System Outage") < at("h-components"));
        assert!(at("h-components") < at("h-open") && at("h-open") < at("h-past"));
        assert!(at("h-past") < at("h-uptime"));
        assert!(h.contains(
            "<span class=\"name\">API</span> <span class=\"state s-po\">Partial outage</span>"
        ));
        // Open incidents newest first, their updates newest first, as on the template.
        assert!(at("href=\"incidents/4\"") < at("href=\"incidents/3\""));
        assert!(at("rolling it back") < at("elevated error rates"));
        assert!(h.contains("A faulty deploy.<br>\nWe are rolling it back."));
        let line = h
            .split("<li>")
            .find(|l| l.contains("elevated error"))
            .expect("line");
        let line = line.split("</li>").next().expect("line");
        assert_eq!(
            text(line),
            "[14:05 UTC] Investigating — We are investigating elevated error rates for the API."
        );
        assert!(line.contains("<time datetime=\"2026-03-20T14:05:00Z\">"));
        // Yesterday's update shows its date.
        assert!(
            h.contains("[<time datetime=\"2026-03-19T11:00:00Z\">19 Mar 2026 11:00 UTC</time>]")
        );
        // Past incidents: resolved ones, newest first, linked relatively.
        let past = &h[at("h-past")..at("h-uptime")];
        assert!(past.find("incidents/2").expect("2") < past.find("incidents/1").expect("1"));
        assert!(!past.contains("incidents/4") && !past.contains("incidents/3"));
        assert!(h.contains("href=\"feed.atom\"") && h.contains("href=\"api/v2/summary.json\""));
        assert_inert(&h);
    }

    #[test]
    fn hostile_text_is_shown_never_run() {
        let v = hostile_view();
        let pages = [index(&v), incident(&v, &v.incidents[0])];
        for h in &pages {
            assert_inert(h);
            assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt; &#39;x&#39; onmouseover=&quot;y&quot;"));
            assert!(h.contains("&amp;amp;"), "an entity in text stays text");
            assert!(!h.contains("<img") && !h.contains("\"><img"));
        }
        // The body's line break is the only markup taken from it.
        assert!(pages[1].contains("&amp;amp;<br>\n&lt;script&gt;"));
        assert!(pages[0].contains("<title>&lt;script&gt;"));
    }

    #[test]
    fn only_public_text_appears() {
        let v = view();
        let i4 = incident(&v, &v.incidents[0]);
        for h in [index(&v), i4.clone()] {
            assert!(!h.contains(POSTER), "who posted is not public");
            assert!(
                !h.contains("internal-service-name"),
                "service names are internal"
            );
        }
        // One incident's page shows nothing of another's.
        for other in &v.incidents[1..] {
            for u in &other.updates {
                assert!(
                    !i4.contains(&u.body) && !i4.contains(&u.title),
                    "{}",
                    u.body
                );
            }
        }
    }

    #[test]
    fn the_incident_page_is_its_history() {
        let v = view();
        let h = incident(&v, &v.incidents[2]);
        assert!(
            h.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        );
        assert!(h.contains("<h1>Slow dashboard</h1>"));
        assert!(h.contains("href=\"../\"") && h.contains("href=\"../feed.atom\""));
        let (new, old) = (
            h.find("Back to normal").expect("new"),
            h.find("Pages are slow").expect("old"),
        );
        assert!(new < old);
        assert!(h.contains("[<time datetime=\"2026-03-14T23:00:00Z\">14 Mar 2026 23:00 UTC</time>] <strong>Investigating</strong> — Pages are slow."));
        assert!(h.contains("Affected: Dashboard (Degraded performance)"));
        assert!(h.contains("Resolved <time datetime=\"2026-03-15T01:30:00Z\">"));
        assert_inert(&h);
    }

    /// Prints how long 1,000 incidents take (never asserts on time): run with
    /// `cargo test --lib status::html::tests::timing -- --nocapture`.
    #[test]
    fn timing_of_a_thousand_incidents() {
        let v = crate::public::fixture::large(1000);
        let runs = 20;
        let t = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(derive::derive(std::hint::black_box(&v)));
        }
        let d = t.elapsed() / runs;
        let t = std::time::Instant::now();
        let mut len = 0;
        for _ in 0..runs {
            len = std::hint::black_box(index(std::hint::black_box(&v))).len();
        }
        let i = t.elapsed() / runs;
        println!(
            "1,000 incidents × 3 updates, 5 components: derive {d:?}, index {i:?} ({len} bytes)"
        );
        assert!(len > 0);
    }
}
