//! A test PKI made with rcgen: a root CA, an intermediate, and leaves with chosen
//! lifetimes; plus TLS servers on loopback that present them (a Rust one whose
//! certificate can be swapped, an SMTP server with STARTTLS, a port that never
//! answers, and Debian's `openssl s_server`).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A chain to serve and its key.
#[derive(Clone)]
pub struct Served {
    pub chain: Vec<CertificateDer<'static>>,
    pub key_der: Vec<u8>,
    pub chain_pem: String,
    pub key_pem: String,
}

pub struct Pki {
    pub ca: CertifiedIssuer<'static, KeyPair>,
    pub inter: CertifiedIssuer<'static, KeyPair>,
}

fn params(cn: &str, names: &[&str], days_lived: i64, days_left: i64) -> CertificateParams {
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    let now = OffsetDateTime::now_utc();
    p.not_before = now - Duration::days(days_lived);
    p.not_after = now + Duration::days(days_left);
    p
}

fn ca_params(cn: &str, days_lived: i64, days_left: i64) -> CertificateParams {
    let mut p = params(cn, &[], days_lived, days_left);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

impl Pki {
    pub fn new() -> Pki {
        let ca = CertifiedIssuer::self_signed(
            ca_params("warroom test root CA", 400, 3650),
            KeyPair::generate().unwrap(),
        )
        .unwrap();
        let inter = CertifiedIssuer::signed_by(
            ca_params("warroom test intermediate", 300, 1500),
            KeyPair::generate().unwrap(),
            &ca,
        )
        .unwrap();
        Pki { ca, inter }
    }

    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    fn served(
        leaf: rcgen::Certificate,
        key: &KeyPair,
        rest: &[&CertificateDer<'static>],
        rest_pem: &[String],
    ) -> Served {
        let mut chain = vec![leaf.der().clone()];
        chain.extend(rest.iter().map(|c| (*c).clone()));
        let mut chain_pem = leaf.pem();
        for p in rest_pem {
            chain_pem.push_str(p);
        }
        Served {
            chain,
            key_der: key.serialize_der(),
            chain_pem,
            key_pem: key.serialize_pem(),
        }
    }

    /// A leaf for `names`, issued `days_lived` ago, expiring in `days_left` days.
    pub fn leaf(&self, names: &[&str], days_lived: i64, days_left: i64) -> Served {
        let key = KeyPair::generate().unwrap();
        let cert = params(names[0], names, days_lived, days_left)
            .signed_by(&key, &self.inter)
            .unwrap();
        Pki::served(cert, &key, &[self.inter.der()], &[self.inter.pem()])
    }

    /// A leaf valid for a year whose intermediate expires in `inter_days_left`.
    pub fn leaf_with_short_intermediate(&self, names: &[&str], inter_days_left: i64) -> Served {
        let inter = CertifiedIssuer::signed_by(
            ca_params("warroom short-lived intermediate", 300, inter_days_left),
            KeyPair::generate().unwrap(),
            &self.ca,
        )
        .unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params(names[0], names, 30, 300)
            .signed_by(&key, &inter)
            .unwrap();
        Pki::served(cert, &key, &[inter.der()], &[inter.pem()])
    }

    /// A healthy leaf sent with an extra, expired certificate (like an old cross-signed
    /// root left in a bundle) that is not part of the verified path.
    pub fn leaf_with_expired_extra(&self, names: &[&str]) -> Served {
        let old = CertifiedIssuer::self_signed(
            ca_params("old expired cross-signed root", 4000, -30),
            KeyPair::generate().unwrap(),
        )
        .unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params(names[0], names, 30, 300)
            .signed_by(&key, &self.inter)
            .unwrap();
        Pki::served(
            cert,
            &key,
            &[self.inter.der(), old.der()],
            &[self.inter.pem(), old.pem()],
        )
    }

    pub fn self_signed(&self, names: &[&str], days_left: i64) -> Served {
        let key = KeyPair::generate().unwrap();
        let cert = params(names[0], names, 10, days_left)
            .self_signed(&key)
            .unwrap();
        Pki::served(cert, &key, &[], &[])
    }
}

fn server_config(s: &Served) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(s.key_der.clone()));
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(s.chain.clone(), key)
            .unwrap(),
    )
}

/// A TLS server on loopback; `swap` changes the chain it presents.
#[derive(Clone)]
pub struct TlsServer {
    pub addr: SocketAddr,
    current: Arc<Mutex<Arc<rustls::ServerConfig>>>,
}

impl TlsServer {
    pub async fn start(s: &Served) -> TlsServer {
        TlsServer::start_on("127.0.0.1:0", s, false).await
    }

    /// With `smtp`, the server speaks SMTP first and starts TLS on STARTTLS.
    pub async fn start_on(bind: &str, s: &Served, smtp: bool) -> TlsServer {
        let listener = TcpListener::bind(bind).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let current = Arc::new(Mutex::new(server_config(s)));
        let server = TlsServer {
            addr,
            current: current.clone(),
        };
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let cfg = current.lock().unwrap().clone();
                tokio::spawn(async move {
                    let stream = if smtp {
                        let mut r = BufReader::new(stream);
                        let _ = r
                            .get_mut()
                            .write_all(b"220 mail.test ESMTP ready\r\n")
                            .await;
                        let mut line = String::new();
                        loop {
                            line.clear();
                            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            let cmd = line.trim().to_ascii_uppercase();
                            if cmd.starts_with("EHLO") {
                                let _ = r
                                    .get_mut()
                                    .write_all(
                                        b"250-mail.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
                                    )
                                    .await;
                            } else if cmd == "STARTTLS" {
                                let _ = r.get_mut().write_all(b"220 Ready to start TLS\r\n").await;
                                break;
                            } else {
                                let _ = r.get_mut().write_all(b"502 unknown\r\n").await;
                            }
                        }
                        r.into_inner()
                    } else {
                        stream
                    };
                    if let Ok(mut tls) = tokio_rustls::TlsAcceptor::from(cfg).accept(stream).await {
                        let _ = tls.shutdown().await;
                    }
                });
            }
        });
        server
    }

    pub fn swap(&self, s: &Served) {
        *self.current.lock().unwrap() = server_config(s);
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

/// A port that accepts connections and never says anything.
pub async fn silent_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    addr
}

/// Debian's `openssl s_server` presenting `s` on a free loopback port.
pub struct OpenSsl {
    pub port: u16,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl OpenSsl {
    pub async fn start(s: &Served) -> Option<OpenSsl> {
        if std::process::Command::new("openssl")
            .arg("version")
            .output()
            .is_err()
        {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("chain.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert, &s.chain_pem).unwrap();
        std::fs::write(&key, &s.key_pem).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("openssl")
            .args(["s_server", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .arg("-cert_chain")
            .arg(&cert)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(OpenSsl {
                    port,
                    child,
                    _dir: dir,
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        }
        None
    }
}

impl Drop for OpenSsl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
