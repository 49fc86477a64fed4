//! The insights' arithmetic: which incidents count, their counts per week, month and
//! service, response times per severity per month against the seed's targets,
//! error budget per SLO per month with the policy level reached, follow-through on
//! action items and postmortems, and update discipline. Weeks and months are the
//! display time zone's; an incident counts in the week and month it was declared,
//! with the severity it has now, and a reopened one is measured to its final end.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::model::*;
use crate::domain::Severity;
use crate::domain::error_budget::PolicyLevel;
use crate::domain::facts::IncidentFacts;
use crate::domain::fields::FieldBook;
use crate::domain::severity::Scale;

/// Weeks and months listed at most (about five years).
pub const MAX_BUCKETS: usize = 270;

/// The severity's response target (`respond_within`: time to acknowledge), in minutes.
pub fn target_minutes(sev: Severity, phase: Phase) -> Option<f64> {
    match phase {
        Phase::Acknowledge => sev
            .level()
            .respond_within
            .map(|d| d.num_seconds() as f64 / 60.0),
        _ => None,
    }
}

/// True when `i` counts under `f`.
pub fn matches(f: &Filter, i: &IncidentFacts) -> bool {
    i.declared_at >= f.since
        && i.declared_at < f.until
        && (f.include_private || !i.private)
        && f.severity.is_none_or(|s| s == i.severity)
        && f.status.is_none_or(|s| s == i.status)
        && f.service
            .as_ref()
            .is_none_or(|s| i.services.iter().any(|x| x.eq_ignore_ascii_case(s)))
        && f.tag.as_ref().is_none_or(|t| i.tags.contains(t))
}

/// The report of the incidents (and their action items) that `f` lets count.
pub fn report(
    f: &Filter,
    incidents: &[IncidentFacts],
    actions: &[ActionFacts],
    now: DateTime<Utc>,
    tz: Tz,
    (scale, fields): (&Scale, &FieldBook),
) -> Report {
    let chosen: Vec<&IncidentFacts> = incidents.iter().filter(|i| matches(f, i)).collect();
    let all_actions = actions;
    let ids: std::collections::BTreeSet<i64> = chosen.iter().map(|i| i.id).collect();
    let actions: Vec<&ActionFacts> = actions
        .iter()
        .filter(|a| ids.contains(&a.incident))
        .collect();
    let today = now.with_timezone(&tz).date_naive();
    Report {
        since: f.since,
        until: f.until,
        timezone: tz.name().to_string(),
        severities: scale.all().collect(),
        fields: super::fields::stats(fields, &chosen),
        incidents: chosen.len() as u32,
        by_week: buckets(f, &chosen, (tz, scale), week_of),
        by_month: buckets(f, &chosen, (tz, scale), month_of),
        by_service: by_service(&chosen),
        timings: timings(&chosen, tz),
        budgets: budgets(&chosen, tz),
        actions: ActionStats {
            repeat_incidents: repeats(incidents, all_actions, &chosen),
            ..action_stats(&actions, today, tz)
        },
        postmortems: postmortem_stats(&chosen),
        discipline: discipline(&chosen),
        resolve_median_minutes: resolve_median(&chosen),
    }
}

/// The median time to resolve, minutes, of the incidents resolved.
fn resolve_median(chosen: &[&IncidentFacts]) -> Option<f64> {
    let mut v: Vec<f64> = chosen
        .iter()
        .filter_map(|i| Some((i.resolved_at? - i.declared_at).num_seconds().max(0) as f64 / 60.0))
        .collect();
    v.sort_by(f64::total_cmp);
    median(&v)
}

/// The ISO week a local date is in: its label and Monday.
fn week_of(d: NaiveDate) -> (String, NaiveDate) {
    let w = d.iso_week();
    let monday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    (format!("{}-W{:02}", w.year(), w.week()), monday)
}

/// The month a local date is in: its label and first day.
fn month_of(d: NaiveDate) -> (String, NaiveDate) {
    let first = d.with_day(1).unwrap_or(d);
    (format!("{:04}-{:02}", d.year(), d.month()), first)
}

