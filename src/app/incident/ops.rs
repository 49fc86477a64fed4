//! What the use cases that change an incident share (one use case per file beside
//! this one: declare, status, resolve, roles, notes, updates, actions). Each opens the
//! incident (locked) as a [`Change`](crate::app::change::Change), checks the rule, changes
//! the state, writes the timeline entry, enqueues the chat calls, commits, wakes the
//! worker, and says what was done.

use chrono::{Duration, NaiveTime, Utc};

use crate::app::delivery::outbox::{self, Announcement, ChatOp};
use crate::app::{AppError, Incidents, refuse};
use crate::domain::ids::mention;
use crate::domain::timeline::{Entry, EntryKind};
use crate::domain::{Incident, IncidentId, UserRef, UserText};
use crate::store::jobs::{self, NewJob};
use crate::store::{Tx, timeline};

impl Incidents<'_> {
    /// Writes a timeline entry at the current time.
    pub(crate) async fn log(
        &self,
        tx: &mut Tx,
        id: IncidentId,
        actor: &str,
        kind: EntryKind,
        text: String,
    ) -> Result<(), AppError> {
        let entry = self.entry(actor, kind, text);
        timeline::add(tx, id, &entry, None, entry.at).await?;
        Ok(())
    }

    /// A timeline entry of now. Entries are composed of warroom's words and sanitized
    /// user text; sanitizing the whole keeps it so even if a caller forgot a part.
    pub(crate) fn entry(&self, actor: &str, kind: EntryKind, text: String) -> Entry {
        Entry {
            at: self.now(),
            actor: actor.to_string(),
            kind,
            text: UserText::from_mrkdwn(&text),
        }
    }

    /// Turns a typed user into an ID. In Slack a mention carries the ID; a bare
    /// `@name` cannot be trusted to be anyone.
    pub(crate) fn user_id(&self, user: &UserRef, spec: &str) -> Result<String, AppError> {
        match user {
            UserRef::Id(id) => Ok(id.clone()),
            UserRef::Name(n) if self.names_are_ids => Ok(n.clone()),
            UserRef::Name(n) => Err(refuse(
                format!(
                    "`@{n}` is not a Slack mention: pick the person from the @ autocomplete so Slack sends their ID."
                ),
                spec,
            )),
        }
    }

    /// Announces in the announcements channel (public incidents only).
    pub(crate) async fn announce(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        what: Announcement,
    ) -> Result<(), AppError> {
        if let Some(job) = self.announcement(inc, what)? {
            jobs::enqueue(tx, &job, self.now()).await?;
        }
        Ok(())
    }

    /// The announcement's job, unless the incident is private or nothing is announced.
    /// In the incident's queue: after its channel exists, in order with its other news.
    pub(in crate::app) fn announcement(
        &self,
        inc: &Incident,
        what: Announcement,
    ) -> Result<Option<NewJob>, AppError> {
        let ch = &self.cfg.slack.announcements_channel;
        if inc.private || ch.is_empty() {
            return Ok(None);
        }
        let op = ChatOp::Announce {
            incident: inc.id.0,
            what,
        };
        Ok(Some(outbox::incident_job(inc.id, &op, self.now())?))
    }

    pub(in crate::app) fn not_allowed(&self, inc: &Incident, what: &str) -> String {
        match inc.commander() {
            Some(ic) => format!(
                "Only the Incident Commander ({}) or an admin can {what}.",
                mention(ic)
            ),
            None => format!("Only the Incident Commander or an admin can {what}."),
        }
    }
}

/// The most recent time `t` (UTC time of day) at or before `now`.
pub(crate) fn most_recent(now: chrono::DateTime<Utc>, t: NaiveTime) -> chrono::DateTime<Utc> {
    let today = now.date_naive().and_time(t).and_utc();
    if today <= now {
        today
    } else {
        today - Duration::days(1)
    }
}

pub(in crate::app) fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn most_recent_time_of_day() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 14, 10, 0).unwrap();
        let t = NaiveTime::from_hms_opt(13, 55, 0).unwrap();
        assert_eq!(
            most_recent(now, t),
            Utc.with_ymd_and_hms(2026, 3, 1, 13, 55, 0).unwrap()
        );
        let t = NaiveTime::from_hms_opt(23, 50, 0).unwrap();
        assert_eq!(
            most_recent(now, t),
            Utc.with_ymd_and_hms(2026, 2, 28, 23, 50, 0).unwrap()
        );
    }
}
