//! Derived facts of the public status page, computed from a `StatusView` alone: each
//! component's current state, the overall indicator in Statuspage's words, and each
//! component's last 90 UTC days (worst state per day, uptime). Pure and cheap: one pass
//! over the updates, then at most 90 day steps per interval.
//!
//! The one rule everything here follows: a state named in an update holds from that
//! update's `posted_at` until the incident's next update (or now, for the latest update
//! of an open incident). A `resolved` update ends every state of its incident, whatever
//! it names.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::{ComponentConfig, ComponentState, ExternalUpdate, Impact, PublicStatus, StatusView};

/// How many days the history covers, today included.
pub const DAYS: usize = 90;

const DAY_MS: i64 = 86_400_000;

/// The page's overall status, as Statuspage's `status.indicator` and `description`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overall {
    pub indicator: Impact,
    pub description: &'static str,
}

impl Overall {
    pub fn of(indicator: Impact) -> Overall {
        let description = match indicator {
            Impact::None => "All Systems Operational",
            Impact::Minor => "Minor Service Outage",
            Impact::Major => "Partial System Outage",
            Impact::Critical => "Major Service Outage",
        };
        Overall {
            indicator,
            description,
        }
    }
}

/// One UTC day of a component's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    /// The worst state the component was in at any moment of the day.
    pub worst: ComponentState,
}

/// A component's last `DAYS` UTC days.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Oldest first; the last one is today (the UTC date of `view.now`).
    pub days: Vec<Day>,
    /// Uptime in percent over the window, from 00:00 UTC of the first day to `view.now`.
    /// Down time is the time the component was in `partial_outage` or `major_outage`
    /// (overlapping incidents counted once); `degraded_performance` and
    /// `under_maintenance` count as up.
    pub uptime: f64,
    /// Days whose worst state was `partial_outage` or `major_outage`.
    pub outage_days: usize,
}

impl History {
    /// "99.95%": rounded down, so any down time shows as less than 100%.
    pub fn uptime_label(&self) -> String {
        if self.uptime >= 100.0 {
            return "100%".into();
        }
        format!("{:.2}%", (self.uptime * 100.0).floor() / 100.0)
    }
}

/// Everything derived about one configured component.
#[derive(Debug, Clone)]
pub struct Component<'a> {
    pub config: &'a ComponentConfig,
    pub current: ComponentState,
    pub history: History,
}

/// Everything derived about the page.
#[derive(Debug, Clone)]
pub struct Derived<'a> {
    /// In `view.components` order.
    pub components: Vec<Component<'a>>,
    pub overall: Overall,
}

/// All the derived facts at once.
pub fn derive(view: &StatusView) -> Derived<'_> {
    let current = current_states(view);
    let overall = overall(view, &current);
    let components = view
        .components
        .iter()
        .zip(current)
        .zip(histories(view))
        .map(|((config, current), history)| Component {
            config,
            current,
            history,
        })
        .collect();
    Derived {
        components,
        overall,
    }
}

/// The states an update sets, which hold until the incident's next update: what it
/// names, or nothing for a `resolved` update.
pub fn held(u: &ExternalUpdate) -> &[(String, ComponentState)] {
    if u.status == PublicStatus::Resolved {
        &[]
    } else {
        &u.components
    }
}

/// The state an update sets for one component (`Operational` when it names none).
pub fn held_state(u: &ExternalUpdate, component: &str) -> ComponentState {
    held(u)
        .iter()
        .filter(|(name, _)| name == component)
        .map(|&(_, s)| s)
        .max()
        .unwrap_or(ComponentState::Operational)
}

/// Each configured component's state now (in `view.components` order): the worst state
/// named for it in the latest update of each open incident, else operational. An open
/// incident whose latest update does not name the component does not affect it.
pub fn current_states(view: &StatusView) -> Vec<ComponentState> {
    let mut states = vec![ComponentState::Operational; view.components.len()];
    let index = name_index(&view.components);
    for inc in view.incidents.iter().filter(|i| i.is_open()) {
        let Some(latest) = inc.latest() else { continue };
        for (name, state) in held(latest) {
            if let Some(&i) = index.get(name.as_str()) {
                states[i] = states[i].max(*state);
            }
        }
    }
    states
}

