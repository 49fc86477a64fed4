//! Notes on the timeline, the customer impact and the affected services.

use super::ops::most_recent;
use super::outbox;
use super::views;
use super::{Actor, App, AppError, refuse};
use crate::domain::command::{ImpactStart, NoteKind};
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, UserText};
use crate::store::incidents;

impl App {
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
        self.commit(tx).await?;
        Ok(format!("Added to the timeline of {}.", inc.id))
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
        self.commit(tx).await?;
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
        self.commit(tx).await?;
        Ok(format!("{} affects {list}.", inc.id))
    }
}
