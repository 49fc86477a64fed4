//! The status page's Atom 1.0 feed (RFC 4287): one entry per public incident, newest
//! first, its content the incident's external updates (newest first) as escaped HTML.
//! Links and IDs are absolute, from `view.base_url`: an entry's ID is its page's URL,
//! `{base_url}/incidents/{id}`, stable as long as the public URL is.
//!
//! All text reaches the XML through `text`, the one escape path: it drops the characters
//! XML 1.0 forbids (most C0 controls), then escapes like the HTML pages do.

use std::cmp::Reverse;
use std::fmt::Write;

use chrono::{DateTime, SecondsFormat, Utc};

use super::html::update_line;
use super::{PublicIncident, StatusView};
use crate::html::esc;

/// The whole feed, `feed.atom`.
pub fn feed(view: &StatusView) -> String {
    let mut incidents: Vec<(DateTime<Utc>, &PublicIncident)> = view
        .incidents
        .iter()
        .filter_map(|i| i.latest().map(|u| (u.posted_at, i)))
        .collect();
    incidents.sort_by_key(|&(t, i)| Reverse((t, i.id)));
    let updated = incidents.first().map_or(view.now, |&(t, _)| t);
    let base = text(view.base_url.trim_end_matches('/'));
    let name = text(&view.page_name);
    let mut out = String::with_capacity(1024 + 1024 * incidents.len());
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <id>{base}/feed.atom</id>\n\
         <title type=\"text\">{name}</title>\n\
         <subtitle type=\"text\">Incidents</subtitle>\n\
         <updated>{}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}/feed.atom\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{base}/\"/>\n\
         <author><name>{name}</name></author>\n\
         <generator>warroom</generator>\n",
        rfc3339(updated)
    );
    for (t, inc) in incidents {
        entry(&mut out, &base, t, inc);
    }
    out.push_str("</feed>\n");
    out
}

/// One incident; `base` is already escaped.
fn entry(out: &mut String, base: &str, updated: DateTime<Utc>, inc: &PublicIncident) {
    let url = format!("{base}/incidents/{}", inc.id);
    let published = inc.created_at().unwrap_or(updated);
    let mut html = format!("<p>Impact: {}</p>", inc.impact.key());
    for u in inc.updates.iter().rev() {
        let stamp = u.posted_at.format("%-d %b %Y %H:%M UTC").to_string();
        let _ = write!(html, "<p>{}</p>", update_line(u, &stamp));
    }
    let _ = write!(
        out,
        "<entry>\n<id>{url}</id>\n<title type=\"text\">{}</title>\n\
         <updated>{}</updated>\n<published>{}</published>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n\
         <category term=\"{}\" label=\"{}\"/>\n\
         <content type=\"html\">{}</content>\n</entry>\n",
        text(inc.name()),
        rfc3339(updated),
        rfc3339(published),
        inc.status().key(),
        inc.status().label(),
        text(&html)
    );
}

/// The one escape path into the XML: characters XML 1.0 does not allow are dropped
/// (they would make the whole feed unreadable), then `<`, `>`, `&`, `"`, `'` escaped.
fn text(s: &str) -> String {
    let allowed = |c: &char| {
        matches!(*c, '\t' | '\n' | '\r') || (*c >= ' ' && !matches!(*c, '\u{FFFE}' | '\u{FFFF}'))
    };
    if s.chars().all(|c| allowed(&c)) {
        esc(s)
    } else {
        esc(&s.chars().filter(allowed).collect::<String>())
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::public::fixture::{POSTER, at, view};

    fn parse(xml: &str) -> feed_rs::model::Feed {
        feed_rs::parser::parse(xml.as_bytes()).expect("a valid Atom feed")
    }

    #[test]
    fn one_entry_per_incident_newest_first() {
        let mut v = view();
        v.incidents[1].updates[1].title = "Errors & <timeouts> \"x\"".into();
        v.incidents[0].updates[1].body = "Bad\u{1} byte & <b>bold</b>\u{FFFF}".into();
        let xml = feed(&v);
        let f = parse(&xml);
        assert_eq!(
            f.title.as_ref().map(|t| t.content.as_str()),
            Some("Acme status")
        );
        assert_eq!(f.updated, Some(at(2026, 3, 20, 14, 40)));
        assert_eq!(f.id, "https://status.acme.example/status/feed.atom");
        assert_eq!(f.entries.len(), 4);
        let titles: Vec<_> = f
            .entries
            .iter()
            .map(|e| e.title.as_ref().map_or("", |t| t.content.as_str()))
            .collect();
        assert_eq!(
            titles,
            [
                "Elevated API errors",
                "Errors & <timeouts> \"x\"",
                "Slow dashboard",
                "API down"
            ]
        );
        let ids = [4, 3, 2, 1];
        let updated = [
            at(2026, 3, 20, 14, 40),
            at(2026, 3, 19, 11, 0),
            at(2026, 3, 15, 1, 30),
            at(2026, 3, 10, 10, 0),
        ];
        for ((e, id), t) in f.entries.iter().zip(ids).zip(updated) {
            let url = format!("https://status.acme.example/status/incidents/{id}");
            assert_eq!(e.id, url);
            assert_eq!(e.links.len(), 1);
            assert_eq!(e.links[0].href, url);
            assert_eq!(e.updated, Some(t));
        }
        assert_eq!(f.entries[3].published, Some(at(2026, 3, 10, 8, 0)));
        // The content is HTML, its text escaped once more inside it.
        let content = f.entries[0].content.as_ref().and_then(|c| c.body.clone());
        let content = content.expect("content");
        assert!(
            content.contains("Bad byte &amp; &lt;b&gt;bold&lt;/b&gt;"),
            "{content}"
        );
        assert!(content.find("Bad byte").expect("new") < content.find("elevated").expect("old"));
        assert!(content.contains("[<time datetime=\"2026-03-20T14:05:00Z\">20 Mar 2026 14:05 UTC</time>] <strong>Investigating</strong>"));
        assert!(!xml.contains('\u{1}') && !xml.contains(POSTER));
        assert!(!xml.contains("<b>") && !xml.contains("<script"));
    }

    #[test]
    fn an_empty_page_is_a_valid_feed_updated_now() {
        let mut v = view();
        v.incidents.clear();
        v.page_name = "A & <B>".into();
        let f = parse(&feed(&v));
        assert!(f.entries.is_empty());
        assert_eq!(f.updated, Some(v.now));
        assert_eq!(f.title.map(|t| t.content), Some("A & <B>".to_string()));
    }
}
