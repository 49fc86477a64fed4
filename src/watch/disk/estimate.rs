//! How full, how fast, and how bad: the fill rate from recent samples (a least-squares
//! slope over the growth since the last low point, so a log rotation does not hide a
//! disk filling again), the time until full, and the level with hysteresis (a disk
//! hovering at the line does not flap).

use chrono::{DateTime, Duration, Utc};

use crate::domain::finding::Level;

/// How usage is moving.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Growth {
    /// Not enough history yet.
    Unknown,
    /// Flat or shrinking (per hour, ≤ 0 or negligible).
    NotGrowing {
        per_hour: f64,
    },
    Growing {
        per_hour: f64,
    },
}

impl Growth {
    /// Time until `free` is used up at this rate.
    pub fn time_to_full(self, free: f64) -> Option<Duration> {
        match self {
            Growth::Growing { per_hour } if per_hour > 0.0 => {
                let hours = (free.max(0.0) / per_hour).min(24.0 * 3650.0);
                Some(Duration::seconds((hours * 3600.0) as i64))
            }
            _ => None,
        }
    }
}

/// Samples needed, and the span they must cover, before a rate is trusted.
pub const MIN_SAMPLES: usize = 3;
pub const MIN_SPAN_MINUTES: i64 = 5;

fn slope_per_hour(points: &[(DateTime<Utc>, f64)]) -> f64 {
    let t0 = points[0].0;
    let xs: Vec<f64> = points
        .iter()
        .map(|(t, _)| (*t - t0).num_milliseconds() as f64 / 3_600_000.0)
        .collect();
    let n = points.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = points.iter().map(|(_, y)| *y).sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (x, (_, y)) in xs.iter().zip(points) {
        num += (x - mx) * (y - my);
        den += (x - mx) * (x - mx);
    }
    if den == 0.0 { 0.0 } else { num / den }
}

/// The fill rate from `(time, used)` samples in time order. `size` tells what counts as
/// negligible (less than 0.01% of the size per hour).
pub fn fill_rate(samples: &[(DateTime<Utc>, f64)], size: f64) -> Growth {
    if samples.len() < MIN_SAMPLES
        || samples
            .last()
            .map(|s| s.0)
            .zip(samples.first().map(|s| s.0))
            .is_none_or(|(l, f)| l - f < Duration::minutes(MIN_SPAN_MINUTES))
    {
        return Growth::Unknown;
    }
    // Growth since the last low point: what was freed before it says nothing about now.
    let low = samples
        .iter()
        .enumerate()
        .min_by(|a, b| {
            a.1.1
                .partial_cmp(&b.1.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.0.cmp(&a.0))
        })
        .map(|(i, _)| i)
        .unwrap_or(0);
    let recent = &samples[low..];
    let enough = recent.len() >= MIN_SAMPLES
        && recent.last().unwrap().0 - recent[0].0 >= Duration::minutes(MIN_SPAN_MINUTES);
    let per_hour = if enough {
        slope_per_hour(recent)
    } else {
        slope_per_hour(samples)
    };
    if per_hour <= size * 0.0001 {
        Growth::NotGrowing { per_hour }
    } else {
        Growth::Growing { per_hour }
    }
}

/// Percent and time-to-full limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub warning: f64,
    pub critical: f64,
    /// A warning clears only below this.
    pub clear: f64,
    pub fill_warning: Duration,
    pub fill_critical: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            warning: 85.0,
            critical: 95.0,
            clear: 80.0,
            fill_warning: Duration::hours(24),
            fill_critical: Duration::hours(4),
        }
    }
}

/// What the last judgement said for each cause, so that each holds its own warning
/// (a disk warned about for its fill rate at 82% does not stay warned about for its
/// percentage once the rate calms down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prior {
    pub percent: Level,
    pub rate: Level,
}

impl From<Level> for Prior {
    /// Both causes at the same level (an earlier finding that did not tell them apart).
    fn from(l: Level) -> Prior {
        Prior {
            percent: l,
            rate: l,
        }
    }
}