fn local(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// Every week (or month) of the period, with the incidents declared in it.
fn buckets(
    f: &Filter,
    chosen: &[&IncidentFacts],
    (tz, scale): (Tz, &Scale),
    of: fn(NaiveDate) -> (String, NaiveDate),
) -> Vec<Bucket> {
    let mut out: BTreeMap<NaiveDate, Bucket> = BTreeMap::new();
    let (mut d, last) = (
        local(f.since, tz),
        local(f.until - Duration::seconds(1), tz),
    );
    while d <= last && out.len() < MAX_BUCKETS {
        let (label, start) = of(d);
        out.entry(start).or_insert(Bucket {
            label,
            start,
            counts: vec![0; scale.len()],
        });
        d += Duration::days(1);
    }
    for i in chosen {
        let (label, start) = of(local(i.declared_at, tz));
        let b = out.entry(start).or_insert(Bucket {
            label,
            start,
            counts: vec![0; scale.len()],
        });
        if let Some(n) = b.counts.get_mut(usize::from(i.severity.rank()) - 1) {
            *n += 1;
        }
    }
    out.into_values().collect()
}

fn by_service(chosen: &[&IncidentFacts]) -> Vec<ServiceCount> {
    let mut n: BTreeMap<String, u32> = BTreeMap::new();
    for i in chosen {
        let mut seen: Vec<String> = Vec::new();
        for s in &i.services {
            let s = s.to_ascii_lowercase();
            if !seen.contains(&s) {
                *n.entry(s.clone()).or_default() += 1;
                seen.push(s);
            }
        }
    }
    let mut out: Vec<ServiceCount> = n
        .into_iter()
        .map(|(service, incidents)| ServiceCount { service, incidents })
        .collect();
    out.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then(a.service.cmp(&b.service))
    });
    out
}

/// When `i` reached `p`, if it did.
fn reached(i: &IncidentFacts, p: Phase) -> Option<DateTime<Utc>> {
    match p {
        Phase::Acknowledge => i.acknowledged_at,
        Phase::Identify => i.identified_at,
        Phase::Mitigate => i.mitigated_at.or(i.resolved_at),
        Phase::Resolve => i.resolved_at,
    }
}

/// The nearest-rank percentile `p` (0..=1) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// The median: the mean of the middle two for an even count.
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

fn timings(chosen: &[&IncidentFacts], tz: Tz) -> Vec<Timing> {
    let mut groups: BTreeMap<(String, Severity, Phase), Vec<f64>> = BTreeMap::new();
    for i in chosen {
        let (month, _) = month_of(local(i.declared_at, tz));
        for p in Phase::ALL {
            if let Some(t) = reached(i, p) {
                let minutes = (t - i.declared_at).num_seconds().max(0) as f64 / 60.0;
                groups
                    .entry((month.clone(), i.severity, p))
                    .or_default()
                    .push(minutes);
            }
        }
    }
    groups
        .into_iter()
        .map(|((month, severity, phase), mut v)| {
            v.sort_by(f64::total_cmp);
            let target = target_minutes(severity, phase);
            let within = target
                .map(|t| v.iter().filter(|m| **m <= t).count() as f64 / v.len() as f64 * 100.0);
            Timing {
                month,
                severity,
                phase,
                n: v.len() as u32,
                median_minutes: median(&v),
                p90_minutes: percentile(&v, 0.9),
                target_minutes: target,
                within_target_percent: within,
            }
        })
        .collect()
}

