//! Applying a watcher run's findings: each warning's state moves on, the policy says
//! whether people hear about it (a new message) or the latest message is edited in
//! place, and findings the rules want as incidents are collected for declaring.

use chrono::{DateTime, Utc};

use super::message::refresh_shown;
use crate::app::{AppError, Warnings};
use crate::domain::Severity;
use crate::domain::finding::Finding;
use crate::domain::policy::{self, Cadence, Notice};
use crate::store::Tx;
use crate::store::warnings::{self, Warning};

/// What one run changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Applied {
    pub notices: Vec<(String, Notice)>,
    /// Keys whose findings call for an incident by themselves.
    pub to_declare: Vec<(String, Severity)>,
}

impl Warnings<'_> {
    /// How often a warning that stays bad is repeated.
    pub(crate) fn warning_cadence(&self) -> Cadence {
        let d = |x: std::time::Duration| {
            chrono::Duration::from_std(x).unwrap_or(chrono::Duration::hours(1))
        };
        Cadence {
            warning: d(self.cfg.watch.warning_reminder.0),
            critical: d(self.cfg.watch.critical_reminder.0),
        }
    }

    /// Applies a run's findings inside `tx`.
    pub(crate) async fn apply_findings(
        &self,
        tx: &mut Tx,
        findings: &[Finding],
    ) -> Result<Applied, AppError> {
        let now = self.now();
        let cadence = self.warning_cadence();
        let mut applied = Applied::default();
        for f in findings {
            self.apply_finding(tx, f, now, cadence, &mut applied)
                .await?;
        }
        Ok(applied)
    }

    /// One finding: update its warning, queue the message the policy asks for, and
    /// note whether it calls for an incident.
    async fn apply_finding(
        &self,
        tx: &mut Tx,
        f: &Finding,
        now: DateTime<Utc>,
        cadence: Cadence,
        applied: &mut Applied,
    ) -> Result<(), AppError> {
        let w = warnings::lock(tx, f, now).await?;
        self.apply_to_warning(tx, w, f, now, cadence, applied).await
    }

    /// [`App::apply_finding`] on a warning the caller has locked already.
    pub(crate) async fn apply_to_warning(
        &self,
        tx: &mut Tx,
        mut w: Warning,
        f: &Finding,
        now: DateTime<Utc>,
        cadence: Cadence,
        applied: &mut Applied,
    ) -> Result<(), AppError> {
        let d = policy::decide(Some(&w.prior()), f, now, cadence);
        if d.fresh {
            start_afresh(&mut w, now);
            if let Some((_, false)) = self.incident_open(tx, w.incident).await? {
                w.incident = None;
            }
        }
        w.level = f.level;
        w.step = f.step;
        w.finding = f.clone();
        w.last_seen = now;
        let channel = self.warnings().warning_channel(f);
        match d.notice {
            Some(n) => {
                mark_notified(&mut w, n, f, now);
                if !channel.is_empty() {
                    self.post_or_roll_up(tx, &mut w, &channel, n, now).await?;
                }
                applied.notices.push((w.key.clone(), n));
            }
            None if d.refresh => refresh_shown(tx, &w, now).await?,
            None => {}
        }
        warnings::save(tx, &w).await?;
        if let Some(sev) = self.declare_severity(tx, f, &w).await? {
            applied.to_declare.push((w.key.clone(), sev));
        }
        Ok(())
    }

    /// The severity the rules declare this finding at, unless an incident is already
    /// open for its warning.
    async fn declare_severity(
        &self,
        tx: &mut Tx,
        f: &Finding,
        w: &Warning,
    ) -> Result<Option<Severity>, AppError> {
        if f.level.is_bad()
            && let Some(sev) = crate::watch::auto_declare(&self.cfg.auto_declare, f)
                .and_then(|s| self.cfg.severities().parse(s).ok())
            && !self
                .incident_open(tx, w.incident)
                .await?
                .is_some_and(|(_, open)| open)
        {
            return Ok(Some(sev));
        }
        Ok(None)
    }
}

/// A new episode: forget the earlier one's acknowledgement, notifications and any
/// snooze that has run out.
fn start_afresh(w: &mut Warning, now: DateTime<Utc>) {
    w.first_seen = now;
    w.acked_by = None;
    w.acked_at = None;
    w.notified_level = None;
    w.notified_step = 0;
    w.notified_at = None;
    if w.snoozed_until.is_some_and(|u| u <= now) {
        w.snoozed_until = None;
        w.snoozed_by = None;
    }
}

/// People are being told: a worse level needs a new acknowledgement, a recovery ends
/// the snooze.
fn mark_notified(w: &mut Warning, n: Notice, f: &Finding, now: DateTime<Utc>) {
    if n == Notice::Rose {
        w.acked_by = None;
        w.acked_at = None;
    }
    w.notified_level = Some(f.level);
    w.notified_step = f.step;
    w.notified_at = Some(now);
    if n == Notice::Recovered {
        w.snoozed_until = None;
        w.snoozed_by = None;
    }
}
