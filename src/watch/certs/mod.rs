//! The certificate watcher: TLS endpoints (optionally behind SMTP STARTTLS) and PEM
//! files, checked concurrently with a per-target time limit; each yields findings for
//! expiry, host name, trust and self-signing.

pub mod chain;
pub mod evaluate;
pub mod fetch;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, TrustAnchor};
use serde::Deserialize;

use crate::domain::duration::Dur;
use crate::domain::finding::{Finding, Level};
use evaluate::{Subject, Thresholds};

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

/// Splits `host`, `host:port`, `[v6]:port` or a bare IPv6 address.
pub fn split_addr(s: &str) -> Result<(String, u16), String> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or("missing ]")?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("`{p}` is not a port"))?,
            None if after.is_empty() => 443,
            None => return Err(format!("unexpected `{after}`")),
        };
        return Ok((h.to_string(), port));
    }
    if s.matches(':').count() > 1 {
        return Ok((s.to_string(), 443));
    }
    let (h, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| format!("`{p}` is not a port"))?),
        None => (s, 443),
    };
    if h.is_empty() || h.contains(char::is_whitespace) || h.contains('/') {
        return Err(format!("`{h}` is not a host name"));
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
    fn base_thresholds(&self) -> Thresholds {
        Thresholds {
            warning_days: self.warning_days.clone(),
            critical_days: self.critical_days.clone(),
            short_lived_days: self.short_lived_days,
        }
    }

    /// The endpoints, parsed; an error names the offending key.
    pub fn endpoints(&self, prefix: &str) -> Result<Vec<Target>, (String, String)> {
        let base = self.base_thresholds();
        let global_runbook = (!self.runbook.is_empty()).then(|| self.runbook.clone());
        self.targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let key = format!("{prefix}.targets[{i}]");
                match t {
                    TargetSpec::Addr(a) => {
                        let (host, port) = split_addr(a).map_err(|e| {
                            (key.clone(), format!("`{a}`: {e}; expected host:port"))
                        })?;
                        Ok(Target {
                            sni: host.clone(),
                            host,
                            port,
                            starttls: None,
                            runbook: global_runbook.clone(),
                            thresholds: base.clone(),
                        })
                    }
                    TargetSpec::Full(t) => {
                        let (host, p) = split_addr(&t.host)
                            .map_err(|e| (key.clone(), format!("host `{}`: {e}", t.host)))?;
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
                        let mut th = base.clone();
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
                            runbook: t.runbook.clone().or(global_runbook.clone()),
                            thresholds: th,
                        })
                    }
                }
            })
            .collect()
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

/// Trusted roots: the system's (where readable) and the configured bundle.
pub fn roots(ca_bundle: &str) -> Result<Vec<TrustAnchor<'static>>, String> {
    let mut ders: Vec<CertificateDer<'static>> = rustls_native_certs::load_native_certs().certs;
    if !ca_bundle.is_empty() {
        let extra: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(ca_bundle)
            .map_err(|e| format!("ca_bundle {ca_bundle}: {e}"))?
            .filter_map(Result::ok)
            .collect();
        if extra.is_empty() {
            return Err(format!("ca_bundle {ca_bundle}: no certificates in it"));
        }
        ders.extend(extra);
    }
    Ok(chain::anchors(&ders))
}

/// A PEM file to check, and whether it was named outright (rather than found in a
/// directory or by a glob, where files without certificates, like a Kubernetes
/// secret's `tls.key`, are passed over).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CertFile {
    pub path: std::path::PathBuf,
    pub named: bool,
}

