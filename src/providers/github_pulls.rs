//! GitHub's Git and pull-request endpoints, for the postmortem as a pull request:
//! branches (`git/ref`, `git/refs`), a file through the contents API, pull requests
//! found by their head branch or opened, reviewers and labels asked, and a review
//! with line comments. Every step looks before it makes, so a retry after a lost
//! answer finds what the first try made. Same client, token and write spacing as
//! the issues (`github.rs`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use serde_json::{Value, json};

use super::github::{GitHub, checked};
use super::http::ProviderError;
use crate::postmortem::pull_request::{LineComment, is_safe_path};

/// A pull request as warroom needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pull {
    pub number: u64,
    pub url: String,
    pub merged: bool,
    /// The head commit.
    pub head_sha: String,
}

/// A file on a branch: its blob and its text.
#[derive(Debug, Clone)]
pub struct File {
    pub sha: String,
    pub text: String,
}

fn safe(p: &str) -> Result<&str, ProviderError> {
    if is_safe_path(p) {
        Ok(p)
    } else {
        Err(ProviderError::Invalid(format!("GitHub path {p:?}")))
    }
}

/// None for a 404 (not there), else the answer or the error.
fn found(r: Result<Value, ProviderError>) -> Result<Option<Value>, ProviderError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ProviderError::Refused { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn pull(v: &Value) -> Option<Pull> {
    Some(Pull {
        number: v.get("number")?.as_u64()?,
        url: v.get("html_url")?.as_str()?.to_string(),
        merged: v.get("merged_at").is_some_and(|m| !m.is_null())
            || v.get("merged").and_then(Value::as_bool) == Some(true),
        head_sha: v.pointer("/head/sha")?.as_str()?.to_string(),
    })
}

impl GitHub {
    /// The commit `branch` of `repo` points at; None when there is no such branch.
    pub async fn branch_sha(
        &self,
        repo: &str,
        branch: &str,
    ) -> Result<Option<String>, ProviderError> {
        let path = format!("/repos/{}/git/ref/heads/{}", checked(repo)?, safe(branch)?);
        let v = found(self.send(self.request(Method::GET, &path)).await)?;
        Ok(v.and_then(|v| v.pointer("/object/sha")?.as_str().map(str::to_string)))
    }

    /// Makes `branch` at commit `sha`; a branch that exists already (made by an
    /// earlier try whose answer was lost) is taken as made.
    pub async fn create_branch(
        &self,
        repo: &str,
        branch: &str,
        sha: &str,
    ) -> Result<(), ProviderError> {
        let req = self
            .request(Method::POST, &format!("/repos/{}/git/refs", checked(repo)?))
            .json(&json!({"ref": format!("refs/heads/{}", safe(branch)?), "sha": sha}));
        match self.write(req).await {
            Ok(_) => Ok(()),
            Err(ProviderError::Refused { status: 422, text })
                if text.contains("already exists") =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The file at `path` on `branch`; None when it is not there.
    pub async fn file(
        &self,
        repo: &str,
        path: &str,
        branch: &str,
    ) -> Result<Option<File>, ProviderError> {
        let req = self
            .request(
                Method::GET,
                &format!("/repos/{}/contents/{}", checked(repo)?, safe(path)?),
            )
            .query(&[("ref", branch)]);
        let Some(v) = found(self.send(req).await)? else {
            return Ok(None);
        };
        let sha = v
            .get("sha")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let encoded: String = v
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let text = STANDARD
            .decode(encoded)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        Ok(Some(File { sha, text }))
    }

    /// Commits `text` as `path` on `branch` (`sha`: the blob it replaces). A 409 (the
    /// file moved on since it was read) is worth reading again.
    pub async fn put_file(
        &self,
        repo: &str,
        path: &str,
        branch: &str,
        message: &str,
        text: &str,
        sha: Option<&str>,
    ) -> Result<(), ProviderError> {
        let mut body = json!({
            "message": message,
            "content": STANDARD.encode(text),
            "branch": branch,
        });
        if let Some(sha) = sha {
            body["sha"] = json!(sha);
        }
        let req = self
            .request(
                Method::PUT,
                &format!("/repos/{}/contents/{}", checked(repo)?, safe(path)?),
            )
            .json(&body);
        match self.write(req).await {
            Ok(_) => Ok(()),
            Err(ProviderError::Refused { status: 409, .. }) => Err(ProviderError::retry(
                "the file changed on the branch since it was read",
            )),
            Err(e) => Err(e),
        }
    }

    /// The pull request from `branch` (open, closed or merged), if there is one.
    pub async fn find_pull(&self, repo: &str, branch: &str) -> Result<Option<Pull>, ProviderError> {
        let owner = checked(repo)?.split('/').next().unwrap_or_default();
        let head = format!("{owner}:{}", safe(branch)?);
        let req = self
            .request(Method::GET, &format!("/repos/{repo}/pulls"))
            .query(&[
                ("head", head.as_str()),
                ("state", "all"),
                ("per_page", "10"),
            ]);
        let list = self.send(req).await?;
        Ok(list.as_array().and_then(|l| l.iter().find_map(pull)))
    }

    /// The pull request `n`, read again (whether it was merged).
    pub async fn get_pull(&self, repo: &str, n: u64) -> Result<Pull, ProviderError> {
        let req = self.request(Method::GET, &format!("/repos/{}/pulls/{n}", checked(repo)?));
        pull(&self.send(req).await?)
            .ok_or_else(|| ProviderError::retry("GitHub answered without a pull request"))
    }

    /// Opens a pull request from `head` into `base`.
    pub async fn open_pull(
        &self,
        repo: &str,
        title: &str,
        head: &str,
        base: &str,
        body: &str,
    ) -> Result<Pull, ProviderError> {
        let req = self
            .request(Method::POST, &format!("/repos/{}/pulls", checked(repo)?))
            .json(&json!({"title": title, "head": safe(head)?, "base": safe(base)?, "body": body}));
        pull(&self.write(req).await?)
            .ok_or_else(|| ProviderError::retry("GitHub answered without a pull request"))
    }

    /// Asks `logins` to review pull request `n`.
    pub async fn request_reviewers(
        &self,
        repo: &str,
        n: u64,
        logins: &[String],
    ) -> Result<(), ProviderError> {
        let req = self
            .request(
                Method::POST,
                &format!("/repos/{}/pulls/{n}/requested_reviewers", checked(repo)?),
            )
            .json(&json!({"reviewers": logins}));
        self.write(req).await.map(drop)
    }

    /// Adds `labels` to issue or pull request `n` (labels it has stay).
    pub async fn add_labels(
        &self,
        repo: &str,
        n: u64,
        labels: &[String],
    ) -> Result<(), ProviderError> {
        let req = self
            .request(
                Method::POST,
                &format!("/repos/{}/issues/{n}/labels", checked(repo)?),
            )
            .json(&json!({"labels": labels}));
        self.write(req).await.map(drop)
    }

    /// True when one of pull request `n`'s reviews holds `text`.
    pub async fn has_review(&self, repo: &str, n: u64, text: &str) -> Result<bool, ProviderError> {
        let req = self
            .request(
                Method::GET,
                &format!("/repos/{}/pulls/{n}/reviews", checked(repo)?),
            )
            .query(&[("per_page", "100")]);
        let list = self.send(req).await?;
        Ok(list.as_array().is_some_and(|l| {
            l.iter().any(|r| {
                r.get("body")
                    .and_then(Value::as_str)
                    .is_some_and(|b| b.contains(text))
            })
        }))
    }

    /// Leaves a review (a comment, neither approval nor change request) on commit
    /// `commit` of pull request `n`, with comments on lines of `path`.
    pub async fn review(
        &self,
        repo: &str,
        n: u64,
        commit: &str,
        path: &str,
        body: &str,
        comments: &[LineComment],
    ) -> Result<(), ProviderError> {
        let comments: Vec<Value> = comments
            .iter()
            .map(|c| json!({"path": path, "line": c.line, "side": "RIGHT", "body": c.body}))
            .collect();
        let req = self
            .request(Method::POST, &format!("/repos/{}/pulls/{n}/reviews", checked(repo)?))
            .json(&json!({"commit_id": commit, "event": "COMMENT", "body": body, "comments": comments}));
        self.write(req).await.map(drop)
    }
}
