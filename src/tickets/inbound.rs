//! What the trackers tell warroom back: a webhook delivery checked against its
//! secret (`X-Hub-Signature-256` from GitHub, `X-Hub-Signature` from Jira, both
//! `sha256=<hex HMAC-SHA256 of the body>`), and a ticket's state now, read from a
//! delivery or a poll, as one [`Remote`] that warroom compares with what it knew.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::Tracker;

/// The largest delivery read (GitHub caps payloads at 25 MB; an issue event is a
/// few KiB).
pub const MAX_DELIVERY: usize = 1024 * 1024;

/// True when `header` (`sha256=<hex>`) is the HMAC of `body` under `secret`. An
/// empty secret verifies nothing.
pub fn verify(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    if secret.is_empty() {
        return false;
    }
    let Ok(mut m) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    m.update(body);
    let want = m.finalize().into_bytes();
    want.len() == given.len() && bool::from(want.as_slice().ct_eq(&given))
}

/// A ticket as its tracker has it now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Remote {
    pub tracker: Tracker,
    /// The Jira project key, or the GitHub repository (`owner/name`).
    pub project: String,
    /// `OPS-12`, or the GitHub issue number.
    pub key: String,
    pub closed: bool,
    /// The tracker's user it is assigned to (accountId, login).
    pub assignee: Option<String>,
    /// That user's name as the tracker shows it.
    pub assignee_name: Option<String>,
    /// The due date (`YYYY-MM-DD`), for trackers that have one.
    pub due: Option<Option<String>>,
    /// Who changed it, as the tracker names them (for the timeline).
    pub by: Option<String>,
}

/// The most characters kept of a name a tracker sends (a person, a repository).
const MAX_NAME: usize = 100;

/// A tracker's name for something, bounded and on one line.
fn clip(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect()
}

fn clipped(s: Option<&str>) -> Option<String> {
    s.map(clip)
}

/// A GitHub `issues` delivery; None for events warroom does not follow.
pub fn github_event(event: &str, body: &Value) -> Option<Remote> {
    if event != "issues" {
        return None;
    }
    let issue = super::github::issue(body.get("issue")?)?;
    let project = body.pointer("/repository/full_name")?.as_str()?;
    Some(Remote {
        by: clipped(body.pointer("/sender/login").and_then(Value::as_str)),
        ..github_remote(project, &issue)
    })
}

/// A pull request merged, as a `pull_request` delivery tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// `owner/name`.
    pub repo: String,
    pub number: u64,
    /// Who merged it.
    pub by: Option<String>,
}

/// A `pull_request` delivery that closed a pull request by merging it; None for
/// anything else (opened, closed unmerged, other events).
pub fn github_merged(event: &str, body: &Value) -> Option<Merged> {
    if event != "pull_request" || body.get("action").and_then(Value::as_str) != Some("closed") {
        return None;
    }
    let pr = body.get("pull_request")?;
    if pr.get("merged").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    Some(Merged {
        repo: clip(body.pointer("/repository/full_name")?.as_str()?),
        number: pr.get("number")?.as_u64()?,
        by: clipped(
            pr.pointer("/merged_by/login")
                .or_else(|| body.pointer("/sender/login"))
                .and_then(Value::as_str),
        ),
    })
}

/// A Jira `jira:issue_updated` delivery; None for other events.
pub fn jira_event(body: &Value) -> Option<Remote> {
    if body.get("webhookEvent").and_then(Value::as_str) != Some("jira:issue_updated") {
        return None;
    }
    let issue = super::jira::issue(body.get("issue")?)?;
    let mut r = jira_remote(&issue);
    r.by = clipped(body.pointer("/user/displayName").and_then(Value::as_str));
    Some(r)
}

/// A Jira issue read back by a search.
pub fn jira_remote(issue: &super::jira::Issue) -> Remote {
    Remote {
        tracker: Tracker::Jira,
        project: issue.key.split('-').next().unwrap_or_default().to_string(),
        key: issue.key.clone(),
        closed: issue.done(),
        assignee: clipped(issue.assignee.as_deref()),
        assignee_name: clipped(issue.assignee_name.as_deref()),
        due: Some(issue.due.as_deref().map(clip)),
        by: None,
    }
}

/// A GitHub issue read back by a poll.
pub fn github_remote(repo: &str, issue: &super::github::Issue) -> Remote {
    Remote {
        tracker: Tracker::GitHub,
        project: clip(repo),
        key: issue.number.to_string(),
        closed: issue.closed,
        assignee: clipped(issue.assignees.first().map(String::as_str)),
        assignee_name: clipped(issue.assignees.first().map(String::as_str)),
        due: None,
        by: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        m.update(body);
        format!("sha256={}", hex::encode(m.finalize().into_bytes()))
    }

    #[test]
    fn only_the_right_secret_over_the_exact_body_verifies() {
        let body = br#"{"action":"closed"}"#;
        let good = sign("s3cret", body);
        assert!(verify("s3cret", body, Some(&good)));
        assert!(!verify("other", body, Some(&good)));
        assert!(!verify("s3cret", br#"{"action":"reopened"}"#, Some(&good)));
        assert!(!verify("s3cret", body, None));
        assert!(!verify(
            "s3cret",
            body,
            Some(good.trim_start_matches("sha256="))
        ));
        assert!(!verify("s3cret", body, Some("sha256=zz")));
        assert!(!verify("", body, Some(&sign("", body))));
    }

    #[test]
    fn deliveries_read_into_the_ticket_now() {
        let gh = json!({"action": "closed", "issue": {"number": 7, "html_url": "https://g/7",
            "state": "closed", "assignees": [{"login": "bob"}]},
            "repository": {"full_name": "acme/api"}, "sender": {"login": "alice"}});
        let r = github_event("issues", &gh).unwrap();
        assert_eq!((r.key.as_str(), r.closed), ("7", true));
        assert_eq!(r.assignee.as_deref(), Some("bob"));
        assert_eq!(r.by.as_deref(), Some("alice"));
        assert!(github_event("push", &gh).is_none());
        let jira = json!({"webhookEvent": "jira:issue_updated", "user": {"displayName": "Alice"},
            "issue": {"key": "OPS-3", "fields": {"status": {"name": "Done",
            "statusCategory": {"key": "done"}}, "assignee": null, "duedate": "2027-01-04"}}});
        let r = jira_event(&jira).unwrap();
        assert_eq!(r.project, "OPS");
        assert!(r.closed);
        assert_eq!(r.due, Some(Some("2027-01-04".into())));
        assert!(jira_event(&json!({"webhookEvent": "comment_created"})).is_none());
    }

    #[test]
    fn what_a_tracker_names_is_bounded_to_one_line() {
        let long = format!("<!channel>\n{}", "x".repeat(40_000));
        let jira = json!({"webhookEvent": "jira:issue_updated", "user": {"displayName": long},
            "issue": {"key": "OPS-3", "fields": {"status": {"statusCategory": {"key": "done"}},
            "assignee": {"accountId": "acc", "displayName": long}}}});
        let r = jira_event(&jira).unwrap();
        for s in [r.by.unwrap(), r.assignee_name.unwrap()] {
            assert_eq!(s.chars().count(), MAX_NAME);
            assert!(s.starts_with("<!channel>x") && !s.contains('\n'), "{s}");
        }
    }
}
