//! The certificate watcher's settings (`[watch.certs]`): targets written as
//! `"host:port"` or as tables, parsed into endpoints ready to check, and what types
//! cannot check.

use serde::Deserialize;

use super::evaluate::{Subject, Thresholds};
use super::fetch;
use crate::domain::duration::Dur;

/// `[watch.certs]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertsConfig {
    pub schedule: String,
    pub channel: String,
    pub mention: Vec<String>,
    pub targets: Vec<TargetSpec>,
    pub files: Vec<String>,
    pub warning_days: Vec<i64>,
    pub critical_days: Vec<i64>,
    pub short_lived_days: i64,
    pub ca_bundle: String,
    pub timeout: Dur,
    pub concurrency: usize,
    pub runbook: String,
}

/// An endpoint as written in config: `"host:port"` or a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum TargetSpec {
    Addr(String),
    Full(TargetTable),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetTable {
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub sni: Option<String>,
    #[serde(default)]
    pub starttls: Option<String>,
    #[serde(default)]
    pub runbook: Option<String>,
    #[serde(default)]
    pub warning_days: Option<Vec<i64>>,
    #[serde(default)]
    pub critical_days: Option<Vec<i64>>,
}

/// An endpoint ready to check.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub sni: String,
    pub starttls: Option<fetch::Starttls>,
    pub runbook: Option<String>,
    pub thresholds: Thresholds,
}

impl Target {
    pub fn subject(&self) -> Subject {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let mut name = format!("{host}:{}", self.port);
        if self.sni != self.host {
            name.push_str(&format!(" ({})", self.sni));
        }
        Subject {
            key: format!(
                "cert:{}:{}{}",
                host,
                self.port,
                if self.sni != self.host {
                    format!("/{}", self.sni)
                } else {
                    String::new()
                }
            ),
            name,
            runbook: self.runbook.clone(),
        }
    }
}

/// Why an address is not `host`, `host:port`, `[v6]:port` or a bare IPv6 address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddrError {
    #[error("missing ]")]
    MissingBracket,
    #[error("`{0}` is not a port")]
    BadPort(String),
    #[error("unexpected `{0}`")]
    Trailing(String),
    #[error("`{0}` is not a host name")]
    BadHost(String),
}

/// Splits `host`, `host:port`, `[v6]:port` or a bare IPv6 address.
pub fn split_addr(s: &str) -> Result<(String, u16), AddrError> {
    let parse_port = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| AddrError::BadPort(p.to_string()))
    };
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or(AddrError::MissingBracket)?;
        let port = match after.strip_prefix(':') {
            Some(p) => parse_port(p)?,
            None if after.is_empty() => 443,
            None => return Err(AddrError::Trailing(after.to_string())),
        };
        return Ok((h.to_string(), port));
    }
    if s.matches(':').count() > 1 {
        return Ok((s.to_string(), 443));
    }
    let (h, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, parse_port(p)?),
        None => (s, 443),
    };
    if h.is_empty() || h.contains(char::is_whitespace) || h.contains('/') {
        return Err(AddrError::BadHost(h.to_string()));
    }
    Ok((h.to_string(), port))
}

fn check_days(key: &str, v: &[i64]) -> Result<(), (String, String)> {
    if v.iter().any(|d| *d < 0) {
        return Err((key.to_string(), format!("{v:?}: days must not be negative")));
    }
    Ok(())
}

impl CertsConfig {
    pub(super) fn base_thresholds(&self) -> Thresholds {
        Thresholds {
            warning_days: self.warning_days.clone(),
            critical_days: self.critical_days.clone(),
            short_lived_days: self.short_lived_days,
        }
    }

    fn global_runbook(&self) -> Option<String> {
        (!self.runbook.is_empty()).then(|| self.runbook.clone())
    }

