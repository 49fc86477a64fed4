//! The postmortem as a Confluence Cloud page: the settings (`[postmortem.confluence]`),
//! the page's title, the draft in Confluence's storage format (XHTML rendered from the
//! same Markdown, with what people typed already escaped and no raw HTML), and the
//! reading of Confluence's v2 answers and errors. Pure: `providers/confluence.rs`
//! sends it, `app/reports/confluence.rs` runs it.

use serde::Deserialize;
use serde_json::Value;

use crate::domain::duration::Dur;
use crate::domain::secret::Secret;

/// `[postmortem.confluence]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfluenceConfig {
    /// The space's numeric ID (REST v2 `spaceId`); empty: no Confluence pages.
    #[serde(default)]
    pub space_id: String,
    /// The page the postmortems go under (numeric ID); empty: the space's top.
    #[serde(default)]
    pub parent_id: String,
    /// The site (`https://acme.atlassian.net`); empty: `tickets.jira.url`.
    #[serde(default)]
    pub url: String,
    /// The account of the API token (Basic auth); empty: `tickets.jira.email`.
    #[serde(default)]
    pub email: String,
    /// Empty: `tickets.jira.api_token`.
    #[serde(default)]
    pub api_token: Secret,
    /// Private incidents' postmortems go there too.
    #[serde(default)]
    pub private: bool,
    #[serde(default = "timeout")]
    pub timeout: Dur,
}

fn timeout() -> Dur {
    Dur(std::time::Duration::from_secs(10))
}

impl Default for ConfluenceConfig {
    fn default() -> Self {
        ConfluenceConfig {
            space_id: String::new(),
            parent_id: String::new(),
            url: String::new(),
            email: String::new(),
            api_token: Secret::default(),
            private: false,
            timeout: timeout(),
        }
    }
}

impl ConfluenceConfig {
    pub fn enabled(&self) -> bool {
        !self.space_id.trim().is_empty()
    }

    /// The settings with the Atlassian site and account taken from Jira's where
    /// they are not set here.
    pub fn resolved(&self, jira: &crate::tickets::JiraConfig) -> ConfluenceConfig {
        let mut c = self.clone();
        if c.url.trim().is_empty() {
            c.url = jira.url.clone();
        }
        if c.email.trim().is_empty() {
            c.email = jira.email.clone();
        }
        if !c.api_token.is_set() {
            c.api_token = jira.api_token.clone();
        }
        c
    }
}

/// True for a Confluence ID (digits).
pub fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 30 && s.chars().all(|c| c.is_ascii_digit())
}

/// The page's title: `Postmortem INC-42: <title>` (Confluence titles are unique in a
/// space, which is how a page made by an unanswered create is found again).
/// The same title as the pull request's.
pub fn title(key: &str, title: &str) -> String {
    super::pull_request::title(key, title)
}

/// The title of warroom's own draft beside a page people edited (kept current by
/// later drafts).
pub fn draft_title(key: &str, title: &str) -> String {
    format!("{} (warroom's draft)", self::title(key, title))
}

/// The draft in storage format: the Markdown rendered (any HTML in it shown as text),
/// with the task-list boxes as characters (storage format has no form inputs).
pub fn storage(markdown: &str) -> String {
    crate::html::markdown_to_html(markdown)
        .replace("<input disabled=\"\" type=\"checkbox\" checked=\"\"/>", "☑")
        .replace("<input disabled=\"\" type=\"checkbox\"/>", "☐")
}

/// A page as warroom needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub id: String,
    pub title: String,
    /// The current version number.
    pub version: i64,
    /// The page's web address, when Confluence gave one.
    pub webui: Option<String>,
    /// Its content in storage format, when asked for.
    pub body: Option<String>,
}

/// A page out of a v2 answer.
pub fn page(v: &Value, base: &str) -> Option<Page> {
    let id = match v.get("id")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let webui = v.pointer("/_links/webui").and_then(Value::as_str).map(|w| {
        let base = v
            .pointer("/_links/base")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}/wiki", base.trim_end_matches('/')));
        format!("{}{w}", base.trim_end_matches('/'))
    });
    Some(Page {
        id,
        title: v.get("title")?.as_str()?.to_string(),
        version: v.pointer("/version/number")?.as_i64()?,
        webui,
        body: v
            .pointer("/body/storage/value")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// What Confluence said in a refusal: the v2 `errors[].title`, else `message`, else
/// the start of the body.
pub fn refusal(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let titles: Vec<&str> = v
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("title").and_then(Value::as_str))
        .collect();
    if !titles.is_empty() {
        return titles.join("; ");
    }
    v.get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| body.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_and_refusals_are_read() {
        let v = json!({"id": "98765", "title": "Postmortem INC-1: x", "version": {"number": 3},
            "_links": {"webui": "/spaces/OPS/pages/98765/Postmortem", "base": "https://acme.atlassian.net/wiki"}});
        let p = page(&v, "https://acme.atlassian.net").unwrap();
        assert_eq!(p.version, 3);
        assert_eq!(
            p.webui.as_deref(),
            Some("https://acme.atlassian.net/wiki/spaces/OPS/pages/98765/Postmortem")
        );
        let body = r#"{"errors":[{"status":409,"code":"CONFLICT","title":"Version must be incremented on update. Current version is: 5","detail":null}]}"#;
        assert_eq!(
            refusal(body),
            "Version must be incremented on update. Current version is: 5"
        );
        assert_eq!(refusal("oops"), "oops");
    }

    #[test]
    fn storage_is_xhtml_without_inputs_or_raw_html() {
        let s = storage(
            "# T\n\n- [x] done\n- [ ] not\n\nline<script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(
            s.contains("☑") && s.contains("☐") && !s.contains("<input"),
            "{s}"
        );
        assert!(
            !s.contains("<script>") && s.contains("&lt;script&gt;"),
            "{s}"
        );
        assert!(s.contains("<table>"));
        assert_eq!(
            draft_title("INC-1", "x"),
            "Postmortem INC-1: x (warroom's draft)"
        );
    }
}
