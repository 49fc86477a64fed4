//! The postmortem as a pull request (`[postmortem.pull_request]`): a job queued with
//! each new draft that brings the team's repository to it. On the first draft it
//! makes the branch, commits the file, opens the pull request with reviewers and
//! labels; each later draft is a commit on the branch; blame-wording findings become
//! review comments on their lines. Every step looks first (the branch by name, the
//! file's content, the pull request by its head), so a lost answer or a kill -9 ends
//! with one branch and one pull request. A merge (signed `pull_request` webhook)
//! marks the postmortem complete. Resolve and the drafts never wait for any of it.

use chrono::Datelike;

use crate::app::delivery::JobError;
use crate::app::delivery::outbox;
use crate::app::delivery::provider_refusals::Trouble;
use crate::app::entry::controls::Action;
use crate::app::jobs::JobKind;
use crate::app::paging::oncall::outside;
use crate::app::{Actor, AppError, Reports, messages, refuse};
use crate::chat::{Button, Message};
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::postmortem::pull_request::{self as pr, Finding};
use crate::providers::github_pulls::Pull;
use crate::providers::http::ProviderError;
use crate::store::jobs::{self, Job, NewJob};
use crate::store::postmortem_documents::{self as documents, Document};
use crate::store::{StoreError, Tx, postmortems, timeline};

/// The target name stored for pull requests.
pub(super) const GITHUB: &str = "github";

/// The pull request job of `id`: one waits at a time, and it reads the latest draft
/// when it runs.
fn job(id: IncidentId, now: chrono::DateTime<chrono::Utc>) -> NewJob {
    NewJob {
        dedupe_key: Some(format!("postmortem.pr:{}", id.0)),
        ..JobKind::PostmortemPullRequest { incident: id }
            .at(Some(format!("postmortem-pr:{}", id.0)), now)
    }
}

/// What the job is bringing the repository to.
struct Target<'a> {
    inc: &'a Incident,
    repo: &'a str,
    branch: String,
    file: String,
    version: i64,
    markdown: &'a str,
}

