//! The way back: a ticket changed in the tracker, read from a verified webhook
//! delivery (`ticket.back`) or a poll (`ticket.poll`), compared with what warroom
//! last knew of it. An action item's ticket closed marks the item done, reopened
//! opens it again, reassigned to someone warroom knows gives it to them, and a due
//! date moved in Jira moves the item's (and its owner's reminders). Each change is
//! on the timeline and in the channel; a delivery seen twice changes nothing twice.

use chrono::NaiveDate;

use super::sync::item_of;
use super::told::link;
use crate::app::Tickets;
use crate::app::cadence::action_due;
use crate::app::delivery::{JobError, outbox};
use crate::app::jobs::JobKind;
use crate::app::messages;
use crate::app::paging::oncall::outside;
use crate::domain::IncidentId;
use crate::domain::ids::mention;
use crate::domain::schedule::Schedule;
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::store::jobs::{self, Job, NewJob};
use crate::store::tickets::{self, Ticket};
use crate::store::{StoreError, Tx, actions, timeline};
use crate::tickets::inbound::{Remote, github_remote, jira_remote};
use crate::tickets::{Tracker, jira as jira_wire};

/// The dedupe key of the pending poll.
pub(crate) const POLL_KEY: &str = "ticket.poll";
/// The most tickets one poll reads back per tracker.
const POLL_MAX: i64 = 500;

