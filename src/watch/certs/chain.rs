//! Reading a certificate chain: each certificate's names, validity and fingerprint
//! (x509-parser), the path that actually verifies from the leaf to a trusted root
//! (rustls-webpki, at the watcher's own clock), and whether the leaf covers the host
//! name. Only the leaf and the verified path are judged, never extra certificates a
//! server happens to send (an expired cross-signed root in a bundle is no alarm).

use chrono::{DateTime, TimeZone, Utc};
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use sha2::{Digest, Sha256};
use x509_parser::prelude::*;

/// What one certificate says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct CertInfo {
    pub der: Vec<u8>,
    pub subject: String,
    pub issuer: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// SHA-256 of the DER, hex.
    pub fingerprint: String,
    /// DNS names and IP addresses it covers.
    pub names: Vec<String>,
    pub self_issued: bool,
}

impl CertInfo {
    pub fn lifetime(&self) -> chrono::Duration {
        self.not_after - self.not_before
    }
}

fn time(t: ASN1Time) -> DateTime<Utc> {
    Utc.timestamp_opt(t.timestamp(), 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// Why a chain could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("not an X.509 certificate: {0}")]
    NotX509(#[source] x509_parser::nom::Err<X509Error>),
    #[error("the server presented no certificate")]
    Empty,
    #[error("the leaf cannot be read: {0}")]
    UnreadableLeaf(#[source] webpki::Error),
}

/// Parses one DER certificate.
pub fn parse(der: &[u8]) -> Result<CertInfo, ChainError> {
    let (_, cert) = X509Certificate::from_der(der).map_err(ChainError::NotX509)?;
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    Ok(CertInfo {
        der: der.to_vec(),
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        subject,
        issuer,
        not_before: time(cert.validity().not_before),
        not_after: time(cert.validity().not_after),
        fingerprint: hex::encode(Sha256::digest(der)),
        names: names(&cert),
    })
}

/// The DNS names and IP addresses of the subjectAltName.
fn names(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => names.push(d.to_string()),
                GeneralName::IPAddress(ip) => match ip.len() {
                    4 => {
                        names.push(std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string())
                    }
                    16 => {
                        let mut a = [0u8; 16];
                        a.copy_from_slice(ip);
                        names.push(std::net::Ipv6Addr::from(a).to_string());
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    names
}

/// A chain as judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub leaf: CertInfo,
    /// The leaf and the intermediates of the verified path (or, when nothing verifies,
    /// the presented certificates linked by issuer name).
    pub path: Vec<CertInfo>,
    /// The verification failure, if any.
    pub untrusted: Option<String>,
    pub anchor: Option<String>,
    /// The name check, when a host name was expected.
    pub name_error: Option<String>,
}

fn describe(e: &webpki::Error) -> String {
    match e {
        webpki::Error::UnknownIssuer => {
            "issued by a CA that is not trusted (unknown issuer)".into()
        }
        webpki::Error::CertExpired { .. } => "a certificate in the chain has expired".into(),
        webpki::Error::CertNotValidYet { .. } => {
            "a certificate in the chain is not valid yet".into()
        }
        webpki::Error::InvalidSignatureForPublicKey => {
            "a signature in the chain does not verify".into()
        }
        webpki::Error::CaUsedAsEndEntity => "the leaf is a CA certificate".into(),
        webpki::Error::RequiredEkuNotFoundContext(_) => {
            "the certificate is not for TLS servers (extended key usage)".into()
        }
        other => format!("the chain does not verify ({other})"),
    }
}

fn unix(t: DateTime<Utc>) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(t.timestamp().max(0) as u64))
}

/// Links presented certificates by issuer name, starting at the leaf.
fn linked(leaf: &CertInfo, others: &[CertInfo]) -> Vec<CertInfo> {
    let mut path = vec![leaf.clone()];
    let mut current = leaf.clone();
    while !current.self_issued {
        match others
            .iter()
            .find(|c| c.subject == current.issuer && !path.iter().any(|p| p.der == c.der))
        {
            Some(next) => {
                path.push(next.clone());
                current = next.clone();
            }
            None => break,
        }
    }
    path
}

/// Judges a presented chain (leaf first) against trusted roots at `now`.
pub fn analyze(
    chain: &[CertificateDer<'_>],
    roots: &[TrustAnchor<'static>],
    host: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Analysis, ChainError> {
    let Some(leaf_der) = chain.first() else {
        return Err(ChainError::Empty);
    };
    let leaf = parse(leaf_der)?;
    let others: Vec<CertInfo> = chain[1..].iter().filter_map(|c| parse(c).ok()).collect();
    let ee = webpki::EndEntityCert::try_from(leaf_der).map_err(ChainError::UnreadableLeaf)?;
    let (path, untrusted, anchor) = match verified(&ee, &chain[1..], roots, &leaf, &others, now) {
        Ok((inter, anchor)) => {
            let mut path = vec![leaf.clone()];
            path.extend(inter);
            (path, None, Some(anchor))
        }
        Err(e) => (linked(&leaf, &others), Some(describe(&e)), None),
    };
    let name_error = host.and_then(|h| name_error(&ee, &leaf, h));
    Ok(Analysis {
        leaf,
        path,
        untrusted,
        anchor,
        name_error,
    })
}

/// The intermediates of the path that verifies from the leaf, and its root's name.
/// Expiry is judged separately (with thresholds), so when `now` is outside some
/// certificate's validity the path is looked for at a moment when all of it was valid.
fn verified(
    ee: &webpki::EndEntityCert<'_>,
    intermediates: &[CertificateDer<'_>],
    roots: &[TrustAnchor<'static>],
    leaf: &CertInfo,
    others: &[CertInfo],
    now: DateTime<Utc>,
) -> Result<(Vec<CertInfo>, String), webpki::Error> {
    let verify = |at: DateTime<Utc>| {
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            roots,
            intermediates,
            unix(at),
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .map(|p| {
            let inter: Vec<CertInfo> = p
                .intermediate_certificates()
                .filter_map(|c| parse(c.der().as_ref()).ok())
                .collect();
            (inter, x509_name(p.anchor()))
        })
    };
    let latest_start = std::iter::once(leaf)
        .chain(others.iter())
        .map(|c| c.not_before)
        .max()
        .unwrap_or(leaf.not_before);
    let one = chrono::Duration::seconds(1);
    let mut result = verify(now);
    for at in [
        latest_start + one,
        leaf.not_after - one,
        leaf.not_before + one,
    ] {
        match &result {
            Err(webpki::Error::CertExpired { .. }) | Err(webpki::Error::CertNotValidYet { .. }) => {
                result = verify(at)
            }
            _ => break,
        }
    }
    result
}

/// What is wrong when the leaf does not cover `host` (nothing for a name that cannot
/// be a server name).
fn name_error(ee: &webpki::EndEntityCert<'_>, leaf: &CertInfo, host: &str) -> Option<String> {
    let name = ServerName::try_from(host.to_string()).ok()?;
    match ee.verify_is_valid_for_subject_name(&name) {
        Ok(()) => None,
        Err(_) => Some(format!(
            "the certificate does not cover {host}; it covers {}",
            if leaf.names.is_empty() {
                "no names (no subjectAltName)".to_string()
            } else {
                leaf.names.join(", ")
            }
        )),
    }
}

fn x509_name(anchor: &TrustAnchor<'_>) -> String {
    X509Name::from_der(anchor.subject.as_ref())
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|_| "a trusted root".into())
}

/// Trust anchors from DER certificates (system roots, a CA bundle).
pub fn anchors(certs: &[CertificateDer<'static>]) -> Vec<TrustAnchor<'static>> {
    certs
        .iter()
        .filter_map(|c| {
            webpki::anchor_from_trusted_cert(c)
                .ok()
                .map(|a| a.to_owned())
        })
        .collect()
}
