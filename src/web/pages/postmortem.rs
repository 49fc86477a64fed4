//! `/incidents/INC-n/postmortem` and `.md`: the postmortem draft as it stands (built
//! from the live record, with its picture) or a stored version as it was written, as
//! a printable page or as Markdown.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::{VersionQuery, Viewer, keyed, not_found, record};
use crate::domain::IncidentId;
use crate::domain::listing::DraftVersion;
use crate::html::{esc, page};
use crate::postmortem::{self, Record};
use crate::web::WebState;

/// A stored version's Markdown, or the answer to give when there is none.
async fn stored(st: &WebState, id: IncidentId, v: i64) -> Result<DraftVersion, Response> {
    let found = st.app.incidents().postmortem_version(id, v).await;
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
    match q.version {
        Some(v) => stored_page(&st, &r, &q, v).await,
        None => live_page(&st, &r, &q).await,
    }
}

/// Stored version `v` as it was written, with links to the live draft and its
/// Markdown.
async fn stored_page(st: &WebState, r: &Record, q: &VersionQuery, v: i64) -> Response {
    let k = |url: String| esc(&keyed(&url, q));
    let x = match stored(st, r.incident.id, v).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let body = format!(
        "{}<p class=\"muted\">Version {v}, saved {} UTC. <a href=\"{}\">Current draft</a> · <a href=\"{}\">Markdown</a></p>",
        crate::html::markdown_to_html(&x.markdown),
        x.created_at.format("%Y-%m-%d %H:%M"),
        k(format!("/incidents/{}/postmortem", r.incident.id)),
        k(format!(
            "/incidents/{}/postmortem.md?version={v}",
            r.incident.id
        )),
    );
    st.app.metrics().request("pages", "ok");
    Html(page(
        &format!(
            "Postmortem {} v{v}: {}",
            r.incident.id,
            r.incident.title.plain()
        ),
        &body,
    ))
    .into_response()
}

/// The draft built from the live record, numbered after the latest stored version,
/// with a footer linking its Markdown, the incident and the stored versions.
async fn live_page(st: &WebState, r: &Record, q: &VersionQuery) -> Response {
    let now = st.app.now();
    let history = st
        .app
        .incidents()
        .postmortem_history(r.incident.id)
        .await
        .unwrap_or_default();
    let version = history.last().map(|(v, _)| *v).unwrap_or(0).max(1);
    let footer = footer(r, q, &history);
    st.app.metrics().request("pages", "ok");
    Html(postmortem::page(
        &st.app.cfg().postmortem_rules(),
        r,
        now,
        version,
        &footer,
    ))
    .into_response()
}

/// The live draft's footer.
fn footer(r: &Record, q: &VersionQuery, history: &[(i64, DateTime<Utc>)]) -> String {
    let k = |url: String| esc(&keyed(&url, q));
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
    footer
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
                .incidents()
                .postmortem_history(r.incident.id)
                .await
                .ok()
                .and_then(|h| h.last().map(|(v, _)| *v))
                .unwrap_or(1);
            markdown(postmortem::markdown(
                &st.app.cfg().postmortem_rules(),
                &r,
                st.app.now(),
                latest,
            ))
        }
        Err(resp) => resp,
    }
}
