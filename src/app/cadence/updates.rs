//! Where the update cadence joins the incident use cases: every change that moves the
//! next due update (declaration, severity, status, a posted update, resolution) moves
//! the one pending reminder job of the incident, inside the change's transaction.

use chrono::{DateTime, Utc};

use crate::app::delivery::outbox::{self, ChatOp};
use crate::app::jobs::JobKind;
use crate::app::messages;
use crate::app::{AppError, Cadence};
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::store::jobs::{self, NewJob};
use crate::store::{Tx, incidents, timeline};

pub(crate) fn update_key(id: IncidentId) -> String {
    format!("update:{}", id.0)
}

pub(crate) fn ack_key(id: IncidentId) -> String {
    format!("ack:{}", id.0)
}

pub(crate) fn postmortem_key(id: IncidentId) -> String {
    format!("postmortem:{}", id.0)
}

impl Cadence<'_> {
    /// Replaces the incident's pending update reminder: due an interval after
    /// `anchor`, or now if that has passed. Returns the due time (None: no cadence).
    pub(crate) async fn schedule_update_reminder(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        anchor: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, AppError> {
        let now = self.now();
        jobs::cancel(tx, &update_key(inc.id), now).await?;
        let Some(job) = self.update_reminder_job(inc, anchor) else {
            return Ok(None);
        };
        jobs::enqueue(tx, &job, now).await?;
        Ok(Some(job.run_at))
    }

    /// The update reminder due one interval after `anchor`, if the incident's
    /// severity and status have a cadence.
    fn update_reminder_job(&self, inc: &Incident, anchor: DateTime<Utc>) -> Option<NewJob> {
        let due = self
            .cfg
            .cadence()
            .next_due(inc.severity, inc.status, anchor, self.now())?;
        Some(NewJob {
            dedupe_key: Some(update_key(inc.id)),
            priority: crate::store::jobs::Priority::People,
            ..JobKind::UpdateReminder { incident: inc.id }.at(None, due)
        })
    }

    /// An incident whose severity escalates a silent commander (the seed's SEV1), and
    /// whose new commander has not acted yet, gets checked after `ack_timeout`.
    async fn schedule_ack_check(&self, tx: &mut Tx, inc: &Incident) -> Result<(), AppError> {
        let now = self.now();
        jobs::cancel(tx, &ack_key(inc.id), now).await?;
        if let Some(job) = self.ack_check_job(inc) {
            jobs::enqueue(tx, &job, now).await?;
        }
        Ok(())
    }

    fn ack_check_job(&self, inc: &Incident) -> Option<NewJob> {
        let (true, true, Some(since)) = (
            inc.severity.level().escalate_silent_commander,
            inc.is_open(),
            inc.ic_ack_pending_since,
        ) else {
            return None;
        };
        let timeout = chrono::Duration::from_std(self.cfg.reminders.ack_timeout.0)
            .unwrap_or(chrono::Duration::minutes(5));
        Some(NewJob {
            dedupe_key: Some(ack_key(inc.id)),
            priority: crate::store::jobs::Priority::People,
            ..JobKind::AckCheck { incident: inc.id }.at(None, (since + timeout).max(self.now()))
        })
    }

    /// The reminder jobs a new incident starts with: the first update is due one
    /// interval after the declaration, and a SEV1 nobody acknowledged yet is checked.
    pub(crate) fn reminder_jobs_at_declare(&self, inc: &Incident) -> Vec<NewJob> {
        self.update_reminder_job(inc, inc.declared_at)
            .into_iter()
            .chain(self.ack_check_job(inc))
            .collect()
    }

    /// A closed incident owes no updates and no acknowledgement.
    pub(crate) async fn reminders_after_close(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), AppError> {
        let now = self.now();
        jobs::cancel(tx, &update_key(inc.id), now).await?;
        jobs::cancel(tx, &ack_key(inc.id), now).await?;
        Ok(())
    }

    /// After a change of status, severity or commander: the cadence may differ now.
    /// From the last reminder if one fired since the last update: a new role or
    /// status is not an update, and must not bring the next reminder forward.
    pub(crate) async fn reminders_after_change(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), AppError> {
        self.schedule_update_reminder(tx, inc, inc.reminder_anchor())
            .await?;
        self.schedule_ack_check(tx, inc).await
    }

    /// After an update was posted: the clock starts again. Returns when the next one
    /// is due.
    pub(crate) async fn reminders_after_update(
        &self,
        tx: &mut Tx,
        mut inc: Incident,
    ) -> Result<Option<DateTime<Utc>>, AppError> {
        let now = self.now();
        inc.last_update_at = Some(now);
        inc.unanswered_reminders = 0;
        incidents::save(tx, &inc).await?;
        if !inc.is_open() {
            return Ok(None);
        }
        self.schedule_update_reminder(tx, &inc, now).await
    }

    /// After resolution: the postmortem's clock starts, when one is owed.
    pub(crate) async fn reminders_after_resolve(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), AppError> {
        let now = self.now();
        jobs::cancel(tx, &postmortem_key(inc.id), now).await?;
        if self.cfg.postmortem_owed(inc.severity, inc.kind.as_deref())
            && inc.postmortem_done_at.is_none()
        {
            let after = chrono::Duration::from_std(self.cfg.postmortem.due_after.0)
                .unwrap_or(chrono::Duration::hours(48));
            let job = NewJob {
                dedupe_key: Some(postmortem_key(inc.id)),
                priority: crate::store::jobs::Priority::People,
                ..JobKind::PostmortemReminder { incident: inc.id }
                    .at(None, inc.resolved_at.unwrap_or(now) + after)
            };
            jobs::enqueue(tx, &job, now).await?;
        }
        Ok(())
    }

    /// After a reopening: updates are owed again, counted from now, and no
    /// postmortem reminder.
    pub(crate) async fn reminders_after_reopen(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), AppError> {
        let now = self.now();
        jobs::cancel(tx, &postmortem_key(inc.id), now).await?;
        self.schedule_update_reminder(tx, inc, now).await?;
        self.schedule_ack_check(tx, inc).await
    }

    /// Calls for help: mentions the escalation contacts in the incident channel
    /// (inviting them) and, for public incidents, in the announcements channel.
    pub(crate) async fn escalate(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        reason: &str,
    ) -> Result<(), AppError> {
        let now = self.now();
        let contacts = &self.cfg.reminders.escalation_contacts;
        let who = messages::contact_mentions(contacts);
        let text = if who.is_empty() {
            reason.to_string()
        } else {
            format!("{reason}; called {who}")
        };
        timeline::add(
            tx,
            inc.id,
            &crate::domain::timeline::Entry {
                at: now,
                actor: BOT_ACTOR.into(),
                kind: EntryKind::Escalation,
                text: crate::domain::UserText::from_mrkdwn(&text),
            },
            None,
            now,
        )
        .await?;
        let users: Vec<String> = contacts
            .iter()
            .filter(|c| !c.starts_with('S'))
            .cloned()
            .collect();
        if !users.is_empty() {
            outbox::to_incident(
                tx,
                inc.id,
                &ChatOp::Invite {
                    incident: inc.id.0,
                    users,
                },
                now,
            )
            .await?;
        }
        outbox::post_in_incident(tx, inc.id, messages::escalation(inc, reason, contacts), now)
            .await?;
        let ch = &self.cfg.slack.announcements_channel;
        if !inc.private && !ch.is_empty() {
            let op = ChatOp::Escalated {
                incident: inc.id.0,
                message: messages::escalation_announcement(inc, reason, contacts),
                merged: 0,
            };
            outbox::to_incident(tx, inc.id, &op, now).await?;
        }
        self.paging().page_escalation(tx, inc, reason).await?;
        tracing::warn!(incident = %inc.id, reason, "incident escalated");
        Ok(())
    }

    /// The text the "Post update" form starts with: what happened since the last
    /// update, as plain text with people's names (a form field shows no markup).
    pub(crate) async fn update_draft(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<String, AppError> {
        let entries = timeline::list(tx, inc.id).await?;
        let draft = messages::current_actions(&entries, inc.update_anchor(), self.tz);
        let names = self
            .known_names(entries.iter().map(|e| e.actor.as_str()))
            .await;
        Ok(draft.plain_with(&|id| match names.get(id) {
            Some(n) => format!("@{n}"),
            None => format!("@{id}"),
        }))
    }

    /// Display names the cache knows for `users` (no Slack call: forms cannot wait).
    pub(crate) async fn known_names<'a>(
        &self,
        users: impl Iterator<Item = &'a str>,
    ) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for u in users {
            if out.contains_key(u) {
                continue;
            }
            let key = format!("{}{u}", crate::postmortem::NAME_KEY);
            if let Ok(Some(n)) = crate::store::events::kv_get(&self.store, &key).await {
                out.insert(u.to_string(), n);
            }
        }
        out
    }
}