/// The overall indicator: from the worst current component state, or, when no component
/// is affected but incidents are open, from the worst open incident's impact.
pub fn overall(view: &StatusView, current: &[ComponentState]) -> Overall {
    let worst = current
        .iter()
        .copied()
        .max()
        .unwrap_or(ComponentState::Operational);
    let indicator = match worst {
        ComponentState::Operational => view
            .incidents
            .iter()
            .filter(|i| i.is_open())
            .map(|i| i.impact)
            .max()
            .unwrap_or(Impact::None),
        ComponentState::UnderMaintenance | ComponentState::DegradedPerformance => Impact::Minor,
        ComponentState::PartialOutage => Impact::Major,
        ComponentState::MajorOutage => Impact::Critical,
    };
    Overall::of(indicator)
}

/// A span of time, in milliseconds since the epoch, during which a component was in a
/// state other than operational. `end` is exclusive.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: i64,
    end: i64,
    state: ComponentState,
}

/// Each configured component's last `DAYS` days (in `view.components` order).
pub fn histories(view: &StatusView) -> Vec<History> {
    let today = view.now.date_naive();
    let first = today
        .checked_sub_days(Days::new(DAYS as u64 - 1))
        .unwrap_or(today);
    let window_start = first.and_time(chrono::NaiveTime::MIN).and_utc();
    let window = (ms(window_start), ms(view.now).max(ms(window_start)));
    spans(view, window)
        .into_iter()
        .map(|spans| history(first, window, spans))
        .collect()
}

/// The non-operational spans of each configured component, clamped to `window`.
fn spans(view: &StatusView, (lo, hi): (i64, i64)) -> Vec<Vec<Span>> {
    let index = name_index(&view.components);
    let mut out = vec![Vec::new(); view.components.len()];
    for inc in &view.incidents {
        for (i, u) in inc.updates.iter().enumerate() {
            let end = match inc.updates.get(i + 1) {
                Some(next) => ms(next.posted_at),
                None => hi,
            };
            let (start, end) = (ms(u.posted_at).max(lo), end.min(hi));
            if end <= start {
                continue;
            }
            for (name, state) in held(u) {
                if *state == ComponentState::Operational {
                    continue;
                }
                if let Some(&c) = index.get(name.as_str()) {
                    out[c].push(Span {
                        start,
                        end,
                        state: *state,
                    });
                }
            }
        }
    }
    out
}

fn history(first: NaiveDate, (lo, hi): (i64, i64), mut spans: Vec<Span>) -> History {
    let mut worst = [ComponentState::Operational; DAYS];
    for s in &spans {
        let a = ((s.start - lo) / DAY_MS) as usize;
        let b = (((s.end - 1 - lo) / DAY_MS) as usize).min(DAYS - 1);
        for w in &mut worst[a..=b] {
            *w = (*w).max(s.state);
        }
    }
    spans.retain(|s| s.state >= ComponentState::PartialOutage);
    let down = union_length(&mut spans);
    let uptime = if hi > lo {
        100.0 * (1.0 - down as f64 / (hi - lo) as f64)
    } else {
        100.0
    };
    let days = worst
        .iter()
        .enumerate()
        .map(|(i, &w)| Day {
            date: first.checked_add_days(Days::new(i as u64)).unwrap_or(first),
            worst: w,
        })
        .collect();
    History {
        days,
        uptime,
        outage_days: worst
            .iter()
            .filter(|&&w| w >= ComponentState::PartialOutage)
            .count(),
    }
}

/// The total length covered by the spans, overlaps counted once.
fn union_length(spans: &mut [Span]) -> i64 {
    spans.sort_unstable_by_key(|s| s.start);
    let mut total = 0;
    let mut cur: Option<(i64, i64)> = None;
    for s in spans.iter() {
        cur = match cur {
            Some((a, b)) if s.start <= b => Some((a, b.max(s.end))),
            Some((a, b)) => {
                total += b - a;
                Some((s.start, s.end))
            }
            None => Some((s.start, s.end)),
        };
    }
    total + cur.map_or(0, |(a, b)| b - a)
}

