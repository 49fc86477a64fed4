//! Every kind of job warroom queues, typed: one [`JobKind`] variant per kind with its
//! payload, the name stored in the jobs table, and the one exhaustive dispatch from a
//! claimed job to the use case that runs it. A kind queued is a kind someone runs;
//! a row this version cannot read (a kind a newer warroom wrote, or a payload that
//! does not fit) fails with a reason that says so, and nothing runs by fallback.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::App;
use super::delivery::JobError;
use super::delivery::outbox::ChatOp;
use crate::domain::IncidentId;
use crate::paging::acks::Watch;
use crate::paging::page_to::PageTo;
use crate::paging::{PageAction, Provider};
use crate::store::jobs::{Job, NewJob, Priority};

/// A job, by what it does, with what it needs to do it.
#[derive(Debug, Clone)]
pub(crate) enum JobKind {
    /// A call to Slack (or the shell), delivered in order on its queue.
    Chat(ChatOp),
    /// Remind the commander that an update is due.
    UpdateReminder { incident: IncidentId },
    /// Check that somebody acknowledged an incident whose severity escalates a silent
    /// commander (the seed's SEV1).
    AckCheck { incident: IncidentId },
    /// Remind the owners that the postmortem is due.
    PostmortemReminder { incident: IncidentId },
    /// Write the postmortem draft and publish it.
    PostmortemDraft { incident: IncidentId },
    /// Bring the postmortem's pull request to the latest draft.
    PostmortemPullRequest { incident: IncidentId },
    /// Bring the postmortem's Confluence page to the latest draft.
    PostmortemConfluence { incident: IncidentId },
    /// Propose the debrief: the invitation shared, the slot posted.
    DebriefInvite { incident: IncidentId },
    /// Post the weekly digest (and queue the next one).
    Digest { schedule: String },
    /// Run one watcher (and queue its next run).
    Watch { watcher: String, schedule: String },
    /// Look up who is on call for the incident's services.
    OnCall { incident: IncidentId },
    /// Trigger, acknowledge or resolve the incident's page.
    Page {
        provider: Provider,
        incident: IncidentId,
        action: PageAction,
    },
    /// Page a team or a person.
    PageTo(PageTo),
    /// Close what pages to teams and people opened through `provider`, at
    /// resolution (rows queued before the provider was named have none: nothing to
    /// close).
    PageClose {
        incident: IncidentId,
        provider: Option<Provider>,
    },
    /// Look whether a page was acknowledged.
    PageWatch(Watch),
    /// Publish an external update to Statuspage.
    StatuspagePublish { incident: IncidentId, update: i64 },
    /// Remind the Comms Lead that customers are owed an update.
    ExternalReminder { incident: IncidentId },
    /// Tell an action item's owner it is due (then weekly while it stays open).
    ActionDue { incident: IncidentId, seq: i64 },
    /// Bring one ticket in the tracker to what warroom wants (`subject`:
    /// `incident` or `action:3`).
    TicketSync {
        incident: IncidentId,
        subject: String,
    },
    /// Follow a ticket changed in the tracker (a verified webhook delivery).
    TicketBack(crate::tickets::inbound::Remote),
    /// Read linked tickets back (and queue the next run).
    TicketPoll { schedule: String },
}

