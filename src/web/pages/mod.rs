//! Pages for managers, served by the same process: the incident list (filter by
//! status, severity, dates), one incident with its timeline, and its postmortem draft
//! with a picture of its phases, printable. Plain HTML and CSS, no JavaScript.
//! Access: a shared token (HTTP Basic password or Bearer) and/or a header set by a
//! trusted reverse proxy, per `[web]`.

use axum::Extension;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::WebState;
use crate::app::links;
use crate::domain::duration::human;
use crate::domain::{IncidentId, Severity, Status};
use crate::postmortem::html::{esc, page};
use crate::postmortem::{self, draft};
use crate::store::{incidents, postmortems};

fn token_matches(given: &str, token: &str) -> bool {
    given.as_bytes().ct_eq(token.as_bytes()).into()
}

/// Lets a request through when it carries the token or the trusted header, and adds
/// the pages' security headers to whatever is answered.
pub async fn require_reader(State(st): State<WebState>, req: Request, next: Next) -> Response {
    let mut resp = check_reader(&st, req, next).await;
    for (k, v) in crate::postmortem::html::SECURITY_HEADERS {
        resp.headers_mut()
            .insert(k, header::HeaderValue::from_static(v));
    }
    resp
}

/// Who is reading, as far as warroom can tell: a private incident needs a person it
/// knows is in it (or a signed link), never just the shared token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// Named by the trusted proxy's header (a Slack user ID for private incidents).
    User(String),
    /// Holds the shared token, or reads on an open loopback listener.
    Anyone,
}

async fn check_reader(st: &WebState, mut req: Request, next: Next) -> Response {
    let web = &st.app.cfg().web;
    let token = web.token.expose();
    let header_name = web.trusted_user_header.trim();
    req.extensions_mut().insert(Viewer::Anyone);
    if token.is_empty() && header_name.is_empty() {
        // No access control configured: fine on a loopback listener (a laptop, or a
        // proxy on the same host), but not for a server anyone can reach.
        if st.app.cfg().pages_open() {
            return next.run(req).await;
        }
        st.app.metrics().request("pages", "forbidden");
        return (
            StatusCode::FORBIDDEN,
            "warroom: the incident pages are off because http.listen is not a loopback address \
             and neither web.token nor web.trusted_user_header is set\n",
        )
            .into_response();
    }
    let headers = req.headers();
    if !header_name.is_empty()
        && let Some(user) = headers
            .get(header_name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        let user = user.to_string();
        req.extensions_mut().insert(Viewer::User(user));
        return next.run(req).await;
    }
    if !token.is_empty() && authorized(headers, token) {
        return next.run(req).await;
    }
    st.app.metrics().request("pages", "unauthorized");
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            "Basic realm=\"warroom\", charset=\"UTF-8\"",
        )],
        "warroom: sign in with the web token (any user name, the token as password)\n",
    )
        .into_response()
}

fn authorized(headers: &HeaderMap, token: &str) -> bool {
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    if let Some(b) = auth.strip_prefix("Bearer ") {
        return token_matches(b.trim(), token);
    }
    if let Some(b) = auth.strip_prefix("Basic ")
        && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b.trim())
        && let Ok(s) = String::from_utf8(raw)
    {
        let password = s.split_once(':').map(|(_, p)| p).unwrap_or("");
        return token_matches(password, token);
    }
    false
}

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page(
            "Not found",
            &format!(
                "<h1>Not found</h1><p>{}</p><p><a href=\"/incidents\">All incidents</a></p>",
                esc(what)
            ),
        )),
    )
        .into_response()
}

fn failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(page(
            "Error",
            "<h1>Something went wrong</h1><p>The error is in warroom's log.</p>",
        )),
    )
        .into_response()
}

fn badge_sev(s: Severity) -> String {
    format!("<span class=\"badge {}\">{s}</span>", s.key())
}

fn badge_status(s: Status) -> String {
    format!("<span class=\"badge {}\">{s}</span>", s.key())
}