    /// The endpoints, parsed; an error names the offending key.
    pub fn endpoints(&self, prefix: &str) -> Result<Vec<Target>, (String, String)> {
        self.targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let key = format!("{prefix}.targets[{i}]");
                match t {
                    TargetSpec::Addr(a) => self.addr_target(&key, a),
                    TargetSpec::Full(t) => self.table_target(&key, t),
                }
            })
            .collect()
    }

    /// A target written `"host:port"`: the global thresholds and runbook.
    fn addr_target(&self, key: &str, a: &str) -> Result<Target, (String, String)> {
        let (host, port) = split_addr(a)
            .map_err(|e| (key.to_string(), format!("`{a}`: {e}; expected host:port")))?;
        Ok(Target {
            sni: host.clone(),
            host,
            port,
            starttls: None,
            runbook: self.global_runbook(),
            thresholds: self.base_thresholds(),
        })
    }

    /// A target written as a table: its own port, SNI, STARTTLS, runbook and days
    /// where given.
    fn table_target(&self, key: &str, t: &TargetTable) -> Result<Target, (String, String)> {
        let (host, p) = split_addr(&t.host)
            .map_err(|e| (key.to_string(), format!("host `{}`: {e}", t.host)))?;
        let port = t.port.unwrap_or(p);
        let starttls = match t.starttls.as_deref() {
            None | Some("") => None,
            Some("smtp") => Some(fetch::Starttls::Smtp),
            Some(o) => {
                return Err((
                    format!("{key}.starttls"),
                    format!("`{o}`: only smtp is supported"),
                ));
            }
        };
        let mut th = self.base_thresholds();
        if let Some(w) = &t.warning_days {
            check_days(&format!("{key}.warning_days"), w)?;
            th.warning_days = w.clone();
        }
        if let Some(c) = &t.critical_days {
            check_days(&format!("{key}.critical_days"), c)?;
            th.critical_days = c.clone();
        }
        Ok(Target {
            sni: t.sni.clone().unwrap_or_else(|| host.clone()),
            host,
            port,
            starttls,
            runbook: t.runbook.clone().or(self.global_runbook()),
            thresholds: th,
        })
    }

    /// Checks what types cannot.
    pub fn validate(&self, prefix: &str) -> Result<(), (String, String)> {
        self.endpoints(prefix)?;
        check_days(&format!("{prefix}.warning_days"), &self.warning_days)?;
        check_days(&format!("{prefix}.critical_days"), &self.critical_days)?;
        crate::domain::schedule::Schedule::parse(&self.schedule)
            .map_err(|e| (format!("{prefix}.schedule"), e.to_string()))?;
        if self.concurrency == 0 {
            return Err((format!("{prefix}.concurrency"), "must be at least 1".into()));
        }
        if !self.ca_bundle.is_empty() && !std::path::Path::new(&self.ca_bundle).exists() {
            return Err((
                format!("{prefix}.ca_bundle"),
                format!("`{}` does not exist", self.ca_bundle),
            ));
        }
        for (i, f) in self.files.iter().enumerate() {
            if glob::Pattern::new(f).is_err() {
                return Err((
                    format!("{prefix}.files[{i}]"),
                    format!("`{f}` is not a path or glob"),
                ));
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            split_addr("api.example.com:8443"),
            Ok(("api.example.com".into(), 8443))
        );
        assert_eq!(
            split_addr("api.example.com"),
            Ok(("api.example.com".into(), 443))
        );
        assert_eq!(
            split_addr("[2001:db8::1]:993"),
            Ok(("2001:db8::1".into(), 993))
        );
        assert_eq!(split_addr("[::1]"), Ok(("::1".into(), 443)));
        assert_eq!(split_addr("::1"), Ok(("::1".into(), 443)));
        assert!(split_addr("host:notaport").is_err());
        assert!(split_addr("bad host:443").is_err());
        assert!(split_addr(":443").is_err());
    }

    #[test]
    fn keys_name_host_port_and_sni() {
        let t = Target {
            host: "10.0.0.5".into(),
            port: 443,
            sni: "api.example.com".into(),
            starttls: None,
            runbook: None,
            thresholds: Thresholds::default(),
        };
        assert_eq!(t.subject().key, "cert:10.0.0.5:443/api.example.com");
        let t = Target {
            host: "::1".into(),
            port: 8443,
            sni: "::1".into(),
            starttls: None,
            runbook: None,
            thresholds: Thresholds::default(),
        };
        assert_eq!(t.subject().key, "cert:[::1]:8443");
    }
}
