//! Alerts coming in from Alertmanager, Grafana and Events v2 senders. A group is
//! stored durably before the sender hears 2xx: as a warning (posted, updated,
//! recovered by the same policy as the watchers' findings), or, when it belongs to
//! an open incident (declared from it, or about the service it names), as an entry
//! on that incident's timeline.

use chrono::{DateTime, Utc};

use crate::alerts::events_v2::{Action, Received};
use crate::alerts::{Destination, Group};
use crate::app::delivery::outbox;
use crate::app::messages;
use crate::app::warnings::{Applied, refresh_shown};
use crate::app::{AppError, Warnings};
use crate::domain::finding::{Finding, Level};
use crate::domain::policy::{self, Notice};
use crate::domain::text::sanitize;
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::store::incidents::{self, Filter};
use crate::store::warnings::{self, Warning};
use crate::store::{Db, Tx};

/// The label naming the affected service, which ties an alert to an open incident.
pub(crate) const SERVICE_LABEL: &str = "service";

/// Where a finding went, inside its transaction.
enum Taken {
    OnTimeline(IncidentId),
    Warning(Applied),
}

/// What became of an alert group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AlertOutcome {
    /// Kept as the warning with this key (posted or updated when the policy says so).
    Warning(String),
    /// Recorded on the timeline of this open incident.
    OnTimeline(IncidentId),
    /// Nothing to do: an acknowledge or resolve for an alert warroom never saw.
    Unknown,
}

