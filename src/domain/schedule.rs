//! When recurring work runs: a cron expression (the familiar 5 fields, or the `cron`
//! crate's 6-7 fields with seconds) evaluated in the configured time zone, or a plain
//! interval (`every 15m`, or just `15m`).

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::domain::duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{expr}` is not a schedule: {why}; expected a cron expression such as \"0 9 * * MON\" (minute hour day month weekday) or an interval such as \"every 15m\""
)]
pub struct BadSchedule {
    pub expr: String,
    pub why: String,
}

/// A parsed schedule.
#[derive(Debug, Clone)]
pub enum Schedule {
    Cron {
        source: String,
        schedule: Box<cron::Schedule>,
    },
    Every(std::time::Duration),
}

impl Schedule {
    pub fn parse(expr: &str) -> Result<Schedule, BadSchedule> {
        let e = expr.trim();
        let bad = |why: String| BadSchedule {
            expr: expr.to_string(),
            why,
        };
        let interval = e.strip_prefix("every ").map(str::trim).unwrap_or(e);
        if let Ok(d) = duration::parse(interval) {
            if d.is_zero() {
                return Err(bad("an interval must be longer than zero".into()));
            }
            return Ok(Schedule::Every(d));
        }
        if e.starts_with("every ") {
            return Err(bad("the interval is not a duration".into()));
        }
        let fields: Vec<&str> = e.split_whitespace().collect();
        let six = match fields.len() {
            5 => {
                // Standard cron counts weekdays from 0 = Sunday; the `cron` crate from
                // 1 = Sunday. Names mean the same to both, so translate numbers.
                let dow = weekday_names(fields[4]).map_err(bad)?;
                format!(
                    "0 {} {} {} {} {dow}",
                    fields[0], fields[1], fields[2], fields[3]
                )
            }
            6 | 7 => e.to_string(),
            n => return Err(bad(format!("it has {n} fields"))),
        };
        let schedule = cron::Schedule::from_str(&six).map_err(|err| bad(err.to_string()))?;
        Ok(Schedule::Cron {
            source: e.to_string(),
            schedule: Box::new(schedule),
        })
    }

    /// The first run strictly after `after`, judged in `tz`.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Every(d) => Some(after + Duration::from_std(*d).ok()?),
            Schedule::Cron { schedule, .. } => schedule
                .after(&after.with_timezone(&tz))
                .next()
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// The expression as written (stored with pending jobs, so a changed schedule is
    /// noticed at start).
    pub fn source(&self) -> String {
        match self {
            Schedule::Cron { source, .. } => source.clone(),
            Schedule::Every(d) => format!("every {}s", d.as_secs()),
        }
    }
}

/// Translates a standard cron weekday field (0-7, 0 and 7 = Sunday) into names.
fn weekday_names(field: &str) -> Result<String, String> {
    const NAMES: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    let one = |t: &str| -> Result<String, String> {
        if t.chars().all(|c| c.is_ascii_digit()) {
            let n: usize = t.parse().map_err(|_| format!("weekday `{t}`"))?;
            NAMES
                .get(n)
                .map(|s| s.to_string())
                .ok_or_else(|| format!("weekday {n} is not 0-7"))
        } else {
            Ok(t.to_string())
        }
    };
    field
        .split(',')
        .map(|part| {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (part, None),
            };
            let range = match range.split_once('-') {
                Some((a, b)) => format!("{}-{}", one(a)?, one(b)?),
                None if range == "*" || range == "?" => range.to_string(),
                None => one(range)?,
            };
            Ok(match step {
                Some(s) => format!("{range}/{s}"),
                None => range,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(|v| v.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone, Timelike, Weekday};

    #[test]
    fn five_fields_with_numeric_weekdays_mean_what_cron_users_expect() {
        let s = Schedule::parse("0 9 * * 1").unwrap();
        // Sunday 2026-11-22 10:00 UTC → Monday 09:00.
        let next = s
            .next_after(
                Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap(),
                Tz::UTC,
            )
            .unwrap();
        assert_eq!(next.weekday(), Weekday::Mon);
        assert_eq!(next.hour(), 9);
        let s = Schedule::parse("30 8 * * 0").unwrap();
        let next = s
            .next_after(
                Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap(),
                Tz::UTC,
            )
            .unwrap();
        assert_eq!(next.weekday(), Weekday::Sun);
        assert_eq!((next.hour(), next.minute()), (8, 30));
        let s = Schedule::parse("0 9 * * 1-5").unwrap();
        let next = s
            .next_after(
                Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap(),
                Tz::UTC,
            )
            .unwrap();
        assert_eq!(next.weekday(), Weekday::Mon, "Saturday → Monday");
    }

    #[test]
    fn names_seconds_fields_and_time_zones() {
        let s = Schedule::parse("0 9 * * MON").unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let next = s
            .next_after(
                Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap(),
                berlin,
            )
            .unwrap();
        // 09:00 in Berlin (CET, UTC+1) is 08:00 UTC.
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap());
        let s = Schedule::parse("0 */15 * * * *").unwrap();
        let next = s
            .next_after(Utc.with_ymd_and_hms(2026, 1, 1, 0, 7, 0).unwrap(), Tz::UTC)
            .unwrap();
        assert_eq!(next.minute(), 15);
    }

    #[test]
    fn intervals() {
        let s = Schedule::parse("every 15m").unwrap();
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(s.next_after(t, Tz::UTC), Some(t + Duration::minutes(15)));
        assert!(matches!(Schedule::parse("6h"), Ok(Schedule::Every(_))));
    }

    #[test]
    fn rejects_nonsense_with_the_expression() {
        for e in [
            "",
            "every",
            "every soon",
            "0 9 * *",
            "61 9 * * *",
            "0 9 * * 9",
            "0 0 0 0 0 0 0 0",
            "every 0",
        ] {
            let err = Schedule::parse(e).unwrap_err();
            assert!(err.to_string().contains("is not a schedule"), "{e}: {err}");
        }
    }
}