fn when(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    severity: String,
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
fn filter_date(name: &str, s: &str) -> Result<Option<NaiveDate>, String> {
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

fn bad_request(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(page(
            "Bad request",
            &format!(
                "<h1>Bad request</h1><p>{}</p><p><a href=\"/incidents\">All incidents</a></p>",
                esc(why)
            ),
        )),
    )
        .into_response()
}

/// `/incidents`
pub async fn list(
    State(st): State<WebState>,
    Query(q): Query<ListQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    let (since, until) = match (
        filter_date("since", &q.since),
        filter_date("until", &q.until),
    ) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => {
            st.app.metrics().request("pages", "bad_request");
            return bad_request(&e);
        }
    };
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        st.app.metrics().request("pages", "bad_request");
        return bad_request(&format!("`since` ({s}) is after `until` ({u})."));
    }
    // Private incidents are listed for admins only; their members reach them by the
    // links posted in their channels.
    let admin = matches!(&viewer, Viewer::User(u) if st.app.cfg().slack.admins.contains(u));
    let mut filter = incidents::Filter {
        limit: 500,
        public_or_channel: (!admin).then(String::new),
        ..Default::default()
    };
    match q.status.as_str() {
        "" => {}
        "open" => filter.open_only = true,
        s => filter.status = Status::parse(s).ok(),
    }
    filter.severity = Severity::parse(&q.severity).ok();
    filter.since = since.map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc());
    filter.until = until
        .and_then(|d| d.succ_opt())
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc());
    let found = st.app.find_incidents(&filter).await;
    let incs = match found {
        Ok(v) => v,
        Err(e) => return failed(e),
    };
    let now = st.app.now();
    let mut body = String::from("<h1>Incidents</h1><form class=\"filters\" method=\"get\">");
    body.push_str("<label>Status<select name=\"status\">");
    body.push_str(&option("", "any", &q.status));
    body.push_str(&option("open", "open", &q.status));
    for s in Status::ALL {
        body.push_str(&option(s.key(), &s.to_string(), &q.status));
    }
    body.push_str("</select></label><label>Severity<select name=\"severity\">");
    body.push_str(&option("", "any", &q.severity));
    for s in Severity::ALL {
        body.push_str(&option(s.key(), &s.to_string(), &q.severity));
    }
    body.push_str(&format!(
        "</select></label><label>Declared from<input type=\"date\" name=\"since\" value=\"{}\"></label><label>to<input type=\"date\" name=\"until\" value=\"{}\"></label><button type=\"submit\">Filter</button></form>",
        esc(&q.since),
        esc(&q.until)
    ));
    if incs.is_empty() {
        body.push_str("<p class=\"muted\">No incidents match.</p>");
    } else {
        body.push_str("<table><thead><tr><th>Incident</th><th>Title</th><th>Severity</th><th>Status</th><th>Declared</th><th>Duration</th><th>Commander</th><th>Postmortem</th></tr></thead><tbody>");
        for i in &incs {
            body.push_str(&format!(
                "<tr><td><a href=\"/incidents/{id}\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/incidents/{id}/postmortem\">{}</a></td></tr>",
                esc(&i.title.plain()),
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
    }
    st.app.metrics().request("pages", "ok");
    Html(page("Incidents", &body)).into_response()
}

/// The record of incident `key`, if this reader may see it: a private incident only
/// for someone warroom knows is in it, or with the signed link posted in its channel.
async fn record(
    st: &WebState,
    key: &str,
    viewer: &Viewer,
    q: &VersionQuery,
) -> Result<postmortem::Record, Response> {
    let Some(id) = IncidentId::parse(key) else {
        return Err(not_found(&format!(
            "`{key}` is not an incident number (INC-n)."
        )));
    };
    let Some(r) = st.app.postmortem_record(id).await.map_err(failed)? else {
        return Err(not_found(&format!("There is no incident {key}.")));
    };
    if !r.incident.private {
        return Ok(r);
    }
    let member = match viewer {
        Viewer::User(u) => {
            let actors: Vec<&str> = r.entries.iter().map(|e| e.actor.as_str()).collect();
            links::is_member(&r.incident, &actors, &st.app.cfg().slack.admins, u)
        }
        Viewer::Anyone => false,
    };
    let signed = match (&q.key, st.app.link_secret().await) {
        (Some(k), Ok(secret)) => links::check(&secret, id, k, st.app.now()),
        _ => false,
    };
    if member || signed {
        return Ok(r);
    }
    st.app.metrics().request("pages", "private");
    Err((
        StatusCode::FORBIDDEN,
        Html(page(
            "Private incident",
            &format!(
                "<h1>{id} is private</h1><p>Open it from the link warroom posts in its channel (<code>/incident show</code> there gives a fresh one), or sign in as one of its members.</p><p><a href=\"/incidents\">All incidents</a></p>"
            ),
        )),
    )
        .into_response())
}

/// `?key=` to carry on links between a private incident's pages.
fn keyed(url: &str, q: &VersionQuery) -> String {
    match &q.key {
        Some(k) => {
            let sep = if url.contains('?') { '&' } else { '?' };
            let k: String = k
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            format!("{url}{sep}key={k}")
        }
        None => url.to_string(),
    }
}

/// `/incidents/INC-n`
pub async fn show(
    State(st): State<WebState>,
    Path(key): Path<String>,
    Query(q): Query<VersionQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    let r = match record(&st, &key, &viewer, &q).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let i = &r.incident;
    let now = st.app.now();
    let n = |u: &str| esc(&draft::name(&r.names, u));
    // What people typed, as they would read it in Slack, escaped for HTML.
    let txt = |t: &crate::domain::UserText| esc(&t.plain_with(&|u| draft::name(&r.names, u)));
    let mut body = format!(
        "<h1>{}: {}</h1><p>{} {} · declared {} by {} · {}</p><nav class=\"links\"><a href=\"{}\">Postmortem draft</a><a href=\"/incidents\">All incidents</a></nav>",
        i.id,
        esc(&i.title.plain_with(&|u| draft::name(&r.names, u))),
        badge_sev(i.severity),
        badge_status(i.status),
        when(i.declared_at),
        n(&i.declared_by),
        match i.resolved_at {
            Some(t) => format!("resolved {} after {}", when(t), human(t - i.declared_at)),
            None => format!("open for {}", human(now - i.declared_at)),
        },
        esc(&keyed(&format!("/incidents/{}/postmortem", i.id), &q))
    );
    body.push_str("<h2>Facts</h2><table><tbody>");
    let rows = [
        (
            "Impact",
            i.impact.as_ref().map(&txt).unwrap_or_else(|| "—".into()),
        ),
        (
            "Services",
            if i.services.is_empty() {
                "—".into()
            } else {
                esc(&i.services.join(", "))
            },
        ),
        (
            "Summary",
            i.summary.as_ref().map(&txt).unwrap_or_else(|| "—".into()),
        ),
    ];
    for (k, v) in rows {
        body.push_str(&format!("<tr><th>{k}</th><td>{v}</td></tr>"));
    }
    for (role, who) in draft::role_lines(i, &r.names) {
        body.push_str(&format!("<tr><th>{role}</th><td>{}</td></tr>", esc(&who)));
    }
    body.push_str("</tbody></table>");
    body.push_str(&format!(
        "<h2>Timeline</h2><figure class=\"timeline\">{}</figure>",
        postmortem::picture(&r, now)
    ));
    body.push_str("<table><thead><tr><th>Time (UTC)</th><th>Who</th><th>What</th><th>Details</th></tr></thead><tbody>");
    for e in &r.entries {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            n(&e.actor),
            e.kind.label(),
            txt(&e.text)
        ));
    }
    body.push_str("</tbody></table>");
    if !r.actions.is_empty() {
        body.push_str("<h2>Action items</h2><table><thead><tr><th>#</th><th>Action</th><th>Owner</th><th>Priority</th><th>Due</th><th>Status</th></tr></thead><tbody>");
        for a in &r.actions {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                a.seq,
                txt(&a.text),
                a.owner.as_deref().map(n).unwrap_or_else(|| "—".into()),
                a.priority.map(|p| p.key()).unwrap_or("—"),
                a.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                if a.done { "done" } else { "open" }
            ));
        }
        body.push_str("</tbody></table>");
    }
    st.app.metrics().request("pages", "ok");
    Html(page(&format!("{}: {}", i.id, i.title.plain()), &body)).into_response()
}

