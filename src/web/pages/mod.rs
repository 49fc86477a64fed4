//! Pages for managers, served by the same process: the incident list (filter by
//! status, severity, dates), one incident with its timeline, and its postmortem draft
//! with a picture of its phases, printable. Plain HTML and CSS, no JavaScript.
//! Access: a shared token (HTTP Basic password or Bearer) and/or a header set by a
//! trusted reverse proxy, per `[web]`.
//!
//! This module holds what the pages share (error pages, badges, the version query);
//! each page has its own submodule.

mod access;
mod incident;
mod insights;
mod list;
mod postmortem;
mod record;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::domain::{Severity, Status};
use crate::html::{esc, page};

pub use access::{Viewer, require_reader};
pub use incident::show;
pub use insights::{insights, insights_csv, insights_json};
pub use list::{ListQuery, list};
pub use postmortem::{postmortem, postmortem_md};
use record::{keyed, record};

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

/// A severity's badge, in its configured colour (validated as `#rrggbb`).
fn badge_sev(s: Severity) -> String {
    let colour = &s.level().colour;
    if colour.is_empty() {
        format!("<span class=\"badge sev\">{}</span>", esc(&s.to_string()))
    } else {
        format!(
            "<span class=\"badge sev\" style=\"background: {}\">{}</span>",
            esc(colour),
            esc(&s.to_string())
        )
    }
}

fn badge_status(s: Status) -> String {
    format!("<span class=\"badge {}\">{s}</span>", s.key())
}

fn when(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `?version=N`: a stored draft version instead of the live one.
#[derive(Debug, Deserialize, Default)]
pub struct VersionQuery {
    pub version: Option<i64>,
    /// A signed link's key (private incidents).
    pub key: Option<String>,
}
