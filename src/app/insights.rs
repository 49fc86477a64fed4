//! Insights use case: gathers the facts of the incidents declared in a period (three
//! queries), prices their impact against the configured SLOs the way the postmortem
//! does, and computes the [`Report`].

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{App, AppError};
use crate::config::Config;
use crate::domain::error_budget::{self, Slo};
use crate::insights::compute;
use crate::insights::{ActionFacts, BudgetUse, Filter, IncidentFacts, Report};
use crate::store::insights::{self, IncidentRow};
use crate::store::{Store, StoreError};

impl App {
    /// The insights for `f`.
    pub async fn insights(&self, f: &Filter) -> Result<Report, AppError> {
        Ok(report(&self.store, &self.cfg, f, self.now(), self.tz).await?)
    }
}

/// The insights for `f` from `store` (the app's, or the command line's).
pub async fn report(
    store: &Store,
    cfg: &Config,
    f: &Filter,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<Report, StoreError> {
    let mut conn = store.conn().await?;
    let rows = insights::incidents(&mut conn, f.since, f.until).await?;
    let counts = insights::counts(&mut conn, f.since, f.until).await?;
    let actions = insights::actions(&mut conn, f.since, f.until).await?;
    drop(conn);
    let slos = cfg.slos();
    let facts: Vec<IncidentFacts> = rows
        .into_iter()
        .map(|r| {
            let budget = budget_uses(&r, &slos, now);
            let c = counts.get(&r.facts.id).copied().unwrap_or_default();
            IncidentFacts {
                reopened: c.reopened,
                postmortem_required: cfg.postmortem_required(r.facts.severity),
                updates: c.updates,
                reminders: c.reminders,
                escalations: c.escalations,
                budget,
                ..r.facts
            }
        })
        .collect();
    let actions: Vec<ActionFacts> = actions
        .into_iter()
        .map(|a| ActionFacts {
            incident: a.incident,
            owner: a.owner,
            due: a.due,
            created_at: a.created_at,
            done_at: a.done_at,
        })
        .collect();
    Ok(compute::report(f, &facts, &actions, now, tz))
}

/// The budget an incident's recorded impact consumed, per SLO of an affected service:
/// from the impact's start (or the declaration) to its mitigation (or resolution, or
/// now), at the recorded share of requests; none without a recorded share.
fn budget_uses(r: &IncidentRow, slos: &[Slo], now: DateTime<Utc>) -> Vec<BudgetUse> {
    let Some(p) = r.impact_percent else {
        return vec![];
    };
    let f = &r.facts;
    let start = r.impact_started_at.unwrap_or(f.declared_at);
    let end = f.mitigated_at.or(f.resolved_at).unwrap_or(now);
    let impact = (end - start).max(chrono::Duration::zero());
    slos.iter()
        .filter(|s| {
            f.services
                .iter()
                .any(|x| x.eq_ignore_ascii_case(&s.service))
        })
        .map(|s| {
            let c = error_budget::consumed(s, impact, p / 100.0);
            BudgetUse {
                slo: s.name.clone(),
                consumed_minutes: c.consumed_minutes,
                budget_minutes: c.budget_minutes,
            }
        })
        .collect()
}
