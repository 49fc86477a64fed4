//! Assigning and removing roles (Incident Commander, Operations and Communications
//! Leads, SMEs, and the organisation's own), telling whoever takes one its checklist,
//! and taking command.

use chrono::{DateTime, Utc};

use crate::app::change::Change;
use crate::app::delivery::outbox::ChatOp;
use crate::app::messages::{self, notice};
use crate::app::{Actor, AppError, Incidents, refuse};
use crate::domain::ids::mention;
use crate::domain::role::{RoleBook, RoleInfo};
use crate::domain::text::escape;
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, Role, UserRef};
use crate::store::incidents;

impl Incidents<'_> {
    pub(crate) async fn assign_role(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        role: Role,
        user: &UserRef,
    ) -> Result<String, AppError> {
        let user = self.user_id(user, "role")?;
        let book = self.cfg().role_book();
        let info = known(book, role)?.clone();
        let mut change = self.open_change(actor, named, "role").await?;
        let id = change.id();
        if !change.inc.is_open() {
            return Err(refuse(
                format!("{id} is resolved: reopen it first."),
                "role",
            ));
        }
        let now = self.now();
        let name = escape(&info.name);
        if !incidents::assign_role(change.tx(), id, role, info.multiple, &user, now).await? {
            return Err(refuse(
                format!("{} is already the {name} of {id}.", mention(&user)),
                "role",
            ));
        }
        let mut text = format!("{} is now {name}", mention(&user));
        if let Some(prev) = change
            .inc
            .roles
            .get(role)
            .first()
            .filter(|_| !info.multiple)
        {
            text.push_str(&format!(" (was {})", mention(prev)));
        }
        change
            .record(&actor.user_id, EntryKind::Role, text.clone())
            .await?;
        change.notice(role_notice(&text, actor)).await?;
        change.invite(vec![user.clone()]).await?;
        if let Some(message) = messages::role_checklist(&info, id) {
            let channel = change.inc.channel_id.clone();
            change
                .send(&ChatOp::Tell {
                    user: user.clone(),
                    channel,
                    message,
                })
                .await?;
        }
        change.refresh(role == Role::Commander).await?;
        if role == Role::Commander {
            new_commander(&mut change, &user, actor, now).await?;
        }
        change.after_change().await?;
        change.done().await?;
        Ok(format!("{text} on {id}."))
    }

    pub(crate) async fn remove_role(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        role: Role,
        user: Option<&UserRef>,
    ) -> Result<String, AppError> {
        let user = match user {
            Some(u) => Some(self.user_id(u, "role")?),
            None => None,
        };
        let book = self.cfg().role_book();
        let name = escape(&known(book, role)?.name);
        let mut change = self.open_change(actor, named, "role").await?;
        let id = change.id();
        let removed = incidents::remove_role(change.tx(), id, role, user.as_deref()).await?;
        if removed.is_empty() {
            return Err(refuse(
                format!("Nobody holds that {name} role on {id}."),
                "role",
            ));
        }
        let who = removed
            .iter()
            .map(|u| mention(u))
            .collect::<Vec<_>>()
            .join(", ");
        let text = format!("{who} is no longer {name}");
        change
            .record(&actor.user_id, EntryKind::Role, text.clone())
            .await?;
        change.notice(role_notice(&text, actor)).await?;
        change.refresh(false).await?;
        change.done().await?;
        Ok(format!("{text} on {id}."))
    }

    /// The commander takes over (the headline's "Take IC" button).
    pub(crate) async fn take_command(
        &self,
        actor: &Actor,
        id: IncidentId,
    ) -> Result<String, AppError> {
        let change = self.open_change(actor, Some(id), "role").await?;
        if change.inc.commander() == Some(actor.user_id.as_str()) {
            let inc = change.id();
            drop(change);
            return Err(refuse(
                format!("You already are the Incident Commander of {inc}."),
                "role",
            ));
        }
        drop(change);
        self.assign_role(
            actor,
            Some(id),
            Role::Commander,
            &UserRef::Id(actor.user_id.clone()),
        )
        .await
    }
}

/// The role as the configuration knows it; a key nobody configured is refused with the
/// keys that are.
fn known(book: &RoleBook, role: Role) -> Result<&RoleInfo, AppError> {
    book.info(role).ok_or_else(|| {
        refuse(
            format!("Unknown role `{}`: expected {}.", role.key(), book.keys()),
            "role",
        )
    })
}

/// What the incident's channel reads about a role change.
fn role_notice(text: &str, actor: &Actor) -> crate::chat::Message {
    notice(
        ":busts_in_silhouette:",
        format!("{text} — by {}", mention(&actor.user_id)),
    )
}

/// A commander acknowledges by acting; one assigned by someone else has not yet.
async fn new_commander(
    change: &mut Change<'_>,
    user: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = change.id();
    let mut fresh = incidents::get(change.tx(), id)
        .await?
        .unwrap_or(change.inc.clone());
    let first_ack = user == actor.user_id && fresh.acknowledged_at.is_none();
    if user == actor.user_id {
        fresh.ic_ack_pending_since = None;
        fresh.acknowledged_at.get_or_insert(now);
    } else {
        fresh.ic_ack_pending_since = Some(now);
    }
    incidents::save(change.tx(), &fresh).await?;
    if first_ack {
        change.after_acknowledged(&fresh).await?;
    }
    Ok(())
}