/// The level for `percent` used and `to_full`, given the level before (hysteresis), and
/// how many limits are crossed (the step).
pub fn judge(
    percent: f64,
    to_full: Option<Duration>,
    before: impl Into<Prior>,
    l: &Limits,
) -> (Level, i32) {
    let (level, step, _) = judge_causes(percent, to_full, before.into(), l);
    (level, step)
}

/// As `judge`, also giving the level of each cause. Each has hysteresis: a percentage
/// warning clears only below the clear mark, a fill-rate warning only once the time to
/// full is half as long again as the warning line.
pub fn judge_causes(
    percent: f64,
    to_full: Option<Duration>,
    before: Prior,
    l: &Limits,
) -> (Level, i32, Prior) {
    let was_bad = |x: Level| matches!(x, Level::Warning | Level::Critical);
    let by_percent = if percent >= l.critical {
        Level::Critical
    } else if percent >= l.warning {
        Level::Warning
    } else if was_bad(before.percent) && percent >= l.clear {
        // Between the clear mark and the warning line: still a warning once raised.
        Level::Warning
    } else {
        Level::Ok
    };
    let by_rate = match to_full {
        Some(t) if t <= l.fill_critical => Level::Critical,
        Some(t) if t <= l.fill_warning => Level::Warning,
        Some(t) if was_bad(before.rate) && t <= l.fill_warning * 3 / 2 => Level::Warning,
        _ => Level::Ok,
    };
    let level = if by_rate.rank() > by_percent.rank() {
        by_rate
    } else {
        by_percent
    };
    let step = [
        percent >= l.warning,
        percent >= l.critical,
        to_full.is_some_and(|t| t <= l.fill_warning),
        to_full.is_some_and(|t| t <= l.fill_critical),
    ]
    .iter()
    .filter(|b| **b)
    .count() as i32;
    (
        level,
        step,
        Prior {
            percent: by_percent,
            rate: by_rate,
        },
    )
}

/// Bytes for people: `4.1 GiB`.
pub fn bytes(n: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n;
    let mut i = 0;
    while v.abs() >= 1024.0 && i < units.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} {}", units[i])
    } else {
        format!("{v:.1} {}", units[i])
    }
}

