//! Notes on the timeline, the customer impact and the affected services.

use crate::app::incident::ops::most_recent;
use crate::app::messages;
use crate::app::{Actor, AppError, Incidents, refuse};
use crate::domain::command::{ImpactStart, NoteKind};
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, UserText};

impl Incidents<'_> {
    pub(crate) async fn add_note(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        kind: NoteKind,
        text: &UserText,
        at: Option<ImpactStart>,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "note").await?;
        let when = self.when_typed(change.inc.declared_at, at, "note", "note's time")?;
        let entry = crate::domain::timeline::Entry {
            at: when.unwrap_or_else(|| self.now()),
            ..self.entry(&actor.user_id, EntryKind::Note(kind), text.mrkdwn())
        };
        let id = change.inc.id;
        crate::store::timeline::add(change.tx(), id, &entry, None, self.now()).await?;
        let mut label = if kind == NoteKind::Plain {
            "Note".to_string()
        } else {
            kind.label().to_string()
        };
        if let Some(t) = when {
            label.push_str(&format!(" (at {})", messages::datetime(t, self.tz)));
        }
        change
            .notice(messages::note_notice(&label, &actor.user_id, text))
            .await?;
        let inc = change.done().await?;
        Ok(match when {
            Some(t) => format!(
                "Added to the timeline of {} at {}.",
                inc.id,
                messages::datetime(t, self.tz)
            ),
            None => format!("Added to the timeline of {}.", inc.id),
        })
    }

    /// A time typed for when something happened (`--at`, `--since`, `--started`), as
    /// an instant: the most recent such time of day, never in the future nor more than
    /// the allowed lead before the declaration (`declared_at`). None when none was typed.
    pub(crate) fn when_typed(
        &self,
        declared_at: chrono::DateTime<chrono::Utc>,
        at: Option<ImpactStart>,
        spec: &str,
        what: &str,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
        let Some(at) = at else {
            return Ok(None);
        };
        let now = self.now();
        let t = match at {
            ImpactStart::At(t) => t,
            ImpactStart::TimeOfDay(t) => most_recent(now, t),
        };
        crate::domain::incident::check_past_time(what, declared_at, now, t)
            .map_err(|e| refuse(e, spec))?;
        Ok(Some(t))
    }

    pub(crate) async fn set_impact(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        text: &UserText,
        percent: Option<f64>,
        since: Option<ImpactStart>,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "impact").await?;
        let began = self.when_typed(change.inc.declared_at, since, "impact", "impact start")?;
        let inc = &mut change.inc;
        inc.impact = Some(text.clone());
        if percent.is_some() {
            inc.impact_percent = percent;
        }
        if let Some(at) = began {
            inc.impact_started_at = Some(at);
        }
        change.save().await?;
        let mut entry = text.mrkdwn();
        if let Some(t) = change.inc.impact_started_at.filter(|_| since.is_some()) {
            entry.push_str(&format!(" (since {})", messages::datetime(t, self.tz)));
        }
        change
            .record(&actor.user_id, EntryKind::Impact, entry.clone())
            .await?;
        change
            .notice(messages::impact_notice(
                &actor.user_id,
                &UserText::from_mrkdwn(&entry),
            ))
            .await?;
        change.refresh(false).await?;
        let inc = change.done().await?;
        let mut out = format!("Impact of {} recorded", inc.id);
        if let Some(p) = percent {
            out.push_str(&format!(
                " ({p}% of requests affected counts towards the error budget)"
            ));
        }
        Ok(out + ".")
    }

    pub(crate) async fn set_services(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        names: &[String],
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "service").await?;
        let added: Vec<String> = names
            .iter()
            .filter(|n| !change.inc.services.contains(n))
            .cloned()
            .collect();
        change.inc.services = names.to_vec();
        change.save().await?;
        let list = names.join(", ");
        change
            .record(
                &actor.user_id,
                EntryKind::Services,
                format!("Affected services: {list}"),
            )
            .await?;
        change.refresh(false).await?;
        // What earlier incidents on a newly named service left open.
        let id = change.inc.id;
        self.tell_follow_ups(change.tx(), id, &added).await?;
        // The on-call of a newly named service joins.
        if let Some(job) = self.paging().oncall_job(&change.inc) {
            let now = self.now();
            crate::store::jobs::enqueue(change.tx(), &job, now).await?;
        }
        let inc = change.done().await?;
        Ok(format!("{} affects {list}.", inc.id))
    }
}