/// `?version=N`: a stored draft version instead of the live one.
#[derive(Debug, Deserialize, Default)]
pub struct VersionQuery {
    pub version: Option<i64>,
    /// A signed link's key (private incidents).
    pub key: Option<String>,
}

/// A stored version's Markdown, or the answer to give when there is none.
async fn stored(st: &WebState, id: IncidentId, v: i64) -> Result<postmortems::Version, Response> {
    let found = st.app.postmortem_version(id, v).await;
    match found {
        Ok(Some(x)) => Ok(x),
        Ok(None) => Err(not_found(&format!("{id} has no postmortem version {v}."))),
        Err(e) => {
            tracing::error!(error = %e, "could not read a postmortem version");
            st.app.metrics().request("pages", "error");
            Err((
                StatusCode::SERVICE_UNAVAILABLE,
                "warroom: the database is not answering\n",
            )
                .into_response())
        }
    }
}

/// `/incidents/INC-n/postmortem`: the draft as it stands, with its picture; with
/// `?version=N`, that stored version as it was written.
pub async fn postmortem(
    State(st): State<WebState>,
    Path(key): Path<String>,
    Query(q): Query<VersionQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    let r = match record(&st, &key, &viewer, &q).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let k = |url: String| esc(&keyed(&url, &q));
    if let Some(v) = q.version {
        let x = match stored(&st, r.incident.id, v).await {
            Ok(x) => x,
            Err(resp) => return resp,
        };
        let body = format!(
            "{}<p class=\"muted\">Version {v}, saved {} UTC. <a href=\"{}\">Current draft</a> · <a href=\"{}\">Markdown</a></p>",
            crate::postmortem::html::markdown_to_html(&x.markdown),
            x.created_at.format("%Y-%m-%d %H:%M"),
            k(format!("/incidents/{}/postmortem", r.incident.id)),
            k(format!(
                "/incidents/{}/postmortem.md?version={v}",
                r.incident.id
            )),
        );
        st.app.metrics().request("pages", "ok");
        return Html(page(
            &format!(
                "Postmortem {} v{v}: {}",
                r.incident.id,
                r.incident.title.plain()
            ),
            &body,
        ))
        .into_response();
    }
    let now = st.app.now();
    let history = st
        .app
        .postmortem_history(r.incident.id)
        .await
        .unwrap_or_default();
    let version = history.last().map(|(v, _)| *v).unwrap_or(0).max(1);
    let mut footer = format!(
        "<p class=\"muted\">Draft from the live incident record. <a href=\"{}\">Markdown</a> · <a href=\"{}\">Incident</a>",
        k(format!("/incidents/{}/postmortem.md", r.incident.id)),
        k(format!("/incidents/{}", r.incident.id)),
    );
    if !history.is_empty() {
        let versions: Vec<String> = history
            .iter()
            .map(|(v, t)| {
                format!(
                    "<a href=\"{}\">v{v}</a> {}",
                    k(format!(
                        "/incidents/{}/postmortem?version={v}",
                        r.incident.id
                    )),
                    t.format("%Y-%m-%d %H:%M")
                )
            })
            .collect();
        footer.push_str(&format!(" · saved versions: {}", versions.join(", ")));
    }
    footer.push_str("</p>");
    st.app.metrics().request("pages", "ok");
    Html(postmortem::page(st.app.cfg(), &r, now, version, &footer)).into_response()
}

/// `/incidents/INC-n/postmortem.md` (or `?version=N`, a stored one).
pub async fn postmortem_md(
    State(st): State<WebState>,
    Path(key): Path<String>,
    Query(q): Query<VersionQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    let markdown =
        |md: String| ([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], md).into_response();
    match record(&st, &key, &viewer, &q).await {
        Ok(r) => {
            if let Some(v) = q.version {
                return match stored(&st, r.incident.id, v).await {
                    Ok(x) => markdown(x.markdown),
                    Err(resp) => resp,
                };
            }
            let latest = st
                .app
                .postmortem_history(r.incident.id)
                .await
                .ok()
                .and_then(|h| h.last().map(|(v, _)| *v))
                .unwrap_or(1);
            markdown(postmortem::markdown(st.app.cfg(), &r, st.app.now(), latest))
        }
        Err(resp) => resp,
    }
}
