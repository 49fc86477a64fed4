//! Severity levels as the organisation configures them (`[[severities]]`, most severe
//! first; the shipped table is the seed's SEV1..SEV4): a [`Scale`] of [`Level`]s, and
//! [`Severity`], a small copyable handle on one level of it.
//!
//! A scale is built once when the configuration is read and lives for the whole
//! process, so a `Severity` carries its level's words (name, label, emoji) wherever it
//! goes, and two severities compare by rank: the lower the rank, the worse.

use std::fmt;

use chrono::Duration;

use super::keys::{is_key, or_list};

/// The most levels a scale may have.
pub const MAX_LEVELS: usize = 10;

/// The longest severity key (`sev0`, `p1`, `critical`).
pub const MAX_KEY_LEN: usize = 16;

/// One configured severity level.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// 1 for the most severe, then 2, 3 ...
    pub rank: u8,
    /// Lowercase key as stored and typed (`sev1`).
    pub key: String,
    /// As messages show it (`SEV1`).
    pub name: String,
    /// What the level means in a word or two (`Critical`).
    pub label: String,
    /// When to choose it, for the declare form and `help sev`.
    pub description: String,
    /// Slack emoji shown before the name (`:red_circle:`), or empty.
    pub emoji: String,
    /// The badge colour on the pages (`#b42318`), or empty for the page's own.
    pub colour: String,
    /// The expected response time, as people read it (`< 5 minutes`).
    pub response: String,
    /// The response target insights compare acknowledgements with; None for none.
    pub respond_within: Option<Duration>,
    /// How often an update is owed; None for never.
    pub update_every: Option<Duration>,
    /// Whether a commander who has not acted is escalated (the seed's SEV1 rule).
    pub escalate_silent_commander: bool,
    /// Paged through PagerDuty and Opsgenie (unless their own lists say otherwise).
    pub page: bool,
    /// Its Comms Lead is reminded to publish to the status page (unless
    /// `status.severities` says otherwise).
    pub status_page: bool,
    /// Owes a postmortem (unless `postmortem.required_for` or the type says otherwise).
    pub postmortem: bool,
    /// PagerDuty Events v2 `severity`: critical, error, warning or info.
    pub pagerduty_severity: String,
    /// PagerDuty incident urgency: high or low.
    pub pagerduty_urgency: String,
    /// Opsgenie priority: P1..P5.
    pub opsgenie_priority: String,
    /// Statuspage impact: critical, major, minor or none.
    pub statuspage_impact: String,
    /// Further spellings people type (`crit`), lowercase.
    pub aliases: Vec<String>,
}

impl Level {
    /// True when `typed` (squashed) is this level's key, name or an alias.
    fn named(&self, typed: &str) -> bool {
        !typed.is_empty()
            && (squash(&self.key) == typed
                || squash(&self.name) == typed
                || self.aliases.iter().any(|a| squash(a) == typed))
    }

    /// True when `typed` (squashed) is the digits of a key of letters then digits, alone
    /// or after its first letter (`2`, `s2` for `sev2`).
    fn shortened(&self, typed: &str) -> bool {
        split_digits(&self.key).is_some_and(|(letters, digits)| {
            !digits.is_empty()
                && (typed == digits
                    || letters
                        .get(..1)
                        .is_some_and(|first| typed == format!("{first}{digits}")))
        })
    }
}

/// The configured levels, most severe first.
#[derive(Debug)]
pub struct Scale {
    levels: Vec<&'static Level>,
}

