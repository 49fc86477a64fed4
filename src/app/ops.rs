//! The use cases that change an incident. Each one: open the incident (locked), check
//! the rule, change the state, write the timeline entry, enqueue the chat calls,
//! commit, wake the worker, and say what was done.

use chrono::{Duration, NaiveDate, NaiveTime, Utc};

use super::outbox::{self, Announcement, ChatOp};
use super::views::{self, notice};
use super::{Actor, App, AppError, refuse};
use crate::domain::command::{ImpactStart, NoteKind, Priority};
use crate::domain::ids::mention;
use crate::domain::incident::{DOUBLE_DECLARE, same_title};
use crate::domain::timeline::{BOT_ACTOR, Entry, EntryKind};
use crate::domain::{Incident, IncidentId, Role, Severity, Status, UserRef, UserText};
use crate::store::incidents::{self, NewIncident};
use crate::store::jobs::{self, NewJob};
use crate::store::{Tx, actions, timeline};

/// What `declare` needs.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub title: UserText,
    pub severity: Severity,
    pub description: Option<UserText>,
    pub private: bool,
    /// A warning key when declared from a warning.
    pub source: Option<String>,
}

impl Declaration {
    /// What a person declares with a command: a title, a severity, maybe private.
    pub fn typed(title: UserText, severity: Severity, private: bool) -> Declaration {
        Declaration {
            title,
            severity,
            description: None,
            private,
            source: None,
        }
    }
}

/// What [`App::declare_once`] did.
#[derive(Debug)]
pub enum Declared {
    New(Box<Incident>),
    /// The same person declared the same title a moment ago: this incident.
    Repeat {
        earlier: IncidentId,
        at: chrono::DateTime<Utc>,
    },
}