/// Stored names of the kinds that are not chat calls or pages.
pub(crate) const UPDATE_REMINDER: &str = "reminder.update";
pub(crate) const ACK_CHECK: &str = "reminder.ack";
pub(crate) const POSTMORTEM_REMINDER: &str = "reminder.postmortem";
pub(crate) const POSTMORTEM_DRAFT: &str = "postmortem.draft";
pub(crate) const POSTMORTEM_PR: &str = "postmortem.pr";
pub(crate) const DEBRIEF_INVITE: &str = "postmortem.debrief";
pub(crate) const POSTMORTEM_CONFLUENCE: &str = "postmortem.confluence";
pub(crate) const DIGEST: &str = "schedule.digest";
pub(crate) const WATCH: &str = "watch.run";
pub(crate) const ONCALL: &str = "oncall.pagerduty";
pub(crate) const PAGE_TO: &str = "page.to";
pub(crate) const PAGE_CLOSE: &str = "page.close";
pub(crate) const PAGE_WATCH: &str = "page.watch";
pub(crate) const STATUSPAGE_PUBLISH: &str = "statuspage.publish";
pub(crate) const EXTERNAL_REMINDER: &str = "status.reminder";
pub(crate) const ACTION_DUE: &str = "reminder.action";
pub(crate) const TICKET_SYNC: &str = "ticket.sync";
pub(crate) const TICKET_BACK: &str = "ticket.back";
pub(crate) const TICKET_POLL: &str = "ticket.poll";

#[derive(Deserialize)]
struct OfIncident {
    incident: i64,
}

#[derive(Deserialize)]
struct PagePayload {
    incident: i64,
    action: PageAction,
}

#[derive(Deserialize)]
struct ClosePayload {
    incident: i64,
    #[serde(default)]
    provider: Option<String>,
}

#[derive(Deserialize)]
struct ActionPayload {
    incident: i64,
    seq: i64,
}

#[derive(Deserialize)]
struct SyncPayload {
    incident: i64,
    subject: String,
}

impl From<SyncPayload> for JobKind {
    fn from(p: SyncPayload) -> JobKind {
        JobKind::TicketSync {
            incident: IncidentId(p.incident),
            subject: p.subject,
        }
    }
}

#[derive(Deserialize)]
struct PublishPayload {
    incident: i64,
    update: i64,
}

#[derive(Deserialize)]
struct Recurring {
    #[serde(default)]
    schedule: String,
    #[serde(default)]
    watcher: String,
}

fn read<T: DeserializeOwned>(job: &Job) -> Result<T, String> {
    serde_json::from_value(job.payload.clone()).map_err(|e| {
        format!(
            "a {} job whose payload this warroom cannot read: {e}",
            job.kind
        )
    })
}

fn incident(job: &Job) -> Result<IncidentId, String> {
    read::<OfIncident>(job).map(|p| IncidentId(p.incident))
}

/// The kinds whose payload is their incident alone: how to make one, by stored name.
fn incident_kind(k: &str) -> Option<fn(IncidentId) -> JobKind> {
    Some(match k {
        UPDATE_REMINDER => |incident| JobKind::UpdateReminder { incident },
        ACK_CHECK => |incident| JobKind::AckCheck { incident },
        POSTMORTEM_REMINDER => |incident| JobKind::PostmortemReminder { incident },
        POSTMORTEM_DRAFT => |incident| JobKind::PostmortemDraft { incident },
        POSTMORTEM_PR => |incident| JobKind::PostmortemPullRequest { incident },
        DEBRIEF_INVITE => |incident| JobKind::DebriefInvite { incident },
        POSTMORTEM_CONFLUENCE => |incident| JobKind::PostmortemConfluence { incident },
        ONCALL => |incident| JobKind::OnCall { incident },
        EXTERNAL_REMINDER => |incident| JobKind::ExternalReminder { incident },
        _ => return None,
    })
}

