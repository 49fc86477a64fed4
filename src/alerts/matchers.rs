//! Label matchers in Alertmanager's syntax: `severity="critical", service=~"api|web"`.
//! Routes and auto-declare rules select alerts with them. Four operators: `=`, `!=`,
//! `=~` and `!~` (regular expressions anchored at both ends, as in Alertmanager); a
//! missing label reads as the empty string.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;
use serde::{Deserialize, Deserializer};

/// Why a matcher list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    #[error(
        "`{0}` is not a matcher: expected name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\""
    )]
    Syntax(String),
    #[error("`{0}` is not a valid label name")]
    Name(String),
    #[error("the regular expression in `{0}` does not compile: {1}")]
    Regex(String, String),
    #[error("too many matchers ({0}; at most {MAX_MATCHERS})")]
    TooMany(usize),
}

/// Bounds: matchers come from configuration, but stay small anyway.
pub const MAX_MATCHERS: usize = 32;

#[derive(Debug, Clone)]
enum Op {
    Eq(String),
    Ne(String),
    Re(Regex),
    NotRe(Regex),
}

/// One `name op "value"`.
#[derive(Debug, Clone)]
pub struct Matcher {
    name: String,
    op: Op,
    text: String,
}

impl Matcher {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels.get(&self.name).map(String::as_str).unwrap_or("");
        match &self.op {
            Op::Eq(x) => v == x,
            Op::Ne(x) => v != x,
            Op::Re(r) => r.is_match(v),
            Op::NotRe(r) => !r.is_match(v),
        }
    }
}

/// A conjunction of matchers; the empty list matches everything.
#[derive(Debug, Clone, Default)]
pub struct Matchers(Vec<Matcher>);

impl Matchers {
    pub fn parse(s: &str) -> Result<Matchers, MatcherError> {
        let s = s.trim();
        let s = s
            .strip_prefix('{')
            .and_then(|r| r.strip_suffix('}'))
            .unwrap_or(s);
        let parts = split_top(s)?;
        if parts.len() > MAX_MATCHERS {
            return Err(MatcherError::TooMany(parts.len()));
        }
        parts
            .iter()
            .map(|p| one(p))
            .collect::<Result<Vec<_>, _>>()
            .map(Matchers)
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|m| m.matches(labels))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Matchers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = self.0.iter().map(|m| m.text.as_str()).collect();
        f.write_str(&parts.join(", "))
    }
}

impl<'de> Deserialize<'de> for Matchers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Matchers::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Splits on commas outside double quotes.
fn split_top(s: &str) -> Result<Vec<String>, MatcherError> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in s.chars() {
        match c {
            _ if escaped => {
                escaped = false;
                cur.push(c);
                continue;
            }
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if quoted {
        return Err(MatcherError::Syntax(s.to_string()));
    }
    parts.push(cur);
    Ok(parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect())
}

fn one(p: &str) -> Result<Matcher, MatcherError> {
    let syntax = || MatcherError::Syntax(p.to_string());
    let at = p.find(['=', '!']).ok_or_else(syntax)?;
    let name = p[..at].trim();
    let rest = &p[at..];
    let (op, value) = ["=~", "!~", "!=", "="]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|v| (*op, v.trim())))
        .ok_or_else(syntax)?;
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(MatcherError::Name(name.to_string()));
    }
    let value = unquote(value).ok_or_else(syntax)?;
    let re = |v: &str| {
        Regex::new(&format!("^(?:{v})$"))
            .map_err(|e| MatcherError::Regex(p.to_string(), e.to_string()))
    };
    let op = match op {
        "=" => Op::Eq(value),
        "!=" => Op::Ne(value),
        "=~" => Op::Re(re(&value)?),
        _ => Op::NotRe(re(&value)?),
    };
    Ok(Matcher {
        name: name.to_string(),
        op,
        text: p.to_string(),
    })
}

/// `"a \"b\""` → `a "b"`; a bare word is taken as it is.
fn unquote(v: &str) -> Option<String> {
    let Some(inner) = v.strip_prefix('"') else {
        return (!v.is_empty() && !v.contains(['"', ' '])).then(|| v.to_string());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next()?);
        } else {
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn all_four_operators() {
        let m =
            Matchers::parse(r#"severity="critical", service=~"api|web", env!="dev", team!~"x.*""#)
                .unwrap();
        let l = labels(&[("severity", "critical"), ("service", "api"), ("team", "db")]);
        assert!(m.matches(&l));
        assert!(!m.matches(&labels(&[("severity", "warning"), ("service", "api")])));
        // Regexes are anchored: `api|web` does not match `apis`.
        assert!(!m.matches(&labels(&[("severity", "critical"), ("service", "apis")])));
        assert!(!m.matches(&labels(&[
            ("severity", "critical"),
            ("service", "web"),
            ("env", "dev")
        ])));
        assert!(!m.matches(&labels(&[
            ("severity", "critical"),
            ("service", "web"),
            ("team", "xray")
        ])));
    }

    #[test]
    fn braces_quotes_commas_and_empty() {
        let m = Matchers::parse(r#"{summary="a, \"b\"", x=y}"#).unwrap();
        assert!(m.matches(&labels(&[("summary", "a, \"b\""), ("x", "y")])));
        assert!(Matchers::parse("").unwrap().matches(&labels(&[])));
        // A missing label reads as empty.
        assert!(Matchers::parse(r#"team="""#).unwrap().matches(&labels(&[])));
        assert_eq!(
            Matchers::parse(r#"a="1",  b!="2""#).unwrap().to_string(),
            r#"a="1", b!="2""#
        );
    }

    #[test]
    fn bad_matchers_say_why() {
        for bad in [
            r#"severity"#,
            r#"1x="a""#,
            r#"a="b"#,
            r#"a=~"(""#,
            r#"a=b c"#,
        ] {
            assert!(Matchers::parse(bad).is_err(), "{bad}");
        }
        let many = vec!["a=\"b\""; MAX_MATCHERS + 1].join(",");
        assert_eq!(
            Matchers::parse(&many).unwrap_err(),
            MatcherError::TooMany(MAX_MATCHERS + 1)
        );
    }
}
