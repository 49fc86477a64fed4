//! Pages through PagerDuty's Events API v2 and Opsgenie's Alert API, as jobs: queued
//! in the transaction that declares, acknowledges or resolves the incident (so a page
//! is never lost and never sent for a change that rolled back), sent in order per
//! incident and provider, retried on 429, 5xx and network errors, and recorded on the
//! timeline once. A refusal (4xx) is told in the incident's channel and on its
//! timeline, not only logged.

use crate::app::delivery::JobError;
use crate::app::jobs::JobKind;
use crate::app::{AppError, Paging};
use crate::domain::Incident;
use crate::domain::IncidentId;
use crate::domain::timeline::{BOT_ACTOR, Entry, EntryKind};
use crate::paging::acks::Watched;
use crate::paging::{self, PageAction, Provider, opsgenie};
use crate::providers::ProviderError;
use crate::store::jobs::{self, Job, NewJob, Priority};
use crate::store::{Tx, timeline};

impl Paging<'_> {
    /// Resolving the incident resolves its pages and closes those of teams and
    /// people.
    pub(crate) async fn pages_after_resolve(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), AppError> {
        self.queue_page(tx, inc, PageAction::Resolve).await?;
        let close = self.page_close_jobs(inc);
        if !close.is_empty() {
            jobs::enqueue_all(tx, &close, self.now()).await?;
        }
        Ok(())
    }

    /// The page jobs for `action` on `inc`: one per provider that pages it.
    pub(crate) fn page_jobs(&self, inc: &Incident, action: PageAction) -> Vec<NewJob> {
        let cfg = &self.cfg.paging;
        Provider::ALL
            .into_iter()
            // Only a paged severity triggers; acknowledge and resolve follow a
            // trigger whatever the severity became (checked when they are sent).
            .filter(|p| match action {
                PageAction::Trigger => cfg.pages(*p, inc.severity),
                PageAction::Acknowledge | PageAction::Resolve => cfg.enabled(*p),
            })
            .map(|provider| {
                let page = JobKind::Page {
                    provider,
                    incident: inc.id,
                    action,
                };
                // Trigger, acknowledge and resolve go in order, per provider.
                page.at(Some(format!("{}:{}", page.name(), inc.id.0)), self.now())
                    .with_priority(Priority::People)
            })
            .collect()
    }

    /// A severity raised into one a provider pages: its trigger now (and its
    /// acknowledgement right behind when the incident is already acknowledged).
    /// Providers that paged the old severity already have their page out.
    pub(crate) async fn queue_raised_page(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        from: crate::domain::Severity,
    ) -> Result<(), AppError> {
        let cfg = &self.cfg.paging;
        let newly = |j: &NewJob| {
            Provider::from_job_kind(&j.kind)
                .is_some_and(|p| cfg.pages(p, inc.severity) && !cfg.pages(p, from))
        };
        let mut jobs: Vec<NewJob> = self.page_jobs(inc, PageAction::Trigger);
        if inc.acknowledged_at.is_some() {
            jobs.extend(self.page_jobs(inc, PageAction::Acknowledge));
        }
        jobs.retain(newly);
        if !jobs.is_empty() {
            jobs::enqueue_all(tx, &jobs, self.now()).await?;
        }
        Ok(())
    }

    /// Queues the pages for `action` inside `tx`.
    pub(crate) async fn queue_page(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        action: PageAction,
    ) -> Result<(), AppError> {
        let jobs = self.page_jobs(inc, action);
        if !jobs.is_empty() {
            jobs::enqueue_all(tx, &jobs, self.now()).await?;
        }
        Ok(())
    }

    /// Sends one page job.
    pub(crate) async fn fire_page(
        &self,
        job: &Job,
        provider: Provider,
        incident: IncidentId,
        action: PageAction,
    ) -> Result<(), JobError> {
        let inc = self.job_incident(incident).await?;
        let mut conn = self.store.conn().await?;
        let entries = timeline::list(&mut conn, inc.id).await?;
        let paged_already = was_paged(&entries, provider);
        if action == PageAction::Acknowledge && was_acknowledged(&entries, provider) {
            return Err(JobError::Skip(format!(
                "{} was acknowledged already",
                inc.id
            )));
        }
        if action == PageAction::Trigger && paged_already {
            return Err(JobError::Skip(format!("{} was paged already", inc.id)));
        }
        if action != PageAction::Trigger && !paged_already {
            return Err(JobError::Skip(format!("{} was never paged", inc.id)));
        }
        drop(conn);
        let link = self.incidents().page_url(&inc, "").await;
        let sent = match provider {
            Provider::PagerDuty => {
                let pd = &self.providers.pagerduty;
                pd.event(action, &inc, link.as_deref()).await
            }
            Provider::Opsgenie => {
                let og = &self.providers.opsgenie;
                og.page(action, &inc, link.as_deref()).await
            }
        };
        match sent {
            Ok(()) => self.paged(job, &inc, provider, action).await,
            Err(ProviderError::Refused { status, text }) => {
                let what = format!(
                    "{} refused the {} ({status}): {}. Check {}; nobody was paged by warroom.",
                    provider.name(),
                    action.key(),
                    crate::domain::text::sanitize(&text),
                    provider.config_key()
                );
                self.delivery().job_problem(job, inc.id, what).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records the accepted page once (the job's id keys the entry) and ends the job.
    async fn paged(
        &self,
        job: &Job,
        inc: &Incident,
        provider: Provider,
        action: PageAction,
    ) -> Result<(), JobError> {
        let name = provider.name();
        let what = match (action, provider) {
            (PageAction::Trigger, Provider::PagerDuty) => format!(
                "Paged {name} ({} alert, dedup key `{}`)",
                paging::pd_severity(inc.severity),
                paging::dedup_key(inc)
            ),
            (PageAction::Trigger, Provider::Opsgenie) => format!(
                "Paged {name} ({} alert, alias `{}`)",
                opsgenie::priority(inc.severity),
                opsgenie::alias(inc)
            ),
            (PageAction::Acknowledge, _) => format!("{name} alert acknowledged"),
            (PageAction::Resolve, _) => format!("{name} alert resolved"),
        };
        tracing::info!(incident = %inc.id, provider = name, action = action.key(), "paged");
        let mut tx = self.cadence().begin_scheduled(job).await?;
        let entry = self
            .incidents()
            .entry(BOT_ACTOR, EntryKind::Escalation, what);
        let key = format!("page:{}", job.id);
        let added = timeline::add(&mut tx, inc.id, &entry, Some(&key), entry.at).await?;
        // Nobody acknowledged it in warroom yet: watch for whoever answers the page.
        if added && action == PageAction::Trigger && inc.acknowledged_at.is_none() {
            let watched = match provider {
                Provider::PagerDuty => Watched::PagerDutyKey(paging::dedup_key(inc)),
                Provider::Opsgenie => Watched::OpsgenieAlias(opsgenie::alias(inc)),
            };
            if let Some(w) = self.watch_job(inc, watched, None) {
                crate::store::jobs::enqueue(&mut tx, &w, self.now()).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// True when an acknowledge through `provider` was accepted.
fn was_acknowledged(entries: &[Entry], provider: Provider) -> bool {
    let text = format!("{} alert acknowledged", provider.name());
    entries
        .iter()
        .any(|e| e.kind == EntryKind::Escalation && e.text.stored() == text)
}

/// True when a trigger through `provider` was accepted (the timeline says so).
fn was_paged(entries: &[Entry], provider: Provider) -> bool {
    let prefix = format!("Paged {} (", provider.name());
    entries
        .iter()
        .any(|e| e.kind == EntryKind::Escalation && e.text.stored().starts_with(&prefix))
}
