//! Tagging an incident: adding and removing its labels, on the timeline.

use crate::app::{Actor, AppError, Incidents, refuse};
use crate::domain::IncidentId;
use crate::domain::tags;
use crate::domain::timeline::EntryKind;

impl Incidents<'_> {
    /// Adds (`add`) or removes `names`; says what the incident carries now.
    pub(crate) async fn tag(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        add: bool,
        names: &[String],
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "tag").await?;
        let before = change.inc.tags.clone();
        let after = if add {
            tags::added(&before, names).map_err(|e| refuse(e.to_string(), "tag"))?
        } else {
            tags::removed(&before, names)
        };
        let id = change.inc.id;
        if after == before {
            change.done().await?;
            return Ok(format!("Nothing to change on {id}. {}", carries(&before)));
        }
        let (verb, which): (&str, Vec<String>) = if add {
            let new = after.iter().filter(|t| !before.contains(t));
            ("added", new.cloned().collect())
        } else {
            let gone = before.iter().filter(|t| !after.contains(t));
            ("removed", gone.cloned().collect())
        };
        change.inc.tags = after;
        change.save().await?;
        change
            .record(
                &actor.user_id,
                EntryKind::Tags,
                format!("Tags {verb}: {}", which.join(", ")),
            )
            .await?;
        // The headline lists the tags.
        change.refresh(false).await?;
        let inc = change.done().await?;
        Ok(format!("Tags {verb} on {id}. {}", carries(&inc.tags)))
    }
}

/// "It carries `db`, `eu`." or "It carries no tags."
fn carries(tags: &[String]) -> String {
    if tags.is_empty() {
        return "It carries no tags.".into();
    }
    let list = tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>();
    format!("It carries {}.", list.join(", "))
}
