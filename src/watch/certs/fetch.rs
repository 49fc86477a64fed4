//! Getting the chain a TLS endpoint presents: connect (IPv4 or IPv6), optionally speak
//! SMTP up to STARTTLS, and complete a handshake that accepts any certificate, so that
//! expired or untrusted chains can still be read and judged.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Accepts every certificate (judging it is the watcher's job, afterwards), while still
/// checking the handshake signatures.
#[derive(Debug)]
struct Inspect(Arc<CryptoProvider>);

impl ServerCertVerifier for Inspect {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Why the presented chain could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The TLS client could not be set up (no protocol version the provider supports).
    #[error("{0}")]
    Setup(#[source] rustls::Error),
    #[error("cannot connect: {0}")]
    Connect(#[source] std::io::Error),
    #[error("SMTP: {0}")]
    SmtpRead(#[source] std::io::Error),
    #[error("SMTP: connection closed")]
    SmtpClosed,
    #[error("SMTP: expected {want}, got {got:?}")]
    SmtpUnexpected { want: String, got: String },
    #[error("{0}")]
    SmtpWrite(#[source] std::io::Error),
    #[error("`{0}` is not a valid server name")]
    BadServerName(String),
    #[error("TLS handshake failed: {0}")]
    Handshake(#[source] std::io::Error),
    #[error("no answer within {}s (timeout)", .0.as_secs_f32())]
    Timeout(Duration),
}

/// The TLS client used for inspection.
pub fn connector() -> Result<tokio_rustls::TlsConnector, FetchError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(FetchError::Setup)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Inspect(provider)))
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(cfg)))
}

/// How the conversation starts before TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starttls {
    Smtp,
}

async fn smtp_reply(r: &mut BufReader<TcpStream>, want: &str) -> Result<(), FetchError> {
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await.map_err(FetchError::SmtpRead)? == 0 {
            return Err(FetchError::SmtpClosed);
        }
        if !line.starts_with(want) {
            return Err(FetchError::SmtpUnexpected {
                want: want.to_string(),
                got: line.trim_end().to_string(),
            });
        }
        // "250-..." continues, "250 ..." ends the reply.
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

async fn smtp_starttls(stream: TcpStream) -> Result<TcpStream, FetchError> {
    let mut r = BufReader::new(stream);
    smtp_reply(&mut r, "220").await?;
    r.get_mut()
        .write_all(b"EHLO warroom.invalid\r\n")
        .await
        .map_err(FetchError::SmtpWrite)?;
    smtp_reply(&mut r, "250").await?;
    r.get_mut()
        .write_all(b"STARTTLS\r\n")
        .await
        .map_err(FetchError::SmtpWrite)?;
    smtp_reply(&mut r, "220").await?;
    Ok(r.into_inner())
}

/// Connects to `host:port` and returns the presented chain (leaf first). `sni` is the
/// name sent in the handshake (none for IP addresses).
pub async fn chain(
    tls: &tokio_rustls::TlsConnector,
    host: &str,
    port: u16,
    sni: &str,
    starttls: Option<Starttls>,
    limit: Duration,
) -> Result<Vec<CertificateDer<'static>>, FetchError> {
    let work = async {
        let stream = TcpStream::connect((host, port))
            .await
            .map_err(FetchError::Connect)?;
        let stream = match starttls {
            Some(Starttls::Smtp) => smtp_starttls(stream).await?,
            None => stream,
        };
        let name = ServerName::try_from(sni.to_string())
            .map_err(|_| FetchError::BadServerName(sni.to_string()))?;
        let tls = tls
            .connect(name, stream)
            .await
            .map_err(FetchError::Handshake)?;
        let certs = tls
            .get_ref()
            .1
            .peer_certificates()
            .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
            .unwrap_or_default();
        Ok::<_, FetchError>(certs)
    };
    match tokio::time::timeout(limit, work).await {
        Ok(r) => r,
        Err(_) => Err(FetchError::Timeout(limit)),
    }
}
