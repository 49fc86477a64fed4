//! Human durations as written in config and commands (`90s`, `15m`, `1h30m`, `2d`), and
//! their rendering (`1 h 45 min`).

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a duration: expected a number with a unit, like 30s, 15m, 1h30m or 2d")]
pub struct BadDuration(pub String);

/// Parses `500ms`, `30s`, `15m`, `1h30m`, `2d`, `1w`. A bare `0` is zero.
pub fn parse(s: &str) -> Result<Duration, BadDuration> {
    let t = s.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    let bad = || BadDuration(s.to_string());
    let mut total: u128 = 0;
    let mut rest = t;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: u128 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        let ms: u128 = match unit {
            "ms" => 1,
            "s" | "sec" | "secs" => 1_000,
            "m" | "min" | "mins" => 60_000,
            "h" | "hr" | "hrs" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            "w" | "week" | "weeks" => 604_800_000,
            _ => return Err(bad()),
        };
        total = total
            .checked_add(n.checked_mul(ms).ok_or_else(bad)?)
            .ok_or_else(bad)?;
    }
    u64::try_from(total)
        .map(Duration::from_millis)
        .map_err(|_| bad())
}

/// `1 h 45 min`, `23 min`, `40 s`, `3 d 2 h`: the two largest units, for people.
pub fn human(d: chrono::Duration) -> String {
    let secs = d.num_seconds();
    let (neg, secs) = if secs < 0 {
        (true, -secs)
    } else {
        (false, secs)
    };
    let days = secs / 86_400;
    let hours = (secs % 86_400) / 3_600;
    let mins = (secs % 3_600) / 60;
    let s = secs % 60;
    let text = if days > 0 {
        if hours > 0 {
            format!("{days} d {hours} h")
        } else {
            format!("{days} d")
        }
    } else if hours > 0 {
        if mins > 0 {
            format!("{hours} h {mins} min")
        } else {
            format!("{hours} h")
        }
    } else if mins > 0 {
        format!("{mins} min")
    } else {
        format!("{s} s")
    };
    if neg { format!("-{text}") } else { text }
}

/// A duration written as `30s`, `15m`, `1h30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl<'de> serde::Deserialize<'de> for Dur {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Dur, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        parse(&s).map(Dur).map_err(|_| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(&s),
                &"a duration such as 30s, 15m, 1h30m or 2d",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse("1w"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "m",
            "15",
            "15x",
            "-5m",
            "1.5h",
            "99999999999999999999999d",
        ] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn humanises() {
        let d = chrono::Duration::seconds;
        assert_eq!(human(d(40)), "40 s");
        assert_eq!(human(d(23 * 60)), "23 min");
        assert_eq!(human(d(105 * 60)), "1 h 45 min");
        assert_eq!(human(d(3600)), "1 h");
        assert_eq!(human(d(2 * 86_400 + 3 * 3600 + 5)), "2 d 3 h");
        assert_eq!(human(d(-120)), "-2 min");
    }
}
