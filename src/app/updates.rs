//! Posting the standard update, which restarts the reminder cadence.

use super::outbox;
use super::views;
use super::{Actor, App, AppError};
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, UserText};

impl App {
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
        self.commit(tx).await?;
        let mut out = format!("Update posted in {}.", views::channel_link(&inc));
        if let Some(n) = next {
            out.push_str(&format!(" Next update due at {}.", views::hm(n, self.tz)));
        }
        Ok(out)
    }
}
