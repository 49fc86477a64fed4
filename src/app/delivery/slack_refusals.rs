//! When Slack refuses a call for good (`restricted_action`, `is_archived`,
//! `not_in_channel`, a missing scope…) or stays unreachable past the last retry, the
//! person who asked is told what failed and what to do, the incident's timeline
//! records it, and the log names the job. `/metrics` counts each refusal by method
//! and error in the Slack client. A channel Slack would not create leaves a recorded
//! incident whose set-up any later `/incident INC-n …` starts again.

use chrono::Duration;
use serde_json::Value;

use crate::app::delivery::outbox::{self, ChatOp, Target};
use crate::app::{AppError, Delivery};
use crate::chat::{Message, advice};
use crate::domain::ids::mention;
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::store::jobs::Job;
use crate::store::{Tx, incidents};

/// Why a job was given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GaveUp {
    /// Slack answered `ok:false` with this code.
    Refused(String),
    /// Slack could not be reached through every retry (the last reason).
    Unreachable(String),
}

impl GaveUp {
    fn code(&self) -> &str {
        match self {
            GaveUp::Refused(c) => c,
            GaveUp::Unreachable(_) => "unreachable",
        }
    }
}

/// The same person is told about the same failure at most this often.
const TELL_EVERY: Duration = Duration::hours(1);

/// What a chat job was trying to do, for people.
fn what(op: &ChatOp) -> String {
    match op {
        ChatOp::CreateChannel { .. } => "create the incident's channel".into(),
        ChatOp::Invite { .. } => "invite people to the incident's channel".into(),
        ChatOp::SetTopic { .. } => "set the channel's topic".into(),
        ChatOp::Bookmark { .. } => "bookmark the incident's ticket in its channel".into(),
        ChatOp::PostHeadline { .. } => "post the incident's headline".into(),
        ChatOp::PinHeadline { .. } => "pin the headline".into(),
        ChatOp::RefreshHeadline { .. } => "update the pinned headline".into(),
        ChatOp::Announce { .. } | ChatOp::Escalated { .. } => {
            "post in the announcements channel".into()
        }
        ChatOp::Post {
            to: Target::Channel(c),
            ..
        } => format!("post in <#{c}>"),
        ChatOp::Post { .. } => "post in the incident's channel".into(),
        ChatOp::Ephemeral { .. } | ChatOp::Tell { .. } => "answer someone".into(),
        ChatOp::RecordReaction { .. } => "read a message marked for the timeline".into(),
        ChatOp::PublishPostmortem { .. } => "publish the postmortem draft".into(),
        ChatOp::PostWarning { .. }
        | ChatOp::RefreshWarning { .. }
        | ChatOp::FollowUpWarning { .. } => "post a warning".into(),
        ChatOp::PostRollup { .. } | ChatOp::RefreshRollup { .. } | ChatOp::CloseRollup { .. } => {
            "list a storm of warnings".into()
        }
    }
}

fn incident_of(op: &ChatOp, payload: &Value) -> Option<IncidentId> {
    match op {
        ChatOp::Post {
            to: Target::Incident(i),
            ..
        } => Some(IncidentId(*i)),
        _ => payload
            .get("incident")
            .and_then(Value::as_i64)
            .map(IncidentId),
    }
}

