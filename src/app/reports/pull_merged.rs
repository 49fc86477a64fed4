//! A postmortem's pull request merged on GitHub (a verified `pull_request` delivery):
//! the postmortem marked complete, once however often the delivery comes, and said
//! in the incident's channel.

use super::pull_request::GITHUB;
use crate::app::delivery::outbox;
use crate::app::paging::oncall::outside;
use crate::app::{Reports, messages};
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::store::postmortem_documents as documents;
use crate::store::{StoreError, incidents, jobs, timeline};

impl Reports<'_> {
    /// A verified `pull_request` delivery: pull request `number` of `repo` was merged
    /// by `by`. Marks the postmortem complete (once) and says so in the channel.
    pub async fn pull_request_merged(
        &self,
        repo: &str,
        number: u64,
        by: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.store.conn().await?;
        let doc = documents::by_reference(&mut conn, GITHUB, repo, &number.to_string()).await?;
        drop(conn);
        let Some(doc) = doc else {
            return Ok(false);
        };
        let now = self.now();
        let id = doc.incident;
        let mut tx = self.store.begin_background().await?;
        if !documents::merged(&mut tx, id, GITHUB, now).await? {
            self.commit(tx).await?;
            return Ok(true);
        }
        incidents::lock(&mut tx, id).await?;
        let Some(mut inc) = incidents::get(&mut tx, id).await? else {
            return Ok(false);
        };
        let by = by
            .map(|b| format!(" by {}", outside(b)))
            .unwrap_or_default();
        let link = doc.link.as_deref().map_or(format!("{repo}#{number}"), |l| {
            format!("<{l}|{}#{number}>", outside(repo))
        });
        let complete =
            self.cfg.postmortem.pull_request.done_on_merge && inc.postmortem_done_at.is_none();
        if complete {
            inc.postmortem_done_at = Some(now);
            incidents::save(&mut tx, &inc).await?;
            jobs::cancel(
                &mut tx,
                &crate::app::cadence::updates::postmortem_key(id),
                now,
            )
            .await?;
        }
        let text = if complete {
            format!(
                "The postmortem pull request {link} was merged{by}: the postmortem of {id} is marked complete."
            )
        } else {
            format!("The postmortem pull request {link} was merged{by}.")
        };
        let entry = self
            .incidents()
            .entry(BOT_ACTOR, EntryKind::Postmortem, text.clone());
        timeline::add(
            &mut tx,
            id,
            &entry,
            Some(&format!("pr-merged:{}", id.0)),
            now,
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            id,
            messages::notice(":white_check_mark:", text),
            now,
        )
        .await?;
        self.commit(tx).await?;
        self.kick();
        Ok(true)
    }
}
