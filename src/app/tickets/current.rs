//! A linked ticket kept current: its title and body sent again when they changed,
//! its state moved when warroom's moved (GitHub: closed or open; Jira: the
//! transition `tickets.jira.transitions` names for the state, where one is named,
//! and a missing transition told rather than skipped), and the postmortem's link
//! commented once (looked for first when an earlier attempt may have made it).

use super::sync::{Place, postmortem_line};
use crate::app::Tickets;
use crate::app::delivery::JobError;
use crate::app::delivery::provider_refusals::Trouble;
use crate::domain::Incident;
use crate::store::jobs::Job;
use crate::store::tickets::{self, Ticket};
use crate::tickets::draft::Draft;
use crate::tickets::{Subject, Tracker, github as gh, jira};

/// A ticket's key for GitHub calls.
fn number(t: &Ticket) -> Result<u64, Trouble> {
    t.key
        .as_deref()
        .and_then(|k| k.parse().ok())
        .ok_or_else(|| Trouble::Job(JobError::Fatal(format!("GitHub issue {:?}", t.key))))
}

fn key(t: &Ticket) -> &str {
    t.key.as_deref().unwrap_or_default()
}

impl Tickets<'_> {
    /// Brings the linked ticket `row` to `draft`.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn bring_up(
        &self,
        job: &Job,
        inc: &Incident,
        subject: Subject,
        place: &Place,
        row: &Ticket,
        draft: &Draft,
        postmortem: Option<&str>,
    ) -> Result<(), Trouble> {
        let fingerprint = draft.fingerprint();
        if row.fingerprint != fingerprint {
            self.edit(place, row, draft).await?;
            let mut tx = self.store.begin_background().await?;
            let due = draft.due.map(|d| d.to_string());
            tickets::set_fingerprint(
                &mut tx,
                inc.id,
                &row.subject,
                &fingerprint,
                due.as_deref(),
                self.now(),
            )
            .await?;
            tx.commit().await?;
        }
        let close_items = self.cfg.tickets.close_on_done || subject == Subject::Incident;
        if row.state != draft.state && close_items {
            self.move_to(inc, place, row, draft).await?;
        }
        if let (Subject::Incident, Some(url)) = (subject, postmortem)
            && !row.has_comment("postmortem")
        {
            self.comment(job, place, row, url).await?;
            let mut tx = self.store.begin_background().await?;
            tickets::add_comment(&mut tx, inc.id, &row.subject, "postmortem").await?;
            tx.commit().await?;
        }
        Ok(())
    }

    async fn edit(&self, place: &Place, row: &Ticket, draft: &Draft) -> Result<(), Trouble> {
        let p = &self.providers;
        let sent = match place.tracker {
            Tracker::Jira => p.jira.edit(key(row), &jira::edit_body(draft)).await,
            Tracker::GitHub => p
                .github
                .edit(&place.project, number(row)?, &gh::edit_body(draft))
                .await
                .map(drop),
        };
        sent.map_err(|e| self.refused(place, "update", e))
    }

    /// Moves the ticket to `draft.state` and records it.
    async fn move_to(
        &self,
        inc: &Incident,
        place: &Place,
        row: &Ticket,
        draft: &Draft,
    ) -> Result<(), Trouble> {
        let closed = match place.tracker {
            Tracker::GitHub => {
                let closed = draft.closed();
                if closed != row.closed {
                    self.providers
                        .github
                        .edit(&place.project, number(row)?, &gh::state_body(closed))
                        .await
                        .map_err(|e| self.refused(place, "close or reopen", e))?;
                }
                closed
            }
            Tracker::Jira => match self.cfg.tickets.jira.transitions.get(&draft.state) {
                Some(name) => self.transition(row, draft, name).await?,
                // No transition named for this state: nothing to move.
                None => row.closed,
            },
        };
        let mut tx = self.store.begin_background().await?;
        tickets::set_state(
            &mut tx,
            inc.id,
            &row.subject,
            &draft.state,
            closed,
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the Jira transition `name`; returns whether the issue is done after it.
    async fn transition(&self, row: &Ticket, draft: &Draft, name: &str) -> Result<bool, Trouble> {
        let j = &self.providers.jira;
        let place_err = |e| match e {
            crate::providers::ProviderError::Refused { status, text } => Trouble::Told(format!(
                "Jira refused to move {} ({status}): {}.",
                key(row),
                jira::refusal(&text)
            )),
            e => e.into(),
        };
        let offered = j.transitions(key(row)).await.map_err(place_err)?;
        if let Some(t) = offered.iter().find(|t| t.name.eq_ignore_ascii_case(name)) {
            j.transition(key(row), &t.id).await.map_err(place_err)?;
            return Ok(t.to_category == "done");
        }
        // Already where the state leads (closed by hand, say): nothing to move.
        if draft.closed() && row.closed {
            return Ok(true);
        }
        let names: Vec<&str> = offered.iter().map(|t| t.name.as_str()).collect();
        Err(Trouble::Told(format!(
            "Jira offers no transition named \"{name}\" for {} now (it offers: {}). Set `tickets.jira.transitions.{}` to one of those, or add the transition to the project's workflow.",
            key(row),
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            },
            draft.state
        )))
    }

    /// Comments the postmortem's link, unless an earlier attempt already did.
    async fn comment(
        &self,
        job: &Job,
        place: &Place,
        row: &Ticket,
        url: &str,
    ) -> Result<(), Trouble> {
        let p = &self.providers;
        let again = job.attempts > 1;
        let sent = match place.tracker {
            Tracker::Jira => {
                if again && p.jira.has_comment(key(row), url).await? {
                    return Ok(());
                }
                p.jira.comment(key(row), &postmortem_line(url)).await
            }
            Tracker::GitHub => {
                let n = number(row)?;
                let body = format!("The postmortem draft is ready: {url}");
                if again && p.github.has_comment(&place.project, n, url).await? {
                    return Ok(());
                }
                p.github.comment(&place.project, n, &body).await
            }
        };
        sent.map_err(|e| self.refused(place, "comment on", e))
    }
}
