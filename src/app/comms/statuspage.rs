//! Publishing external updates to Atlassian Statuspage, as jobs in order per
//! incident: the first creates the page's incident (after looking for one an
//! unanswered earlier attempt may have created), its ID is stored before anything
//! else, and each next update patches it. 420/429 wait for `Retry-After`, 5xx and
//! network errors are retried; a refusal is told in the incident's channel.

use crate::app::Comms;
use crate::app::delivery::JobError;
use crate::app::paging::oncall::outside;
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::providers::ProviderError;
use crate::providers::statuspage::Update;
use crate::store::jobs::Job;
use crate::store::{external, timeline};

impl Comms<'_> {
    /// Sends one external update to Statuspage.
    pub(crate) async fn fire_statuspage(
        &self,
        job: &Job,
        incident: IncidentId,
        update_id: i64,
    ) -> Result<(), JobError> {
        let inc = self.job_incident(incident).await?;
        let mut conn = self.store.conn().await?;
        let Some(update) = external::get(&mut conn, update_id).await? else {
            return Err(JobError::Skip(format!("no external update {update_id}")));
        };
        let linked = external::statuspage_link(&mut conn, inc.id).await?;
        drop(conn);
        let reference = inc.id.to_string();
        let sp = &self.providers.statuspage;
        let linked = match linked {
            Some(id) => Some(id),
            None => match sp.find_unresolved(&reference).await {
                Ok(found) => found,
                Err(ProviderError::Refused { status, text }) => {
                    let what = format!(
                        "Statuspage refused to list the page's incidents ({status}): {}. Check status.statuspage.api_key and page_id; the update is on warroom's own status page.",
                        outside(&text)
                    );
                    return self.delivery().job_problem(job, inc.id, what).await;
                }
                Err(e) => return Err(e.into()),
            },
        };
        let u = Update {
            update: &update,
            reference: &reference,
            components: &self.cfg.status.components,
        };
        let sent = match linked {
            Some(id) => sp.patch(&id, &u).await.map(|()| Some(id)),
            None => sp.create(&u).await,
        };
        match sent {
            Ok(id) => self.published_on_statuspage(job, &inc, id).await,
            Err(ProviderError::Refused { status, text }) => {
                let what = format!(
                    "Statuspage refused the external update ({status}): {}. Check status.statuspage.api_key, page_id and the components' statuspage_id; the update is on warroom's own status page.",
                    outside(&text)
                );
                self.delivery().job_problem(job, inc.id, what).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Stores the link (first) and records the publication once.
    async fn published_on_statuspage(
        &self,
        job: &Job,
        inc: &Incident,
        id: Option<String>,
    ) -> Result<(), JobError> {
        let now = self.now();
        let mut tx = self.cadence().begin_scheduled(job).await?;
        let mut what = "Published on Statuspage".to_string();
        if let Some(id) = &id {
            external::set_statuspage_link(&mut tx, IncidentId(inc.id.0), id, now).await?;
            what.push_str(&format!(" (incident `{}`)", outside(id)));
        }
        let entry = self.incidents().entry(BOT_ACTOR, EntryKind::External, what);
        timeline::add(
            &mut tx,
            inc.id,
            &entry,
            Some(&format!("statuspage:{}", job.id)),
            now,
        )
        .await?;
        tracing::info!(incident = %inc.id, "published on Statuspage");
        self.commit(tx).await?;
        Ok(())
    }
}