fn name_index(components: &[ComponentConfig]) -> HashMap<&str, usize> {
    components
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect()
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::public::fixture::{at, outage, view};
    use ComponentState::*;

    /// The days that were not operational, as (days ago, state).
    fn bad_days(h: &History) -> Vec<(usize, ComponentState)> {
        h.days
            .iter()
            .enumerate()
            .filter(|(_, d)| d.worst != Operational)
            .map(|(i, d)| (DAYS - 1 - i, d.worst))
            .collect()
    }

    #[test]
    fn current_states_come_from_the_latest_update_of_open_incidents() {
        let v = view();
        // INC-3 is open but its latest update names nothing: Dashboard is operational.
        assert_eq!(current_states(&v), vec![PartialOutage, Operational]);
        let d = derive(&v);
        assert_eq!(d.overall.indicator, Impact::Major);
        assert_eq!(d.overall.description, "Partial System Outage");
        assert_eq!(d.components[0].config.name, "API");
        assert_eq!(d.components[0].current, PartialOutage);
    }

    #[test]
    fn indicator_words_follow_the_worst_component() {
        let mut v = view();
        let words = |v: &StatusView| {
            let o = overall(v, &current_states(v));
            (o.indicator.key(), o.description)
        };
        v.incidents[0].updates[1].components = vec![("API".into(), MajorOutage)];
        assert_eq!(words(&v), ("critical", "Major Service Outage"));
        v.incidents[0].updates[1].components = vec![("API".into(), UnderMaintenance)];
        assert_eq!(words(&v), ("minor", "Minor Service Outage"));
        v.incidents[0].updates[1].components = vec![("API".into(), DegradedPerformance)];
        assert_eq!(words(&v), ("minor", "Minor Service Outage"));
        // Open incidents naming no component: the worst open impact (INC-4 major).
        v.incidents[0].updates[1].components.clear();
        assert_eq!(words(&v), ("major", "Partial System Outage"));
        v.incidents.retain(|i| !i.is_open());
        assert_eq!(words(&v), ("none", "All Systems Operational"));
        v.incidents.clear();
        assert_eq!(words(&v), ("none", "All Systems Operational"));
    }

    #[test]
    fn ninety_days_golden() {
        let v = view();
        let d = derive(&v);
        let (api, dash) = (&d.components[0].history, &d.components[1].history);
        assert_eq!(api.days.len(), DAYS);
        assert_eq!(api.days[0].date, at(2025, 12, 21, 0, 0).date_naive());
        assert_eq!(api.days[DAYS - 1].date, at(2026, 3, 20, 0, 0).date_naive());
        // Today's partial outage; the 2-hour major outage of 10 days ago.
        assert_eq!(bad_days(api), vec![(10, MajorOutage), (0, PartialOutage)]);
        // The degraded night across midnight counts on both days; yesterday's hour.
        assert_eq!(
            bad_days(dash),
            vec![
                (6, DegradedPerformance),
                (5, DegradedPerformance),
                (1, MajorOutage)
            ]
        );
        assert_eq!((api.outage_days, dash.outage_days), (2, 1));
        // The window: 89 days + 15 hours = 129 060 minutes, to now.
        // API: 120 minutes 10 days ago + 55 minutes today. Dashboard: 60 minutes.
        let window = 129_060.0;
        assert!((api.uptime - 100.0 * (1.0 - 175.0 / window)).abs() < 1e-9);
        assert!((dash.uptime - 100.0 * (1.0 - 60.0 / window)).abs() < 1e-9);
        assert_eq!(api.uptime_label(), "99.86%");
        assert_eq!(dash.uptime_label(), "99.95%");
    }

    #[test]
    fn overlapping_outages_count_once_and_old_ones_are_clipped() {
        let mut v = view();
        v.incidents = vec![
            outage(
                7,
                &[("API", MajorOutage)],
                at(2026, 3, 1, 10, 0),
                at(2026, 3, 1, 12, 0),
            ),
            outage(
                8,
                &[("API", PartialOutage), ("API", DegradedPerformance)],
                at(2026, 3, 1, 11, 0),
                at(2026, 3, 1, 13, 0),
            ),
            // Began 100 days ago: only its part inside the window counts.
            outage(
                9,
                &[("Dashboard", MajorOutage)],
                at(2025, 12, 10, 0, 0),
                at(2025, 12, 21, 6, 0),
            ),
        ];
        let h = histories(&v);
        let window = 129_060.0;
        assert!((h[0].uptime - 100.0 * (1.0 - 180.0 / window)).abs() < 1e-9);
        assert_eq!(bad_days(&h[0]), vec![(19, MajorOutage)]);
        assert!((h[1].uptime - 100.0 * (1.0 - 360.0 / window)).abs() < 1e-9);
        assert_eq!(bad_days(&h[1]), vec![(89, MajorOutage)]);
        assert_eq!(
            histories(&StatusView {
                incidents: vec![],
                ..v
            })[0]
                .uptime_label(),
            "100%"
        );
    }

    #[test]
    fn a_resolved_update_ends_every_state() {
        let v = view();
        // INC-2's resolution names Dashboard (operational); INC-1's names nothing.
        assert!(held(&v.incidents[2].updates[1]).is_empty());
        assert_eq!(held_state(&v.incidents[0].updates[0], "API"), PartialOutage);
        assert_eq!(
            held_state(&v.incidents[0].updates[0], "Dashboard"),
            Operational
        );
    }
}
