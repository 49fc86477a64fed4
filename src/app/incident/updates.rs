//! Posting the standard update, which restarts the reminder cadence.

use crate::app::messages;
use crate::app::{Actor, AppError, Incidents};
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, UserText};

impl Incidents<'_> {
    pub(crate) async fn post_update(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        text: &UserText,
    ) -> Result<String, AppError> {
        let mut change = self.open_change(actor, named, "update").await?;
        let now = self.now();
        let next = change.after_update().await?;
        let msg =
            messages::formal_update(&change.inc, text, Some(&actor.user_id), now, next, self.tz);
        change
            .record(&actor.user_id, EntryKind::Update, text.mrkdwn())
            .await?;
        change.notice(msg).await?;
        let inc = change.done().await?;
        let mut out = format!("Update posted in {}.", messages::channel_link(&inc));
        if let Some(n) = next {
            out.push_str(&format!(
                " Next update due at {}.",
                messages::hm(n, self.tz)
            ));
        }
        Ok(out)
    }
}