impl JobKind {
    /// Reads a claimed job. Err: a kind this version does not know, or a payload
    /// that does not fit its kind.
    pub(crate) fn of(job: &Job) -> Result<JobKind, String> {
        let k = job.kind.as_str();
        if let Some(make) = incident_kind(k) {
            return Ok(make(incident(job)?));
        }
        Ok(match k {
            _ if k.starts_with("chat.") => JobKind::Chat(read(job)?),
            DIGEST => JobKind::Digest {
                schedule: read::<Recurring>(job)?.schedule,
            },
            WATCH => {
                let r: Recurring = read(job)?;
                JobKind::Watch {
                    watcher: r.watcher,
                    schedule: r.schedule,
                }
            }
            PAGE_TO => JobKind::PageTo(read(job)?),
            PAGE_CLOSE => {
                let p: ClosePayload = read(job)?;
                JobKind::PageClose {
                    incident: IncidentId(p.incident),
                    provider: p
                        .provider
                        .and_then(|name| Provider::ALL.into_iter().find(|x| x.name() == name)),
                }
            }
            PAGE_WATCH => JobKind::PageWatch(read(job)?),
            STATUSPAGE_PUBLISH => {
                let p: PublishPayload = read(job)?;
                JobKind::StatuspagePublish {
                    incident: IncidentId(p.incident),
                    update: p.update,
                }
            }
            ACTION_DUE => {
                let p: ActionPayload = read(job)?;
                JobKind::ActionDue {
                    incident: IncidentId(p.incident),
                    seq: p.seq,
                }
            }
            TICKET_SYNC => read::<SyncPayload>(job)?.into(),
            TICKET_BACK => JobKind::TicketBack(read(job)?),
            TICKET_POLL => JobKind::TicketPoll {
                schedule: read::<Recurring>(job)?.schedule,
            },
            _ => match Provider::from_job_kind(k) {
                Some(provider) => {
                    let p: PagePayload = read(job)?;
                    JobKind::Page {
                        provider,
                        incident: IncidentId(p.incident),
                        action: p.action,
                    }
                }
                None => {
                    return Err(format!(
                        "unknown job kind `{k}` (queued by a newer warroom?): not run"
                    ));
                }
            },
        })
    }

    /// The name stored in the jobs table.
    pub(crate) fn name(&self) -> String {
        match self {
            JobKind::Chat(op) => op.kind(),
            JobKind::UpdateReminder { .. } => UPDATE_REMINDER.into(),
            JobKind::AckCheck { .. } => ACK_CHECK.into(),
            JobKind::PostmortemReminder { .. } => POSTMORTEM_REMINDER.into(),
            JobKind::PostmortemDraft { .. } => POSTMORTEM_DRAFT.into(),
            JobKind::PostmortemPullRequest { .. } => POSTMORTEM_PR.into(),
            JobKind::DebriefInvite { .. } => DEBRIEF_INVITE.into(),
            JobKind::PostmortemConfluence { .. } => POSTMORTEM_CONFLUENCE.into(),
            JobKind::Digest { .. } => DIGEST.into(),
            JobKind::Watch { .. } => WATCH.into(),
            JobKind::OnCall { .. } => ONCALL.into(),
            JobKind::Page { provider, .. } => provider.job_kind().into(),
            JobKind::PageTo(_) => PAGE_TO.into(),
            JobKind::PageClose { .. } => PAGE_CLOSE.into(),
            JobKind::PageWatch(_) => PAGE_WATCH.into(),
            JobKind::StatuspagePublish { .. } => STATUSPAGE_PUBLISH.into(),
            JobKind::ExternalReminder { .. } => EXTERNAL_REMINDER.into(),
            JobKind::ActionDue { .. } => ACTION_DUE.into(),
            JobKind::TicketSync { .. } => TICKET_SYNC.into(),
            JobKind::TicketBack(_) => TICKET_BACK.into(),
            JobKind::TicketPoll { .. } => TICKET_POLL.into(),
        }
    }

