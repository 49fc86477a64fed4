//! Pages through PagerDuty's Events API v2, as jobs: queued in the transaction that
//! declares, acknowledges or resolves the incident (so a page is never lost and never
//! sent for a change that rolled back), sent in order per incident, retried on 429,
//! 5xx and network errors, and recorded on the timeline once. A refusal (4xx) is
//! told in the incident's channel and on its timeline, not only logged.

use std::sync::OnceLock;

use serde_json::json;

use super::delivery::JobError;
use super::{App, AppError, outbox, views};
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::paging::{self, PageAction};
use crate::store::jobs::{self, Job, NewJob, Priority};
use crate::store::{Tx, incidents, timeline};

/// The job kind.
pub const PAGE: &str = "page.pagerduty";

fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new)
}

impl App {
    /// The page job for `action` on `inc`, when PagerDuty pages its severity.
    pub fn page_job(&self, inc: &Incident, action: PageAction) -> Option<NewJob> {
        let pd = &self.cfg.paging.pagerduty;
        // Only a paged severity triggers; acknowledge and resolve follow a trigger
        // whatever the severity became (checked when they are sent).
        let wanted = match action {
            PageAction::Trigger => pd.pages(inc.severity),
            PageAction::Acknowledge | PageAction::Resolve => pd.enabled(),
        };
        if !wanted {
            return None;
        }
        Some(NewJob {
            kind: PAGE.into(),
            // One queue per incident: trigger, acknowledge and resolve go in order.
            queue: Some(format!("page:{}", inc.id.0)),
            payload: json!({"incident": inc.id.0, "action": action}),
            run_at: self.now(),
            dedupe_key: None,
            priority: Priority::People,
        })
    }

    /// Queues the page for `action` inside `tx`.
    pub async fn queue_page(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        action: PageAction,
    ) -> Result<(), AppError> {
        if let Some(job) = self.page_job(inc, action) {
            jobs::enqueue(tx, &job, self.now()).await?;
        }
        Ok(())
    }

    /// Sends one page job.
    pub async fn fire_page(&self, job: &Job) -> Result<(), JobError> {
        let id = job.payload["incident"]
            .as_i64()
            .map(IncidentId)
            .ok_or_else(|| JobError::Fatal("page job without an incident".into()))?;
        let action: PageAction = serde_json::from_value(job.payload["action"].clone())
            .map_err(|e| JobError::Fatal(format!("page job: {e}")))?;
        let mut conn = self.store.conn().await?;
        let Some(inc) = incidents::get(&mut conn, id).await? else {
            return Err(JobError::Skip(format!("no incident {id}")));
        };
        if action != PageAction::Trigger && !was_paged(&timeline::list(&mut conn, id).await?) {
            return Err(JobError::Skip(format!("{id} was never paged")));
        }
        drop(conn);
        let link = self.page_url(&inc, "").await;
        let pd = &self.cfg.paging.pagerduty;
        let mut body = paging::event(action, &inc, link.as_deref());
        body["routing_key"] = json!(pd.routing_key.expose());
        let sent = http()
            .post(&pd.events_url)
            .timeout(pd.timeout.0)
            .json(&body)
            .send()
            .await;
        let r = match sent {
            Ok(r) => r,
            Err(e) => {
                return Err(JobError::Retry {
                    after: None,
                    reason: format!("PagerDuty unreachable: {}", e.without_url()),
                });
            }
        };
        let status = r.status();
        if status.is_success() {
            return self.paged(job, &inc, action).await;
        }
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(JobError::Retry {
                after: None,
                reason: format!("PagerDuty answered {status}"),
            });
        }
        let text: String = r
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect();
        self.page_refused(job, &inc, action, status.as_u16(), &text)
            .await
    }

    /// Records the accepted page once (the job's id keys the entry) and ends the job.
    async fn paged(&self, job: &Job, inc: &Incident, action: PageAction) -> Result<(), JobError> {
        let what = match action {
            PageAction::Trigger => format!(
                "{PAGED} ({} alert, dedup key `{}`)",
                paging::pd_severity(inc.severity),
                paging::dedup_key(inc)
            ),
            PageAction::Acknowledge => "PagerDuty alert acknowledged".to_string(),
            PageAction::Resolve => "PagerDuty alert resolved".to_string(),
        };
        tracing::info!(incident = %inc.id, action = action.key(), "paged PagerDuty");
        let mut tx = self.begin_scheduled(job).await?;
        let entry = self.entry(BOT_ACTOR, EntryKind::Escalation, what);
        timeline::add(
            &mut tx,
            inc.id,
            &entry,
            Some(&format!("page:{}", job.id)),
            entry.at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// PagerDuty refused the event for good: say so where people look.
    async fn page_refused(
        &self,
        job: &Job,
        inc: &Incident,
        action: PageAction,
        status: u16,
        answer: &str,
    ) -> Result<(), JobError> {
        tracing::error!(incident = %inc.id, action = action.key(), status, answer, "PagerDuty refused a page");
        let what = format!(
            "PagerDuty refused the {} ({status}): {}. Check paging.pagerduty.routing_key; nobody was paged by warroom.",
            action.key(),
            crate::domain::text::sanitize(answer)
        );
        let mut tx = self.begin_scheduled(job).await?;
        let entry = self.entry(BOT_ACTOR, EntryKind::Problem, what.clone());
        let new = timeline::add(
            &mut tx,
            inc.id,
            &entry,
            Some(&format!("page:{}", job.id)),
            entry.at,
        )
        .await?;
        if new {
            outbox::post_in_incident(
                &mut tx,
                inc.id,
                views::notice(":warning:", what),
                self.now(),
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(())
    }
}

/// The words of the timeline entry of an accepted trigger.
const PAGED: &str = "Paged PagerDuty";

/// True when a trigger for the incident was accepted (its timeline says so).
fn was_paged(entries: &[crate::domain::timeline::Entry]) -> bool {
    entries
        .iter()
        .any(|e| e.kind == EntryKind::Escalation && e.text.stored().starts_with(PAGED))
}