impl Reports<'_> {
    /// Queues the pull request's job when pull requests are configured and the
    /// incident may be published there.
    pub(crate) async fn queue_documents(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), StoreError> {
        let cfg = &self.cfg.postmortem.pull_request;
        if cfg.enabled() && (cfg.private || !inc.private) {
            jobs::enqueue(tx, &job(inc.id, self.now()), self.now()).await?;
        }
        self.queue_confluence(tx, inc).await
    }

    /// The Retry button on a refusal: the job queued again.
    pub(crate) async fn retry_documents(
        &self,
        actor: &Actor,
        id: IncidentId,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, Some(id), "postmortem").await?;
        let (pr, wiki) = (
            self.cfg.postmortem.pull_request.enabled(),
            self.cfg.postmortem.confluence.enabled(),
        );
        if !pr && !wiki {
            return Err(refuse(
                "No document store is configured: see `[postmortem.pull_request]` and `[postmortem.confluence]`.",
                "postmortem",
            ));
        }
        let now = self.now();
        if pr {
            jobs::enqueue(change.tx(), &job(id, now), now).await?;
        }
        if wiki {
            jobs::enqueue(change.tx(), &super::confluence::job(id, now), now).await?;
        }
        change.done().await?;
        Ok(format!(
            "On its way: the postmortem of {id}, to where the team keeps it."
        ))
    }

    /// The job: the latest draft into the pull request.
    pub(crate) async fn fire_pull_request(
        &self,
        job: &Job,
        id: IncidentId,
    ) -> Result<(), JobError> {
        let cfg = &self.cfg.postmortem.pull_request;
        let inc = self.job_incident(id).await?;
        let mut conn = self.store.conn().await?;
        let latest = postmortems::latest(&mut conn, id).await?;
        let doc = documents::get(&mut conn, id, GITHUB).await?;
        drop(conn);
        let Some(latest) = latest else {
            return self.delivery().finish(job).await;
        };
        if !cfg.enabled() || doc.as_ref().is_some_and(|d| d.merged_at.is_some()) {
            return self.delivery().finish(job).await;
        }
        let key = inc.id.to_string();
        let at = inc.declared_at;
        let target = Target {
            inc: &inc,
            repo: cfg.repo.trim(),
            branch: cfg.branch_of(&key),
            file: cfg.file(&key, at.year(), at.month()),
            version: latest.version,
            markdown: &latest.markdown,
        };
        if doc.is_none() {
            let mut tx = self.store.begin_background().await?;
            documents::start(&mut tx, id, GITHUB, target.repo, self.now()).await?;
            self.commit(tx).await?;
        }
        match self.bring(&target, doc.as_ref()).await {
            Ok(()) => self.delivery().finish(job).await,
            Err(Trouble::Told(what)) => self.documents_told(job, &inc, what).await,
            Err(Trouble::Job(e)) => Err(e),
        }
    }

    /// Brings the repository to `t`: file, pull request, reviewers and labels, the
    /// review comments.
    async fn bring(&self, t: &Target<'_>, doc: Option<&Document>) -> Result<(), Trouble> {
        let gh = &self.providers.github;
        let refused = |what: &str, e: ProviderError| refusal(t.repo, what, e);
        let pushed = doc.map_or(0, |d| d.version);
        let mut pull = match doc.and_then(|d| d.reference.as_deref()?.parse::<u64>().ok()) {
            Some(n) if pushed >= t.version => gh
                .get_pull(t.repo, n)
                .await
                .map_err(|e| refused("read", e))?,
            _ => {
                self.commit_file(t).await?;
                let pull = self.find_or_open(t).await?;
                if pushed == 0 {
                    self.dress(t, &pull).await?;
                }
                pull
            }
        };
        if pushed < t.version {
            let mut tx = self.store.begin_background().await?;
            documents::pushed(
                &mut tx,
                t.inc.id,
                GITHUB,
                &pull.number.to_string(),
                &pull.url,
                t.version,
                self.now(),
            )
            .await?;
            if pushed == 0 {
                self.opened(&mut tx, t, &pull).await?;
            }
            self.commit(tx).await?;
            // The head moved with the commit: comments go on the newest.
            pull = gh
                .get_pull(t.repo, pull.number)
                .await
                .map_err(|e| refused("read", e))?;
        }
        self.review(t, &pull, doc.map_or("", |d| d.reviewed.as_str()))
            .await
    }

    /// The branch (made from the base when missing) holds the draft.
    async fn commit_file(&self, t: &Target<'_>) -> Result<(), Trouble> {
        let gh = &self.providers.github;
        let cfg = &self.cfg.postmortem.pull_request;
        let refused = |what: &str, e: ProviderError| refusal(t.repo, what, e);
        if gh
            .branch_sha(t.repo, &t.branch)
            .await
            .map_err(|e| refused("read the branch of", e))?
            .is_none()
        {
            let base = gh
                .branch_sha(t.repo, &cfg.base)
                .await
                .map_err(|e| refused("read the base branch of", e))?
                .ok_or_else(|| {
                    Trouble::Told(format!(
                        "GitHub has no branch `{}` in `{}` to open the postmortem's pull request into. Check `postmortem.pull_request.base`.",
                        outside(&cfg.base),
                        outside(t.repo)
                    ))
                })?;
            gh.create_branch(t.repo, &t.branch, &base)
                .await
                .map_err(|e| refused("make the branch of", e))?;
        }
        let file = gh
            .file(t.repo, &t.file, &t.branch)
            .await
            .map_err(|e| refused("read the file of", e))?;
        if file.as_ref().is_some_and(|f| f.text == t.markdown) {
            return Ok(());
        }
        let message = pr::commit_message(&t.inc.id.to_string(), t.version);
        gh.put_file(
            t.repo,
            &t.file,
            &t.branch,
            &message,
            t.markdown,
            file.as_ref().map(|f| f.sha.as_str()),
        )
        .await
        .map_err(|e| refused("commit", e))
    }

    /// The pull request from the branch, found again or opened.
    async fn find_or_open(&self, t: &Target<'_>) -> Result<Pull, Trouble> {
        let gh = &self.providers.github;
        let cfg = &self.cfg.postmortem.pull_request;
        let refused = |what: &str, e: ProviderError| refusal(t.repo, what, e);
        if let Some(p) = gh
            .find_pull(t.repo, &t.branch)
            .await
            .map_err(|e| refused("read", e))?
        {
            return Ok(p);
        }
        let key = t.inc.id.to_string();
        let page = self.incidents().page_url(t.inc, "/postmortem").await;
        let title = pr::title(&key, &t.inc.title.plain());
        let body = pr::body(&key, &t.file, page.as_deref());
        let opened = match gh
            .open_pull(t.repo, &title, &t.branch, &cfg.base, &body)
            .await
        {
            // A pull request already exists for the branch: an earlier try opened it.
            Err(ProviderError::Refused { status: 422, text })
                if text.contains("already exists") =>
            {
                gh.find_pull(t.repo, &t.branch)
                    .await
                    .map_err(|e| refused("read", e))?
            }
            other => Some(other.map_err(|e| refused("open", e))?),
        };
        opened.ok_or_else(|| {
            Trouble::Job(JobError::Retry {
                after: None,
                reason: "the pull request is not found yet".into(),
            })
        })
    }

    /// Labels and reviewers, asked until the first draft is recorded as pushed (both
    /// calls add to what is there, so asking again after a lost answer changes
    /// nothing).
    async fn dress(&self, t: &Target<'_>, pull: &Pull) -> Result<(), Trouble> {
        let gh = &self.providers.github;
        let cfg = &self.cfg.postmortem.pull_request;
        let refused = |what: &str, e: ProviderError| refusal(t.repo, what, e);
        if !cfg.labels.is_empty() {
            gh.add_labels(t.repo, pull.number, &cfg.labels)
                .await
                .map_err(|e| refused("label", e))?;
        }
        let logins = self.reviewer_logins(t.inc);
        if cfg.reviewers && !logins.is_empty() {
            gh.request_reviewers(t.repo, pull.number, &logins)
                .await
                .map_err(|e| refused("ask reviewers for", e))?;
        }
        Ok(())
    }

    /// The IC and the other role holders, as GitHub logins (`tickets.github.logins`).
    fn reviewer_logins(&self, inc: &Incident) -> Vec<String> {
        let map = &self.cfg.tickets.github.logins;
        let mut logins: Vec<String> = inc
            .roles
            .people()
            .iter()
            .filter_map(|u| map.get(u).cloned())
            .collect();
        logins.dedup();
        logins.truncate(15);
        logins
    }

    /// Says in the channel (and on the timeline) that the pull request is open.
    async fn opened(&self, tx: &mut Tx, t: &Target<'_>, pull: &Pull) -> Result<(), StoreError> {
        let now = self.now();
        let name = format!("{}#{}", t.repo, pull.number);
        let text = format!(
            "The postmortem draft is in the pull request <{}|{}> (`{}`); each new draft is committed there, and merging it marks the postmortem complete.",
            pull.url,
            outside(&name),
            outside(&t.file)
        );
        let entry = self.incidents().entry(
            BOT_ACTOR,
            EntryKind::Postmortem,
            format!("Pull request opened: {}", outside(&name)),
        );
        timeline::add(
            tx,
            t.inc.id,
            &entry,
            Some(&format!("pr-opened:{}", t.inc.id.0)),
            now,
        )
        .await?;
        outbox::post_in_incident(tx, t.inc.id, messages::notice(":octocat:", text), now).await
    }

    /// Leaves the blame-wording findings as review comments, once per set.
    async fn review(&self, t: &Target<'_>, pull: &Pull, reviewed: &str) -> Result<(), Trouble> {
        let Some(rec) = super::postmortems::load_record(&self.store, t.inc.id).await? else {
            return Ok(());
        };
        let view =
            crate::postmortem::view(&self.cfg.postmortem_rules(), &rec, self.now(), t.version);
        let findings: Vec<Finding> = view
            .blame
            .iter()
            .map(|b| Finding {
                phrase: b.phrase.clone(),
                text: b.text.clone(),
            })
            .collect();
        let comments = pr::review_comments(t.markdown, &findings);
        let fp = pr::fingerprint(&comments);
        if comments.is_empty() || fp == reviewed {
            return Ok(());
        }
        let key = t.inc.id.to_string();
        let gh = &self.providers.github;
        let marker = format!("warroom:review {key} {fp}");
        let seen = gh
            .has_review(t.repo, pull.number, &marker)
            .await
            .map_err(|e| refusal(t.repo, "read the reviews of", e))?;
        if !seen {
            let body = pr::review_body(&key, &fp, comments.len());
            gh.review(
                t.repo,
                pull.number,
                &pull.head_sha,
                &t.file,
                &body,
                &comments,
            )
            .await
            .map_err(|e| refusal(t.repo, "review", e))?;
        }
        let mut tx = self.store.begin_background().await?;
        documents::reviewed(&mut tx, t.inc.id, GITHUB, &fp, self.now()).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Ends a document job with `what` told on the timeline and in the channel, with
    /// a Retry button; the incident goes on.
    pub(super) async fn documents_told(
        &self,
        job: &Job,
        inc: &Incident,
        what: String,
    ) -> Result<(), JobError> {
        tracing::error!(incident = %inc.id, job = job.id, problem = %what, "a document store refused the postmortem");
        let now = self.now();
        let mut tx = self.cadence().begin_scheduled(job).await?;
        let entry = self
            .incidents()
            .entry(BOT_ACTOR, EntryKind::Problem, what.clone());
        if timeline::add(
            &mut tx,
            inc.id,
            &entry,
            Some(&format!("problem:{}", job.id)),
            now,
        )
        .await?
        {
            let message = Message::with_buttons(
                format!(":warning: {what}"),
                vec![Button::new(
                    Action::PostmortemRetry.id(),
                    "Retry",
                    inc.id.0.to_string(),
                )],
            );
            outbox::post_in_incident(&mut tx, inc.id, message, now).await?;
        }
        self.commit(tx).await?;
        Ok(())
    }
}

