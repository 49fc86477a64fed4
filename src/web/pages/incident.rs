//! `/incidents/INC-n`: one incident, with its facts, roles, a picture of its phases,
//! its timeline and its action items.

use crate::domain::fields::{FieldBook, FieldKind};
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::{VersionQuery, Viewer, badge_sev, badge_status, keyed, record, when};
use crate::domain::UserText;
use crate::domain::duration::human;
use crate::html::{esc, page};
use crate::postmortem::{self, Record, draft};
use crate::web::WebState;

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
    let mut body = heading(&r, &q, now);
    let cfg = st.app.cfg();
    let kind = cfg
        .type_book()
        .of(i.kind.as_deref())
        .map(|t| t.name.clone());
    body.push_str(&facts(
        &r,
        &cfg.postmortem_rules().role_names,
        kind.as_deref(),
        cfg.field_book(),
    ));
    body.push_str(&timeline(&r, now));
    body.push_str(&action_items(&r));
    st.app.metrics().request("pages", "ok");
    Html(page(&format!("{}: {}", i.id, i.title.plain()), &body)).into_response()
}

/// A user's display name, escaped for HTML.
fn who(r: &Record, u: &str) -> String {
    esc(&draft::name(&r.names, u))
}

/// What people typed, as they would read it in Slack, escaped for HTML.
fn typed(r: &Record, t: &UserText) -> String {
    esc(&t.plain_with(&|u| draft::name(&r.names, u)))
}

/// The title, severity, state and who declared it, with links to the postmortem
/// draft and the list.
fn heading(r: &Record, q: &VersionQuery, now: DateTime<Utc>) -> String {
    let i = &r.incident;
    format!(
        "<h1>{}: {}</h1><p>{} {} · declared {} by {} · {}</p><nav class=\"links\"><a href=\"{}\">Postmortem draft</a><a href=\"/incidents\">All incidents</a></nav>",
        i.id,
        typed(r, &i.title),
        badge_sev(i.severity),
        badge_status(i.status),
        when(i.declared_at),
        who(r, &i.declared_by),
        match i.resolved_at {
            Some(t) => format!("resolved {} after {}", when(t), human(t - i.declared_at)),
            None => format!("open for {}", human(now - i.declared_at)),
        },
        esc(&keyed(&format!("/incidents/{}/postmortem", i.id), q))
    )
}

/// Type, impact, services, tags, summary, the custom fields set and role holders.
fn facts(
    r: &Record,
    role_names: &std::collections::BTreeMap<String, String>,
    kind: Option<&str>,
    fields: &FieldBook,
) -> String {
    let i = &r.incident;
    let mut body = String::from("<h2>Facts</h2><table><tbody>");
    let rows = [
        ("Type", kind.map(esc).unwrap_or_else(|| "—".into())),
        (
            "Impact",
            i.impact
                .as_ref()
                .map(|t| typed(r, t))
                .unwrap_or_else(|| "—".into()),
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
            "Tags",
            if i.tags.is_empty() {
                "—".into()
            } else {
                esc(&i.tags.join(", "))
            },
        ),
        (
            "Summary",
            i.summary
                .as_ref()
                .map(|t| typed(r, t))
                .unwrap_or_else(|| "—".into()),
        ),
    ];
    for (k, v) in rows {
        body.push_str(&format!("<tr><th>{k}</th><td>{v}</td></tr>"));
    }
    for f in fields.of_type(i.kind.as_deref()) {
        if let Some(v) = i.fields.get(&f.key) {
            let shown = match f.kind {
                FieldKind::User => who(r, v),
                _ => esc(&f.show(v)),
            };
            body.push_str(&format!(
                "<tr><th>{}</th><td>{shown}</td></tr>",
                esc(&f.label)
            ));
        }
    }
    for (role, holders) in draft::role_lines(i, &r.names, role_names) {
        body.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(&role),
            esc(&holders)
        ));
    }
    body.push_str("</tbody></table>");
    body
}

/// The picture of the phases, then every entry of the record.
fn timeline(r: &Record, now: DateTime<Utc>) -> String {
    let mut body = format!(
        "<h2>Timeline</h2><figure class=\"timeline\">{}</figure>",
        postmortem::picture(r, now)
    );
    body.push_str("<table><thead><tr><th>Time (UTC)</th><th>Who</th><th>What</th><th>Details</th></tr></thead><tbody>");
    for e in &r.entries {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            who(r, &e.actor),
            e.kind.label(),
            typed(r, &e.text)
        ));
    }
    body.push_str("</tbody></table>");
    body
}

/// The action items table; nothing when there are none.
fn action_items(r: &Record) -> String {
    if r.actions.is_empty() {
        return String::new();
    }
    let mut body = String::from(
        "<h2>Action items</h2><table><thead><tr><th>#</th><th>Action</th><th>Owner</th><th>Priority</th><th>Due</th><th>Status</th></tr></thead><tbody>",
    );
    for a in &r.actions {
        // Its ticket, linked when its address is a web address.
        let ticket = match &a.ticket {
            Some(t) => match t.web_url() {
                Some(u) => format!(
                    " <a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
                    crate::html::esc(u),
                    crate::html::esc(&t.name)
                ),
                None => format!(" {}", crate::html::esc(&t.name)),
            },
            None => String::new(),
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}{ticket}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            a.seq,
            typed(r, &a.text),
            a.owner
                .as_deref()
                .map(|o| who(r, o))
                .unwrap_or_else(|| "—".into()),
            a.priority.map(|p| p.key()).unwrap_or("—"),
            a.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
            if a.done { "done" } else { "open" }
        ));
    }
    body.push_str("</tbody></table>");
    body
}
