//! Setting an incident's custom fields (`/incident set <field> <value>`): the field
//! must be one its type uses, the value must fit the field's kind (a select names its
//! options), and each change goes on the timeline.

use crate::app::{Actor, AppError, Incidents, refuse};
use crate::domain::command::escape;
use crate::domain::fields::FieldKind;
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, UserText};

impl Incidents<'_> {
    /// Sets (or, with None, clears) the field `key`; says what it holds now.
    pub(crate) async fn set_field(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        key: &str,
        typed: Option<&str>,
    ) -> Result<String, AppError> {
        let book = self.cfg.field_book();
        let mut change = self.open_change(actor, named, "set").await?;
        let kind = change.inc.kind.clone();
        let Some(field) = book.of_type(kind.as_deref()).find(|f| f.key == key) else {
            change.done().await?;
            let message = if book.of_type(kind.as_deref()).next().is_none() {
                format!(
                    "`{key}` is not a field of this incident: none are configured for it (`[[fields]]` in the configuration)."
                )
            } else {
                format!(
                    "`{key}` is not a field of this incident: expected {}.",
                    book.keys(kind.as_deref())
                )
            };
            return Err(refuse(message, "set"));
        };
        let value = match typed {
            // Slack sends text as mrkdwn: a text field keeps what the person read.
            Some(t) if field.kind == FieldKind::Text => Some(
                field
                    .parse(&UserText::from_mrkdwn(t).plain())
                    .map_err(|e| refuse(e, "set"))?,
            ),
            Some(t) => Some(field.parse(t).map_err(|e| refuse(e, "set"))?),
            None => None,
        };
        let id = change.inc.id;
        if change.inc.fields.get(key) == value.as_ref() {
            change.done().await?;
            return Ok(format!("Nothing to change on {id}."));
        }
        let text = match &value {
            Some(v) => {
                change.inc.fields.insert(key.to_string(), v.clone());
                format!("{} set to {}", escape(&field.label), field.mrkdwn(v))
            }
            None => {
                change.inc.fields.remove(key);
                format!("{} cleared", escape(&field.label))
            }
        };
        change.save().await?;
        change
            .record(&actor.user_id, EntryKind::Field, text.clone())
            .await?;
        if field.headline {
            change.refresh(false).await?;
        }
        change.done().await?;
        Ok(format!("{text} on {id}."))
    }
}
