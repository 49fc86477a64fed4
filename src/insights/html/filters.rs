//! The insights page's filter form (period, severity, service, tag, status) showing
//! the current values, and the export links that keep the same filters.

use super::FormValues;
use crate::domain::{Severity, Status};
use crate::html::esc;

/// One `<option>`, selected when it is the current value.
fn option(value: &str, label: &str, current: &str) -> String {
    format!(
        "<option value=\"{}\"{}>{}</option>",
        esc(value),
        if value == current { " selected" } else { "" },
        esc(label)
    )
}

/// A `<select>` with "all" first, then `(value, label)` choices.
fn select(label: &str, name: &str, choices: &[(String, String)], current: &str) -> String {
    let mut s = format!("<label>{}<select name=\"{}\">", esc(label), esc(name));
    s.push_str(&option("", "all", current));
    for (value, text) in choices {
        s.push_str(&option(value, text, current));
    }
    s.push_str("</select></label>");
    s
}

/// The filters as a query string, for the exports to match the page.
fn query_string(form: &FormValues) -> String {
    let pairs: Vec<(&str, &str)> = [
        ("since", form.since.as_str()),
        ("until", form.until.as_str()),
        ("severity", form.severity.as_str()),
        ("service", form.service.as_str()),
        ("tag", form.tag.as_str()),
        ("status", form.status.as_str()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    match serde_urlencoded::to_string(pairs) {
        Ok(q) if !q.is_empty() => format!("?{q}"),
        _ => String::new(),
    }
}

/// The GET filter form showing the current values, and the export links.
pub(super) fn filter_form(form: &FormValues, severities: &[Severity]) -> String {
    let mut s = String::from("<form class=\"filters\" method=\"get\" action=\"/insights\">");
    s.push_str(&format!(
        "<label>Declared from<input type=\"date\" name=\"since\" value=\"{}\"></label><label>to<input type=\"date\" name=\"until\" value=\"{}\"></label>",
        esc(&form.since),
        esc(&form.until)
    ));
    let sevs: Vec<(String, String)> = severities
        .iter()
        .map(|s| (s.key().to_string(), s.to_string()))
        .collect();
    s.push_str(&select("Severity", "severity", &sevs, &form.severity));
    let mut services: Vec<(String, String)> = form
        .services
        .iter()
        .map(|v| (v.clone(), v.clone()))
        .collect();
    // A service typed into the URL but unknown still shows as the current choice.
    if !form.service.is_empty() && !form.services.contains(&form.service) {
        services.push((form.service.clone(), form.service.clone()));
    }
    s.push_str(&select("Service", "service", &services, &form.service));
    s.push_str(&format!(
        "<label>Tag<input type=\"text\" name=\"tag\" size=\"12\" maxlength=\"{}\" value=\"{}\"></label>",
        crate::domain::tags::MAX_TAG_LEN,
        esc(&form.tag)
    ));
    let statuses: Vec<(String, String)> = Status::ALL
        .iter()
        .map(|s| (s.key().to_string(), s.to_string()))
        .collect();
    s.push_str(&select("Status", "status", &statuses, &form.status));
    s.push_str("<button type=\"submit\">Show</button></form>");
    let q = query_string(form);
    s.push_str(&format!(
        "<nav class=\"links\">Download: <a href=\"{}\">CSV</a> <a href=\"{}\">JSON</a></nav>",
        esc(&format!("/insights.csv{q}")),
        esc(&format!("/insights.json{q}"))
    ));
    s
}
