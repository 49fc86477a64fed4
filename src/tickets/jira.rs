//! Jira Cloud's REST API v3, shaped: the create and edit bodies (the description in
//! Atlassian Document Format, where a plain string is refused), the JQL that finds a
//! ticket again by its marker label or reads many back by key, and the answers read
//! into what warroom needs. Pure; `providers::jira` sends them.

use serde_json::{Value, json};

use super::draft::{Draft, Piece};

/// A Jira issue as warroom reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub key: String,
    /// `new`, `indeterminate` or `done` (the status category).
    pub category: String,
    pub status: String,
    pub assignee: Option<String>,
    pub assignee_name: Option<String>,
    pub due: Option<String>,
}

impl Issue {
    pub fn done(&self) -> bool {
        self.category == "done"
    }
}

/// One transition the workflow offers from the issue's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub id: String,
    pub name: String,
    /// The status it leads to, and that status's category.
    pub to: String,
    pub to_category: String,
}

/// `body` as an Atlassian Document: a paragraph per line, links as link marks.
pub fn adf(lines: &[Vec<Piece>]) -> Value {
    let content: Vec<Value> = lines
        .iter()
        .map(|line| {
            let nodes: Vec<Value> = line
                .iter()
                .filter(|p| !matches!(p, Piece::Text(t) if t.is_empty()))
                .map(|p| match p {
                    Piece::Text(t) => json!({"type": "text", "text": t}),
                    Piece::Link { text, url } => json!({
                        "type": "text",
                        "text": text,
                        "marks": [{"type": "link", "attrs": {"href": url}}]
                    }),
                })
                .collect();
            json!({"type": "paragraph", "content": nodes})
        })
        .collect();
    json!({"type": "doc", "version": 1, "content": content})
}

/// Jira labels cannot hold spaces.
fn label(l: &str) -> String {
    l.split_whitespace().collect::<Vec<_>>().join("-")
}

/// What the route sets on every create beside the draft.
pub struct Target<'a> {
    pub project: &'a str,
    pub issue_type: &'a str,
    /// The Jira priority's name, if mapped.
    pub priority: Option<&'a str>,
    pub assignee: Option<&'a str>,
    pub extra: &'a std::collections::BTreeMap<String, Value>,
}

/// `POST /rest/api/3/issue`.
pub fn create_body(d: &Draft, t: &Target<'_>) -> Value {
    let mut fields = serde_json::Map::new();
    for (k, v) in t.extra {
        fields.insert(k.clone(), v.clone());
    }
    fields.insert("project".into(), json!({"key": t.project}));
    fields.insert("issuetype".into(), json!({"name": t.issue_type}));
    edit_fields(&mut fields, d);
    if let Some(p) = t.priority {
        fields.insert("priority".into(), json!({"name": p}));
    }
    if let Some(a) = t.assignee {
        fields.insert("assignee".into(), json!({"accountId": a}));
    }
    json!({ "fields": fields })
}

fn edit_fields(fields: &mut serde_json::Map<String, Value>, d: &Draft) {
    fields.insert("summary".into(), json!(d.title));
    fields.insert("description".into(), adf(&d.lines));
    let labels: Vec<String> = d.labels.iter().map(|l| label(l)).collect();
    fields.insert("labels".into(), json!(labels));
    if let Some(due) = d.due {
        fields.insert("duedate".into(), json!(due.to_string()));
    }
}

/// `PUT /rest/api/3/issue/{key}`: what warroom keeps current.
pub fn edit_body(d: &Draft) -> Value {
    let mut fields = serde_json::Map::new();
    edit_fields(&mut fields, d);
    json!({ "fields": fields })
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// JQL that finds the ticket carrying `marker`.
pub fn by_marker(project: &str, marker: &str) -> String {
    format!(
        "project = {} AND labels = {}",
        quoted(project),
        quoted(&label(marker))
    )
}

/// JQL that reads `keys` back.
pub fn by_keys(keys: &[String]) -> String {
    format!("issuekey in ({})", keys.join(", "))
}

/// `POST /rest/api/3/search/jql`.
pub fn search_body(jql: &str, max: usize) -> Value {
    json!({
        "jql": jql,
        "fields": ["status", "assignee", "duedate"],
        "maxResults": max,
    })
}

/// True when `key` is fit for a URL path and a JQL list (`OPS-12`).
pub fn is_key(key: &str) -> bool {
    let Some((project, n)) = key.split_once('-') else {
        return false;
    };
    !project.is_empty()
        && project.len() <= 32
        && project
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !n.is_empty()
        && n.len() <= 12
        && n.chars().all(|c| c.is_ascii_digit())
}

/// The key of a created issue.
pub fn created_key(v: &Value) -> Option<String> {
    v.get("key")?
        .as_str()
        .filter(|k| is_key(k))
        .map(str::to_string)
}

/// An issue of a search or a GET.
pub fn issue(v: &Value) -> Option<Issue> {
    let key = v.get("key")?.as_str().filter(|k| is_key(k))?.to_string();
    let f = v.get("fields").cloned().unwrap_or(Value::Null);
    let s = |p: &str| f.pointer(p).and_then(Value::as_str).map(str::to_string);
    Some(Issue {
        key,
        category: s("/status/statusCategory/key").unwrap_or_default(),
        status: s("/status/name").unwrap_or_default(),
        assignee: s("/assignee/accountId"),
        assignee_name: s("/assignee/displayName"),
        due: s("/duedate"),
    })
}

/// The issues of a search answer.
pub fn issues(v: &Value) -> Vec<Issue> {
    v.get("issues")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(issue).collect())
        .unwrap_or_default()
}

