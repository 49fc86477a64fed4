//! When a service outside Slack says no for good (a pager refusing a page, PagerDuty
//! refusing to say who is on call, Statuspage refusing an update) or stays unreachable
//! past the last retry, the incident's timeline records it once and its channel is
//! told, not only the log. The one place a provider's answer becomes a job's outcome
//! ([`From<ProviderError>`] for [`JobError`]), or a [`Trouble`] for jobs that tell a
//! person themselves (tickets, the postmortem's documents).

use crate::app::delivery::JobError;
use crate::app::paging::oncall::outside;
use crate::app::{AppError, Delivery, delivery::outbox, messages};
use crate::domain::IncidentId;
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::providers::ProviderError;
use crate::store::jobs::Job;
use crate::store::{Tx, timeline};

/// A retry stays a retry (with the wait the provider asked for); a refusal no caller
/// told a person about, or a request warroom would not send, fails the job.
impl From<ProviderError> for JobError {
    fn from(e: ProviderError) -> JobError {
        match e {
            ProviderError::Retry { after, reason } => JobError::Retry { after, reason },
            e @ (ProviderError::Refused { .. } | ProviderError::Invalid(_)) => {
                JobError::Fatal(e.to_string())
            }
        }
    }
}

/// Why a call did not go through, for the job.
pub(crate) enum Trouble {
    /// A person must act: told in the channel, with a Retry button.
    Told(String),
    Job(JobError),
}

impl From<ProviderError> for Trouble {
    fn from(e: ProviderError) -> Trouble {
        match e {
            // A wait the tracker asked for is not a failed attempt.
            ProviderError::Retry {
                after: Some(after),
                reason,
            } => Trouble::Job(JobError::Later { after, reason }),
            e => Trouble::Job(e.into()),
        }
    }
}

impl From<crate::store::StoreError> for Trouble {
    fn from(e: crate::store::StoreError) -> Trouble {
        Trouble::Job(e.into())
    }
}

impl Delivery<'_> {
    /// Records `what` as a problem on the incident's timeline, once per `key`, and says
    /// it in the incident's channel the first time.
    async fn tell_problem(
        &self,
        tx: &mut Tx,
        id: IncidentId,
        key: &str,
        what: String,
    ) -> Result<(), AppError> {
        let entry = self
            .incidents()
            .entry(BOT_ACTOR, EntryKind::Problem, what.clone());
        if timeline::add(tx, id, &entry, Some(key), entry.at).await? {
            outbox::post_in_incident(tx, id, messages::notice(":warning:", what), self.now())
                .await?;
        }
        Ok(())
    }

    /// Ends `job` with the problem `what`, told once.
    pub(in crate::app) async fn job_problem(
        &self,
        job: &Job,
        id: IncidentId,
        what: String,
    ) -> Result<(), JobError> {
        tracing::error!(incident = %id, job = job.id, kind = %job.kind, problem = %what, "a call outside Slack was refused");
        let mut tx = self.cadence().begin_scheduled(job).await?;
        self.tell_problem(&mut tx, id, &format!("problem:{}", job.id), what)
            .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// A call to a pager or Statuspage that never got through after its last attempt
    /// (the worker fails the job itself).
    pub(crate) async fn outside_call_failed(&self, job: &Job, reason: &str) {
        use crate::app::jobs::JobKind;
        use crate::paging::Provider;
        let (what, id) = match JobKind::of(job) {
            Ok(JobKind::Page {
                provider: Provider::PagerDuty,
                incident,
                ..
            }) => ("the PagerDuty page", incident),
            Ok(JobKind::Page {
                provider: Provider::Opsgenie,
                incident,
                ..
            }) => ("the Opsgenie page", incident),
            Ok(JobKind::PageTo(p)) => ("the page", IncidentId(p.incident)),
            Ok(JobKind::PageClose { incident, .. }) => ("closing the pages", incident),
            Ok(JobKind::OnCall { incident }) => ("the on-call lookup", incident),
            Ok(JobKind::StatuspagePublish { incident, .. }) => {
                ("publishing the external update to Statuspage", incident)
            }
            _ => return,
        };
        let text = format!(
            "warroom gave up on {what} after {} attempts ({}). Nothing more will be tried; do it by hand.",
            job.attempts,
            outside(reason)
        );
        let told = async {
            let mut tx = self.store.begin_background().await?;
            self.tell_problem(&mut tx, id, &format!("gaveup:{}", job.id), text)
                .await?;
            self.commit(tx).await.map_err(AppError::from)
        };
        if let Err(e) = told.await {
            tracing::error!(job = job.id, error = %e, "could not tell that a call was given up");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn retries_keep_their_wait_and_the_rest_fail_the_job() {
        let after = Some(Duration::from_secs(3));
        let e = JobError::from(ProviderError::Retry {
            after,
            reason: "PagerDuty answered 429 Too Many Requests".into(),
        });
        assert!(
            matches!(e, JobError::Retry { after: a, ref reason } if a == after && reason.starts_with("PagerDuty answered"))
        );
        let e = JobError::from(ProviderError::Refused {
            status: 403,
            text: "no".into(),
        });
        assert!(
            matches!(e, JobError::Fatal(ref r) if r == "refused (403): no"),
            "{e:?}"
        );
        let e = JobError::from(ProviderError::Invalid(
            "Statuspage incident id \"../x\"".into(),
        ));
        assert!(
            matches!(e, JobError::Fatal(ref r) if r.contains("../x")),
            "{e:?}"
        );
    }
}
