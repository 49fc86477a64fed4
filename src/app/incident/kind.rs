//! Changing an incident's type (IC and admins), on the timeline; and the check that a
//! typed type is configured.

use crate::app::{Actor, AppError, Incidents, refuse};
use crate::domain::IncidentId;
use crate::domain::incident_type::{TypeBook, TypeInfo};
use crate::domain::text::escape;
use crate::domain::timeline::EntryKind;

impl Incidents<'_> {
    /// Sets the type to `key`; says what it was.
    pub(crate) async fn set_type(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        key: &str,
    ) -> Result<String, AppError> {
        let types = self.cfg().type_book();
        let name = escape(&known_type(types, key, "type")?.name);
        let mut change = self.open_change(actor, named, "type").await?;
        let id = change.id();
        if !self.may_command(&change.inc, &actor.user_id) {
            return Err(refuse(
                "Only the Incident Commander or an admin can change the type.",
                "type",
            ));
        }
        if change.inc.kind.as_deref() == Some(key) {
            change.done().await?;
            return Ok(format!("{id} already is {name}."));
        }
        let was = types
            .of(change.inc.kind.as_deref())
            .map(|t| format!(" (was {})", escape(&t.name)))
            .unwrap_or_default();
        change.inc.kind = Some(key.to_string());
        change.save().await?;
        change
            .record(
                &actor.user_id,
                EntryKind::Type,
                format!("Type: {name}{was}"),
            )
            .await?;
        change.refresh(false).await?;
        change.done().await?;
        Ok(format!("{id} is now {name}{was}."))
    }
}

/// A configured type, or a refusal that lists the configured ones.
pub(crate) fn known_type<'a>(
    types: &'a TypeBook,
    key: &str,
    spec: &str,
) -> Result<&'a TypeInfo, AppError> {
    types.get(key).ok_or_else(|| {
        let why = if types.types.is_empty() {
            format!(
                "Unknown incident type `{key}`: no types are configured (add `[incident_types.{key}]` to the configuration)."
            )
        } else {
            format!("Unknown incident type `{key}`: expected {}.", types.keys())
        };
        refuse(why, spec)
    })
}
