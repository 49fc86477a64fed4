//! `/incidents`: the incident list, filtered by status, severity and declaration
//! dates, newest first; private incidents only for admins.

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::{Viewer, bad_request, badge_sev, badge_status, failed, when};
use crate::domain::duration::human;
use crate::domain::listing::Filter;
use crate::domain::severity::Scale;
use crate::domain::{Incident, Status};
use crate::html::{esc, page};
use crate::web::WebState;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
}

fn option(value: &str, label: &str, selected: &str) -> String {
    format!(
        "<option value=\"{}\"{}>{}</option>",
        esc(value),
        if value == selected { " selected" } else { "" },
        esc(label)
    )
}

/// Dates the filters accept: warroom did not exist before, nor will it after.
const FIRST_DAY: (i32, u32, u32) = (2000, 1, 1);
const LAST_DAY: (i32, u32, u32) = (2100, 12, 31);

/// A filter date: empty, or YYYY-MM-DD within [`FIRST_DAY`]..[`LAST_DAY`].
pub(super) fn filter_date(name: &str, s: &str) -> Result<Option<NaiveDate>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{name}` must be a date like 2026-11-23, not `{s}`."))?;
    let (first, last) = (
        NaiveDate::from_ymd_opt(FIRST_DAY.0, FIRST_DAY.1, FIRST_DAY.2).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(LAST_DAY.0, LAST_DAY.1, LAST_DAY.2).unwrap_or(NaiveDate::MAX),
    );
    if d < first || d > last {
        return Err(format!(
            "`{name}` must lie between {first} and {last}, not {d}."
        ));
    }
    Ok(Some(d))
}

/// The `tag` filter as typed (`db`, `#DB`): none when empty, else one tag.
pub(super) fn tag_filter(typed: &str) -> Result<Option<String>, String> {
    crate::domain::tags::parse_one(typed).map_err(|bad| {
        format!("`tag` must be one tag (letters, digits, - _ . : only), not `{bad}`.")
    })
}

/// `/incidents`
pub async fn list(
    State(st): State<WebState>,
    Query(q): Query<ListQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    let filter = match incident_filter(&st, &q, &viewer) {
        Ok(f) => f,
        Err(why) => {
            st.app.metrics().request("pages", "bad_request");
            return bad_request(&why);
        }
    };
    let found = st.app.incidents().find_incidents(&filter).await;
    let incs = match found {
        Ok(v) => v,
        Err(e) => return failed(e),
    };
    let now = st.app.now();
    let mut body = filter_form(&q, st.app.cfg().severities());
    body.push_str(&table(&incs, now));
    st.app.metrics().request("pages", "ok");
    Html(page("Incidents", &body)).into_response()
}

/// The `since` and `until` dates, when valid and in order; else why not.
fn date_range(q: &ListQuery) -> Result<(Option<NaiveDate>, Option<NaiveDate>), String> {
    let (since, until) = match (
        filter_date("since", &q.since),
        filter_date("until", &q.until),
    ) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        return Err(format!("`since` ({s}) is after `until` ({u})."));
    }
    Ok((since, until))
}

/// The store's filter for the query and this reader; `until` includes its whole day.
fn incident_filter(st: &WebState, q: &ListQuery, viewer: &Viewer) -> Result<Filter, String> {
    let (since, until) = date_range(q)?;
    // Private incidents are listed for admins only; their members reach them by the
    // links posted in their channels.
    let admin = matches!(viewer, Viewer::User(u) if st.app.cfg().slack.admins.contains(u));
    let mut filter = Filter {
        limit: 500,
        public_or_channel: (!admin).then(String::new),
        ..Default::default()
    };
    match q.status.as_str() {
        "" => {}
        "open" => filter.open_only = true,
        s => filter.status = Status::parse(s).ok(),
    }
    filter.severity = st.app.cfg().severities().parse(&q.severity).ok();
    filter.tag = tag_filter(&q.tag)?;
    filter.since = since.map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc());
    filter.until = until
        .and_then(|d| d.succ_opt())
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc());
    Ok(filter)
}

/// The heading and the filter form, showing the query's current values.
fn filter_form(q: &ListQuery, scale: &Scale) -> String {
    let mut body = String::from("<h1>Incidents</h1><form class=\"filters\" method=\"get\">");
    body.push_str("<label>Status<select name=\"status\">");
    body.push_str(&option("", "any", &q.status));
    body.push_str(&option("open", "open", &q.status));
    for s in Status::ALL {
        body.push_str(&option(s.key(), &s.to_string(), &q.status));
    }
    body.push_str("</select></label><label>Severity<select name=\"severity\">");
    body.push_str(&option("", "any", &q.severity));
    for s in scale.all() {
        body.push_str(&option(s.key(), &s.to_string(), &q.severity));
    }
    body.push_str(&format!(
        "</select></label><label>Tag<input type=\"text\" name=\"tag\" size=\"12\" maxlength=\"{}\" value=\"{}\"></label>",
        crate::domain::tags::MAX_TAG_LEN,
        esc(&q.tag)
    ));
    body.push_str(&format!(
        "<label>Declared from<input type=\"date\" name=\"since\" value=\"{}\"></label><label>to<input type=\"date\" name=\"until\" value=\"{}\"></label><button type=\"submit\">Filter</button></form>",
        esc(&q.since),
        esc(&q.until)
    ));
    body
}

/// An incident's tags under its title, each a link to the incidents carrying it.
pub(super) fn tag_line(tags: &[String]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let links: Vec<String> = tags
        .iter()
        .map(|t| {
            let q = serde_urlencoded::to_string([("tag", t.as_str())]).unwrap_or_default();
            format!(
                "<a class=\"tag\" href=\"/incidents?{}\">#{}</a>",
                esc(&q),
                esc(t)
            )
        })
        .collect();
    format!("<br><span class=\"muted\">{}</span>", links.join(" "))
}

/// The incidents found, one row each, or a line saying there are none.
fn table(incs: &[Incident], now: DateTime<Utc>) -> String {
    if incs.is_empty() {
        return "<p class=\"muted\">No incidents match.</p>".to_string();
    }
    let mut body = String::from(
        "<table><thead><tr><th>Incident</th><th>Title</th><th>Severity</th><th>Status</th><th>Declared</th><th>Duration</th><th>Commander</th><th>Postmortem</th></tr></thead><tbody>",
    );
    for i in incs {
        body.push_str(&format!(
            "<tr><td><a href=\"/incidents/{id}\">{id}</a></td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/incidents/{id}/postmortem\">{}</a></td></tr>",
            esc(&i.title.plain()),
            tag_line(&i.tags),
            badge_sev(i.severity),
            badge_status(i.status),
            when(i.declared_at),
            human(i.duration(now)),
            esc(i.commander().unwrap_or("—")),
            if i.postmortem_done_at.is_some() { "complete" } else { "draft" },
            id = i.id
        ));
    }
    body.push_str("</tbody></table>");
    body
}