impl Delivery<'_> {
    /// A job given up: log it, record it, tell who can act. Never fails itself.
    pub(crate) async fn job_failed(&self, job: &Job, why: &GaveUp) {
        let op: Option<ChatOp> = serde_json::from_value(job.payload.clone()).ok();
        let incident = op
            .as_ref()
            .and_then(|o| incident_of(o, &job.payload))
            .or_else(|| {
                job.payload
                    .get("incident")
                    .and_then(Value::as_i64)
                    .map(IncidentId)
            });
        tracing::error!(
            job = job.id,
            kind = %job.kind,
            incident = ?incident.map(|i| i.0),
            error = why.code(),
            "job given up: Slack refused it for good or never answered"
        );
        // Telling someone must not itself start a chain of failures.
        if matches!(
            op,
            Some(ChatOp::Tell { .. }) | Some(ChatOp::Ephemeral { .. })
        ) {
            return;
        }
        let what = op
            .as_ref()
            .map(what)
            .unwrap_or_else(|| format!("run `{}`", job.kind));
        let r = match incident {
            Some(id) => self.incident_failed(id, op.as_ref(), &what, why).await,
            None => self.tell_admins(&job.kind, &what, why).await,
        };
        if let Err(e) = r {
            tracing::warn!(job = job.id, error = %e, "could not record or tell a failed job");
        }
    }

    async fn incident_failed(
        &self,
        id: IncidentId,
        op: Option<&ChatOp>,
        what: &str,
        why: &GaveUp,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.store.begin_background().await?;
        let Some(inc) = incidents::get(&mut tx, id).await? else {
            return Ok(());
        };
        let code = why.code();
        if matches!(op, Some(ChatOp::CreateChannel { .. })) {
            incidents::set_channel_error(&mut tx, id, Some(code)).await?;
        }
        let key = format!("told:{}:{what}:{code}", id.0);
        if !self.first_in_a_while(&mut tx, &key).await? {
            tx.commit().await?;
            return Ok(());
        }
        self.incidents()
            .log(
                &mut tx,
                id,
                BOT_ACTOR,
                EntryKind::Problem,
                format!("Slack refused to {what}: `{code}` ({})", advice(code)),
            )
            .await?;
        let who = inc
            .commander()
            .unwrap_or(inc.declared_by.as_str())
            .to_string();
        if who != BOT_ACTOR {
            let msg = problem_message(&inc, &who, what, code, op);
            let channel = match (op, &inc.channel_id) {
                // Where they declared: the incident's channel never came to be.
                (Some(ChatOp::CreateChannel { .. }), _) | (_, None) => {
                    inc.origin_channel_id.clone()
                }
                (_, Some(c)) => Some(c.clone()),
            };
            outbox::send(
                &mut tx,
                format!("tell:{who}"),
                &ChatOp::Tell {
                    user: who,
                    channel,
                    message: msg,
                },
                now,
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(())
    }

    /// A failure no incident owns (a warning, the digest): the admins hear of it.
    async fn tell_admins(&self, kind: &str, what: &str, why: &GaveUp) -> Result<(), AppError> {
        let admins = &self.cfg.slack.admins;
        if admins.is_empty() {
            return Ok(());
        }
        let code = why.code();
        let now = self.now();
        let mut tx = self.store.begin_background().await?;
        if !self
            .first_in_a_while(&mut tx, &format!("told:{kind}:{code}"))
            .await?
        {
            tx.commit().await?;
            return Ok(());
        }
        let msg = Message::text(format!(
            ":warning: warroom could not {what}: Slack answered `{code}` ({}).",
            advice(code)
        ));
        for a in admins {
            outbox::send(
                &mut tx,
                format!("tell:{a}"),
                &ChatOp::Tell {
                    user: a.clone(),
                    channel: None,
                    message: msg.clone(),
                },
                now,
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(())
    }

    /// True (and remembered) when `key` was not told within [`TELL_EVERY`].
    async fn first_in_a_while(&self, tx: &mut Tx, key: &str) -> Result<bool, AppError> {
        let now = self.now();
        let last = crate::store::events::kv_get_in(tx, key).await?;
        let recent = last
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|ms| now.timestamp_millis() - ms < TELL_EVERY.num_milliseconds());
        if recent {
            return Ok(false);
        }
        crate::store::events::kv_set_in(tx, key, &now.timestamp_millis().to_string(), now).await?;
        Ok(true)
    }

    /// Starts the set-up of an incident's channel again after Slack refused it
    /// (called by any command on the incident), inside the command's transaction.
    pub(crate) async fn retry_setup(&self, tx: &mut Tx, inc: &Incident) -> Result<(), AppError> {
        let now = self.now();
        incidents::set_channel_error(tx, inc.id, None).await?;
        let mut invite = inc.roles.people();
        invite.push(inc.declared_by.clone());
        invite.extend(self.cfg.responders(inc.severity));
        invite.sort();
        invite.dedup();
        invite.retain(|u| u != BOT_ACTOR);
        for op in [
            ChatOp::CreateChannel { incident: inc.id.0 },
            ChatOp::Invite {
                incident: inc.id.0,
                users: invite,
            },
            ChatOp::PostHeadline { incident: inc.id.0 },
        ] {
            outbox::to_incident(tx, inc.id, &op, now).await?;
        }
        self.incidents()
            .log(
                tx,
                inc.id,
                BOT_ACTOR,
                EntryKind::Problem,
                format!(
                    "Setting up the channel again (Slack had refused: `{}`)",
                    inc.channel_error.as_deref().unwrap_or("?")
                ),
            )
            .await?;
        tracing::info!(incident = %inc.id, "channel set-up started again");
        Ok(())
    }
}

/// What the person who can fix it reads.
fn problem_message(
    inc: &Incident,
    who: &str,
    what: &str,
    code: &str,
    op: Option<&ChatOp>,
) -> Message {
    let then = if matches!(op, Some(ChatOp::CreateChannel { .. })) {
        format!(
            "*{}* is recorded, but it has no channel. Once that is fixed, any `/incident {} …` command (e.g. `/incident {} show`) sets the channel up.",
            inc.id, inc.id, inc.id
        )
    } else {
        format!(
            "*{}* and its timeline are intact; `/incident {} timeline` shows everything.",
            inc.id, inc.id
        )
    };
    Message::text(format!(
        ":warning: {} warroom could not {what} for *{}: {}*: Slack answered `{code}` — {}.\n{then}",
        mention(who),
        inc.id,
        inc.title.mrkdwn(),
        advice(code)
    ))
}
