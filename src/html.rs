//! HTML for the pages people read: the one escaper for text a person typed, Markdown
//! rendered with any raw HTML shown as text (never run), and the plain page shell with
//! its security headers and print styles. No JavaScript.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Markdown to HTML; any HTML in the source is escaped, not passed through.
pub fn markdown_to_html(md: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(md, opts).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

/// Links keep only the schemes a reader expects (http, https, mailto) or stay on this
/// site; anything else (`javascript:`, `data:`...) becomes an inert `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let scheme = lower
        .split_once(':')
        .map(|(s, _)| s)
        .filter(|s| !s.contains(['/', '?', '#']));
    match scheme {
        None | Some("http" | "https" | "mailto") => url,
        Some(_) => CowStr::Borrowed("#"),
    }
}

/// Response headers for every page: no scripts, no framing, styles and images only
/// from the page itself.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
];

const CSS: &str = r#"
:root { --fg: #1d1d1f; --muted: #6e6e73; --line: #d2d2d7; --accent: #8b0000; }
* { box-sizing: border-box; }
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; background: #fafafa; }
header.top { background: var(--accent); color: #fff; padding: .6rem 1.5rem; }
header.top a { color: #fff; text-decoration: none; font-weight: 600; }
main { max-width: 1020px; margin: 1.5rem auto; background: #fff; padding: 1.5rem 2rem 2.5rem; border: 1px solid var(--line); border-radius: 8px; }
h1 { font-size: 1.7rem; margin-top: .2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: .95em; }
th, td { border: 1px solid var(--line); padding: .35rem .55rem; text-align: left; vertical-align: top; }
th { background: #f2f2f4; }
code { background: #f2f2f4; padding: 0 .25rem; border-radius: 3px; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .85em; font-weight: 600; color: #fff; }
.badge.sev { background: #555; }
.investigating { background: #d64541; } .identified { background: #f39c12; } .monitoring { background: #c9a30c; } .resolved { background: #27ae60; }
figure.timeline { margin: 1rem 0 1.5rem; padding: .5rem; border: 1px solid var(--line); border-radius: 6px; }
form.filters { display: flex; gap: .8rem; flex-wrap: wrap; align-items: end; margin-bottom: 1rem; }
form.filters label { display: flex; flex-direction: column; font-size: .85em; color: var(--muted); }
nav.links a { margin-right: 1rem; }
@media print {
  header.top, form.filters, nav.links { display: none; }
  body { background: #fff; }
  main { border: 0; margin: 0; padding: 0; max-width: none; }
  h2 { break-after: avoid; }
  table, figure { break-inside: avoid; }
}
"#;

/// A complete page.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · warroom</title><style>{CSS}</style></head>\
         <body><header class=\"top\"><a href=\"/incidents\">warroom</a></header><main>{body}</main></body></html>\n",
        esc(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_shown_not_run() {
        let h = markdown_to_html(
            "# T\n\nnote: <script>alert(1)</script> <b>x</b>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [ ] todo\n",
        );
        assert!(!h.contains("<script>"));
        assert!(h.contains("&lt;script&gt;"));
        assert!(h.contains("<table>") && h.contains("<td>1</td>"));
        assert!(h.contains("type=\"checkbox\""));
    }

    #[test]
    fn only_harmless_link_schemes_survive() {
        let h = markdown_to_html(
            "[a](javascript:alert(1)) [b](JavaScript:x) [c](https://example.com/x?y=1) [d](/incidents/1) \
             [e](mailto:sre@example.com) [f](data:text/html,hi) ![g](vbscript:x) <javascript:alert(2)>",
        );
        let l = h.to_lowercase();
        assert!(
            !l.contains("href=\"javascript") && !l.contains("src=\"vbscript"),
            "{h}"
        );
        assert!(!h.contains("data:text"), "{h}");
        assert!(h.contains("<img src=\"#\""), "{h}");
        assert!(
            h.contains("href=\"https://example.com/x?y=1\"") && h.contains("href=\"/incidents/1\""),
            "{h}"
        );
        assert!(h.contains("href=\"mailto:sre@example.com\""), "{h}");
        assert_eq!(h.matches("href=\"#\"").count(), 4, "{h}");
    }

    #[test]
    fn pages_escape_their_title() {
        let p = page("<x>", "<p>ok</p>");
        assert!(p.contains("<title>&lt;x&gt; · warroom</title>") && p.contains("<p>ok</p>"));
    }
}
