//! Who is on call for an incident's service: a job, queued when an incident is
//! declared with a service (or its services change), asks PagerDuty's `/oncalls`
//! for the first level of the service's escalation policy (or its schedule), maps
//! each person to Slack by email (`users.lookupByEmail`), invites them to the
//! channel, records them on the timeline and shows them in the headline. People
//! PagerDuty knows but Slack does not are named on the timeline, not dropped.

use crate::app::delivery::JobError;
use crate::app::jobs::JobKind;
use crate::app::{Paging, delivery::outbox, messages};
use crate::domain::Incident;
use crate::domain::IncidentId;
use crate::domain::ids::mention;
use crate::domain::text::{clean, escape};
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::paging::pagerduty::OnCall;
use crate::paging::targets::{self, Target};
use crate::providers::ProviderError;
use crate::store::incidents;
use crate::store::jobs::{Job, NewJob, Priority};
use crate::store::timeline;

/// What a lookup found: the Slack users, and the people Slack has no match for.
struct Found {
    slack: Vec<String>,
    unmatched: Vec<String>,
    via: String,
}

impl Paging<'_> {
    /// The lookup job for `inc`, when PagerDuty can say who is on call for one of its
    /// services.
    pub(crate) fn oncall_job(&self, inc: &Incident) -> Option<NewJob> {
        let p = &self.cfg.paging;
        if !p.pagerduty.rest_enabled() || !inc.is_open() {
            return None;
        }
        targets::of_incident(&p.targets, inc).filter(|t| t.has_pagerduty_oncall())?;
        let lookup = JobKind::OnCall { incident: inc.id };
        Some(
            lookup
                .at(Some(format!("{}:{}", lookup.name(), inc.id.0)), self.now())
                .with_priority(Priority::People),
        )
    }

    /// Runs one lookup.
    pub(crate) async fn fire_oncall(
        &self,
        job: &Job,
        incident: IncidentId,
    ) -> Result<(), JobError> {
        let inc = self.job_incident(incident).await?;
        let id = inc.id;
        let Some(target) = targets::of_incident(&self.cfg.paging.targets, &inc)
            .filter(|t| t.has_pagerduty_oncall() && inc.is_open())
        else {
            return Err(JobError::Skip(format!("{id}: nobody to look up")));
        };
        let people = match self.providers.pagerduty.oncalls(target).await {
            Ok(p) => p,
            Err(ProviderError::Refused { status, text }) => {
                let what = format!(
                    "PagerDuty refused to say who is on call ({status}): {}. Check paging.pagerduty.api_token and the target's pagerduty_escalation_policy or pagerduty_schedule.",
                    outside(&text)
                );
                return self.delivery().job_problem(job, inc.id, what).await;
            }
            Err(e) => return Err(e.into()),
        };
        let found = self.match_in_slack(people).await?;
        self.record_oncall(job, &inc, target, found).await
    }

    /// Slack users for PagerDuty's people, by email.
    async fn match_in_slack(&self, people: Vec<OnCall>) -> Result<Found, JobError> {
        let mut found = Found {
            slack: vec![],
            unmatched: vec![],
            via: people.first().map(|p| p.via.clone()).unwrap_or_default(),
        };
        for p in people {
            let user = match &p.email {
                Some(email) => self.chat.user_by_email(email).await?,
                None => None,
            };
            match user {
                Some(u) if !found.slack.contains(&u) => found.slack.push(u),
                Some(_) => {}
                None => found.unmatched.push(format!(
                    "{} ({})",
                    outside(&p.name),
                    outside(p.email.as_deref().unwrap_or("no email"))
                )),
            }
        }
        Ok(found)
    }

    /// Stores who is on call, and tells the channel when that changed.
    async fn record_oncall(
        &self,
        job: &Job,
        inc: &Incident,
        target: &Target,
        found: Found,
    ) -> Result<(), JobError> {
        let mut tx = self.cadence().begin_scheduled(job).await?;
        let now = self.now();
        let changed = incidents::set_on_call(&mut tx, inc.id, &found.slack, now).await?;
        if changed || !found.unmatched.is_empty() {
            let text = oncall_text(&target.name, &found);
            let entry = self
                .incidents()
                .entry(BOT_ACTOR, EntryKind::Escalation, text.clone());
            let key = format!("oncall:{}", job.id);
            if timeline::add(&mut tx, inc.id, &entry, Some(&key), entry.at).await? {
                outbox::post_in_incident(&mut tx, inc.id, messages::notice(":pager:", text), now)
                    .await?;
            }
        }
        if changed {
            if !found.slack.is_empty() {
                let op = outbox::ChatOp::Invite {
                    incident: inc.id.0,
                    users: found.slack.clone(),
                };
                outbox::to_incident(&mut tx, inc.id, &op, now).await?;
            }
            outbox::refresh(&mut tx, inc, false, now).await?;
        }
        tracing::info!(incident = %inc.id, target = %target.name, on_call = found.slack.len(), unmatched = found.unmatched.len(), "on-call looked up");
        self.commit(tx).await?;
        Ok(())
    }
}

/// Text from another service, shown as text: never markup nor a mention.
pub(in crate::app) fn outside(s: &str) -> String {
    escape(&clean(s))
}

/// "On call for `api` (PagerDuty: Payments): <@U1>; not in Slack: Ana (ana@…)".
fn oncall_text(target: &str, f: &Found) -> String {
    let via = if f.via.is_empty() {
        "PagerDuty".to_string()
    } else {
        format!("PagerDuty: {}", outside(&f.via))
    };
    let who = if f.slack.is_empty() {
        "nobody in Slack".to_string()
    } else {
        f.slack
            .iter()
            .map(|u| mention(u))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!("On call for `{target}` ({via}): {who}");
    if !f.unmatched.is_empty() {
        text.push_str(&format!(
            "; no Slack account with the email of {}",
            f.unmatched.join(", ")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oncall_line_names_who_slack_knows_and_who_it_does_not() {
        let f = Found {
            slack: vec!["U1".into(), "U2".into()],
            unmatched: vec!["Ana (ana@example.com)".into()],
            via: "Payments <!channel>".into(),
        };
        let t = oncall_text("api", &f);
        assert!(
            t.starts_with("On call for `api` (PagerDuty: Payments"),
            "{t}"
        );
        assert!(t.contains("<@U1>, <@U2>"), "{t}");
        assert!(t.contains("no Slack account with the email of Ana (ana@example.com)"));
        assert!(!t.contains("<!channel>"), "{t}");
    }
}