/// A GitHub refusal as a person reads it, with the setting to check; other errors
/// stay the job's.
fn refusal(repo: &str, what: &str, e: ProviderError) -> Trouble {
    match e {
        ProviderError::Refused { status, text } => {
            let fix = match status {
                401 => "Check `tickets.github.token`.",
                403 => {
                    "The token of `tickets.github.token` needs `contents: write` and `pull_requests: write` on the repository."
                }
                404 => "Check `postmortem.pull_request.repo` and that the token can see it.",
                422 => {
                    "Check `postmortem.pull_request` (base, branch, path, labels) and `tickets.github.logins` (reviewers must be collaborators, not the token's own user)."
                }
                _ => "Check `[postmortem.pull_request]`.",
            };
            Trouble::Told(format!(
                "GitHub refused to {what} the postmortem pull request in `{}` ({status}): {}. {fix}",
                outside(repo),
                outside(&crate::tickets::github::refusal(&text))
            ))
        }
        e => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_setting() {
        let Trouble::Told(t) = refusal(
            "acme/pm",
            "open",
            ProviderError::Refused { status: 422, text: r#"{"message":"Validation Failed","errors":[{"message":"Review cannot be requested from pull request author."}]}"#.into() },
        ) else {
            panic!("told");
        };
        assert!(
            t.starts_with("GitHub refused to open the postmortem pull request in `acme/pm` (422)"),
            "{t}"
        );
        assert!(t.contains("tickets.github.logins"), "{t}");
    }
}
