//! The debrief, proposed when a major incident (by `[debrief]`: the two most severe
//! levels, or a type that asks) is resolved: a job after the resolve works out the
//! slot, the facilitator and the attendees' addresses (Slack's `users.info`), shares
//! the invitation (`INC-42-debrief.ics`, METHOD:REQUEST) in the channel and posts the
//! proposal with an "Add to Google Calendar" link. Resolve never waits for it; the
//! file is shared once (its ID kept before the message is queued) and the message is
//! posted once (the outbox's key).

use chrono::Duration;

use crate::app::delivery::JobError;
use crate::app::delivery::outbox;
use crate::app::jobs::JobKind;
use crate::app::paging::oncall::outside;
use crate::app::{Reports, messages};
use crate::chat::{Published, Upload};
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::postmortem::debrief::{self, Attendee, Invite};
use crate::providers::http::ProviderError;
use crate::store::jobs::{self, Job, NewJob};
use crate::store::{StoreError, Tx, events, timeline};

/// The most people an invitation names.
const MAX_ATTENDEES: usize = 30;

impl Reports<'_> {
    /// True when `inc` gets a debrief proposed on resolution.
    pub(crate) fn wants_debrief(&self, inc: &Incident) -> bool {
        let d = &self.cfg.debrief;
        if !d.enabled {
            return false;
        }
        if inc.kind.as_ref().is_some_and(|k| d.types.contains(k)) {
            return true;
        }
        match &d.severities {
            Some(list) => list
                .iter()
                .filter_map(|s| self.cfg.severities().parse(s).ok())
                .any(|s| s == inc.severity),
            None => inc.severity.rank() <= 2,
        }
    }

    /// Queues the debrief's job (on resolution), one per incident.
    pub(crate) async fn queue_debrief(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), StoreError> {
        if !self.wants_debrief(inc) {
            return Ok(());
        }
        let now = self.now();
        let job = NewJob {
            dedupe_key: Some(format!("debrief:{}", inc.id.0)),
            ..JobKind::DebriefInvite { incident: inc.id }
                .at(Some(outbox::incident_queue(inc.id)), now)
        };
        jobs::enqueue(tx, &job, now).await?;
        Ok(())
    }

    /// The job: the invitation shared and the proposal posted.
    pub(crate) async fn fire_debrief(&self, job: &Job, id: IncidentId) -> Result<(), JobError> {
        let inc = self.job_incident(id).await?;
        let (Some(resolved), Some(channel)) = (inc.resolved_at, inc.channel_id.clone()) else {
            // Reopened since, or no channel to tell: nothing to propose.
            return self.delivery().finish(job).await;
        };
        let (invite, facilitator) = self.invite(&inc, resolved).await?;
        let calendar = self.calendar_event(&invite).await?;
        let file_key = format!("debrief-file:{}", id.0);
        let file = match events::kv_get(&self.store, &file_key).await? {
            Some(link) => link,
            None => {
                let upload = Upload {
                    title: format!("Debrief {id} (calendar invitation)"),
                    filename: format!("{id}-debrief.ics"),
                    content_type: "text/calendar; method=REQUEST; charset=utf-8".into(),
                    bytes: debrief::ics(&invite).into_bytes(),
                };
                let link = match self.chat.upload(&channel, &upload).await? {
                    Published::File { permalink, id } => permalink.unwrap_or(id),
                    Published::Canvas { id } => id,
                };
                events::kv_set(&self.store, &file_key, &link, self.now()).await?;
                link
            }
        };
        let mut text = proposal(&inc, &invite, facilitator.as_deref(), &file, self.tz());
        text.push_str(&calendar);
        let now = self.now();
        let mut tx = self.cadence().begin_scheduled(job).await?;
        let entry = self.incidents().entry(
            BOT_ACTOR,
            EntryKind::Postmortem,
            format!(
                "Debrief proposed for {}",
                invite
                    .start
                    .with_timezone(&self.tz())
                    .format("%a %-d %b %H:%M %Z")
            ),
        );
        timeline::add(&mut tx, id, &entry, Some(&format!("debrief:{}", id.0)), now).await?;
        outbox::post_in_incident(&mut tx, id, messages::notice(":calendar:", text), now).await?;
        self.commit(tx).await?;
        self.kick();
        Ok(())
    }

    /// The event in Google Calendar when `[debrief.google_calendar]` is set: what the
    /// proposal says of it (the event and its Meet link, or Google's refusal and what
    /// to check; never silence). Empty when not configured.
    async fn calendar_event(&self, invite: &Invite) -> Result<String, JobError> {
        let g = &self.cfg.debrief.google_calendar;
        if !g.enabled() {
            return Ok(String::new());
        }
        let id = debrief::event_id(&invite.key, g.calendar_id.trim());
        match self
            .providers
            .google_calendar
            .insert(&id, invite, self.tz().name())
            .await
        {
            Ok(ev) => {
                let event = ev
                    .html_link
                    .map(|l| format!("<{}|the event>", l.replace(['<', '>', '|'], "")))
                    .unwrap_or_else(|| "the event".into());
                let meet = ev
                    .meet
                    .map(|m| format!(", with a Meet link: {}", m.replace(['<', '>', '|'], "")))
                    .unwrap_or_else(|| ", without a Meet link (Google made none)".into());
                Ok(format!(
                    " Google Calendar has {event} and invited them{meet}."
                ))
            }
            Err(ProviderError::Refused { status, text }) => Ok(format!(
                " :warning: Google Calendar refused the event ({status}): {}. Check `[debrief.google_calendar]` (calendar_id, and a refresh token with the calendar.events scope); the invitation file still works.",
                outside(&debrief::google_refusal(&text))
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The invitation (slot, facilitator, attendees with their addresses) and the
    /// facilitator's user ID.
    async fn invite(
        &self,
        inc: &Incident,
        resolved: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Invite, Option<String>), JobError> {
        let d = &self.cfg.debrief;
        let days = d.days().unwrap_or_default();
        let at = d.time_of_day().unwrap_or_default();
        let length = Duration::from_std(d.duration.0).unwrap_or(Duration::minutes(45));
        let (start, end) = debrief::slot(resolved, self.tz(), at, &days, length);
        let rec = super::postmortems::load_record(&self.store, inc.id).await?;
        let names = rec.as_ref().map(|r| r.names.clone()).unwrap_or_default();
        let mut participants: Vec<String> = Vec::new();
        for e in rec.iter().flat_map(|r| &r.entries) {
            if e.actor != BOT_ACTOR && e.actor.starts_with('U') && !participants.contains(&e.actor)
            {
                participants.push(e.actor.clone());
            }
        }
        let roles = inc.roles.people();
        let facilitator = debrief::facilitator(&d.facilitators, &participants, &roles);
        let mut people = roles.clone();
        people.extend(facilitator.clone());
        people.dedup();
        let mut attendees = Vec::new();
        for u in people.iter().take(MAX_ATTENDEES) {
            if let Some(email) = self.chat.user_email(u).await? {
                let name = names.get(u).cloned().unwrap_or_else(|| u.clone());
                attendees.push(Attendee { name, email });
            }
        }
        attendees.extend(d.invite.iter().map(|e| Attendee {
            name: e.clone(),
            email: e.clone(),
        }));
        let name = |u: &String| names.get(u).cloned().unwrap_or_else(|| u.clone());
        let invite = Invite {
            key: inc.id.to_string(),
            title: inc.title.plain(),
            start,
            end,
            organizer: d.organizer.clone(),
            attendees,
            facilitator: facilitator.as_ref().map(name),
            link: self.incidents().page_url(inc, "/postmortem").await,
            stamp: self.now(),
            uid: format!("{}-debrief@warroom", inc.id.to_string().to_lowercase()),
        };
        Ok((invite, facilitator))
    }
}

/// The proposal as the channel reads it.
fn proposal(
    inc: &Incident,
    i: &Invite,
    facilitator: Option<&str>,
    file: &str,
    tz: chrono_tz::Tz,
) -> String {
    let start = i.start.with_timezone(&tz);
    let end = i.end.with_timezone(&tz);
    let who = match facilitator {
        Some(u) => format!(
            "Facilitator (held no role): {}.",
            crate::domain::ids::mention(u)
        ),
        None => {
            "Facilitator: ask someone who was not involved (everyone here held a role).".to_string()
        }
    };
    let invited = i
        .attendees
        .iter()
        .map(|a| outside(&a.name))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "Debrief for *{}*: {} – {} ({} min), the next working day after the resolution. {who} Invited: {}. <{}|Add to Google Calendar>, or open the invitation <{}|{}-debrief.ics> in Outlook or Apple Calendar.",
        inc.id,
        start.format("%a %-d %b %H:%M"),
        end.format("%H:%M %Z"),
        (i.end - i.start).num_minutes(),
        if invited.is_empty() {
            "nobody yet (Slack showed no email addresses)".to_string()
        } else {
            invited
        },
        debrief::google_link(i).replace('&', "&amp;"),
        file.replace('&', "&amp;").replace(['<', '>', '|'], ""),
        inc.id
    )
}
