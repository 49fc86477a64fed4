//! One incident's record for the reader asking: a private incident opens only for
//! someone warroom knows is in it, or with the signed link posted in its channel, whose
//! key then rides along on the links between its pages.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::{VersionQuery, Viewer, failed, not_found};
use crate::app::incident::links;
use crate::domain::IncidentId;
use crate::html::page;
use crate::postmortem;
use crate::web::WebState;

/// The record of incident `key`, if this reader may see it: a private incident only
/// for someone warroom knows is in it, or with the signed link posted in its channel.
pub(super) async fn record(
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
    let Some(r) = st
        .app
        .incidents()
        .postmortem_record(id)
        .await
        .map_err(failed)?
    else {
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
    let signed = match (&q.key, st.app.incidents().link_secret().await) {
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
pub(super) fn keyed(url: &str, q: &VersionQuery) -> String {
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
