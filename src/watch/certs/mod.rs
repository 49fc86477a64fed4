//! The certificate watcher: TLS endpoints (optionally behind SMTP STARTTLS) and PEM
//! files, checked concurrently with a per-target time limit; each yields findings for
//! expiry, host name, trust and self-signing.
//!
//! `config` parses the targets, `fetch` gets a presented chain, `chain` reads and
//! verifies it, `evaluate` turns it into findings, and `files` does the same for PEM
//! files.

pub mod chain;
mod config;
pub mod evaluate;
pub mod fetch;
mod files;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, TrustAnchor};

use crate::domain::finding::{Finding, Level};

pub use config::{AddrError, CertsConfig, Target, TargetSpec, TargetTable, split_addr};
pub use files::{CertFile, check_file, expand};

/// Why the trusted roots could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RootsError {
    #[error("ca_bundle {path}: {source}")]
    Unreadable { path: String, source: pem::Error },
    #[error("ca_bundle {0}: no certificates in it")]
    Empty(String),
}

/// Why the certificate watcher could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}: {1}")]
    Target(String, String),
    #[error(transparent)]
    Roots(#[from] RootsError),
    #[error(transparent)]
    Tls(#[from] fetch::FetchError),
}

/// Trusted roots: the system's (where readable) and the configured bundle.
pub fn roots(ca_bundle: &str) -> Result<Vec<TrustAnchor<'static>>, RootsError> {
    let mut ders: Vec<CertificateDer<'static>> = rustls_native_certs::load_native_certs().certs;
    if !ca_bundle.is_empty() {
        let extra: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(ca_bundle)
            .map_err(|source| RootsError::Unreadable {
                path: ca_bundle.to_string(),
                source,
            })?
            .filter_map(Result::ok)
            .collect();
        if extra.is_empty() {
            return Err(RootsError::Empty(ca_bundle.to_string()));
        }
        ders.extend(extra);
    }
    Ok(chain::anchors(&ders))
}

/// Runs every check once. The reason it cannot run at all is text, as the caller
/// (`app::watchers`) reports it beside its own.
pub async fn run(cfg: &CertsConfig, now: DateTime<Utc>) -> Result<Vec<Finding>, RunError> {
    let targets = cfg
        .endpoints("watch.certs")
        .map_err(|(k, p)| RunError::Target(k, p))?;
    let roots = roots(&cfg.ca_bundle)?;
    let tls = fetch::connector()?;
    let mut findings = check_endpoints(targets, &tls, &roots, cfg, now).await;
    let th = cfg.base_thresholds();
    let runbook = (!cfg.runbook.is_empty()).then(|| cfg.runbook.clone());
    for f in expand(&cfg.files) {
        findings.extend(check_file(&f, &roots, &th, runbook.clone(), now));
    }
    findings.sort_by(|a, b| b.level.rank().cmp(&a.level.rank()).then(a.key.cmp(&b.key)));
    Ok(findings)
}

/// Checks the endpoints, at most `concurrency` at a time, each within the timeout.
async fn check_endpoints(
    targets: Vec<Target>,
    tls: &tokio_rustls::TlsConnector,
    roots: &[TrustAnchor<'static>],
    cfg: &CertsConfig,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let limit: Duration = cfg.timeout.0;
    stream::iter(targets)
        .map(|t| {
            let tls = tls.clone();
            async move {
                let s = t.subject();
                match fetch::chain(&tls, &t.host, t.port, &t.sni, t.starttls, limit).await {
                    Err(e) => vec![evaluate::unreachable(&s, &e.to_string())],
                    Ok(certs) => match chain::analyze(&certs, roots, Some(&t.sni), now) {
                        Ok(a) => evaluate::endpoint(&s, &a, &t.thresholds, now),
                        Err(e) => vec![evaluate::unreachable(&s, &e.to_string())],
                    },
                }
            }
        })
        .buffer_unordered(cfg.concurrency.max(1))
        .flat_map(stream::iter)
        .collect()
        .await
}

/// True when any finding is critical.
pub fn any_critical(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.level == Level::Critical)
}
