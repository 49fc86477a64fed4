//! `/insights`, `/insights.csv` and `/insights.json`: the managers' view across
//! incidents for a period (declared from `since` to `until`, both days included,
//! default the last 90 days) and filters (severity, service, status). Same access
//! as the other pages; private incidents count for admins only.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Deserialize;

use super::list::{filter_date, tag_filter};
use super::{Viewer, bad_request, failed};
use crate::domain::Status;
use crate::domain::command::is_service_name;
use crate::insights::html::FormValues;
use crate::insights::{Filter, Report, export};
use crate::web::WebState;

/// The longest period one report covers.
pub const MAX_DAYS: i64 = 5 * 366;
/// The period when none is given.
pub const DEFAULT_DAYS: i64 = 90;

#[derive(Debug, Deserialize, Default, Clone)]
pub struct InsightsQuery {
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    status: String,
}

/// The filter the query asks for, for this viewer; else why not.
fn filter(st: &WebState, q: &InsightsQuery, viewer: &Viewer) -> Result<Filter, String> {
    let tz = st.app.tz();
    let today = st.app.now().with_timezone(&tz).date_naive();
    let until = filter_date("until", &q.until)?.unwrap_or(today);
    let since = filter_date("since", &q.since)?.unwrap_or(until - Duration::days(DEFAULT_DAYS - 1));
    if since > until {
        return Err(format!("`since` ({since}) is after `until` ({until})."));
    }
    if (until - since).num_days() >= MAX_DAYS {
        return Err(format!(
            "The period is longer than {MAX_DAYS} days; choose a shorter one."
        ));
    }
    let start = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| d.and_time(NaiveTime::MIN).and_utc())
    };
    let severity = match q.severity.trim() {
        "" => None,
        s => Some(
            st.app
                .cfg()
                .severities()
                .parse(s)
                .map_err(|e| e.to_string())?,
        ),
    };
    let status = match q.status.trim() {
        "" => None,
        s => Some(Status::parse(s).map_err(|e| e.to_string())?),
    };
    let service = match q.service.trim() {
        "" => None,
        s if is_service_name(s) => Some(s.to_string()),
        s => return Err(format!("`{s}` is not a service name.")),
    };
    let tag = tag_filter(&q.tag)?;
    let admin = matches!(viewer, Viewer::User(u) if st.app.cfg().slack.admins.contains(u));
    Ok(Filter {
        since: start(since),
        until: start(until + Duration::days(1)),
        severity,
        service,
        tag,
        status,
        include_private: admin,
    })
}

/// The report, or the page that says why there is none.
async fn report(st: &WebState, q: &InsightsQuery, viewer: &Viewer) -> Result<Report, Response> {
    let f = match filter(st, q, viewer) {
        Ok(f) => f,
        Err(why) => {
            st.app.metrics().request("pages", "bad_request");
            return Err(bad_request(&why));
        }
    };
    st.app.reports().insights(&f).await.map_err(failed)
}

pub async fn insights(
    State(st): State<WebState>,
    Query(q): Query<InsightsQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    let r = match report(&st, &q, &viewer).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let mut services: Vec<String> = st.app.cfg().slos().into_iter().map(|s| s.service).collect();
    services.extend(r.by_service.iter().map(|s| s.service.clone()));
    services.sort();
    services.dedup();
    let form = FormValues {
        since: q.since.clone(),
        until: q.until.clone(),
        severity: q.severity.clone(),
        service: q.service.clone(),
        tag: q.tag.clone(),
        status: q.status.clone(),
        services,
    };
    st.app.metrics().request("pages", "ok");
    Html(crate::insights::html::page(&r, &form)).into_response()
}

pub async fn insights_csv(
    State(st): State<WebState>,
    Query(q): Query<InsightsQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    match report(&st, &q, &viewer).await {
        Ok(r) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"insights.csv\"",
                ),
            ],
            export::csv(&r),
        )
            .into_response(),
        Err(resp) => resp,
    }
}

pub async fn insights_json(
    State(st): State<WebState>,
    Query(q): Query<InsightsQuery>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    match report(&st, &q, &viewer).await {
        Ok(r) => axum::Json(r).into_response(),
        Err(resp) => resp,
    }
}
