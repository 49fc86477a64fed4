//! Read-only commands: list, show, roles, timeline, actions.

use crate::app::messages;
use crate::app::{Actor, AppError, Incidents, Reply};
use crate::chat::Message;
use crate::domain::IncidentId;
use crate::store::{StoreError, actions, incidents, timeline};

/// Timeline entries shown in chat; the web page has them all.
const TIMELINE_IN_CHAT: usize = 40;
/// Open incidents listed in chat, newest first.
const LIST_IN_CHAT: i64 = 25;

impl Incidents<'_> {
    /// The jobs queue as it stands (for /readyz).
    pub(crate) async fn queue_state(&self) -> Result<crate::store::jobs::QueueState, StoreError> {
        crate::store::jobs::queue(&self.store, self.now()).await
    }

    /// Incidents matching a page's filter.
    pub(crate) async fn find_incidents(
        &self,
        filter: &incidents::Filter,
    ) -> Result<Vec<crate::domain::Incident>, StoreError> {
        incidents::list(&mut self.store.conn().await?, filter).await
    }

    /// Everything a postmortem is drafted from; None when there is no such incident.
    pub(crate) async fn postmortem_record(
        &self,
        id: IncidentId,
    ) -> Result<Option<crate::postmortem::Record>, StoreError> {
        crate::app::reports::postmortems::load_record(&self.store, id).await
    }

    /// A stored postmortem version.
    pub(crate) async fn postmortem_version(
        &self,
        id: IncidentId,
        version: i64,
    ) -> Result<Option<crate::store::postmortems::Version>, StoreError> {
        crate::store::postmortems::version(&mut self.store.conn().await?, id, version).await
    }

    /// The stored postmortem versions (number, when), oldest first.
    pub(crate) async fn postmortem_history(
        &self,
        id: IncidentId,
    ) -> Result<Vec<(i64, chrono::DateTime<chrono::Utc>)>, StoreError> {
        crate::store::postmortems::history(&mut self.store.conn().await?, id).await
    }

    /// Every incident's channel (ID, name), for a chat that has to know them.
    pub(crate) async fn incident_channels(&self) -> Result<Vec<(String, String)>, StoreError> {
        incidents::channels(&self.store).await
    }

    /// Open incidents; private ones only inside their own channel.
    pub(crate) async fn show_list(&self, actor: &Actor) -> Result<Reply, AppError> {
        let mut conn = self.store.conn().await?;
        let open = incidents::list(
            &mut conn,
            &incidents::Filter {
                open_only: true,
                limit: LIST_IN_CHAT,
                public_or_channel: Some(actor.channel_id.clone()),
                ..Default::default()
            },
        )
        .await?;
        let total = incidents::count_open_visible(&mut conn, &actor.channel_id).await?;
        Ok(Reply::Ephemeral(messages::incident_list(
            &open,
            total,
            self.now(),
        )))
    }

    pub(crate) async fn show_incident(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
    ) -> Result<Reply, AppError> {
        let inc = self
            .open_change(actor, named, "show")
            .await?
            .close()
            .await?;
        let ticket = self.tickets().link_of(inc.id).await?;
        let mut msg = messages::headline(&inc, self.tz, self.cfg().vocabulary(), ticket.as_deref());
        // Buttons belong to the pinned headline; a copy shown to one person keeps them
        // too, so they can act from wherever they asked.
        if let Some(t) = &inc.impact_started_at {
            msg.blocks.push(crate::chat::Block::Context {
                items: vec![format!("Impact since {}", messages::datetime(*t, self.tz))],
            });
        }
        // A private incident is shown only in its channel (or to admins), so its
        // signed link goes no further.
        if let Some(url) = self.incidents().page_url(&inc, "").await {
            msg.blocks.push(crate::chat::Block::Context {
                items: vec![format!("<{url}|Incident page, timeline and postmortem>")],
            });
        }
        Ok(Reply::Ephemeral(msg))
    }

    pub(crate) async fn show_roles(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
    ) -> Result<Reply, AppError> {
        let inc = self
            .open_change(actor, named, "roles")
            .await?
            .close()
            .await?;
        Ok(Reply::Ephemeral(Message::text(messages::roles_text(
            &inc,
            self.cfg().role_book(),
        ))))
    }

    pub(crate) async fn show_timeline(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
    ) -> Result<Reply, AppError> {
        let mut change = self.open_change(actor, named, "timeline").await?;
        let id = change.id();
        let entries = timeline::list(change.tx(), id).await?;
        let inc = change.close().await?;
        Ok(Reply::Ephemeral(Message::text(messages::timeline_text(
            &inc,
            &entries,
            self.tz,
            TIMELINE_IN_CHAT,
        ))))
    }

    pub(crate) async fn show_actions(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
    ) -> Result<Reply, AppError> {
        let mut change = self.open_change(actor, named, "actions").await?;
        let id = change.id();
        let items = actions::list(change.tx(), id).await?;
        let inc = change.close().await?;
        let offer = items.first().is_some_and(|a| {
            self.tickets()
                .wanted(&inc, crate::tickets::Subject::Action(a.seq))
        });
        Ok(Reply::Ephemeral(messages::actions_message(
            &inc, &items, offer,
        )))
    }
}
