//! GitHub Issues' REST API, shaped: the create and edit bodies (the body in GitHub
//! Markdown, with what a person typed escaped so it stays text and mentions no one,
//! and the subject's marker as an HTML comment that finds the issue again), and the
//! answers read into what warroom needs. Pure; `providers::github` sends them.

use serde_json::{Value, json};

use super::draft::{Draft, Piece};

/// An issue as warroom reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub number: u64,
    pub url: String,
    pub closed: bool,
    pub assignees: Vec<String>,
    pub body: String,
}

/// Text typed by a person, as Markdown that shows it as typed: punctuation that
/// Markdown reads is escaped, HTML cannot open, and `@` mentions nobody.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            // A zero-width joiner after `@`: shown the same, notifies nobody.
            '@' => out.push_str("@\u{2060}"),
            '\r' => {}
            '\n' => out.push_str("  \n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The comment line that marks the issue as `marker`'s.
pub fn marker_line(marker: &str) -> String {
    format!("<!-- warroom:{marker} -->")
}

/// The Markdown body of `d`.
pub fn body(d: &Draft) -> String {
    let mut out = String::new();
    for line in &d.lines {
        for p in line {
            match p {
                Piece::Text(t) => out.push_str(&escape(t)),
                Piece::Link { text, url } => {
                    let url = url.replace(['(', ')', ' '], "");
                    out.push_str(&format!("[{}]({url})", escape(text)));
                }
            }
        }
        out.push_str("\n\n");
    }
    out.push_str(&marker_line(&d.marker));
    out.push('\n');
    out
}

/// `POST /repos/{owner}/{repo}/issues`.
pub fn create_body(d: &Draft, assignee: Option<&str>) -> Value {
    let mut v = edit_body(d);
    if let Some(a) = assignee {
        v["assignees"] = json!([a]);
    }
    v
}

/// `PATCH …/issues/{n}`: what warroom keeps current (labels other than warroom's
/// own are the team's and kept: only title and body are replaced).
pub fn edit_body(d: &Draft) -> Value {
    let labels: Vec<&String> = d.labels.iter().filter(|l| **l != d.marker).collect();
    json!({"title": d.title, "body": body(d), "labels": labels})
}

/// `PATCH …/issues/{n}` to close or reopen.
pub fn state_body(closed: bool) -> Value {
    if closed {
        json!({"state": "closed", "state_reason": "completed"})
    } else {
        json!({"state": "open", "state_reason": "reopened"})
    }
}

/// An issue of a create, a GET or a listing.
pub fn issue(v: &Value) -> Option<Issue> {
    Some(Issue {
        number: v.get("number")?.as_u64()?,
        url: v.get("html_url")?.as_str()?.to_string(),
        closed: v.get("state").and_then(Value::as_str) == Some("closed"),
        assignees: v
            .get("assignees")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|u| u.get("login")?.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        body: v
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

/// The issue of a listing that carries `marker`'s line.
pub fn find_marked(list: &Value, marker: &str) -> Option<Issue> {
    let line = marker_line(marker);
    list.as_array()?
        .iter()
        .filter_map(issue)
        .find(|i| i.body.contains(&line))
}

/// True when `repo` is `owner/name` fit for a URL path.
pub fn is_repo(repo: &str) -> bool {
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    matches!(repo.split_once('/'), Some((o, n)) if ok(o) && ok(n))
}

/// A refusal's body as a person reads it: `message` and each error's field.
pub fn refusal(text: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return text.to_string();
    };
    let mut out = v
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("refused")
        .to_string();
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        let named: Vec<String> = errors
            .iter()
            .filter_map(|e| {
                let field = e.get("field")?.as_str()?;
                let code = e.get("code").and_then(Value::as_str).unwrap_or("invalid");
                Some(match e.get("value").and_then(Value::as_str) {
                    Some(v) => format!("{field} {code} ({v})"),
                    None => format!("{field} {code}"),
                })
            })
            .collect();
        if !named.is_empty() {
            out.push_str(&format!(": {}", named.join(", ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_stays_text_and_mentions_nobody() {
        let e = escape("**x** <img src=x> [a](http://evil) @here #1\nnext");
        assert!(!e.contains("**x**"));
        assert!(!e.contains("<img"));
        assert!(!e.contains("](http"));
        assert!(!e.contains("@here"));
        assert!(e.contains("\\*\\*x\\*\\*"));
        assert!(e.contains("  \nnext"));
    }

    #[test]
    fn the_body_ends_with_the_marker_and_links_work() {
        let d = Draft {
            title: "t".into(),
            lines: vec![vec![
                Piece::Text("Page: ".into()),
                Piece::Link {
                    text: "https://w/i/4".into(),
                    url: "https://w/i/4".into(),
                },
            ]],
            labels: vec!["warroom".into(), "warroom-inc-4".into()],
            priority: None,
            due: None,
            owner: None,
            state: "open".into(),
            marker: "warroom-inc-4".into(),
        };
        let b = body(&d);
        assert!(b.contains("[https://w/i/4](https://w/i/4)"), "{b}");
        assert!(b.ends_with("<!-- warroom:warroom-inc-4 -->\n"));
        let list = json!([{"number": 7, "html_url": "https://g/7", "state": "open", "body": b}]);
        assert_eq!(
            find_marked(&list, "warroom-inc-4").map(|i| i.number),
            Some(7)
        );
        assert_eq!(find_marked(&list, "warroom-inc-44"), None);
        // The marker is a body line, not a label (labels can be dropped silently).
        assert_eq!(edit_body(&d)["labels"], json!(["warroom"]));
    }

    #[test]
    fn repositories_and_refusals() {
        assert!(is_repo("acme/api"));
        for bad in ["acme", "acme/", "../x", "a/b/c", "a/..", "a b/c"] {
            assert!(!is_repo(bad), "{bad}");
        }
        let t = r#"{"message":"Validation Failed","errors":[{"resource":"Issue","code":"invalid","field":"assignees","value":"zed"}]}"#;
        assert_eq!(refusal(t), "Validation Failed: assignees invalid (zed)");
    }
}
