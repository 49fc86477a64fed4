//! Insights use case: gathers the facts of the incidents declared in a period (three
//! queries), prices their impact against the configured SLOs the way the postmortem
//! does, and computes the [`Report`].

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::app::{AppError, Reports};
use crate::config::Config;
use crate::domain::error_budget::PolicyLevel;
use crate::domain::error_budget::{self, Slo};
use crate::insights::compute;
use crate::insights::{ActionFacts, BudgetRow, BudgetUse, Filter, IncidentFacts, Report};
use crate::store::insights::{self, IncidentRow};
use crate::store::{Store, StoreError};
use crate::watch::budgets::slo;
use crate::watch::prometheus::Prometheus;
use chrono::{NaiveTime, TimeZone};

impl Reports<'_> {
    /// The insights for `f`.
    pub(crate) async fn insights(&self, f: &Filter) -> Result<Report, AppError> {
        let now = self.now();
        let mut r = report(&self.store, &self.cfg, f, now, self.tz).await?;
        with_measured_budgets(&self.cfg, f, now, self.tz, &mut r).await;
        Ok(r)
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
    // Drills and game days (`count_in_insights = false`) are left out, with their
    // action items.
    let types = cfg.type_book();
    let (rows, uncounted): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| types.counted(r.facts.kind.as_deref()));
    let uncounted: std::collections::HashSet<i64> = uncounted.iter().map(|r| r.facts.id).collect();
    let facts: Vec<IncidentFacts> = rows
        .into_iter()
        .map(|r| {
            let budget = budget_uses(&r, &slos, now);
            let c = counts.get(&r.facts.id).copied().unwrap_or_default();
            IncidentFacts {
                reopened: c.reopened,
                postmortem_required: cfg.postmortem_owed(r.facts.severity, r.facts.kind.as_deref()),
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
        .filter(|a| !uncounted.contains(&a.incident))
        .map(|a| ActionFacts {
            incident: a.incident,
            owner: a.owner,
            due: a.due,
            created_at: a.created_at,
            done_at: a.done_at,
            ticketed: a.ticketed,
        })
        .collect();
    Ok(compute::report(
        f,
        &facts,
        &actions,
        now,
        tz,
        (cfg.severities(), cfg.field_book()),
    ))
}

/// Adds what Prometheus measured, when the SLO watcher can ask it, within a bound:
/// the page must answer even when Prometheus does not. (The digest's headline does
/// without it.)
pub async fn with_measured_budgets(
    cfg: &Config,
    f: &Filter,
    now: DateTime<Utc>,
    tz: Tz,
    r: &mut Report,
) {
    if tokio::time::timeout(MEASURE_WITHIN, measure(cfg, f, now, tz, r))
        .await
        .is_err()
    {
        tracing::warn!("Prometheus did not answer the insights' SLO queries in time");
    }
}

/// How long the insights wait for Prometheus.
const MEASURE_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);

/// Fills each budget row's measured percent from the SLO watcher's queries: the error
/// ratio over the month (the part of it within the period and before now) at its end.
async fn measure(cfg: &Config, f: &Filter, now: DateTime<Utc>, tz: Tz, r: &mut Report) {
    let access = &cfg.watch.budgets.prometheus;
    if access.url.is_empty() {
        return;
    }
    let Ok(prom) = Prometheus::connect(access) else {
        return;
    };
    let months = report_months(r, f, now, tz);
    for s in cfg
        .slos
        .iter()
        .filter(|s| !s.error_ratio.is_empty() || !s.good.is_empty())
    {
        let Some(domain) = cfg.slos().into_iter().find(|d| d.name == s.name) else {
            continue;
        };
        for (month, from, to) in &months {
            let window = to.signed_duration_since(*from);
            let q = slo::query(s, &slo::prom_window(window));
            let Ok(series) = prom.query(&q, *to).await else {
                continue;
            };
            let Some(ratio) = series
                .iter()
                .filter_map(|x| x.value())
                .find(|v| v.is_finite())
            else {
                continue;
            };
            let consumed = ratio.max(0.0) * window.num_seconds() as f64 / 60.0;
            let budget = domain.budget_minutes();
            let percent = if budget > 0.0 {
                consumed / budget * 100.0
            } else {
                0.0
            };
            record_measured(r, &s.name, month, budget, percent);
        }
    }
    for row in &mut r.budgets {
        // The level the worse of the two figures leaves.
        let used = row.percent.max(row.measured_percent.unwrap_or(0.0));
        row.policy = PolicyLevel::from_remaining(100.0 - used)
            .label()
            .to_string();
    }
    r.budgets
        .sort_by(|a, b| (&a.slo, &a.month).cmp(&(&b.slo, &b.month)));
}

/// The months of the report, each as the part of it within the period and before now.
fn report_months(
    r: &Report,
    f: &Filter,
    now: DateTime<Utc>,
    tz: Tz,
) -> Vec<(String, DateTime<Utc>, DateTime<Utc>)> {
    r.by_month
        .iter()
        .filter_map(|b| {
            let start = tz
                .from_local_datetime(&b.start.and_time(NaiveTime::MIN))
                .earliest()?;
            let next = b.start.checked_add_months(chrono::Months::new(1))?;
            let end = tz
                .from_local_datetime(&next.and_time(NaiveTime::MIN))
                .earliest()?;
            let (from, to) = (
                start.with_timezone(&Utc).max(f.since),
                end.with_timezone(&Utc).min(f.until).min(now),
            );
            (to > from).then(|| (b.label.clone(), from, to))
        })
        .collect()
}

/// Sets what Prometheus measured for one SLO and month, adding the row when no
/// incident priced that month.
fn record_measured(r: &mut Report, slo: &str, month: &str, budget: f64, percent: f64) {
    match r
        .budgets
        .iter_mut()
        .find(|b| b.slo == slo && b.month == month)
    {
        Some(row) => row.measured_percent = Some(percent),
        None => r.budgets.push(BudgetRow {
            slo: slo.to_string(),
            month: month.to_string(),
            consumed_minutes: 0.0,
            budget_minutes: budget,
            percent: 0.0,
            policy: PolicyLevel::from_remaining(100.0).label().to_string(),
            incidents: 0,
            measured_percent: Some(percent),
        }),
    }
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