/// A handle on one level of a [`Scale`].
#[derive(Clone, Copy)]
pub struct Severity(&'static Level);

/// A severity word that names no configured level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{word}`: expected {expected}")]
pub struct BadSeverity {
    pub word: String,
    pub expected: String,
}

impl Scale {
    /// The scale of `levels` (most severe first; ranks are set here), kept for the
    /// life of the process.
    pub fn leak(levels: Vec<Level>) -> &'static Scale {
        let levels = levels
            .into_iter()
            .enumerate()
            .map(|(i, mut l)| {
                l.rank = u8::try_from(i + 1).unwrap_or(u8::MAX);
                &*Box::leak(Box::new(l))
            })
            .collect();
        Box::leak(Box::new(Scale { levels }))
    }

    /// Every level, most severe first.
    pub fn all(&self) -> impl Iterator<Item = Severity> + '_ {
        self.levels.iter().map(|l| Severity(l))
    }

    pub fn len(&self) -> usize {
        self.levels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// The level stored under `key`, exactly.
    pub fn get(&self, key: &str) -> Option<Severity> {
        self.all().find(|s| s.key() == key)
    }

    /// The level a stored key reads as: the level with that key, else the one that
    /// lists it among its `aliases` (a key renamed or merged into another level).
    pub fn stored(&self, key: &str) -> Option<Severity> {
        self.get(key).or_else(|| {
            self.all()
                .find(|s| s.level().aliases.iter().any(|a| a == key))
        })
    }

    /// The level at `rank` (1 = most severe).
    pub fn by_rank(&self, rank: usize) -> Option<Severity> {
        rank.checked_sub(1)
            .and_then(|i| self.levels.get(i))
            .map(|l| Severity(l))
    }

    /// The least severe level.
    pub fn least(&self) -> Option<Severity> {
        self.levels.last().map(|l| Severity(l))
    }

    /// `sev1, sev2, sev3 or sev4`.
    pub fn expected(&self) -> String {
        let keys: Vec<&str> = self.levels.iter().map(|l| l.key.as_str()).collect();
        or_list(&keys).unwrap_or_else(|| "none configured".into())
    }

    /// Reads what people type: the key or name in any case (`sev2`, `SEV2`), with a
    /// dash (`sev-2`), a configured alias, and for a key of letters then digits its
    /// digits alone (`2`) or its first letter and digits (`s2`) when no other level
    /// shares them.
    pub fn parse(&self, s: &str) -> Result<Severity, BadSeverity> {
        let typed = squash(s);
        if let Some(sev) = self.named(&typed) {
            return Ok(sev);
        }
        let mut short = self.all().filter(|sev| sev.0.shortened(&typed));
        match (short.next(), short.next()) {
            (Some(sev), None) => Ok(sev),
            _ => Err(BadSeverity {
                word: s.trim().chars().take(30).collect(),
                expected: self.expected(),
            }),
        }
    }

    /// The level whose key, name or alias is `typed` (squashed).
    fn named(&self, typed: &str) -> Option<Severity> {
        self.all().find(|sev| sev.0.named(typed))
    }

    /// True when `word` is meant as a severity, rightly or not: it names a level, or
    /// it is a key's letters followed by digits (`sev9` when the keys are `sev1`..), so
    /// `declare sev9 x` is an error rather than a title starting with "sev9".
    pub fn looks_like(&self, word: &str) -> bool {
        let typed = squash(word);
        if self.named(&typed).is_some() {
            return true;
        }
        let Some((letters, digits)) = split_digits(&typed) else {
            return false;
        };
        !letters.is_empty()
            && !digits.is_empty()
            && self.levels.iter().any(|l| {
                split_digits(&l.key).is_some_and(|(kl, kd)| !kd.is_empty() && kl == letters)
            })
    }

    /// Problems with the levels as configured, each with the level's index.
    pub fn check(levels: &[Level]) -> Result<(), (usize, String)> {
        if levels.is_empty() {
            return Err((0, "at least one severity is needed".into()));
        }
        if levels.len() > MAX_LEVELS {
            return Err((MAX_LEVELS, format!("at most {MAX_LEVELS} severities")));
        }
        for (i, l) in levels.iter().enumerate() {
            if !is_key(&l.key, MAX_KEY_LEN) {
                return Err((
                    i,
                    format!(
                        "key `{}`: a lowercase letter, then letters, digits or -, at most {MAX_KEY_LEN}",
                        l.key.chars().take(30).collect::<String>()
                    ),
                ));
            }
            if levels[..i].iter().any(|o| o.key == l.key) {
                return Err((i, format!("key `{}` is used twice", l.key)));
            }
        }
        Ok(())
    }
}

