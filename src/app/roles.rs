//! Assigning and removing roles (Incident Commander, Operations and Communications
//! Leads, SMEs), and taking command.

use super::outbox::{self, ChatOp};
use super::views::notice;
use super::{Actor, App, AppError, refuse};
use crate::domain::ids::mention;
use crate::domain::timeline::EntryKind;
use crate::domain::{IncidentId, Role, UserRef};
use crate::store::incidents;

impl App {
    pub async fn assign_role(
        &self,
        actor: &Actor,
        named: Option<IncidentId>,
        role: Role,
        user: &UserRef,
    ) -> Result<String, AppError> {
        let user = self.user_id(user, "role")?;
        let (mut tx, inc) = self.open_incident(actor, named, "role").await?;
        if !inc.is_open() {
            return Err(refuse(
                format!("{} is resolved: reopen it first.", inc.id),
                "role",
            ));
        }
        let now = self.now();
        if !incidents::assign_role(&mut tx, inc.id, role, &user, now).await? {
            return Err(refuse(
                format!("{} is already the {role} of {}.", mention(&user), inc.id),
                "role",
            ));
        }
        let mut text = format!("{} is now {role}", mention(&user));
        if let Some(prev) = inc.roles.get(role).first().filter(|_| !role.is_multi()) {
            text.push_str(&format!(" (was {})", mention(prev)));
        }
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Role,
            text.clone(),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            notice(
                ":busts_in_silhouette:",
                format!("{text} — by {}", mention(&actor.user_id)),
            ),
            now,
        )
        .await?;
        outbox::to_incident(
            &mut tx,
            inc.id,
            &ChatOp::Invite {
                incident: inc.id.0,
                users: vec![user.clone()],
            },
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, role == Role::Commander, now).await?;
        if role == Role::Commander {
            // A commander acknowledges by acting; one assigned by someone else has not yet.
            let mut fresh = incidents::get(&mut tx, inc.id)
                .await?
                .unwrap_or(inc.clone());
            if user == actor.user_id {
                fresh.ic_ack_pending_since = None;
                fresh.acknowledged_at.get_or_insert(now);
            } else {
                fresh.ic_ack_pending_since = Some(now);
            }
            incidents::save(&mut tx, &fresh).await?;
        }
        self.after_change(&mut tx, &inc).await?;
        self.commit(tx).await?;
        Ok(format!("{text} on {}.", inc.id))
    }

    pub async fn remove_role(
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
        let (mut tx, inc) = self.open_incident(actor, named, "role").await?;
        let removed = incidents::remove_role(&mut tx, inc.id, role, user.as_deref()).await?;
        if removed.is_empty() {
            return Err(refuse(
                format!("Nobody holds that {role} role on {}.", inc.id),
                "role",
            ));
        }
        let who = removed
            .iter()
            .map(|u| mention(u))
            .collect::<Vec<_>>()
            .join(", ");
        let text = format!("{who} is no longer {role}");
        let now = self.now();
        self.log(
            &mut tx,
            inc.id,
            &actor.user_id,
            EntryKind::Role,
            text.clone(),
        )
        .await?;
        outbox::post_in_incident(
            &mut tx,
            inc.id,
            notice(
                ":busts_in_silhouette:",
                format!("{text} — by {}", mention(&actor.user_id)),
            ),
            now,
        )
        .await?;
        outbox::refresh(&mut tx, inc.id, false, now).await?;
        self.commit(tx).await?;
        Ok(format!("{text} on {}.", inc.id))
    }

    /// The commander takes over (the headline's "Take IC" button).
    pub async fn take_command(&self, actor: &Actor, id: IncidentId) -> Result<String, AppError> {
        let (tx, inc) = self.open_incident(actor, Some(id), "role").await?;
        if inc.commander() == Some(actor.user_id.as_str()) {
            drop(tx);
            return Err(refuse(
                format!("You already are the Incident Commander of {}.", inc.id),
                "role",
            ));
        }
        drop(tx);
        self.assign_role(
            actor,
            Some(id),
            Role::Commander,
            &UserRef::Id(actor.user_id.clone()),
        )
        .await
    }
}
