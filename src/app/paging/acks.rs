//! Acknowledgements read back from the pager: each accepted page nobody has
//! acknowledged in warroom yet is watched (a poll job every `paging.ack_poll`, each
//! queuing the next, for six hours). When the person paged acknowledges it on their
//! phone, the timeline and the channel say who and when, and an incident nobody
//! had acknowledged takes that time as its acknowledgement (the postmortem's time to
//! acknowledge, the headline). Refusals end the watch quietly: the page itself was
//! already told.

use crate::app::delivery::JobError;
use crate::app::jobs::JobKind;
use crate::app::paging::oncall::outside;
use crate::app::{Paging, delivery::outbox, messages};
use crate::domain::Incident;
use crate::domain::IncidentId;
use crate::domain::UserText;
use crate::domain::duration::human;
use crate::domain::timeline::{BOT_ACTOR, Entry, EntryKind};
use crate::paging::acks::{self, Ack, Seen, WATCH_FOR, Watch, Watched};
use crate::providers::ProviderError;
use crate::store::jobs::{self, Job, NewJob};
use crate::store::{from_ms, incidents, ms, timeline};

impl Paging<'_> {
    /// The first poll of a page just accepted; None when nothing can read it back.
    pub(crate) fn watch_job(
        &self,
        inc: &Incident,
        watched: Watched,
        to: Option<String>,
    ) -> Option<NewJob> {
        let p = &self.cfg.paging;
        let readable = match watched {
            Watched::PagerDutyKey(_) | Watched::PagerDutyIncident(_) => p.pagerduty.rest_enabled(),
            Watched::OpsgenieAlias(_) => p.opsgenie.enabled(),
        };
        if !readable || !inc.is_open() {
            return None;
        }
        let now = self.now();
        let w = Watch {
            incident: inc.id.0,
            watched,
            to,
            paged_at: ms(now),
            until: ms(now + WATCH_FOR),
        };
        Some(self.poll_job(&w))
    }

    fn poll_job(&self, w: &Watch) -> NewJob {
        let after = chrono::Duration::from_std(self.cfg.paging.ack_poll.0)
            .unwrap_or(chrono::Duration::seconds(30));
        JobKind::PageWatch(w.clone()).at(None, self.now() + after)
    }

    /// One poll.
    pub(crate) async fn fire_page_watch(&self, job: &Job, w: Watch) -> Result<(), JobError> {
        let inc = self.job_incident(IncidentId(w.incident)).await?;
        if !inc.is_open() {
            return Err(JobError::Skip(format!("{} is resolved", inc.id)));
        }
        if w.to.is_none() && inc.acknowledged_at.is_some() {
            return Err(JobError::Skip(format!(
                "{} was acknowledged in warroom",
                inc.id
            )));
        }
        let provider = w.watched.provider();
        let now = self.now();
        let seen = match self.read_ack(&w.watched, now).await {
            Ok(seen) => seen,
            Err(ProviderError::Refused { status, text }) => {
                tracing::warn!(incident = %inc.id, provider, status, answer = %text, "a page's acknowledgement could not be read");
                return Err(JobError::Skip(format!("{provider} answered {status}")));
            }
            Err(e) => return Err(e.into()),
        };
        match seen {
            Seen::Acknowledged(ack) => self.page_acknowledged(job, &inc, &w, ack).await,
            Seen::Pending if ms(now) < w.until => {
                let mut tx = self.cadence().begin_scheduled(job).await?;
                jobs::enqueue(&mut tx, &self.poll_job(&w), now).await?;
                tx.commit().await?;
                Ok(())
            }
            Seen::Pending | Seen::Closed => Err(JobError::Skip("nothing more to watch".into())),
        }
    }

    /// Asks the pager whether `watched` was acknowledged.
    async fn read_ack(
        &self,
        watched: &Watched,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Seen, ProviderError> {
        let p = &self.providers;
        match watched {
            Watched::PagerDutyKey(key) => p.pagerduty.seen_by_key(key, now).await,
            Watched::PagerDutyIncident(id) => p.pagerduty.seen_by_id(id, now).await,
            Watched::OpsgenieAlias(alias) => p.opsgenie.seen(alias, now).await,
        }
    }

    /// Records the acknowledgement once; the first one acknowledges the incident.
    async fn page_acknowledged(
        &self,
        job: &Job,
        inc: &Incident,
        w: &Watch,
        ack: Ack,
    ) -> Result<(), JobError> {
        let now = self.now();
        let paged_at = from_ms(w.paged_at);
        let at = acks::believable(ack.at, paged_at, now);
        let provider = w.watched.provider();
        let by = outside(&ack.by);
        let text = match &w.to {
            None => format!(
                "{provider} page acknowledged by {by} after {}",
                human(at - paged_at)
            ),
            Some(to) => format!(
                "Page to {to} acknowledged in {provider} by {by} after {}",
                human(at - paged_at)
            ),
        };
        let key = match &w.watched {
            Watched::PagerDutyKey(k)
            | Watched::PagerDutyIncident(k)
            | Watched::OpsgenieAlias(k) => {
                format!("pageack:{provider}:{k}")
            }
        };
        let mut tx = self.cadence().begin_scheduled(job).await?;
        incidents::lock(&mut tx, inc.id).await?;
        let Some(mut inc) = incidents::get(&mut tx, inc.id).await? else {
            return Err(JobError::Skip("the incident is gone".into()));
        };
        let entry = Entry {
            at,
            actor: BOT_ACTOR.into(),
            kind: EntryKind::Escalation,
            text: UserText::from_mrkdwn(&text),
        };
        if timeline::add(&mut tx, inc.id, &entry, Some(&key), now).await? {
            outbox::post_in_incident(&mut tx, inc.id, messages::notice(":pager:", text), now)
                .await?;
            if inc.acknowledged_at.is_none() {
                inc.acknowledged_at = Some(at);
                incidents::save(&mut tx, &inc).await?;
                outbox::refresh(&mut tx, &inc, false, now).await?;
            }
        }
        tracing::info!(incident = %inc.id, provider, "a page was acknowledged");
        self.commit(tx).await?;
        Ok(())
    }
}