impl App {
    /// Writes a timeline entry at the current time.
    pub async fn log(
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
    pub fn entry(&self, actor: &str, kind: EntryKind, text: String) -> Entry {
        Entry {
            at: self.now(),
            actor: actor.to_string(),
            kind,
            text: UserText::from_mrkdwn(&text),
        }
    }

    /// Turns a typed user into an ID. In Slack a mention carries the ID; a bare
    /// `@name` cannot be trusted to be anyone.
    pub fn user_id(&self, user: &UserRef, spec: &str) -> Result<String, AppError> {
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

    /// Opens an incident: its record, commander, first timeline entry, and the job
    /// that creates its channel (which then invites, sets the topic, posts and pins
    /// the headline and announces).
    pub async fn declare(&self, actor: &Actor, d: Declaration) -> Result<Incident, AppError> {
        let mut tx = self.store.begin().await?;
        let inc = self.declare_in(&mut tx, actor, &d).await?;
        tx.commit().await?;
        self.kick();
        tracing::info!(incident = %inc.id, severity = %d.severity, private = d.private, "incident declared");
        Ok(inc)
    }

    /// Declares unless `actor` declared an incident with the same title within
    /// [`DOUBLE_DECLARE`] (Enter pressed twice, or a retry after a slow answer): then
    /// names that one. Checked in the declaring transaction, so two quick presses
    /// cannot both pass on SQLite, and at no extra connection's cost.
    pub async fn declare_once(&self, actor: &Actor, d: Declaration) -> Result<Declared, AppError> {
        let mut tx = self.store.begin().await?;
        let since = self.now() - DOUBLE_DECLARE;
        let recent = incidents::declared_by_since(&mut tx, &actor.user_id, since).await?;
        if let Some((earlier, _, at)) = recent.into_iter().find(|(_, t, _)| same_title(t, &d.title))
        {
            tx.rollback().await?;
            return Ok(Declared::Repeat { earlier, at });
        }
        let inc = self.declare_in(&mut tx, actor, &d).await?;
        tx.commit().await?;
        self.kick();
        tracing::info!(incident = %inc.id, severity = %d.severity, private = d.private, "incident declared");
        Ok(Declared::New(Box::new(inc)))
    }

    /// [`App::declare`] inside the caller's transaction (a warning links itself to the
    /// incident in the same one).
    pub async fn declare_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        d: &Declaration,
    ) -> Result<Incident, AppError> {
        let now = self.now();
        let human = actor.user_id != BOT_ACTOR;
        // The declarer is the commander until someone else is assigned, and declaring
        // is their first action on it; declared by warroom itself (from a warning),
        // nobody has acknowledged yet.
        let inc = incidents::create(
            &mut *tx,
            &NewIncident {
                title: d.title.clone(),
                description: d.description.clone(),
                severity: d.severity,
                private: d.private,
                team_id: actor.team_id.clone(),
                origin_channel_id: Some(actor.channel_id.clone()),
                declared_by: actor.user_id.clone(),
                declared_at: now,
                source: d.source.clone(),
            },
            human.then_some(actor.user_id.as_str()),
        )
        .await?;
        let id = inc.id;
        let mut text = format!("{} declared: {}", d.severity, d.title.mrkdwn());
        if d.private {
            text.push_str(" (private)");
        }
        if let Some(src) = &d.source {
            text.push_str(&format!(" — from warning `{src}`"));
        }
        let mut entries = vec![self.entry(&actor.user_id, EntryKind::Declared, text)];
        if human {
            entries.push(self.entry(
                &actor.user_id,
                EntryKind::Role,
                format!("{} is {}", mention(&actor.user_id), Role::Commander),
            ));
        }
        timeline::add_all(&mut *tx, id, &entries, now).await?;
        // The whole set-up waits in the incident's queue behind the channel's creation,
        // so it happens in this order even if other changes are queued meanwhile. The
        // topic follows once the channel exists (its creation queues it). One
        // statement writes them all: a declaration is a handful of round trips.
        let mut invite = vec![actor.user_id.clone()];
        invite.extend(self.cfg.responders(d.severity));
        invite.dedup();
        let mut set_up = Vec::with_capacity(6);
        for op in [
            ChatOp::CreateChannel { incident: id.0 },
            ChatOp::Invite {
                incident: id.0,
                users: invite,
            },
            ChatOp::PostHeadline { incident: id.0 },
        ] {
            set_up.push(outbox::incident_job(id, &op, now)?);
        }
        set_up.extend(self.declare_jobs(&inc));
        set_up.extend(self.announcement(&inc, Announcement::Declared)?);
        jobs::enqueue_all(&mut *tx, &set_up, now).await?;
        Ok(inc)
    }

    pub async fn set_status(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        to: Status,
    ) -> Result<String, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "status").await?;
        let from = inc.status;
        inc.status = from
            .transition(to)
            .map_err(|e| refuse(format!("{}.", capital(&e.to_string())), "status"))?;
        let now = self.now();
        match to {
            Status::Identified if inc.identified_at.is_none() => inc.identified_at = Some(now),
            Status::Monitoring if inc.mitigated_at.is_none() => inc.mitigated_at = Some(now),
            _ => {}
        }
        incidents::save(&mut tx, &inc).await?;
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Status,
            format!("{from} → {to}"),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            views::status_notice(to, &actor.user_id),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, true, now).await?;
        self.after_change(&mut tx, &inc).await?;
        tx.commit().await?;
        self.kick();
        Ok(format!("{} is now *{to}*.", inc.id))
    }

    pub async fn set_severity(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        to: Severity,
    ) -> Result<String, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "sev").await?;
        if !self.may_command(&inc, &actor.user_id) {
            return Err(refuse(self.not_allowed(&inc, "change the severity"), "sev"));
        }
        if !inc.is_open() {
            return Err(refuse(
                format!("{} is resolved: reopen it first.", inc.id),
                "sev",
            ));
        }
        let from = inc.severity;
        if from == to {
            return Err(refuse(format!("{} is already {to}.", inc.id), "sev"));
        }
        inc.severity = to;
        incidents::save(&mut tx, &inc).await?;
        let now = self.now();
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Severity,
            format!("{from} → {to}"),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            views::severity_notice(from, to, &actor.user_id),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, true, now).await?;
        // People on call for the new severity join the channel.
        let responders = self.cfg.responders(to);
        if !responders.is_empty() && to < from {
            outbox::to_incident(
                &mut tx,
                inc.id,
                &ChatOp::Invite {
                    incident: inc.id.0,
                    users: responders,
                },
                now,
            )
            .await?;
        }
        self.after_change(&mut tx, &inc).await?;
        tx.commit().await?;
        self.kick();
        Ok(format!("{} is now *{to}*.", inc.id))
    }

    pub async fn assign_role(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        role: Role,
        user: &UserRef,
    ) -> Result<String, AppError> {
        let user = self.user_id(user, "role")?;
        let (mut tx, inc) = self.open_incident(actor, named, "role").await?;
        if !inc.is_open() {
            return Err(refuse(
                format!("{} is resolved: reopen it first.", inc.id),
                "role",
            ));
        }
        let now = self.now();
        if !incidents::assign_role(&mut tx, inc.id, role, &user, now).await? {
            return Err(refuse(
                format!("{} is already the {role} of {}.", mention(&user), inc.id),
                "role",
            ));
        }
        let mut text = format!("{} is now {role}", mention(&user));
        if let Some(prev) = inc.roles.get(role).first().filter(|_| !role.is_multi()) {
            text.push_str(&format!(" (was {})", mention(prev)));
        }
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Role,
            text.clone(),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            notice(
                ":busts_in_silhouette:",
                format!("{text} — by {}", mention(&actor.user_id)),
            ),
            now,
        )
        .await?;
        outbox::to_incident(
            &mut tx,
            inc.id,
            &ChatOp::Invite {
                incident: inc.id.0,
                users: vec![user.clone()],
            },
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, role == Role::Commander, now).await?;
        if role == Role::Commander {
            // A commander acknowledges by acting; one assigned by someone else has not yet.
            let mut fresh = incidents::get(&mut tx, inc.id)
                .await?
                .unwrap_or(inc.clone());
            if user == actor.user_id {
                fresh.ic_ack_pending_since = None;
                fresh.acknowledged_at.get_or_insert(now);
            } else {
                fresh.ic_ack_pending_since = Some(now);
            }
            incidents::save(&mut tx, &fresh).await?;
        }
        self.after_change(&mut tx, &inc).await?;
        tx.commit().await?;
        self.kick();
        Ok(format!("{text} on {}.", inc.id))
    }

    pub async fn remove_role(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        role: Role,
        user: Option<&UserRef>,
    ) -> Result<String, AppError> {
        let user = match user {
            Some(u) => Some(self.user_id(u, "role")?),
            None => None,
        };
        let (mut tx, inc) = self.open_incident(actor, named, "role").await?;
        let removed = incidents::remove_role(&mut tx, inc.id, role, user.as_deref()).await?;
        if removed.is_empty() {
            return Err(refuse(
                format!("Nobody holds that {role} role on {}.", inc.id),
                "role",
            ));
        }
        let who = removed
            .iter()
            .map(|u| mention(u))
            .collect::<Vec<_>>()
            .join(", ");
        let text = format!("{who} is no longer {role}");
        let now = self.now();
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Role,
            text.clone(),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            notice(
                ":busts_in_silhouette:",
                format!("{text} — by {}", mention(&actor.user_id)),
            ),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, false, now).await?;
        tx.commit().await?;
        self.kick();
        Ok(format!("{text} on {}.", inc.id))
    }

    pub async fn add_note(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        kind: NoteKind,
        text: &UserText,
    ) -> Result<String, AppError> {
        let (mut tx, inc) = self.open_incident(actor, named, "note").await?;
        let now = self.now();
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Note(kind),
            text.mrkdwn(),
        )
        .await?;
        let label = if kind == NoteKind::Plain {
            "Note".to_string()
        } else {
            kind.label().to_string()
        };
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            views::note_notice(&label, &actor.user_id, text),
            now,
        )
        .await?;
        tx.commit().await?;
        self.kick();
        Ok(format!("Added to the timeline of {}.", inc.id))
    }

    pub async fn post_update(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        text: &UserText,
    ) -> Result<String, AppError> {
        let (mut tx, inc) = self.open_incident(actor, named, "update").await?;
        let now = self.now();
        let next = self.after_update(&mut tx, &inc).await?;
        let msg = views::formal_update(&inc, text, Some(&actor.user_id), now, next, self.tz);
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Update,
            text.mrkdwn(),
        )
        .await?;
        outbox::post_in_incident(&mut tx, inc.id, msg, now).await?;
        tx.commit().await?;
        self.kick();
        let mut out = format!("Update posted in {}.", views::channel_link(&inc));
        if let Some(n) = next {
            out.push_str(&format!(" Next update due at {}.", views::hm(n, self.tz)));
        }
        Ok(out)
    }

    pub async fn set_impact(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        text: &UserText,
        percent: Option<f64>,
        since: Option<ImpactStart>,
    ) -> Result<String, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "impact").await?;
        let now = self.now();
        inc.impact = Some(text.clone());
        if percent.is_some() {
            inc.impact_percent = percent;
        }
        if let Some(s) = since {
            let at = match s {
                ImpactStart::At(t) => t,
                ImpactStart::TimeOfDay(t) => most_recent(now, t),
            };
            crate::domain::incident::check_impact_start(inc.declared_at, now, at)
                .map_err(|e| refuse(e, "impact"))?;
            inc.impact_started_at = Some(at);
        }
        incidents::save(&mut tx, &inc).await?;
        let mut entry = text.mrkdwn();
        if let Some(t) = inc.impact_started_at.filter(|_| since.is_some()) {
            entry.push_str(&format!(" (since {})", views::datetime(t, self.tz)));
        }
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Impact,
            entry.clone(),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            views::impact_notice(&actor.user_id, &UserText::from_mrkdwn(&entry)),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, false, now).await?;
        tx.commit().await?;
        self.kick();
        let mut out = format!("Impact of {} recorded", inc.id);
        if let Some(p) = percent {
            out.push_str(&format!(
                " ({p}% of requests affected counts towards the error budget)"
            ));
        }
        Ok(out + ".")
    }

    pub async fn set_services(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        names: &[String],
    ) -> Result<String, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "service").await?;
        inc.services = names.to_vec();
        incidents::save(&mut tx, &inc).await?;
        let now = self.now();
        let list = names.join(", ");
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Services,
            format!("Affected services: {list}"),
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, false, now).await?;
        tx.commit().await?;
        self.kick();
        Ok(format!("{} affects {list}.", inc.id))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_action(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        text: &UserText,
        owner: Option<&UserRef>,
        due: Option<NaiveDate>,
        priority: Option<Priority>,
    ) -> Result<String, AppError> {
        let owner = match owner {
            Some(o) => Some(self.user_id(o, "action")?),
            None => None,
        };
        let now = self.now();
        if let Some(d) = due {
            let today = now.with_timezone(&self.tz).date_naive();
            crate::domain::incident::check_due(today, d).map_err(|e| refuse(e, "action"))?;
        }
        let (mut tx, inc) = self.open_incident(actor, named, "action").await?;
        let seq = actions::add(
            &mut tx,
            inc.id,
            text,
            owner.as_deref(),
            priority,
            due,
            &actor.user_id,
            now,
        )
        .await?;
        let item = actions::ActionItem {
            incident: inc.id,
            seq,
            text: text.clone(),
            owner,
            priority,
            due,
            done: false,
            created_by: actor.user_id.clone(),
            created_at: now,
            done_at: None,
        };
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Action,
            format!("#{seq} {}", text.mrkdwn()),
        )
        .await?;
        outbox::post_in_incident(&mut tx, inc.id, views::action_notice(&item), now).await?;
        tx.commit().await?;
        self.kick();
        Ok(format!("Action item #{seq} recorded on {}.", inc.id))
    }

    pub async fn action_done(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        seq: i64,
    ) -> Result<String, AppError> {
        let (mut tx, inc) = self.open_incident(actor, named, "action").await?;
        let now = self.now();
        match actions::mark_done(&mut tx, inc.id, seq, now).await? {
            None => Err(refuse(
                format!(
                    "{} has no action item #{seq}: see `{} actions`.",
                    inc.id,
                    self.cmd()
                ),
                "action",
            )),
            Some((_, false)) => Err(refuse(
                format!("Action item #{seq} is already done."),
                "action",
            )),
            Some((text, true)) => {
                self.log(
                    &mut tx,
                    inc.id,
                    &actor.user_id,
                    EntryKind::ActionDone,
                    format!("#{seq} {}", text.mrkdwn()),
                )
                .await?;
                tx.commit().await?;
                Ok(format!("Action item #{seq} of {} is done.", inc.id))
            }
        }
    }

    pub async fn resolve(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        summary: &UserText,
    ) -> Result<String, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "resolve").await?;
        if !self.may_command(&inc, &actor.user_id) {
            return Err(refuse(self.not_allowed(&inc, "resolve it"), "resolve"));
        }
        inc.status = inc
            .status
            .resolve()
            .map_err(|e| refuse(format!("{}.", capital(&e.to_string())), "resolve"))?;
        let now = self.now();
        inc.resolved_at = Some(now);
        inc.summary = Some(summary.clone());
        incidents::save(&mut tx, &inc).await?;
        let dur = crate::domain::duration::human(now - inc.declared_at);
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Resolved,
            format!("Resolved after {dur}: {}", summary.mrkdwn()),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            views::resolved_notice(&actor.user_id, &dur, summary),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, true, now).await?;
        self.announce(&mut tx, &inc, Announcement::Resolved).await?;
        self.after_change(&mut tx, &inc).await?;
        self.after_resolve(&mut tx, &inc).await?;
        tx.commit().await?;
        self.kick();
        tracing::info!(incident = %inc.id, "incident resolved");
        Ok(format!("{} is resolved after {dur}.", inc.id))
    }

    pub async fn reopen(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
    ) -> Result<String, AppError> {
        let (mut tx, mut inc) = self.open_incident(actor, named, "reopen").await?;
        if !self.may_command(&inc, &actor.user_id) {
            return Err(refuse(self.not_allowed(&inc, "reopen it"), "reopen"));
        }
        inc.status = inc
            .status
            .reopen()
            .map_err(|e| refuse(format!("{}.", capital(&e.to_string())), "reopen"))?;
        inc.resolved_at = None;
        incidents::save(&mut tx, &inc).await?;
        let now = self.now();
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Reopened,
            "Reopened; back to Investigating".into(),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            notice(
                ":rotating_light:",
                format!(
                    "*Reopened* by {}: back to Investigating.",
                    mention(&actor.user_id)
                ),
            ),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, true, now).await?;
        self.announce(&mut tx, &inc, Announcement::Reopened).await?;
        self.after_reopen(&mut tx, &inc).await?;
        tx.commit().await?;
        self.kick();
        Ok(format!("{} is open again (Investigating).", inc.id))
    }

    /// The commander takes over (the headline's "Take IC" button).
    pub async fn take_command(&self, actor: &Actor, id: IncidentId) -> Result<String, AppError> {
        let (tx, inc) = self.open_incident(actor, Some(id), "role").await?;
        if inc.commander() == Some(actor.user_id.as_str()) {
            drop(tx);
            return Err(refuse(
                format!("You already are the Incident Commander of {}.", inc.id),
                "role",
            ));
        }
        drop(tx);
        self.assign_role(
            actor,
            Some(id),
            Role::Commander,
            &UserRef::Id(actor.user_id.clone()),
        )
        .await
    }

    /// Announces in the announcements channel (public incidents only).
    pub async fn announce(
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
    fn announcement(&self, inc: &Incident, what: Announcement) -> Result<Option<NewJob>, AppError> {
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

    fn not_allowed(&self, inc: &Incident, what: &str) -> String {
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
pub fn most_recent(now: chrono::DateTime<Utc>, t: NaiveTime) -> chrono::DateTime<Utc> {
    let today = now.date_naive().and_time(t).and_utc();
    if today <= now {
        today
    } else {
        today - Duration::days(1)
    }
}

fn capital(s: &str) -> String {
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