fn budgets(chosen: &[&IncidentFacts], tz: Tz) -> Vec<BudgetRow> {
    let mut rows: BTreeMap<(String, String), BudgetRow> = BTreeMap::new();
    for i in chosen {
        let (month, _) = month_of(local(i.declared_at, tz));
        for u in &i.budget {
            let r = rows
                .entry((u.slo.clone(), month.clone()))
                .or_insert(BudgetRow {
                    slo: u.slo.clone(),
                    month: month.clone(),
                    consumed_minutes: 0.0,
                    budget_minutes: u.budget_minutes,
                    percent: 0.0,
                    policy: String::new(),
                    incidents: 0,
                    measured_percent: None,
                });
            r.consumed_minutes += u.consumed_minutes;
            r.incidents += 1;
        }
    }
    rows.into_values()
        .map(|mut r| {
            r.percent = if r.budget_minutes > 0.0 {
                r.consumed_minutes / r.budget_minutes * 100.0
            } else {
                0.0
            };
            r.policy = PolicyLevel::from_remaining(100.0 - r.percent)
                .label()
                .to_string();
            r
        })
        .collect()
}

fn action_stats(actions: &[&ActionFacts], today: NaiveDate, tz: Tz) -> ActionStats {
    let mut s = ActionStats::default();
    let mut owners: BTreeMap<String, OwnerStats> = BTreeMap::new();
    let (mut dated_closed, mut on_time) = (0u32, 0u32);
    for a in actions {
        let owner = a.owner.clone().unwrap_or_else(|| "unassigned".into());
        let o = owners.entry(owner.clone()).or_insert(OwnerStats {
            owner,
            opened: 0,
            closed: 0,
            overdue: 0,
        });
        s.opened += 1;
        o.opened += 1;
        s.in_tracker += u32::from(a.ticketed);
        match (a.done_at, a.due) {
            (Some(done), due) => {
                s.closed += 1;
                o.closed += 1;
                if let Some(due) = due {
                    dated_closed += 1;
                    if local(done, tz) <= due {
                        on_time += 1;
                    }
                }
            }
            (None, Some(due)) if due < today => {
                s.overdue += 1;
                o.overdue += 1;
            }
            (None, _) => {}
        }
    }
    s.closed_on_time_percent =
        (dated_closed > 0).then(|| f64::from(on_time) / f64::from(dated_closed) * 100.0);
    s.by_owner = owners.into_values().collect();
    s.by_owner
        .sort_by(|a, b| b.overdue.cmp(&a.overdue).then(b.opened.cmp(&a.opened)));
    s
}

/// How many of the chosen incidents were declared while an action item of an earlier
/// incident (among `all`) on one of their services was still open.
pub fn repeats(all: &[IncidentFacts], actions: &[ActionFacts], chosen: &[&IncidentFacts]) -> u32 {
    chosen
        .iter()
        .filter(|i| {
            actions.iter().any(|a| {
                a.incident != i.id
                    && a.created_at <= i.declared_at
                    && a.done_at.is_none_or(|d| d > i.declared_at)
                    && all.iter().any(|e| {
                        e.id == a.incident
                            && e.declared_at < i.declared_at
                            && e.services.iter().any(|s| i.services.contains(s))
                    })
            })
        })
        .count() as u32
}

fn postmortem_stats(chosen: &[&IncidentFacts]) -> PostmortemStats {
    let owed: Vec<&&IncidentFacts> = chosen
        .iter()
        .filter(|i| i.postmortem_required && i.resolved_at.is_some())
        .collect();
    let mut days: Vec<f64> = owed
        .iter()
        .filter_map(|i| {
            Some(
                (i.postmortem_done_at? - i.resolved_at?)
                    .num_seconds()
                    .max(0) as f64
                    / 86_400.0,
            )
        })
        .collect();
    days.sort_by(f64::total_cmp);
    PostmortemStats {
        owed: owed.len() as u32,
        done: owed
            .iter()
            .filter(|i| i.postmortem_done_at.is_some())
            .count() as u32,
        median_days_to_done: median(&days),
    }
}

fn discipline(chosen: &[&IncidentFacts]) -> Discipline {
    Discipline {
        updates: chosen.iter().map(|i| i.updates).sum(),
        reminders: chosen.iter().map(|i| i.reminders).sum(),
        escalations: chosen.iter().map(|i| i.escalations).sum(),
        incidents_with_late_updates: chosen.iter().filter(|i| i.reminders > 0).count() as u32,
    }
}

#[cfg(test)]
#[path = "compute_tests.rs"]
mod tests;
