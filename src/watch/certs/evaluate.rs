//! Turning an analysed chain into findings: expiry against day thresholds (or, for
//! short-lived certificates, against the share of their lifetime left), and the
//! problems that are not about time: wrong host name, untrusted chain, self-signed
//! leaf. Each has its own key, so each is warned about (and recovers) on its own.

use chrono::{DateTime, Utc};

use super::chain::{Analysis, CertInfo};
use crate::domain::finding::{DeclareAs, Finding, Level};

pub const WATCHER: &str = "certs";

/// When to warn.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub warning_days: Vec<i64>,
    pub critical_days: Vec<i64>,
    pub short_lived_days: i64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            warning_days: vec![30, 14],
            critical_days: vec![7, 3, 1],
            short_lived_days: 100,
        }
    }
}

/// What is being checked, for keys and messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// Base of the finding keys, e.g. `cert:api.example.com:443`.
    pub key: String,
    /// For people, e.g. `api.example.com:443`.
    pub name: String,
    pub runbook: Option<String>,
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn days(d: chrono::Duration) -> String {
    let n = d.num_days();
    match n {
        0 => format!("{} hours", d.num_hours().max(0)),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

fn role(path: &[CertInfo], c: &CertInfo) -> &'static str {
    if path.first().is_some_and(|l| l.der == c.der) {
        "leaf"
    } else {
        "intermediate"
    }
}

/// Level and step for `left` time before `cert` expires.
pub fn judge(
    cert: &CertInfo,
    left: chrono::Duration,
    th: &Thresholds,
) -> (Level, i32, &'static str) {
    if left <= chrono::Duration::zero() {
        let all = th.warning_days.len() + th.critical_days.len();
        return (Level::Critical, all as i32 + 1, "expired");
    }
    let lifetime = cert.lifetime();
    if lifetime > chrono::Duration::zero()
        && lifetime <= chrono::Duration::days(th.short_lived_days)
    {
        let frac = left.num_seconds() as f64 / lifetime.num_seconds() as f64;
        return if frac < 0.10 {
            (Level::Critical, 2, "under 10% of its lifetime left")
        } else if frac < 1.0 / 3.0 {
            (
                Level::Warning,
                1,
                "under a third of its lifetime left: renewal is overdue",
            )
        } else {
            (Level::Ok, 0, "")
        };
    }
    let d = left.num_seconds() as f64 / 86_400.0;
    let mut all: Vec<i64> = th
        .warning_days
        .iter()
        .chain(th.critical_days.iter())
        .copied()
        .collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    let step = all.iter().filter(|t| d <= **t as f64).count() as i32;
    let crit = th.critical_days.iter().max().copied().unwrap_or(0) as f64;
    let warn = th.warning_days.iter().max().copied().unwrap_or(0) as f64;
    if d <= crit {
        (Level::Critical, step, "")
    } else if d <= warn {
        (Level::Warning, step, "")
    } else {
        (Level::Ok, 0, "")
    }
}

/// The expiry finding of a path (leaf first): the earliest `notAfter` in it decides.
pub fn expiry(s: &Subject, path: &[CertInfo], th: &Thresholds, now: DateTime<Utc>) -> Finding {
    let leaf = &path[0];
    let earliest = path.iter().min_by_key(|c| c.not_after).unwrap_or(leaf);
    let left = earliest.not_after - now;
    let (level, step, why) = judge(earliest, left, th);
    let which = role(path, earliest);
    let summary = expiry_summary(&s.name, which, left);
    let mut f = Finding::new(
        WATCHER,
        s.key.clone(),
        s.name.clone(),
        level,
        summary.clone(),
    );
    f.step = step;
    f.fingerprint = Some(leaf.fingerprint.clone());
    f.runbook = s.runbook.clone();
    f.facts.insert(
        "days_left".into(),
        (left.num_seconds() as f64 / 86_400.0 * 10.0).round() / 10.0,
    );
    f.facts.insert(
        "lifetime_days".into(),
        earliest.lifetime().num_days() as f64,
    );
    f.details
        .extend(expiry_details(leaf, earliest, which, left, why));
    f.incident_title = summary;
    f.incident_severity = match level {
        Level::Critical if left <= chrono::Duration::zero() => DeclareAs::Outage,
        Level::Critical => DeclareAs::Critical,
        _ => DeclareAs::Warning,
    };
    if level == Level::Ok {
        f.summary = format!(
            "The TLS certificate of {} is valid until {}",
            s.name,
            utc(earliest.not_after)
        );
    }
    f
}

/// "expires in" or "expired ago", naming the intermediate when it is the one.
fn expiry_summary(name: &str, which: &str, left: chrono::Duration) -> String {
    let what = if which == "leaf" {
        "certificate".to_string()
    } else {
        "certificate chain (an intermediate)".to_string()
    };
    if left <= chrono::Duration::zero() {
        format!("The TLS {what} of {name} expired {} ago", days(-left))
    } else {
        format!("The TLS {what} of {name} expires in {}", days(left))
    }
}

/// When it expires and why that level, which certificate expires first, and the leaf.
fn expiry_details(
    leaf: &CertInfo,
    earliest: &CertInfo,
    which: &str,
    left: chrono::Duration,
    why: &str,
) -> Vec<String> {
    let mut out = vec![format!(
        "Expires: *{}* ({})",
        utc(earliest.not_after),
        if left > chrono::Duration::zero() {
            format!("in {}", days(left))
        } else {
            format!("{} ago", days(-left))
        }
    )];
    if !why.is_empty() {
        out.push(format!(
            "Judged by lifetime ({} days): {why}",
            earliest.lifetime().num_days()
        ));
    }
    out.push(format!(
        "Earliest expiry in the chain: the {which}, `{}` (issued by `{}`)",
        earliest.subject, earliest.issuer
    ));
    if which != "leaf" {
        out.push(format!("The leaf itself expires {}", utc(leaf.not_after)));
    }
    out.push(format!(
        "Leaf: `{}` covering {}",
        leaf.subject,
        if leaf.names.is_empty() {
            "no names".to_string()
        } else {
            leaf.names.join(", ")
        }
    ));
    out.push(format!(
        "Fingerprint (SHA-256): {}",
        &leaf.fingerprint[..16]
    ));
    out
}

fn problem(
    s: &Subject,
    suffix: &str,
    level: Level,
    summary: String,
    detail: Option<String>,
    fp: &str,
) -> Finding {
    let mut f = Finding::new(
        WATCHER,
        format!("{}:{suffix}", s.key),
        s.name.clone(),
        level,
        summary,
    );
    f.fingerprint = Some(fp.to_string());
    f.runbook = s.runbook.clone();
    f.details.extend(detail);
    f.incident_severity = DeclareAs::Critical;
    f
}

/// Every finding for an endpoint whose chain could be read.
pub fn endpoint(s: &Subject, a: &Analysis, th: &Thresholds, now: DateTime<Utc>) -> Vec<Finding> {
    let fp = a.leaf.fingerprint.as_str();
    let mut out = vec![expiry(s, &a.path, th, now)];
    out.push(match &a.name_error {
        Some(e) => problem(
            s,
            "name",
            Level::Critical,
            format!("The TLS certificate of {} is for another name", s.name),
            Some(format!(
                "{}. Clients will refuse the connection.",
                capital(e)
            )),
            fp,
        ),
        None => problem(
            s,
            "name",
            Level::Ok,
            format!("The certificate of {} covers its name", s.name),
            None,
            fp,
        ),
    });
    let self_signed = a.leaf.self_issued;
    out.push(if self_signed {
        problem(
            s,
            "self-signed",
            Level::Critical,
            format!("{} presents a self-signed certificate", s.name),
            Some(format!(
                "`{}` signed itself; clients that verify will refuse it.",
                a.leaf.subject
            )),
            fp,
        )
    } else {
        problem(
            s,
            "self-signed",
            Level::Ok,
            format!("{} presents a CA-issued certificate", s.name),
            None,
            fp,
        )
    });
    out.push(match (&a.untrusted, self_signed) {
        (Some(e), false) => problem(
            s,
            "trust",
            Level::Critical,
            format!("The certificate chain of {} does not verify", s.name),
            Some(format!(
                "{}. Presented: {}.",
                capital(e),
                a.path
                    .iter()
                    .map(|c| format!("`{}`", c.subject))
                    .collect::<Vec<_>>()
                    .join(" → ")
            )),
            fp,
        ),
        _ => problem(
            s,
            "trust",
            Level::Ok,
            format!("The certificate chain of {} verifies", s.name),
            a.anchor.as_ref().map(|r| format!("Trusted root: `{r}`")),
            fp,
        ),
    });
    out
}

/// The endpoint could not be checked: the watcher is blind there.
pub fn unreachable(s: &Subject, why: &str) -> Finding {
    let mut f = Finding::new(
        WATCHER,
        s.key.clone(),
        s.name.clone(),
        Level::Unknown,
        format!("Could not check the TLS certificate of {}: {why}", s.name),
    );
    f.runbook = s.runbook.clone();
    f.details.push(
        "A check that cannot run is not a passing check: the certificate may expire unnoticed."
            .into(),
    );
    f.incident_severity = DeclareAs::Warning;
    f
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn cert(not_before: DateTime<Utc>, not_after: DateTime<Utc>, subject: &str) -> CertInfo {
        CertInfo {
            der: subject.as_bytes().to_vec(),
            subject: subject.into(),
            issuer: "CN=CA".into(),
            not_before,
            not_after,
            fingerprint: format!("{:0<64}", hex::encode(subject)),
            names: vec!["api.example.com".into()],
            self_issued: false,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
    }

    fn subject() -> Subject {
        Subject {
            key: "cert:api.example.com:443".into(),
            name: "api.example.com:443".into(),
            runbook: Some("https://runbooks/tls".into()),
        }
    }

    fn year_cert(days_left: i64) -> CertInfo {
        cert(
            now() - Duration::days(365 - days_left),
            now() + Duration::days(days_left),
            "CN=api.example.com",
        )
    }

    #[test]
    fn day_thresholds_give_levels_and_steps() {
        let th = Thresholds::default();
        let cases = [
            (40, Level::Ok, 0),
            (30, Level::Warning, 1),
            (20, Level::Warning, 1),
            (14, Level::Warning, 2),
            (5, Level::Critical, 3),
            (3, Level::Critical, 4),
            (1, Level::Critical, 5),
        ];
        for (d, level, step) in cases {
            let f = expiry(&subject(), &[year_cert(d)], &th, now());
            assert_eq!((f.level, f.step), (level, step), "{d} days");
        }
        let f = expiry(&subject(), &[year_cert(5)], &th, now());
        assert_eq!(
            f.summary,
            "The TLS certificate of api.example.com:443 expires in 5 days"
        );
        assert!(f.details[0].contains("2026-06-06 12:00:00 UTC"));
        assert_eq!(f.facts["days_left"], 5.0);
        assert_eq!(f.incident_severity, DeclareAs::Critical);
    }

    #[test]
    fn expired_is_critical_with_the_time_since() {
        let f = expiry(&subject(), &[year_cert(-3)], &Thresholds::default(), now());
        assert_eq!(f.level, Level::Critical);
        assert_eq!(
            f.summary,
            "The TLS certificate of api.example.com:443 expired 3 days ago"
        );
        assert_eq!(f.incident_severity, DeclareAs::Outage);
        assert!(f.facts["days_left"] < 0.0);
    }

    #[test]
    fn an_intermediate_expiring_first_decides() {
        let leaf = year_cert(200);
        let mut inter = cert(
            now() - Duration::days(3000),
            now() + Duration::days(10),
            "CN=Intermediate",
        );
        inter.issuer = "CN=Root".into();
        let f = expiry(&subject(), &[leaf, inter], &Thresholds::default(), now());
        assert_eq!(f.level, Level::Warning);
        assert!(
            f.summary.contains("certificate chain (an intermediate)"),
            "{}",
            f.summary
        );
        assert!(
            f.details
                .iter()
                .any(|d| d.contains("the intermediate, `CN=Intermediate`"))
        );
    }

    #[test]
    fn short_lived_certificates_are_judged_by_lifetime_left() {
        let th = Thresholds::default();
        // A 90-day ACME certificate with 40 days left is fine; with 25 (under a third) it is overdue.
        let acme = |left: i64| {
            cert(
                now() - Duration::days(90 - left),
                now() + Duration::days(left),
                "CN=acme",
            )
        };
        assert_eq!(expiry(&subject(), &[acme(40)], &th, now()).level, Level::Ok);
        assert_eq!(
            expiry(&subject(), &[acme(25)], &th, now()).level,
            Level::Warning
        );
        assert_eq!(
            expiry(&subject(), &[acme(8)], &th, now()).level,
            Level::Critical
        );
        // A 6-day certificate with 5 days left is healthy, not "critical under 7 days".
        let short = cert(
            now() - Duration::days(1),
            now() + Duration::days(5),
            "CN=short",
        );
        assert_eq!(expiry(&subject(), &[short], &th, now()).level, Level::Ok);
    }

    #[test]
    fn per_target_thresholds() {
        let th = Thresholds {
            warning_days: vec![60],
            critical_days: vec![20],
            short_lived_days: 0,
        };
        assert_eq!(
            expiry(&subject(), &[year_cert(50)], &th, now()).level,
            Level::Warning
        );
        assert_eq!(
            expiry(&subject(), &[year_cert(19)], &th, now()).level,
            Level::Critical
        );
    }
}