impl Tickets<'_> {
    /// Stores a verified delivery as a job (answered at once; followed in order
    /// per ticket).
    pub async fn receive(&self, remote: &Remote) -> Result<(), StoreError> {
        let now = self.now();
        let queue = format!(
            "ticket-back:{}:{}:{}",
            remote.tracker.key(),
            remote.project,
            remote.key
        );
        let job = JobKind::TicketBack(remote.clone()).at(Some(queue), now);
        let mut tx = self.store.begin_background().await?;
        jobs::enqueue(&mut tx, &job, now).await?;
        self.commit(tx).await
    }

    /// Follows one webhook delivery.
    pub(crate) async fn fire_back(&self, job: &Job, remote: &Remote) -> Result<(), JobError> {
        self.follow(remote).await?;
        self.delivery().finish(job).await
    }

    /// Follows `remote` if it is one of warroom's tickets and it changed.
    async fn follow(&self, remote: &Remote) -> Result<(), StoreError> {
        let mut conn = self.store.conn().await?;
        let row = tickets::by_key(
            &mut conn,
            remote.tracker.key(),
            &remote.project,
            &remote.key,
        )
        .await?;
        drop(conn);
        let Some(row) = row else {
            tracing::debug!(tracker = remote.tracker.key(), ticket = %remote.key, "not a ticket of warroom's");
            return Ok(());
        };
        let due_changed = remote.due.as_ref().is_some_and(|d| *d != row.due);
        if remote.closed == row.closed && remote.assignee == row.assignee && !due_changed {
            return Ok(());
        }
        let mut tx = self.store.begin_background().await?;
        let mut said = vec![];
        if remote.closed != row.closed {
            said.extend(self.closed_there(&mut tx, &row, remote).await?);
        }
        if remote.assignee != row.assignee {
            said.extend(self.assigned_there(&mut tx, &row, remote).await?);
        }
        if due_changed {
            said.extend(self.due_there(&mut tx, &row, remote).await?);
        }
        let due = remote.due.clone().unwrap_or(row.due.clone());
        tickets::set_remote(
            &mut tx,
            row.incident,
            &row.subject,
            remote.closed,
            remote.assignee.as_deref(),
            due.as_deref(),
            self.now(),
        )
        .await?;
        let now = self.now();
        for (kind, text) in said {
            let entry = self.incidents().entry(BOT_ACTOR, kind, text.clone());
            timeline::add(&mut tx, row.incident, &entry, None, now).await?;
            outbox::post_in_incident(
                &mut tx,
                row.incident,
                messages::notice(":ticket:", text),
                now,
            )
            .await?;
        }
        self.commit(tx).await
    }

    /// "in GitHub by alice".
    fn where_by(&self, remote: &Remote) -> String {
        match &remote.by {
            Some(b) => format!("in {} by {}", remote.tracker.name(), outside(b)),
            None => format!("in {}", remote.tracker.name()),
        }
    }

    async fn closed_there(
        &self,
        tx: &mut Tx,
        row: &Ticket,
        remote: &Remote,
    ) -> Result<Vec<(EntryKind, String)>, StoreError> {
        let id = row.incident;
        let name = link(row);
        let verb = if remote.closed { "closed" } else { "reopened" };
        let by = self.where_by(remote);
        let Some(seq) = item_of(&row.subject) else {
            return Ok(vec![(
                EntryKind::Ticket,
                format!("{name} was {verb} {by}."),
            )]);
        };
        let now = self.now();
        if remote.closed {
            // Followed, so the sync does not move the ticket again.
            tickets::set_state(tx, id, &row.subject, "done", true, now).await?;
            if let Some((text, true)) = actions::mark_done(tx, id, seq, now).await? {
                jobs::cancel(tx, &action_due::key(id, seq), now).await?;
                return Ok(vec![(
                    EntryKind::ActionDone,
                    format!("#{seq} {} ({name} {verb} {by})", text.mrkdwn()),
                )]);
            }
        } else {
            tickets::set_state(tx, id, &row.subject, "open", false, now).await?;
            if actions::reopen(tx, id, seq).await? {
                self.chase_again(tx, id, seq).await?;
                return Ok(vec![(
                    EntryKind::Action,
                    format!("#{seq} is open again ({name} {verb} {by})"),
                )]);
            }
        }
        Ok(vec![])
    }

    async fn assigned_there(
        &self,
        tx: &mut Tx,
        row: &Ticket,
        remote: &Remote,
    ) -> Result<Vec<(EntryKind, String)>, StoreError> {
        let (Some(seq), Some(to)) = (item_of(&row.subject), remote.assignee.as_deref()) else {
            return Ok(vec![]);
        };
        let t = &self.cfg.tickets;
        let slack = match remote.tracker {
            Tracker::GitHub => t.github.slack_user(to),
            Tracker::Jira => t
                .jira
                .users
                .iter()
                .find(|(_, a)| *a == to)
                .map(|(u, _)| u.as_str()),
        };
        let shown = outside(remote.assignee_name.as_deref().unwrap_or(to));
        let name = link(row);
        let Some(user) = slack else {
            let key = match remote.tracker {
                Tracker::GitHub => "tickets.github.logins",
                Tracker::Jira => "tickets.jira.users",
            };
            return Ok(vec![(
                EntryKind::Ticket,
                format!(
                    "{name} was assigned to {shown} {}; warroom knows no Slack user for them (`{key}`), so #{seq} keeps its owner.",
                    self.where_by(remote)
                ),
            )]);
        };
        actions::set_owner(tx, row.incident, seq, user).await?;
        self.chase_again(tx, row.incident, seq).await?;
        Ok(vec![(
            EntryKind::Action,
            format!(
                "#{seq} is now {}'s ({name} assigned to {shown} {})",
                mention(user),
                self.where_by(remote)
            ),
        )])
    }

    async fn due_there(
        &self,
        tx: &mut Tx,
        row: &Ticket,
        remote: &Remote,
    ) -> Result<Vec<(EntryKind, String)>, StoreError> {
        let Some(seq) = item_of(&row.subject) else {
            return Ok(vec![]);
        };
        let due = remote
            .due
            .clone()
            .flatten()
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        actions::set_due(tx, row.incident, seq, due).await?;
        self.chase_again(tx, row.incident, seq).await?;
        let when = due.map_or("no due date".to_string(), |d| format!("due {d}"));
        Ok(vec![(
            EntryKind::Action,
            format!(
                "#{seq} is now {when} ({} changed {})",
                link(row),
                self.where_by(remote)
            ),
        )])
    }

    /// The owner's reminders follow the item as it is now.
    async fn chase_again(&self, tx: &mut Tx, id: IncidentId, seq: i64) -> Result<(), StoreError> {
        let now = self.now();
        jobs::cancel(tx, &action_due::key(id, seq), now).await?;
        if let Some(item) = actions::get(tx, id, seq).await?
            && !item.done
            && let Some(job) = action_due::job(&item, self.tz, now)
        {
            jobs::enqueue(tx, &job, now).await?;
        }
        Ok(())
    }

    /// Reads linked tickets back, follows what changed, and queues the next poll.
    pub(crate) async fn fire_poll(&self, job: &Job) -> Result<(), JobError> {
        let since = self.now() - chrono::Duration::days(7);
        let t = &self.cfg.tickets;
        let mut remotes = vec![];
        let mut conn = self.store.conn().await?;
        let jira_rows = tickets::to_poll(&mut conn, "jira", since, POLL_MAX).await?;
        let github_rows = tickets::to_poll(&mut conn, "github", since, POLL_MAX).await?;
        drop(conn);
        if t.jira.enabled() {
            let keys: Vec<String> = jira_rows
                .iter()
                .filter_map(|r| r.key.clone())
                .filter(|k| jira_wire::is_key(k))
                .collect();
            for chunk in keys.chunks(crate::providers::jira::SEARCH_MAX) {
                match self.providers.jira.search(chunk).await {
                    Ok(found) => remotes.extend(found.iter().map(jira_remote)),
                    Err(e @ crate::providers::ProviderError::Retry { .. }) => {
                        return Err(e.into());
                    }
                    // A key Jira no longer knows refuses the whole query: these wait for
                    // their webhooks, and the poll goes on.
                    Err(e) => {
                        tracing::warn!(error = %e, "tickets could not be read back from Jira")
                    }
                }
            }
        }
        if t.github.enabled() {
            for r in &github_rows {
                let Some(n) = r.key.as_deref().and_then(|k| k.parse().ok()) else {
                    continue;
                };
                match self.providers.github.get(&r.project, n).await {
                    Ok(issue) => remotes.push(github_remote(&r.project, &issue)),
                    Err(e @ crate::providers::ProviderError::Retry { .. }) => return Err(e.into()),
                    Err(e) => {
                        tracing::warn!(ticket = %n, repo = %r.project, error = %e, "a ticket could not be read back")
                    }
                }
            }
        }
        for r in &remotes {
            self.follow(r).await?;
        }
        self.next_poll(job).await
    }

    /// Ends this poll and queues the next in one transaction (the pending poll holds
    /// the dedupe key until it is done).
    async fn next_poll(&self, job: &Job) -> Result<(), JobError> {
        let now = self.now();
        let mut tx = self.cadence().begin_scheduled(job).await?;
        if let Ok(s) = Schedule::parse(&self.cfg.tickets.poll)
            && let Some(at) = s.next_after(now, self.tz)
        {
            let next = NewJob {
                dedupe_key: Some(POLL_KEY.into()),
                ..JobKind::TicketPoll {
                    schedule: s.source(),
                }
                .at(None, at)
            };
            jobs::enqueue(&mut tx, &next, now).await?;
        }
        self.commit(tx).await?;
        Ok(())
    }

    /// Keeps one pending poll when `tickets.poll` is set.
    pub(crate) async fn ensure_poll_scheduled(&self) -> Result<(), StoreError> {
        let schedule = Schedule::parse(&self.cfg.tickets.poll).ok();
        self.cadence()
            .ensure_recurring(
                POLL_KEY,
                |schedule| JobKind::TicketPoll { schedule },
                schedule.as_ref(),
                false,
            )
            .await
    }
}
