//! Incidents from warnings: declared from a warning's form or automatically by the
//! rules, and linked to the warning so it is declared once and shows as handled.

use super::message::refresh_shown;
use crate::app::incident::declare::Declaration;
use crate::app::{Actor, AppError, Warnings, refuse};
use crate::domain::timeline::BOT_ACTOR;
use crate::domain::{IncidentId, Severity, UserText};
use crate::store::warnings::{self, Warning};
use crate::store::{Tx, incidents};

impl Warnings<'_> {
    /// The incident a warning is linked to, and whether it is still open.
    pub(super) async fn incident_open(
        &self,
        tx: &mut Tx,
        id: Option<IncidentId>,
    ) -> Result<Option<(IncidentId, bool)>, AppError> {
        let Some(id) = id else { return Ok(None) };
        Ok(incidents::get(tx, id).await?.map(|i| (id, i.is_open())))
    }

    /// Declares an incident from a warning and links the two, in one transaction.
    pub(crate) async fn declare_from_warning(
        &self,
        actor: &Actor,
        key: &str,
        d: Declaration,
    ) -> Result<crate::domain::Incident, AppError> {
        let mut tx = self.store.begin().await?;
        // Lock the warning first: two clicks (or a click and a rule) make one incident.
        let Some(mut w) = warnings::get_locked(&mut tx, key).await? else {
            return Err(refuse("That warning no longer exists.", "declare"));
        };
        if let Some((id, true)) = self.incident_open(&mut tx, w.incident).await? {
            return Err(refuse(
                format!("This warning is already being handled as {id}."),
                "declare",
            ));
        }
        let mut inc = self.incidents().declare_in(&mut tx, actor, &d).await?;
        // An alert naming its service makes that the incident's service, so the
        // service's later alerts go onto this incident's timeline.
        if let Some(service) = w
            .finding
            .labels
            .get(crate::app::warnings::alerts::SERVICE_LABEL)
            && crate::domain::command::is_service_name(service)
        {
            inc.services = vec![service.clone()];
            incidents::save(&mut tx, &inc).await?;
            // What earlier incidents on that service left open.
            self.incidents()
                .tell_follow_ups(&mut tx, inc.id, &inc.services)
                .await?;
        }
        w.incident = Some(inc.id);
        warnings::save(&mut tx, &w).await?;
        refresh_shown(&mut tx, &w, self.now()).await?;
        self.commit(tx).await?;
        tracing::info!(incident = %inc.id, warning = key, by = %actor.user_id, "incident declared from a warning");
        Ok(inc)
    }

    /// Declares what the rules ask for (after the run committed).
    pub(crate) async fn auto_declare(&self, to_declare: &[(String, Severity)]) {
        for (key, sev) in to_declare {
            let mut conn = match self.store.conn().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "auto-declare: no database");
                    return;
                }
            };
            let Ok(Some(w)) = warnings::get(&mut conn, key).await else {
                continue;
            };
            drop(conn);
            let actor = Actor {
                team_id: None,
                user_id: BOT_ACTOR.into(),
                channel_id: w.channel.clone().unwrap_or_default(),
            };
            let d = auto_declaration(&w, key, *sev);
            match self.declare_from_warning(&actor, key, d).await {
                Ok(inc) => {
                    tracing::warn!(incident = %inc.id, warning = %key, "incident declared automatically")
                }
                Err(AppError::User(e)) => {
                    tracing::info!(warning = %key, reason = %e.message, "auto-declare skipped")
                }
                Err(e) => tracing::error!(warning = %key, error = %e, "auto-declare failed"),
            }
        }
    }
}

/// The incident the rules declare for warning `key`: its finding's title, and its
/// facts as the description.
fn auto_declaration(w: &Warning, key: &str, severity: Severity) -> Declaration {
    Declaration {
        title: UserText::from_mrkdwn(&w.finding.incident_title)
            .shortened(crate::domain::command::MAX_TITLE),
        severity,
        description: Some(
            UserText::from_mrkdwn(&format!(
                "Declared automatically from a warning: {}\n{}",
                w.finding.summary,
                w.finding.details.join("\n")
            ))
            .shortened(crate::domain::command::MAX_TEXT),
        ),
        private: false,
        fields: Default::default(),
        started: None,
        source: Some(key.to_string()),
        kind: None,
    }
}