/// Lowercase, without the dashes, underscores or spaces inside it (`Sev-2` → `sev2`;
/// `-1` stays as typed, so it is not `1`).
fn squash(s: &str) -> String {
    let s = s.trim();
    if s.starts_with(['-', '_']) || s.ends_with(['-', '_']) {
        return s.to_lowercase();
    }
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// `sev12` → (`sev`, `12`); None when letters follow digits.
fn split_digits(s: &str) -> Option<(&str, &str)> {
    let at = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
    let (letters, digits) = s.split_at(at);
    digits
        .chars()
        .all(|c| c.is_ascii_digit())
        .then_some((letters, digits))
}

impl Severity {
    /// Everything configured for this level.
    pub fn level(self) -> &'static Level {
        self.0
    }

    /// The lowercase key, as stored and typed (`sev1`).
    pub fn key(self) -> &'static str {
        &self.0.key
    }

    /// 1 for the most severe.
    pub fn rank(self) -> u8 {
        self.0.rank
    }

    /// What the level means (`Critical`).
    pub fn label(self) -> &'static str {
        &self.0.label
    }

    /// The expected response time, as people read it.
    pub fn response_time(self) -> &'static str {
        &self.0.response
    }

    pub fn emoji(self) -> &'static str {
        &self.0.emoji
    }

    /// True when `word` names this level the way [`Scale::parse`] reads it: the key,
    /// name or an alias, or the key's digits alone or after its first letter.
    pub fn matches(self, word: &str) -> bool {
        let typed = squash(word);
        self.0.named(&typed) || self.0.shortened(&typed)
    }

    /// Whether a severity list, when one is set, names this level; without one, the
    /// level's own `flag` decides (`page`, `status_page`, `postmortem`).
    pub fn chosen(self, list: Option<&[String]>, flag: fn(&Level) -> bool) -> bool {
        match list {
            Some(list) => list.iter().any(|s| self.matches(s)),
            None => flag(self.0),
        }
    }

    /// True when `self` is worse than `other`.
    pub fn worse_than(self, other: Severity) -> bool {
        self.rank() < other.rank()
    }
}

impl PartialEq for Severity {
    fn eq(&self, other: &Severity) -> bool {
        self.0.rank == other.0.rank && self.0.key == other.0.key
    }
}

impl Eq for Severity {}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Severity) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    /// The most severe first.
    fn cmp(&self, other: &Severity) -> std::cmp::Ordering {
        (self.0.rank, &self.0.key).cmp(&(other.0.rank, &other.0.key))
    }
}

impl std::hash::Hash for Severity {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.key.hash(h);
    }
}

impl fmt::Debug for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Severity({})", self.0.key)
    }
}

impl fmt::Display for Severity {
    /// The level's name (`SEV1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.name)
    }
}

impl serde::Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// The seed's SEV1..SEV4 as unit tests use them (the product reads its scale from
/// `config/default.toml`).
#[cfg(test)]
pub fn seed() -> &'static Scale {
    static SEED: std::sync::OnceLock<&'static Scale> = std::sync::OnceLock::new();
    SEED.get_or_init(|| {
        let level =
            |n: u8, label: &str, response: &str, within: Option<i64>, every: Option<i64>| Level {
                rank: n,
                key: format!("sev{n}"),
                name: format!("SEV{n}"),
                label: label.into(),
                description: String::new(),
                emoji: String::new(),
                colour: String::new(),
                response: response.into(),
                respond_within: within.map(Duration::minutes),
                update_every: every.map(Duration::minutes),
                escalate_silent_commander: n == 1,
                page: n <= 2,
                status_page: n <= 2,
                postmortem: n <= 2,
                pagerduty_severity: ["critical", "error", "warning", "info"][usize::from(n - 1)]
                    .into(),
                pagerduty_urgency: if n <= 2 { "high" } else { "low" }.into(),
                opsgenie_priority: format!("P{n}"),
                statuspage_impact: ["critical", "major", "minor", "none"][usize::from(n - 1)]
                    .into(),
                aliases: vec![],
            };
        Scale::leak(vec![
            level(1, "Critical", "< 5 minutes", Some(5), Some(15)),
            level(2, "Major", "< 15 minutes", Some(15), Some(30)),
            level(3, "Minor", "< 1 hour", Some(60), Some(60)),
            level(4, "Low", "next business day", None, None),
        ])
    })
}