    /// The payload stored with it (the shapes earlier versions stored, so rows
    /// queued before an upgrade still run).
    pub(crate) fn payload(&self) -> Value {
        match self {
            JobKind::Chat(op) => serde_json::to_value(op).unwrap_or(Value::Null),
            JobKind::UpdateReminder { incident }
            | JobKind::AckCheck { incident }
            | JobKind::PostmortemReminder { incident }
            | JobKind::PostmortemDraft { incident }
            | JobKind::PostmortemPullRequest { incident }
            | JobKind::DebriefInvite { incident }
            | JobKind::PostmortemConfluence { incident }
            | JobKind::OnCall { incident }
            | JobKind::ExternalReminder { incident } => json!({"incident": incident.0}),
            JobKind::Digest { schedule } => json!({"schedule": schedule}),
            JobKind::Watch { watcher, schedule } => {
                json!({"watcher": watcher, "schedule": schedule})
            }
            JobKind::Page {
                incident, action, ..
            } => json!({"incident": incident.0, "action": action}),
            JobKind::PageTo(p) => serde_json::to_value(p).unwrap_or(Value::Null),
            JobKind::PageClose { incident, provider } => match provider {
                Some(p) => json!({"incident": incident.0, "provider": p.name()}),
                None => json!({"incident": incident.0}),
            },
            JobKind::PageWatch(w) => serde_json::to_value(w).unwrap_or(Value::Null),
            JobKind::StatuspagePublish { incident, update } => {
                json!({"incident": incident.0, "update": update})
            }
            JobKind::ActionDue { incident, seq } => json!({"incident": incident.0, "seq": seq}),
            JobKind::TicketSync { incident, subject } => {
                json!({"incident": incident.0, "subject": subject})
            }
            JobKind::TicketBack(r) => serde_json::to_value(r).unwrap_or(Value::Null),
            JobKind::TicketPoll { schedule } => json!({"schedule": schedule}),
        }
    }

    /// The row to queue: due at `run_at` on `queue` (None: no order to keep), of
    /// normal priority and without a dedupe key until told otherwise.
    pub(crate) fn at(&self, queue: Option<String>, run_at: DateTime<Utc>) -> NewJob {
        NewJob {
            kind: self.name(),
            queue,
            payload: self.payload(),
            run_at,
            dedupe_key: None,
            priority: Priority::Normal,
        }
    }
}

impl App {
    /// Runs a claimed job: the one place that says which use case runs each kind.
    pub(crate) async fn run_job(&self, job: &Job) -> Result<(), JobError> {
        match JobKind::of(job).map_err(JobError::Fatal)? {
            JobKind::Chat(op) => self.delivery().deliver(job, op).await,
            JobKind::UpdateReminder { incident } => {
                self.cadence().fire_update_reminder(job, incident).await
            }
            JobKind::AckCheck { incident } => self.cadence().fire_ack_check(job, incident).await,
            JobKind::PostmortemReminder { incident } => {
                self.cadence().fire_postmortem_reminder(job, incident).await
            }
            JobKind::PostmortemDraft { incident } => {
                self.reports().fire_postmortem_draft(job, incident).await
            }
            JobKind::PostmortemPullRequest { incident } => {
                self.reports().fire_pull_request(job, incident).await
            }
            JobKind::DebriefInvite { incident } => self.reports().fire_debrief(job, incident).await,
            JobKind::PostmortemConfluence { incident } => {
                self.reports().fire_confluence(job, incident).await
            }
            JobKind::Digest { .. } => self.cadence().fire_digest(job).await,
            JobKind::Watch { watcher, .. } => self.warnings().fire_watch(job, &watcher).await,
            JobKind::OnCall { incident } => self.paging().fire_oncall(job, incident).await,
            JobKind::Page {
                provider,
                incident,
                action,
            } => {
                self.paging()
                    .fire_page(job, provider, incident, action)
                    .await
            }
            JobKind::PageTo(page) => self.paging().fire_page_to(job, page).await,
            JobKind::PageClose { incident, provider } => {
                self.paging().fire_page_close(job, incident, provider).await
            }
            JobKind::PageWatch(w) => self.paging().fire_page_watch(job, w).await,
            JobKind::StatuspagePublish { incident, update } => {
                self.comms().fire_statuspage(job, incident, update).await
            }
            JobKind::ExternalReminder { incident } => {
                self.comms().fire_external_reminder(job, incident).await
            }
            JobKind::ActionDue { incident, seq } => {
                self.cadence().fire_action_due(job, incident, seq).await
            }
            JobKind::TicketSync { incident, subject } => {
                self.tickets().fire_sync(job, incident, &subject).await
            }
            JobKind::TicketBack(remote) => self.tickets().fire_back(job, &remote).await,
            JobKind::TicketPoll { .. } => self.tickets().fire_poll(job).await,
        }
    }

