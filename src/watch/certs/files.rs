//! PEM files to check: configured files, directories and globs expanded (a Kubernetes
//! secret's mount included), and the findings for one file.

use chrono::{DateTime, Utc};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, TrustAnchor};

use super::evaluate::{self, Subject, Thresholds};
use super::{Finding, chain};

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
    let certs = match read_pem(path) {
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
    let parsed: Result<Vec<chain::CertInfo>, chain::ChainError> =
        certs.iter().map(|c| chain::parse(c)).collect();
    match parsed {
        Ok(p) => vec![evaluate::expiry(&subject, &p, th, now)],
        Err(e) => vec![evaluate::unreachable(&subject, &e.to_string())],
    }
}

/// Every certificate in a PEM file, in order.
fn read_pem(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, pem::Error> {
    CertificateDer::pem_file_iter(path)?.collect()
}