/// Counts for people: `1.2 M`.
pub fn count(n: f64) -> String {
    if n.abs() >= 1e6 {
        format!("{:.1} M", n / 1e6)
    } else if n.abs() >= 1e3 {
        format!("{:.1} k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(min)
    }

    const GB: f64 = 1e9;

    #[test]
    fn steady_growth() {
        let s: Vec<_> = (0..13)
            .map(|i| (t(i * 5), 40.0 * GB + i as f64 * 0.5 * GB))
            .collect();
        match fill_rate(&s, 100.0 * GB) {
            Growth::Growing { per_hour } => {
                assert!((per_hour - 6.0 * GB).abs() < 1e-3 * GB, "{per_hour}")
            }
            g => panic!("{g:?}"),
        }
        let eta = fill_rate(&s, 100.0 * GB).time_to_full(12.0 * GB).unwrap();
        assert_eq!(eta, Duration::hours(2));
    }

    #[test]
    fn bursty_growth_averages_out() {
        // Flat, then a jump, flat, another jump: 2 GB an hour on average.
        let mut s = Vec::new();
        for i in 0..=12 {
            let steps = (i / 3) as f64;
            s.push((t(i * 10), 10.0 * GB + steps * 1.0 * GB));
        }
        match fill_rate(&s, 100.0 * GB) {
            Growth::Growing { per_hour } => {
                assert!(per_hour > 1.0 * GB && per_hour < 3.0 * GB, "{per_hour}")
            }
            g => panic!("{g:?}"),
        }
    }

    #[test]
    fn shrinking_and_flat_are_not_growing() {
        let shrinking: Vec<_> = (0..10)
            .map(|i| (t(i * 5), 50.0 * GB - i as f64 * GB))
            .collect();
        assert!(
            matches!(fill_rate(&shrinking, 100.0 * GB), Growth::NotGrowing { per_hour } if per_hour < 0.0)
        );
        let flat: Vec<_> = (0..10).map(|i| (t(i * 5), 50.0 * GB)).collect();
        assert!(matches!(
            fill_rate(&flat, 100.0 * GB),
            Growth::NotGrowing { .. }
        ));
        assert_eq!(Growth::NotGrowing { per_hour: 0.0 }.time_to_full(GB), None);
    }

    #[test]
    fn growth_after_a_cleanup_counts_from_the_low_point() {
        // Filling, rotated logs freed 20 GB, filling again at 4 GB/h.
        let mut s: Vec<_> = (0..6)
            .map(|i| (t(i * 10), 60.0 * GB + i as f64 * GB))
            .collect();
        s.extend((0..7).map(|i| (t(60 + i * 10), 45.0 * GB + i as f64 * (4.0 / 6.0) * GB)));
        match fill_rate(&s, 100.0 * GB) {
            Growth::Growing { per_hour } => {
                assert!((per_hour - 4.0 * GB).abs() < 0.01 * GB, "{per_hour}")
            }
            g => panic!("{g:?}"),
        }
    }

    #[test]
    fn too_few_samples() {
        assert_eq!(
            fill_rate(&[(t(0), GB), (t(5), 2.0 * GB)], 10.0 * GB),
            Growth::Unknown
        );
        assert_eq!(
            fill_rate(&[(t(0), GB), (t(1), 2.0 * GB), (t(2), 3.0 * GB)], 10.0 * GB),
            Growth::Unknown,
            "3 samples in 2 minutes"
        );
        assert_eq!(fill_rate(&[], 10.0 * GB), Growth::Unknown);
    }

    #[test]
    fn hysteresis_keeps_a_warning_until_the_clear_mark() {
        let l = Limits::default();
        assert_eq!(judge(86.0, None, Level::Ok, &l), (Level::Warning, 1));
        assert_eq!(
            judge(83.0, None, Level::Ok, &l).0,
            Level::Ok,
            "below the line, never warned: fine"
        );
        assert_eq!(
            judge(83.0, None, Level::Warning, &l).0,
            Level::Warning,
            "hovering: stays a warning"
        );
        assert_eq!(
            judge(79.9, None, Level::Warning, &l).0,
            Level::Ok,
            "cleared below 80%"
        );
        assert_eq!(judge(96.0, None, Level::Ok, &l), (Level::Critical, 2));
        assert_eq!(judge(90.0, None, Level::Critical, &l).0, Level::Warning);
    }

    #[test]
    fn time_to_full_warns_below_the_percent_lines() {
        let l = Limits::default();
        assert_eq!(
            judge(50.0, Some(Duration::hours(20)), Level::Ok, &l),
            (Level::Warning, 1)
        );
        assert_eq!(
            judge(50.0, Some(Duration::hours(3)), Level::Ok, &l),
            (Level::Critical, 2)
        );
        assert_eq!(
            judge(50.0, Some(Duration::hours(30)), Level::Ok, &l),
            (Level::Ok, 0)
        );
        assert_eq!(
            judge(90.0, Some(Duration::hours(3)), Level::Ok, &l),
            (Level::Critical, 3)
        );
        // Each cause clears on its own terms.
        let rate_only = Prior {
            percent: Level::Ok,
            rate: Level::Warning,
        };
        assert_eq!(
            judge(82.0, None, rate_only, &l).0,
            Level::Ok,
            "82% never reached the 85% line"
        );
        assert_eq!(
            judge(82.0, None, Level::Warning, &l).0,
            Level::Warning,
            "a percentage warning holds above 80%"
        );
        assert_eq!(
            judge(50.0, Some(Duration::hours(30)), rate_only, &l).0,
            Level::Warning,
            "30 h to full: held"
        );
        assert_eq!(
            judge(50.0, Some(Duration::hours(37)), rate_only, &l).0,
            Level::Ok,
            "over 36 h: cleared"
        );
        let (_, _, causes) =
            judge_causes(90.0, Some(Duration::hours(30)), Prior::from(Level::Ok), &l);
        assert_eq!(
            causes,
            Prior {
                percent: Level::Warning,
                rate: Level::Ok
            }
        );
    }

    #[test]
    fn units() {
        assert_eq!(bytes(4.1 * 1024.0 * 1024.0 * 1024.0), "4.1 GiB");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(count(1_234_567.0), "1.2 M");
    }
}
