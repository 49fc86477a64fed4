//! Pages to someone in particular: `/incident page @user|team [message]` and the
//! escalation of an incident nobody updates or acknowledges. Each page is a job per
//! provider (durable, retried, keyed so a retry cannot page twice), recorded on the
//! timeline and in the channel when accepted, told there when refused, and closed
//! when the incident resolves.

use crate::app::delivery::JobError;
use crate::app::jobs::JobKind;
use crate::app::paging::oncall::outside;
use crate::app::{Actor, AppError, Paging, delivery::outbox, messages, refuse};
use crate::domain::command::PageWho;
use crate::domain::timeline::{BOT_ACTOR, Entry, EntryKind};
use crate::domain::{Incident, IncidentId, UserText};
use crate::paging::acks::Watched;
use crate::paging::opsgenie::Responder;
use crate::paging::page_to::{self, PageRef, PageTo, Recipient, opsgenie_alias, pagerduty_key};
use crate::paging::pagerduty::Assignee;
use crate::paging::{Provider, targets};
use crate::providers::ProviderError;
use crate::store::jobs::{self, Job, NewJob, Priority};
use crate::store::{Tx, incidents, timeline};

impl Paging<'_> {
    /// `/incident page`: queues a page to a person or a team.
    pub(crate) async fn page_command(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        who: &PageWho,
        message: Option<&UserText>,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "page").await?;
        let inc = change.inc.clone();
        if !inc.is_open() {
            return Err(refuse(
                format!("{} is resolved: nobody needs paging.", inc.id),
                "page",
            ));
        }
        let me = actor.user_id.as_str();
        let admin = self.cfg.slack.admins.iter().any(|a| a == me);
        if !(admin || inc.declared_by == me || inc.roles.people().iter().any(|p| p == me)) {
            return Err(refuse(
                "Only the incident's responders (IC, leads, SMEs) and admins page; ask the IC, or take a role first.",
                "page",
            ));
        }
        let to = match who {
            PageWho::User(u) => Recipient::User(self.incidents().user_id(u, "page")?),
            PageWho::Team(word) => match targets::find(&self.cfg.paging.targets, word) {
                Some(t) => Recipient::Team(t.name.clone()),
                None => return Err(refuse(self.no_such_target(word), "page")),
            },
        };
        let text = message.map(|m| m.plain()).unwrap_or_default();
        let jobs = self.page_to_jobs(&inc, &to, &text, me);
        if jobs.is_empty() {
            return Err(refuse(self.cannot_page(&to), "page"));
        }
        let via: Vec<String> = jobs
            .iter()
            .filter_map(|j| j.payload["provider"].as_str().map(str::to_string))
            .collect();
        jobs::enqueue_all(change.tx(), &jobs, self.now()).await?;
        change.done().await?;
        Ok(format!(
            "Paging {} through {} for {}; the channel hears when it is accepted.",
            to.describe(),
            via.join(" and "),
            inc.id
        ))
    }

    /// "No paging target `x`", with the ones there are.
    fn no_such_target(&self, word: &str) -> String {
        let names: Vec<String> = self
            .cfg
            .paging
            .targets
            .iter()
            .map(|t| format!("`{}`", t.name))
            .collect();
        if names.is_empty() {
            format!(
                "No team named `{word}`: no [[paging.targets]] are configured; page a person with @."
            )
        } else {
            format!(
                "No team named `{word}`, nor one on call for a service of that name. Teams: {}.",
                names.join(", ")
            )
        }
    }

    /// Why nothing can page `to`, naming the settings to set.
    fn cannot_page(&self, to: &Recipient) -> String {
        match to {
            Recipient::User(_) => "Paging a person needs PagerDuty's REST API (paging.pagerduty.api_token, from and service_id) or Opsgenie (paging.opsgenie.api_key).".into(),
            Recipient::Team(t) => format!(
                "`{t}` cannot be paged: give it a pagerduty_escalation_policy (with paging.pagerduty.api_token, from and service_id) or an opsgenie_team."
            ),
        }
    }

    /// One job per provider that can reach `to`.
    pub(crate) fn page_to_jobs(
        &self,
        inc: &Incident,
        to: &Recipient,
        message: &str,
        by: &str,
    ) -> Vec<NewJob> {
        let p = &self.cfg.paging;
        let target = match to {
            Recipient::Team(name) => targets::find(&p.targets, name),
            Recipient::User(_) => None,
        };
        let pd = p.pagerduty.can_page_directly()
            && target.is_none_or(|t| !t.pagerduty_escalation_policy.is_empty());
        let og = p.opsgenie.enabled() && target.is_none_or(|t| !t.opsgenie_team.is_empty());
        [(Provider::PagerDuty, pd), (Provider::Opsgenie, og)]
            .into_iter()
            .filter(|(_, on)| *on)
            .map(|(provider, _)| {
                let payload = PageTo {
                    incident: inc.id.0,
                    provider: provider.name().into(),
                    to: to.clone(),
                    message: message.to_string(),
                    by: by.to_string(),
                };
                // Per provider: one that is down must not hold the other's pages.
                JobKind::PageTo(payload)
                    .at(Some(page_queue(inc, provider)), self.now())
                    .with_priority(Priority::People)
            })
            .collect()
    }

    /// The escalation of `inc` pages the team of its service (or the configured
    /// escalation target), when there is one.
    pub(crate) async fn page_escalation(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        reason: &str,
    ) -> Result<(), AppError> {
        let p = &self.cfg.paging;
        let target = targets::of_incident(&p.targets, inc).or_else(|| {
            p.targets
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(&p.escalation_target))
        });
        let Some(t) = target else {
            return Ok(());
        };
        let jobs = self.page_to_jobs(inc, &Recipient::Team(t.name.clone()), reason, BOT_ACTOR);
        if !jobs.is_empty() {
            jobs::enqueue_all(tx, &jobs, self.now()).await?;
        }
        Ok(())
    }

    /// Sends one page to someone.
    pub(crate) async fn fire_page_to(&self, job: &Job, page: PageTo) -> Result<(), JobError> {
        let provider = page
            .provider()
            .ok_or_else(|| JobError::Fatal(format!("page job: provider {}", page.provider)))?;
        let mut conn = self.store.conn().await?;
        let Some(inc) = incidents::get(&mut conn, IncidentId(page.incident)).await? else {
            return Err(JobError::Skip(format!("no incident {}", page.incident)));
        };
        drop(conn);
        if !inc.is_open() {
            return Err(JobError::Skip(format!(
                "{} resolved before the page went out",
                inc.id
            )));
        }
        let link = self.incidents().page_url(&inc, "").await;
        let sent = match provider {
            Provider::PagerDuty => self.page_pagerduty(job, &inc, &page, link.as_deref()).await,
            Provider::Opsgenie => self.page_opsgenie(job, &inc, &page, link.as_deref()).await,
        };
        match sent {
            Ok(opened) => self.paged_to(job, &inc, &page, provider, opened).await,
            Err(NotPaged::Told(why)) => {
                let what = format!(
                    "{} did not page {}: {why}. Nobody was paged by warroom.",
                    provider.name(),
                    page.to.describe()
                );
                self.delivery().job_problem(job, inc.id, what).await
            }
            Err(NotPaged::Job(e)) => Err(e),
        }
    }

    /// The email Slack shows for `user`, or why there is none.
    async fn email_of(&self, user: &str) -> Result<String, NotPaged> {
        self.chat
            .user_email(user)
            .await
            .map_err(JobError::from)?
            .ok_or_else(|| {
                NotPaged::Told(format!(
                    "Slack shows no email for {} (warroom needs the users:read.email scope)",
                    crate::domain::ids::mention(user)
                ))
            })
    }

    /// A REST incident assigned to the team's escalation policy or to the person.
    async fn page_pagerduty(
        &self,
        job: &Job,
        inc: &Incident,
        page: &PageTo,
        link: Option<&str>,
    ) -> Result<Option<PageRef>, NotPaged> {
        let pd = &self.providers.pagerduty;
        let to = match &page.to {
            Recipient::Team(name) => match targets::find(&self.cfg.paging.targets, name) {
                Some(t) if !t.pagerduty_escalation_policy.is_empty() => {
                    Assignee::Policy(t.pagerduty_escalation_policy.clone())
                }
                _ => {
                    return Err(NotPaged::Told(format!(
                        "`{name}` has no pagerduty_escalation_policy any more"
                    )));
                }
            },
            Recipient::User(u) => {
                let email = self.email_of(u).await?;
                let found = pd
                    .user_by_email(&email)
                    .await
                    .map_err(|e| told(e, "PagerDuty refused the user lookup", ""))?;
                let Some(id) = found else {
                    return Err(NotPaged::Told(format!(
                        "PagerDuty has no user with the email {}",
                        outside(&email)
                    )));
                };
                Assignee::User(id)
            }
        };
        let key = pagerduty_key(inc, job.id);
        let hint = "; check paging.pagerduty.from and service_id";
        let opened = pd
            .create_incident(inc, &to, &key, &page.message, link)
            .await
            .map_err(|e| told(e, "PagerDuty refused the incident", hint))?;
        Ok(opened.map(PageRef::PagerDutyIncident))
    }

    /// An Opsgenie alert with the team or the person as responder.
    async fn page_opsgenie(
        &self,
        job: &Job,
        inc: &Incident,
        page: &PageTo,
        link: Option<&str>,
    ) -> Result<Option<PageRef>, NotPaged> {
        let responder = match &page.to {
            Recipient::Team(name) => match targets::find(&self.cfg.paging.targets, name) {
                Some(t) if !t.opsgenie_team.is_empty() => Responder::Team(t.opsgenie_team.clone()),
                _ => {
                    return Err(NotPaged::Told(format!(
                        "`{name}` has no opsgenie_team any more"
                    )));
                }
            },
            Recipient::User(u) => Responder::User(self.email_of(u).await?),
        };
        let alias = opsgenie_alias(inc, job.id);
        self.providers
            .opsgenie
            .create_alert(inc, &alias, &responder, &page.message, link)
            .await
            .map_err(|e| told(e, "Opsgenie refused the alert", ""))?;
        Ok(Some(PageRef::OpsgenieAlias(alias)))
    }

    /// Records an accepted page once, on the timeline and in the channel.
    async fn paged_to(
        &self,
        job: &Job,
        inc: &Incident,
        page: &PageTo,
        provider: Provider,
        opened: Option<PageRef>,
    ) -> Result<(), JobError> {
        let mut what = format!("Paged {} through {}", page.to.describe(), provider.name());
        if let Some(r) = &opened {
            what.push_str(&format!(" ({})", page_to::ref_text(r)));
        }
        if page.by != BOT_ACTOR {
            what.push_str(&format!(" for {}", crate::domain::ids::mention(&page.by)));
        }
        if !page.message.is_empty() {
            what.push_str(&format!(
                ": {}",
                UserText::from_plain(&page.message).mrkdwn()
            ));
        }
        tracing::info!(incident = %inc.id, provider = provider.name(), "paged someone");
        let mut tx = self.cadence().begin_scheduled(job).await?;
        let entry = self
            .incidents()
            .entry(BOT_ACTOR, EntryKind::Escalation, what.clone());
        let key = format!("page:{}", job.id);
        if timeline::add(&mut tx, inc.id, &entry, Some(&key), entry.at).await? {
            outbox::post_in_incident(
                &mut tx,
                inc.id,
                messages::notice(":pager:", what),
                self.now(),
            )
            .await?;
            let watched = match opened {
                Some(PageRef::PagerDutyIncident(id)) => Some(Watched::PagerDutyIncident(id)),
                Some(PageRef::OpsgenieAlias(a)) => Some(Watched::OpsgenieAlias(a)),
                None => None,
            };
            if let Some(w) = watched.and_then(|w| self.watch_job(inc, w, Some(page.to.describe())))
            {
                jobs::enqueue(&mut tx, &w, self.now()).await?;
            }
        }
        self.commit(tx).await?;
        Ok(())
    }

    /// The jobs that close the incident's pages to someone, at resolve: one per
    /// provider, behind that provider's pages.
    pub(crate) fn page_close_jobs(&self, inc: &Incident) -> Vec<NewJob> {
        let p = &self.cfg.paging;
        [
            (Provider::PagerDuty, p.pagerduty.can_page_directly()),
            (Provider::Opsgenie, p.opsgenie.enabled()),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(provider, _)| {
            JobKind::PageClose {
                incident: inc.id,
                provider: Some(provider),
            }
            .at(Some(page_queue(inc, provider)), self.now())
        })
        .collect()
    }

    /// Resolves the PagerDuty incidents and closes the Opsgenie alerts that pages to
    /// someone opened for a resolved incident (each call is idempotent, so a retry
    /// does them all again).
    pub(crate) async fn fire_page_close(
        &self,
        job: &Job,
        incident: IncidentId,
        provider: Option<Provider>,
    ) -> Result<(), JobError> {
        let inc = self.job_incident(incident).await?;
        let id = inc.id;
        let mut conn = self.store.conn().await?;
        let refs: Vec<PageRef> = opened_refs(&timeline::list(&mut conn, id).await?)
            .into_iter()
            .filter(|r| match r {
                PageRef::PagerDutyIncident(_) => provider == Some(Provider::PagerDuty),
                PageRef::OpsgenieAlias(_) => provider == Some(Provider::Opsgenie),
            })
            .collect();
        drop(conn);
        if inc.is_open() || refs.is_empty() {
            return Err(JobError::Skip(format!("{id}: no pages to close")));
        }
        let mut closed = Vec::new();
        for r in &refs {
            let done = match r {
                PageRef::PagerDutyIncident(pd_id) => {
                    self.providers.pagerduty.resolve_incident(pd_id).await
                }
                PageRef::OpsgenieAlias(alias) => self.providers.opsgenie.close(alias, &inc).await,
            };
            match done {
                Ok(()) => closed.push(page_to::ref_text(r)),
                Err(ProviderError::Refused { status, text }) => {
                    tracing::warn!(incident = %id, status, answer = %text, page = ?r, "a page could not be closed");
                }
                // One unfit reference must not keep the others open.
                Err(ProviderError::Invalid(why)) => {
                    tracing::warn!(incident = %id, reason = %why, page = ?r, "a page could not be closed");
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut tx = self.cadence().begin_scheduled(job).await?;
        if !closed.is_empty() {
            let entry = self.incidents().entry(
                BOT_ACTOR,
                EntryKind::Escalation,
                format!("Closed the pages: {}", closed.join(", ")),
            );
            timeline::add(
                &mut tx,
                id,
                &entry,
                Some(&format!("pageclose:{}", job.id)),
                entry.at,
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(())
    }
}

/// Why a page to someone did not go out.
enum NotPaged {
    /// For the channel: why nobody was paged.
    Told(String),
    /// For the worker: retried, or failed.
    Job(JobError),
}

impl From<JobError> for NotPaged {
    fn from(e: JobError) -> NotPaged {
        NotPaged::Job(e)
    }
}

/// A provider's refusal, told as "`what` (status): its answer`hint`"; anything
/// else is the job's.
fn told(e: ProviderError, what: &str, hint: &str) -> NotPaged {
    match e {
        ProviderError::Refused { status, text } => {
            NotPaged::Told(format!("{what} ({status}): {}{hint}", outside(&text)))
        }
        e => NotPaged::Job(e.into()),
    }
}

/// The queue of `provider`'s pages to someone for `inc`.
fn page_queue(inc: &Incident, provider: Provider) -> String {
    format!(
        "{}:{}:{}",
        crate::app::jobs::PAGE_TO,
        inc.id.0,
        provider.job_kind()
    )
}

/// What the recorded pages to someone opened.
fn opened_refs(entries: &[Entry]) -> Vec<PageRef> {
    entries
        .iter()
        .filter(|e| e.kind == EntryKind::Escalation && e.actor == BOT_ACTOR)
        .filter(|e| e.text.stored().starts_with("Paged "))
        .flat_map(|e| page_to::refs_in(e.text.stored()))
        .collect()
}