/// The transitions offered now.
pub fn transitions(v: &Value) -> Vec<Transition> {
    let Some(list) = v.get("transitions").and_then(Value::as_array) else {
        return vec![];
    };
    list.iter()
        .filter_map(|t| {
            Some(Transition {
                id: t.get("id")?.as_str()?.to_string(),
                name: t.get("name")?.as_str()?.to_string(),
                to: t
                    .pointer("/to/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .into(),
                to_category: t
                    .pointer("/to/statusCategory/key")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .into(),
            })
        })
        .collect()
}

/// The account of a user search's first active match.
pub fn account(v: &Value) -> Option<String> {
    v.as_array()?
        .iter()
        .find(|u| u.get("active").and_then(Value::as_bool).unwrap_or(true))?
        .get("accountId")?
        .as_str()
        .map(str::to_string)
}

/// A refusal's body as a person reads it: Jira's `errorMessages` and each field's
/// error (`customfield_10042: Team is required.`).
pub fn refusal(text: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return text.to_string();
    };
    let mut out: Vec<String> = v
        .get("errorMessages")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(errors) = v.get("errors").and_then(Value::as_object) {
        for (field, e) in errors {
            out.push(format!("{field}: {}", e.as_str().unwrap_or("refused")));
        }
    }
    if out.is_empty() {
        text.to_string()
    } else {
        out.join("; ")
    }
}

/// The fields a refusal names (to say which setting to fix).
pub fn refused_fields(text: &str) -> Vec<String> {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("errors").and_then(Value::as_object).cloned())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            title: "INC-4 action 1: fix it".into(),
            lines: vec![
                vec![Piece::Text("<b>bold</b> @here".into())],
                vec![
                    Piece::Text("Slack channel: ".into()),
                    Piece::Link {
                        text: "https://s/c".into(),
                        url: "https://s/c".into(),
                    },
                ],
            ],
            labels: vec!["warroom".into(), "INC-4".into(), "my label".into()],
            priority: None,
            due: chrono::NaiveDate::from_ymd_opt(2026, 12, 24),
            owner: None,
            state: "open".into(),
            marker: "warroom-inc-4-action-1".into(),
        }
    }

    #[test]
    fn the_description_is_a_document_and_typed_text_stays_text() {
        let d = adf(&draft().lines);
        assert_eq!(d["type"], "doc");
        assert_eq!(d["version"], 1);
        assert_eq!(d["content"][0]["content"][0]["text"], "<b>bold</b> @here");
        assert_eq!(
            d["content"][1]["content"][1]["marks"][0]["attrs"]["href"],
            "https://s/c"
        );
    }

    #[test]
    fn a_create_sets_the_route_fields_and_labels_without_spaces() {
        let extra = [("customfield_10042".to_string(), json!({"value": "SRE"}))]
            .into_iter()
            .collect();
        let b = create_body(
            &draft(),
            &Target {
                project: "OPS",
                issue_type: "Task",
                priority: Some("High"),
                assignee: Some("acc-1"),
                extra: &extra,
            },
        );
        let f = &b["fields"];
        assert_eq!(f["project"]["key"], "OPS");
        assert_eq!(f["issuetype"]["name"], "Task");
        assert_eq!(f["priority"]["name"], "High");
        assert_eq!(f["assignee"]["accountId"], "acc-1");
        assert_eq!(f["duedate"], "2026-12-24");
        assert_eq!(f["labels"][2], "my-label");
        assert_eq!(f["customfield_10042"]["value"], "SRE");
    }

    #[test]
    fn jql_quotes_values_and_keys_are_checked() {
        assert_eq!(
            by_marker("OPS", "warroom-inc-4"),
            "project = \"OPS\" AND labels = \"warroom-inc-4\""
        );
        assert!(is_key("OPS-12"));
        for bad in ["OPS", "-1", "OPS-", "OPS-1 OR 1=1", "../x-1", "OPS-1a"] {
            assert!(!is_key(bad), "{bad}");
        }
    }

    #[test]
    fn refusals_name_each_field() {
        let t = r#"{"errorMessages":[],"errors":{"customfield_10042":"Team is required."}}"#;
        assert_eq!(refusal(t), "customfield_10042: Team is required.");
        assert_eq!(refused_fields(t), vec!["customfield_10042".to_string()]);
        assert_eq!(refusal("plain"), "plain");
    }

    #[test]
    fn answers_are_read() {
        let v = json!({"issues": [{"key": "OPS-1", "fields": {
            "status": {"name": "Done", "statusCategory": {"key": "done"}},
            "assignee": {"accountId": "acc-b", "displayName": "Bob"}, "duedate": "2026-12-30"}}]});
        let i = &issues(&v)[0];
        assert!(i.done());
        assert_eq!(i.assignee.as_deref(), Some("acc-b"));
        assert_eq!(i.due.as_deref(), Some("2026-12-30"));
        let t = transitions(&json!({"transitions": [{"id": "31", "name": "Done",
            "to": {"name": "Done", "statusCategory": {"key": "done"}}}]}));
        assert_eq!(t[0].to_category, "done");
        assert_eq!(
            account(&json!([{"accountId": "acc-a", "active": true}])).as_deref(),
            Some("acc-a")
        );
    }
}
