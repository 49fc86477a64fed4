//! Incident severity levels (SEV1..SEV4), as in the SRE seed's severity table.

use std::fmt;

/// How bad an incident is. SEV1 is the worst.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

/// A severity string that is none of sev1..sev4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}`: expected sev1, sev2, sev3 or sev4")]
pub struct BadSeverity(pub String);

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Sev1,
        Severity::Sev2,
        Severity::Sev3,
        Severity::Sev4,
    ];

    /// Accepts `sev2`, `SEV2`, `sev-2`, `2` and `s2`.
    pub fn parse(s: &str) -> Result<Severity, BadSeverity> {
        let lower = s.trim().to_ascii_lowercase();
        let digits = lower
            .strip_prefix("sev-")
            .or_else(|| lower.strip_prefix("sev"))
            .or_else(|| lower.strip_prefix('s'))
            .unwrap_or(&lower);
        match digits {
            "1" => Ok(Severity::Sev1),
            "2" => Ok(Severity::Sev2),
            "3" => Ok(Severity::Sev3),
            "4" => Ok(Severity::Sev4),
            _ => Err(BadSeverity(s.trim().to_string())),
        }
    }

    /// True when `s` looks like a severity token (so that `declare sev9 x` is an error
    /// rather than a title starting with "sev9").
    pub fn looks_like(s: &str) -> bool {
        let lower = s.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("sev-")
            .or_else(|| lower.strip_prefix("sev"));
        matches!(rest, Some(r) if !r.is_empty() && r.chars().all(|c| c.is_ascii_digit()))
    }

    pub fn number(self) -> i64 {
        match self {
            Severity::Sev1 => 1,
            Severity::Sev2 => 2,
            Severity::Sev3 => 3,
            Severity::Sev4 => 4,
        }
    }

    pub fn from_number(n: i64) -> Option<Severity> {
        match n {
            1 => Some(Severity::Sev1),
            2 => Some(Severity::Sev2),
            3 => Some(Severity::Sev3),
            4 => Some(Severity::Sev4),
            _ => None,
        }
    }

    /// The seed's name for the level.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Sev1 => "Critical",
            Severity::Sev2 => "Major",
            Severity::Sev3 => "Minor",
            Severity::Sev4 => "Low",
        }
    }

    /// The seed's expected response time for the level.
    pub fn response_time(self) -> &'static str {
        match self {
            Severity::Sev1 => "< 5 minutes",
            Severity::Sev2 => "< 15 minutes",
            Severity::Sev3 => "< 1 hour",
            Severity::Sev4 => "next business day",
        }
    }

    /// Lowercase config key (`sev1`).
    pub fn key(self) -> &'static str {
        match self {
            Severity::Sev1 => "sev1",
            Severity::Sev2 => "sev2",
            Severity::Sev3 => "sev3",
            Severity::Sev4 => "sev4",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Severity::Sev1 => ":red_circle:",
            Severity::Sev2 => ":large_orange_circle:",
            Severity::Sev3 => ":large_yellow_circle:",
            Severity::Sev4 => ":white_circle:",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SEV{}", self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        for (s, want) in [
            ("sev1", Severity::Sev1),
            ("SEV2", Severity::Sev2),
            ("Sev-3", Severity::Sev3),
            ("4", Severity::Sev4),
            ("s2", Severity::Sev2),
            (" sev1 ", Severity::Sev1),
        ] {
            assert_eq!(Severity::parse(s), Ok(want), "{s}");
        }
    }

    #[test]
    fn rejects_others_with_the_expected_values() {
        for s in ["sev0", "sev5", "sev", "", "high", "12"] {
            let err = Severity::parse(s).unwrap_err();
            assert!(
                err.to_string()
                    .contains("expected sev1, sev2, sev3 or sev4")
            );
        }
    }

    #[test]
    fn looks_like_only_sev_tokens() {
        assert!(Severity::looks_like("sev9"));
        assert!(Severity::looks_like("SEV-1"));
        assert!(!Severity::looks_like("several"));
        assert!(!Severity::looks_like("sev"));
        assert!(!Severity::looks_like("API"));
    }

    #[test]
    fn display_and_numbers_round_trip() {
        for s in Severity::ALL {
            assert_eq!(Severity::from_number(s.number()), Some(s));
            assert_eq!(Severity::parse(&s.to_string()), Ok(s));
        }
        assert_eq!(Severity::Sev2.to_string(), "SEV2");
        assert!(Severity::Sev1 < Severity::Sev4);
    }
}