/// Expands files, directories and globs to PEM files.
pub fn expand(patterns: &[String]) -> Vec<CertFile> {
    let mut out = Vec::new();
    let found = |path| CertFile { path, named: false };
    for p in patterns {
        let path = std::path::Path::new(p);
        if path.is_dir() {
            if let Ok(rd) = std::fs::read_dir(path) {
                // Kubernetes mounts secrets through `..data` symlinks; the entries
                // themselves are what count, and hidden ones are its bookkeeping.
                let v = rd
                    .filter_map(Result::ok)
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .map(|e| e.path())
                    .filter(|p| p.is_file());
                out.extend(v.map(found));
            }
        } else if let Ok(g) = glob::glob(p) {
            let before = out.len();
            out.extend(g.filter_map(Result::ok).filter(|p| p.is_file()).map(found));
            if out.len() == before && !p.contains(['*', '?', '[']) {
                out.push(CertFile {
                    path: path.to_path_buf(),
                    named: true,
                });
            } else if let Some(f) = out.last_mut().filter(|f| f.path == path) {
                f.named = true;
            }
        }
    }
    out.sort();
    // A file both named and found is kept once, as named.
    out.reverse();
    out.dedup_by(|a, b| a.path == b.path);
    out.reverse();
    out
}

/// Findings for one PEM file: its first certificate is the leaf, judged with the
/// path that verifies from it through the certificates after it (so an expired
/// cross-signed root left in a `fullchain.pem` is no alarm), or with those
/// certificates linked by issuer when nothing verifies (a private CA).
pub fn check_file(
    file: &CertFile,
    roots: &[TrustAnchor<'static>],
    th: &Thresholds,
    runbook: Option<String>,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let path = &file.path;
    let name = path.display().to_string();
    let subject = Subject {
        key: format!("certfile:{name}"),
        name: name.clone(),
        runbook,
    };
    let certs: Result<Vec<CertificateDer<'static>>, String> = CertificateDer::pem_file_iter(path)
        .map_err(|e| e.to_string())
        .and_then(|it| it.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string()));
    let certs = match certs {
        Ok(c) if !c.is_empty() => c,
        Ok(_) if !file.named => return vec![],
        Ok(_) => {
            return vec![evaluate::unreachable(
                &subject,
                "no PEM certificate in the file",
            )];
        }
        Err(e) => {
            return vec![evaluate::unreachable(
                &subject,
                &format!("cannot read it ({e})"),
            )];
        }
    };
    if let Ok(a) = chain::analyze(&certs, roots, None, now) {
        return vec![evaluate::expiry(&subject, &a.path, th, now)];
    }
    // Not a leaf webpki can read (a CA certificate on its own, say): judge them all.
    let parsed: Result<Vec<chain::CertInfo>, String> =
        certs.iter().map(|c| chain::parse(c)).collect();
    match parsed {
        Ok(p) => vec![evaluate::expiry(&subject, &p, th, now)],
        Err(e) => vec![evaluate::unreachable(&subject, &e)],
    }
}

/// Runs every check once.
pub async fn run(cfg: &CertsConfig, now: DateTime<Utc>) -> Result<Vec<Finding>, String> {
    let targets = cfg
        .endpoints("watch.certs")
        .map_err(|(k, p)| format!("{k}: {p}"))?;
    let roots = roots(&cfg.ca_bundle)?;
    let tls = fetch::connector()?;
    let limit: Duration = cfg.timeout.0;
    let mut findings: Vec<Finding> = stream::iter(targets)
        .map(|t| {
            let tls = tls.clone();
            let roots = &roots;
            async move {
                let s = t.subject();
                match fetch::chain(&tls, &t.host, t.port, &t.sni, t.starttls, limit).await {
                    Err(e) => vec![evaluate::unreachable(&s, &e)],
                    Ok(certs) => match chain::analyze(&certs, roots, Some(&t.sni), now) {
                        Ok(a) => evaluate::endpoint(&s, &a, &t.thresholds, now),
                        Err(e) => vec![evaluate::unreachable(&s, &e)],
                    },
                }
            }
        })
        .buffer_unordered(cfg.concurrency.max(1))
        .flat_map(stream::iter)
        .collect()
        .await;
    let th = cfg.base_thresholds();
    let runbook = (!cfg.runbook.is_empty()).then(|| cfg.runbook.clone());
    for f in expand(&cfg.files) {
        findings.extend(check_file(&f, &roots, &th, runbook.clone(), now));
    }
    findings.sort_by(|a, b| b.level.rank().cmp(&a.level.rank()).then(a.key.cmp(&b.key)));
    Ok(findings)
}

/// True when any finding is critical.
pub fn any_critical(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.level == Level::Critical)
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
