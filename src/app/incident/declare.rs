//! Declaring an incident: the incident with its commander, its timeline, and its
//! channel's set-up, announcement and first reminder queued in one transaction.

use crate::app::delivery::outbox::{self, Announcement, ChatOp};
use crate::app::{Actor, AppError, Incidents};
use crate::domain::ids::mention;
use crate::domain::incident::{DOUBLE_DECLARE, same_title};
use crate::domain::incident_type::TypeInfo;
use crate::domain::text::escape;
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId, Role, Severity, UserText};
use crate::store::incidents::{self, NewIncident};
use crate::store::jobs;
use crate::store::{Tx, timeline};
use chrono::Utc;

/// What `declare` needs.
#[derive(Debug, Clone)]
pub(crate) struct Declaration {
    pub title: UserText,
    pub severity: Severity,
    pub description: Option<UserText>,
    pub private: bool,
    /// A warning key when declared from a warning.
    pub source: Option<String>,
    /// The incident type's key (already checked against the configuration).
    pub kind: Option<String>,
    /// Custom field values given at declaration (already checked).
    pub fields: crate::domain::fields::Values,
    /// When impact began, before the declaration (`--started 13:50`; checked).
    pub started: Option<chrono::DateTime<Utc>>,
}

impl Declaration {
    /// What a person declares with a command: a title, a severity, maybe private.
    pub(crate) fn typed(title: UserText, severity: Severity, private: bool) -> Declaration {
        Declaration {
            title,
            severity,
            description: None,
            private,
            source: None,
            kind: None,
            fields: Default::default(),
            started: None,
        }
    }
}

/// What [`App::declare_once`] did.
#[derive(Debug)]
pub(crate) enum Declared {
    New(Box<Incident>),
    /// The same person declared the same title a moment ago: this incident.
    Repeat {
        earlier: IncidentId,
        at: chrono::DateTime<Utc>,
    },
}

/// The declaration's timeline entry: `SEV1 declared (Security): <title> (private)`.
fn declared_text(d: &Declaration, kind: Option<&TypeInfo>) -> String {
    let mut text = match kind {
        Some(t) => format!(
            "{} declared ({}): {}",
            d.severity,
            escape(&t.name),
            d.title.mrkdwn()
        ),
        None => format!("{} declared: {}", d.severity, d.title.mrkdwn()),
    };
    if d.private {
        text.push_str(" (private)");
    }
    if let Some(src) = &d.source {
        text.push_str(&format!(" — from warning `{src}`"));
    }
    text
}

impl Incidents<'_> {
    /// Opens an incident: its record, commander, first timeline entry, and the job
    /// that creates its channel (which then invites, sets the topic, posts and pins
    /// the headline and announces).
    pub(crate) async fn declare(
        &self,
        actor: &Actor,
        d: Declaration,
    ) -> Result<Incident, AppError> {
        let tx = self.store.begin().await?;
        self.declare_and_commit(tx, actor, &d).await
    }

    async fn declare_and_commit(
        &self,
        mut tx: Tx,
        actor: &Actor,
        d: &Declaration,
    ) -> Result<Incident, AppError> {
        let inc = self.declare_in(&mut tx, actor, d).await?;
        self.commit(tx).await?;
        tracing::info!(incident = %inc.id, severity = %d.severity, private = d.private, "incident declared");
        Ok(inc)
    }

    /// Declares unless `actor` declared an incident with the same title within
    /// [`DOUBLE_DECLARE`] (Enter pressed twice, or a retry after a slow answer): then
    /// names that one. Checked in the declaring transaction, so two quick presses
    /// cannot both pass on SQLite, and at no extra connection's cost.
    pub(crate) async fn declare_once(
        &self,
        actor: &Actor,
        d: Declaration,
    ) -> Result<Declared, AppError> {
        let mut tx = self.store.begin().await?;
        let since = self.now() - DOUBLE_DECLARE;
        let recent = incidents::declared_by_since(&mut tx, &actor.user_id, since).await?;
        if let Some((earlier, _, at)) = recent.into_iter().find(|(_, t, _)| same_title(t, &d.title))
        {
            tx.rollback().await?;
            return Ok(Declared::Repeat { earlier, at });
        }
        let inc = self.declare_and_commit(tx, actor, &d).await?;
        Ok(Declared::New(Box::new(inc)))
    }

    /// [`App::declare`] inside the caller's transaction (a warning links itself to the
    /// incident in the same one).
    pub(crate) async fn declare_in(
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
        let mut inc = incidents::create(
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
                kind: d.kind.clone(),
                fields: d.fields.clone(),
            },
            human.then_some(actor.user_id.as_str()),
        )
        .await?;
        if let Some(t) = d.started {
            inc.impact_started_at = Some(t);
            incidents::save(&mut *tx, &inc).await?;
        }
        let id = inc.id;
        let types = self.cfg.type_book();
        let kind = types.of(d.kind.as_deref());
        let text = declared_text(d, kind);
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
        if let Some(t) = kind {
            invite.extend(t.responders.iter().cloned());
        }
        let mut seen = std::collections::HashSet::new();
        invite.retain(|u| seen.insert(u.clone()));
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
}