    /// The incident a job is about; Skip when it is gone.
    pub(crate) async fn job_incident(
        &self,
        id: IncidentId,
    ) -> Result<crate::domain::Incident, JobError> {
        let mut conn = self.store.conn().await?;
        crate::store::incidents::get(&mut conn, id)
            .await?
            .ok_or_else(|| JobError::Skip(format!("no incident {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(kind: &str, payload: Value) -> Job {
        Job {
            id: 1,
            kind: kind.into(),
            queue: None,
            payload,
            attempts: 1,
            run_at: Utc::now(),
            locked_by: String::new(),
        }
    }

    #[test]
    fn every_kind_reads_back_what_it_stores() {
        let inc = IncidentId(7);
        let kinds = [
            JobKind::UpdateReminder { incident: inc },
            JobKind::AckCheck { incident: inc },
            JobKind::PostmortemReminder { incident: inc },
            JobKind::PostmortemDraft { incident: inc },
            JobKind::PostmortemPullRequest { incident: inc },
            JobKind::DebriefInvite { incident: inc },
            JobKind::PostmortemConfluence { incident: inc },
            JobKind::Digest {
                schedule: "0 0 9 * * Mon".into(),
            },
            JobKind::Watch {
                watcher: "certs".into(),
                schedule: "every 1h".into(),
            },
            JobKind::OnCall { incident: inc },
            JobKind::Page {
                provider: Provider::Opsgenie,
                incident: inc,
                action: PageAction::Resolve,
            },
            JobKind::PageClose {
                incident: inc,
                provider: Some(Provider::PagerDuty),
            },
            JobKind::StatuspagePublish {
                incident: inc,
                update: 3,
            },
            JobKind::ExternalReminder { incident: inc },
            JobKind::TicketSync {
                incident: inc,
                subject: "action:3".into(),
            },
            JobKind::TicketPoll {
                schedule: "every 10m".into(),
            },
        ];
        for k in kinds {
            let back = JobKind::of(&job(&k.name(), k.payload())).unwrap();
            assert_eq!(back.name(), k.name());
            assert_eq!(back.payload(), k.payload(), "{k:?}");
        }
    }

    #[test]
    fn rows_of_earlier_versions_still_read() {
        let k = JobKind::of(&job(
            "page.pagerduty",
            json!({"incident": 4, "action": "trigger"}),
        ))
        .unwrap();
        assert!(matches!(
            k,
            JobKind::Page {
                provider: Provider::PagerDuty,
                incident: IncidentId(4),
                action: PageAction::Trigger
            }
        ));
        let k = JobKind::of(&job(
            "watch.run",
            json!({"watcher": "disk", "schedule": "every 5m"}),
        ))
        .unwrap();
        assert!(matches!(k, JobKind::Watch { ref watcher, .. } if watcher == "disk"));
    }

    #[test]
    fn an_unknown_kind_or_an_unfit_payload_is_refused_not_run() {
        let e = JobKind::of(&job("page.carrier-pigeon", json!({"incident": 1}))).unwrap_err();
        assert!(e.contains("unknown job kind `page.carrier-pigeon`"), "{e}");
        let e = JobKind::of(&job("reminder.update", json!({"incident": "seven"}))).unwrap_err();
        assert!(e.contains("cannot read"), "{e}");
        // A page.close of an earlier version (no provider) closes nothing, as then.
        let k = JobKind::of(&job("page.close", json!({"incident": 1}))).unwrap();
        assert!(matches!(k, JobKind::PageClose { provider: None, .. }));
    }
}
