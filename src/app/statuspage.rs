//! Publishing external updates to Atlassian Statuspage, as jobs in order per
//! incident: the first creates the page's incident (after looking for one an
//! unanswered earlier attempt may have created), its ID is stored before anything
//! else, and each next update patches it. 420/429 wait for `Retry-After`, 5xx and
//! network errors are retried; a refusal is told in the incident's channel.

use super::App;
use super::delivery::JobError;
use super::oncall::outside;
use super::pager_http::{self, Answer};
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::public::statuspage;
use crate::store::jobs::Job;
use crate::store::{external, timeline};

impl App {
    /// Sends one external update to Statuspage.
    pub async fn fire_statuspage(&self, job: &Job) -> Result<(), JobError> {
        let inc = self.job_incident(job).await?;
        let update_id = job.payload["update"]
            .as_i64()
            .ok_or_else(|| JobError::Fatal("statuspage job without an update".into()))?;
        let mut conn = self.store.conn().await?;
        let Some(update) = external::get(&mut conn, update_id).await? else {
            return Err(JobError::Skip(format!("no external update {update_id}")));
        };
        let linked = external::statuspage_link(&mut conn, inc.id).await?;
        drop(conn);
        let sp = &self.cfg.status.statuspage;
        let reference = inc.id.to_string();
        let body = statuspage::incident_body(
            &update,
            &reference,
            &self.cfg.status.components,
            sp.deliver_notifications,
        );
        let linked = match linked {
            Some(id) => Some(id),
            None => match self.find_on_statuspage(&inc).await? {
                Ok(found) => found,
                Err((status, text)) => {
                    let what = format!(
                        "Statuspage refused to list the page's incidents ({status}): {}. Check status.statuspage.api_key and page_id; the update is on warroom's own status page.",
                        outside(&text)
                    );
                    return self.job_problem(job, inc.id, what).await;
                }
            },
        };
        let base = format!(
            "{}/pages/{}/incidents",
            sp.api_url.trim_end_matches('/'),
            sp.page_id
        );
        let req = match &linked {
            Some(id) if statuspage::is_safe_id(id) => {
                pager_http::http().patch(format!("{base}/{id}"))
            }
            Some(id) => return Err(JobError::Fatal(format!("Statuspage incident id {id:?}"))),
            None => pager_http::http().post(&base),
        };
        let req = req
            .timeout(sp.timeout.0)
            .header(
                "authorization",
                statuspage::authorization(sp.api_key.expose()),
            )
            .json(&body);
        match pager_http::send("Statuspage", req).await? {
            Answer::Accepted(v) => {
                let id = linked.or_else(|| statuspage::incident_id(&v));
                self.published_on_statuspage(job, &inc, id).await
            }
            Answer::Refused { status, text } => {
                let what = format!(
                    "Statuspage refused the external update ({status}): {}. Check status.statuspage.api_key, page_id and the components' statuspage_id; the update is on warroom's own status page.",
                    outside(&text)
                );
                self.job_problem(job, inc.id, what).await
            }
        }
    }

    /// The page's incident an earlier attempt created, found by its metadata among
    /// the unresolved ones (Statuspage's `q` does not search metadata). Err: refused.
    async fn find_on_statuspage(
        &self,
        inc: &Incident,
    ) -> Result<Result<Option<String>, (u16, String)>, JobError> {
        let sp = &self.cfg.status.statuspage;
        let url = format!(
            "{}/pages/{}/incidents/unresolved",
            sp.api_url.trim_end_matches('/'),
            sp.page_id
        );
        let req = pager_http::http().get(url).timeout(sp.timeout.0).header(
            "authorization",
            statuspage::authorization(sp.api_key.expose()),
        );
        Ok(match pager_http::send("Statuspage", req).await? {
            Answer::Accepted(v) => Ok(statuspage::find_linked(&v, &inc.id.to_string())),
            Answer::Refused { status, text } => Err((status, text)),
        })
    }

    /// Stores the link (first) and records the publication once.
    async fn published_on_statuspage(
        &self,
        job: &Job,
        inc: &Incident,
        id: Option<String>,
    ) -> Result<(), JobError> {
        let now = self.now();
        let mut tx = self.begin_scheduled(job).await?;
        let mut what = "Published on Statuspage".to_string();
        if let Some(id) = &id {
            external::set_statuspage_link(&mut tx, IncidentId(inc.id.0), id, now).await?;
            what.push_str(&format!(" (incident `{}`)", outside(id)));
        }
        let entry = self.entry(BOT_ACTOR, EntryKind::External, what);
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