/// The seed's level `n` (1..4), for unit tests.
#[cfg(test)]
pub fn sev(n: usize) -> Severity {
    seed().by_rank(n).expect("the seed has four levels")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        for (s, want) in [
            ("sev1", 1),
            ("SEV2", 2),
            ("Sev-3", 3),
            ("4", 4),
            ("s2", 2),
            (" sev1 ", 1),
        ] {
            assert_eq!(seed().parse(s), Ok(sev(want)), "{s}");
        }
    }

    #[test]
    fn rejects_others_with_the_expected_values() {
        for s in ["sev0", "sev5", "sev", "", "high", "12", "-"] {
            let err = seed().parse(s).unwrap_err();
            assert!(
                err.to_string()
                    .contains("expected sev1, sev2, sev3 or sev4"),
                "{s}: {err}"
            );
        }
    }

    fn custom(keys: &[&str]) -> &'static Scale {
        Scale::leak(
            keys.iter()
                .map(|k| Level {
                    key: k.to_string(),
                    name: k.to_ascii_uppercase(),
                    ..seed().by_rank(1).unwrap().level().clone()
                })
                .collect(),
        )
    }

    #[test]
    fn a_configured_scale_reads_its_own_words() {
        let s = custom(&["sev0", "sev1", "sev2"]);
        assert_eq!(s.parse("0").map(Severity::key), Ok("sev0"));
        assert_eq!(s.parse("s0").map(Severity::key), Ok("sev0"));
        assert_eq!(s.parse("SEV-0").map(Severity::key), Ok("sev0"));
        assert_eq!(s.parse("sev0").map(|v| v.rank()), Ok(1));
        assert!(s.parse("sev0").unwrap() < s.parse("sev2").unwrap());
        assert_eq!(s.parse("sev3").unwrap_err().expected, "sev0, sev1 or sev2");
        let p = custom(&["p1", "p2", "p3", "p4", "p5"]);
        assert_eq!(p.parse("P5").map(Severity::key), Ok("p5"));
        assert_eq!(p.parse("5").map(Severity::key), Ok("p5"));
        assert!(p.looks_like("p9") && !p.looks_like("s3") && !p.looks_like("sev1"));
        let words = custom(&["critical", "high", "low"]);
        assert_eq!(words.parse("HIGH").map(Severity::key), Ok("high"));
        assert!(words.looks_like("critical") && !words.looks_like("api"));
        assert!(words.parse("1").is_err());
    }

    #[test]
    fn digits_shared_by_two_keys_are_not_guessed() {
        let s = custom(&["sev1", "p1"]);
        assert!(s.parse("1").is_err());
        assert_eq!(s.parse("p1").map(Severity::key), Ok("p1"));
    }

    #[test]
    fn looks_like_only_severity_tokens() {
        assert!(seed().looks_like("sev9"));
        assert!(seed().looks_like("SEV-1"));
        assert!(!seed().looks_like("several"));
        assert!(!seed().looks_like("sev"));
        assert!(!seed().looks_like("API"));
        assert!(!seed().looks_like("2"), "a number starts a title");
        assert!(!seed().looks_like("s3"), "so does a bucket's name");
    }

    #[test]
    fn names_and_keys_round_trip() {
        for s in seed().all() {
            assert_eq!(seed().get(s.key()), Some(s));
            assert_eq!(seed().parse(&s.to_string()), Ok(s));
        }
        assert_eq!(sev(2).to_string(), "SEV2");
        assert!(sev(1) < sev(4) && sev(1).worse_than(sev(2)));
    }

    #[test]
    fn bad_tables_are_refused() {
        let l = |k: &str| Level {
            key: k.into(),
            ..sev(1).level().clone()
        };
        assert!(Scale::check(&[]).is_err());
        assert_eq!(Scale::check(&[l("sev1"), l("sev1")]).unwrap_err().0, 1);
        assert_eq!(Scale::check(&[l("Sev1")]).unwrap_err().0, 0);
        assert!(Scale::check(&[l("sev0"), l("sev1")]).is_ok());
    }
}