impl Warnings<'_> {
    /// Where an alert warning goes: the first matching route, else `alerts.channel`,
    /// else the announcements channel.
    pub(crate) fn alert_destination(&self, f: &Finding) -> Destination {
        self.cfg
            .alerts
            .route(&f.labels, &self.cfg.slack.announcements_channel)
    }

    /// Stores a group and what it calls for, committed before this returns.
    pub(crate) async fn receive_alert_group(&self, g: &Group) -> Result<AlertOutcome, AppError> {
        let f = g.finding(self.now());
        let applied = match self.take_finding(&f).await? {
            Taken::OnTimeline(id) => return Ok(AlertOutcome::OnTimeline(id)),
            Taken::Warning(applied) => applied,
        };
        if !g.is_test() {
            self.auto_declare(&applied.to_declare).await;
        }
        Ok(AlertOutcome::Warning(f.key))
    }

    /// One transaction: lock the alert's warning (one read), then put the finding on
    /// the open incident it belongs to, or apply it to the warning.
    async fn take_finding(&self, f: &Finding) -> Result<Taken, AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let w = warnings::lock(&mut tx, f, now).await?;
        if let Some(inc) = self.incident_of_alert(&mut tx, &w, f).await? {
            self.alert_onto_timeline(&mut tx, w, &inc, f, now).await?;
            self.commit(tx).await?;
            return Ok(Taken::OnTimeline(inc.id));
        }
        let mut applied = Applied::default();
        self.apply_to_warning(&mut tx, w, f, now, self.warning_cadence(), &mut applied)
            .await?;
        self.commit(tx).await?;
        Ok(Taken::Warning(applied))
    }

    /// An Events v2 event: a trigger is a group of one; acknowledge and resolve act on
    /// the warning the trigger made.
    pub(crate) async fn receive_event(&self, r: &Received) -> Result<AlertOutcome, AppError> {
        let key = crate::alerts::warning_key(crate::alerts::Source::EventsV2, &r.dedup_key);
        match (&r.action, &r.group) {
            (Action::Trigger, Some(g)) => self.receive_alert_group(g).await,
            (Action::Acknowledge, _) => self.acknowledge_alert(&key).await,
            (Action::Resolve, _) => self.resolve_alert(&key).await,
            (Action::Trigger, None) => Ok(AlertOutcome::Unknown),
        }
    }

    async fn acknowledge_alert(&self, key: &str) -> Result<AlertOutcome, AppError> {
        let mut tx = self.store.begin().await?;
        let Some(mut w) = warnings::get_locked(&mut tx, key).await? else {
            return Ok(AlertOutcome::Unknown);
        };
        if w.level.is_bad() && w.acked_by.is_none() {
            w.acked_by = Some("the alert's sender".into());
            w.acked_at = Some(self.now());
            warnings::save(&mut tx, &w).await?;
            refresh_shown(&mut tx, &w, self.now()).await?;
        }
        self.commit(tx).await?;
        Ok(AlertOutcome::Warning(key.to_string()))
    }

    async fn resolve_alert(&self, key: &str) -> Result<AlertOutcome, AppError> {
        let mut conn = self.store.conn().await?;
        let Some(w) = warnings::get(&mut conn, key).await? else {
            return Ok(AlertOutcome::Unknown);
        };
        drop(conn);
        let mut f = w.finding.clone();
        if f.level == Level::Ok {
            return Ok(AlertOutcome::Warning(key.to_string()));
        }
        f.level = Level::Ok;
        f.summary = match f.summary.split_once("] ") {
            Some((_, rest)) => format!("[RESOLVED] {rest}"),
            None => format!("[RESOLVED] {}", f.summary),
        };
        f.facts.insert("firing".into(), 0.0);
        Ok(match self.take_finding(&f).await? {
            Taken::OnTimeline(id) => AlertOutcome::OnTimeline(id),
            Taken::Warning(_) => AlertOutcome::Warning(key.to_string()),
        })
    }

    /// The open incident an alert belongs to: the one declared from its warning, or
    /// (for an alert not already showing as a warning) the newest open incident whose
    /// services include the alert's `service` label.
    async fn incident_of_alert(
        &self,
        tx: &mut Tx,
        w: &Warning,
        f: &Finding,
    ) -> Result<Option<Incident>, AppError> {
        if let Some(id) = w.incident {
            let inc = incidents::get(tx, id).await?;
            return Ok(inc.filter(Incident::is_open));
        }
        if w.level.is_bad() || !f.level.is_bad() {
            return Ok(None);
        }
        let Some(service) = f.labels.get(SERVICE_LABEL) else {
            return Ok(None);
        };
        Ok(open_with_service(tx, service).await?)
    }

    /// Records the alert on the incident's timeline and in its channel when the
    /// policy calls it news (first seen, worse, resolved); re-sends change nothing.
    async fn alert_onto_timeline(
        &self,
        tx: &mut Tx,
        mut w: Warning,
        inc: &Incident,
        f: &Finding,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let d = policy::decide(Some(&w.prior()), f, now, self.warning_cadence());
        let news = matches!(
            d.notice,
            Some(Notice::First | Notice::Rose | Notice::Recovered)
        );
        if news {
            let text = format!(
                "Alert {}: {}",
                if f.level.is_bad() {
                    "firing"
                } else {
                    "resolved"
                },
                sanitize(&f.summary)
            );
            self.incidents()
                .log(tx, inc.id, BOT_ACTOR, EntryKind::Warning, text.clone())
                .await?;
            let emoji = if f.level.is_bad() {
                f.level.emoji()
            } else {
                Level::Ok.emoji()
            };
            outbox::post_in_incident(tx, inc.id, messages::notice(emoji, text), now).await?;
            w.notified_level = Some(f.level);
            w.notified_step = f.step;
            w.notified_at = Some(now);
        }
        w.level = f.level;
        w.step = f.step;
        w.finding = f.clone();
        w.last_seen = now;
        w.incident = Some(inc.id);
        warnings::save(tx, &w).await?;
        // The warning posted before the incident took it over shows where it went.
        if news || d.refresh {
            refresh_shown(tx, &w, now).await?;
        }
        Ok(())
    }
}

async fn open_with_service(
    conn: &mut impl Db,
    service: &str,
) -> Result<Option<Incident>, crate::store::StoreError> {
    let open = incidents::list(
        conn,
        &Filter {
            open_only: true,
            limit: 200,
            ..Filter::default()
        },
    )
    .await?;
    Ok(open
        .into_iter()
        .find(|i| i.services.iter().any(|s| s.eq_ignore_ascii_case(service))))
}
