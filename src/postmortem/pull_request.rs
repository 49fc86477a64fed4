//! The postmortem as a pull request in the team's repository: the settings
//! (`[postmortem.pull_request]`), where the file and the branch go, what the pull
//! request says, and the review comments the blame-wording findings become. Pure:
//! `providers/github_pulls.rs` sends it, `app/reports/pull_request.rs` runs it.

use std::collections::BTreeSet;

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// `[postmortem.pull_request]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequestConfig {
    /// `owner/name`; empty: no pull requests. The connection is `[tickets.github]`'s
    /// (token, `api_url`, `logins`, `webhook_secret`).
    #[serde(default)]
    pub repo: String,
    /// The branch the pull request goes into.
    #[serde(default = "base")]
    pub base: String,
    /// Where the file goes: `{year}`, `{month}` and `{key}` are filled in.
    #[serde(default = "path")]
    pub path: String,
    /// The branch warroom commits to: `{key}` is filled in.
    #[serde(default = "branch")]
    pub branch: String,
    #[serde(default = "labels")]
    pub labels: Vec<String>,
    /// Ask the incident commander and the other role holders (mapped by
    /// `tickets.github.logins`) to review.
    #[serde(default = "yes")]
    pub reviewers: bool,
    /// A merged pull request marks the postmortem complete.
    #[serde(default = "yes")]
    pub done_on_merge: bool,
    /// Private incidents' postmortems go to the repository too.
    #[serde(default)]
    pub private: bool,
}

fn base() -> String {
    "main".into()
}
fn path() -> String {
    "postmortems/{year}/{key}.md".into()
}
fn branch() -> String {
    "warroom/{key}-postmortem".into()
}
fn labels() -> Vec<String> {
    vec!["postmortem".into()]
}
fn yes() -> bool {
    true
}

impl Default for PullRequestConfig {
    fn default() -> Self {
        PullRequestConfig {
            repo: String::new(),
            base: base(),
            path: path(),
            branch: branch(),
            labels: labels(),
            reviewers: true,
            done_on_merge: true,
            private: false,
        }
    }
}

impl PullRequestConfig {
    pub fn enabled(&self) -> bool {
        !self.repo.trim().is_empty()
    }

    /// The file's path for incident `key` declared in `year`/`month`.
    pub fn file(&self, key: &str, year: i32, month: u32) -> String {
        self.path
            .replace("{year}", &year.to_string())
            .replace("{month}", &format!("{month:02}"))
            .replace("{key}", key)
    }

    /// The branch for incident `key`.
    pub fn branch_of(&self, key: &str) -> String {
        self.branch.replace("{key}", key)
    }
}

/// True for a path or branch GitHub takes as is and that stays inside the
/// repository: letters, digits, `._-/`, no empty, `.` or `..` part, at most 255
/// characters.
pub fn is_safe_path(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 255
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
        && p.split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && !p.ends_with(".lock")
}

/// The line in the pull request's description that finds it again.
pub fn marker(key: &str) -> String {
    format!("<!-- warroom:postmortem {key} -->")
}

/// The pull request's title.
pub fn title(key: &str, title: &str) -> String {
    let t: String = title
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    format!("Postmortem {key}: {t}")
}

/// The pull request's description (Markdown; the title is the incident's, already
/// safe for Markdown).
pub fn body(key: &str, file: &str, page: Option<&str>) -> String {
    let mut b = format!(
        "The postmortem of {key}, drafted by warroom from the incident record: `{file}`.\n\n\
         Review it here; warroom commits each new draft to this branch. Merging marks the \
         postmortem complete in Slack.\n"
    );
    if let Some(p) = page {
        b.push_str(&format!("\nThe incident's page: {p}\n"));
    }
    b.push('\n');
    b.push_str(&marker(key));
    b
}

/// The commit message of draft `version`.
pub fn commit_message(key: &str, version: i64) -> String {
    format!("Postmortem {key}: draft v{version}\n\nWritten by warroom from the incident record.")
}

/// A blame-wording finding: the phrase and the note's text as the draft shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub phrase: String,
    pub text: String,
}

/// A review comment on a line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineComment {
    /// 1-based.
    pub line: usize,
    pub body: String,
}

/// Each finding as a comment on the first timeline line that holds its note (the
/// review checklist's own list is left alone); findings found on no line are left out.
pub fn review_comments(markdown: &str, findings: &[Finding]) -> Vec<LineComment> {
    let mut used = BTreeSet::new();
    let mut out = Vec::new();
    for f in findings {
        let at = markdown.lines().enumerate().position(|(i, l)| {
            l.starts_with("- ") && !l.starts_with("  ") && l.contains(&f.text) && !used.contains(&i)
        });
        if let Some(i) = at {
            used.insert(i);
            out.push(LineComment {
                line: i + 1,
                body: format!(
                    "This note may read as blame (“{}”). Could it say what in our systems or process allowed this, keeping the facts?",
                    f.phrase
                ),
            });
        }
    }
    out
}

/// What identifies a set of review comments, so the same set is left once.
pub fn fingerprint(comments: &[LineComment]) -> String {
    let mut h = Sha256::new();
    for c in comments {
        h.update(c.body.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

/// The review's own words, with the line that finds it again.
pub fn review_body(key: &str, fingerprint: &str, n: usize) -> String {
    format!(
        "warroom's blameless-wording check found {n} note{} to look at again.\n\n<!-- warroom:review {key} {fingerprint} -->",
        if n == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_filled_in_and_kept_inside_the_repository() {
        let c = PullRequestConfig::default();
        assert_eq!(c.file("INC-42", 2026, 3), "postmortems/2026/INC-42.md");
        assert_eq!(c.branch_of("INC-42"), "warroom/INC-42-postmortem");
        assert!(is_safe_path("postmortems/2026/INC-42.md"));
        for bad in ["", "../x", "a//b", "/abs", "a/./b", "a b", "x.lock", "a\\b"] {
            assert!(!is_safe_path(bad), "{bad}");
        }
    }

    #[test]
    fn findings_become_comments_on_their_timeline_lines() {
        let md = "# T\n\n- 14:30 — @dave — **Note**: Bob should have tested it\n\n## Review\n  - 14:30 @dave (“should have”): Bob should have tested it\n";
        let c = review_comments(
            md,
            &[
                Finding {
                    phrase: "should have".into(),
                    text: "Bob should have tested it".into(),
                },
                Finding {
                    phrase: "careless".into(),
                    text: "not in the draft".into(),
                },
            ],
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].line, 3);
        assert!(c[0].body.contains("“should have”"));
        assert_eq!(fingerprint(&c), fingerprint(&c.clone()));
        assert_ne!(fingerprint(&c), fingerprint(&[]));
    }

    #[test]
    fn the_description_carries_its_marker() {
        let b = body(
            "INC-7",
            "postmortems/2026/INC-7.md",
            Some("https://w/incidents/INC-7"),
        );
        assert!(b.ends_with("<!-- warroom:postmortem INC-7 -->"));
        assert_eq!(title("INC-7", "a\nb"), "Postmortem INC-7: ab");
    }
}
