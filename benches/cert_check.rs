//! How long the certificate watcher takes over 1,000 TLS endpoints on loopback
//! (10 servers × 100 server names, real handshakes and chain verification), and how
//! ten endpoints that never answer change that. Run: `cargo bench --bench cert_check`.

// A benchmark uses a slice of the test helpers (the end-to-end tests use them all).
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use chrono::Utc;
use common::certs::{Pki, TlsServer, silent_port};
use warroom::config::Config;
use warroom::watch::{Level, certs};

async fn run(label: &str, targets: &[String], ca: &std::path::Path, concurrency: usize) {
    let toml = format!(
        "[watch.certs]\ntargets = [{}]\nca_bundle = \"{}\"\ntimeout = \"2s\"\nconcurrency = {concurrency}",
        targets.join(", "),
        ca.display()
    );
    let cfg = Config::from_toml(&toml).unwrap();
    let started = Instant::now();
    let findings = certs::run(&cfg.watch.certs, Utc::now()).await.unwrap();
    let took = started.elapsed();
    let count = |l: Level| findings.iter().filter(|f| f.level == l).count();
    println!(
        "{label:<44} {:>5} endpoints  concurrency {concurrency:>3}  {:>7.2} s  {:>6.0} endpoints/s  ({} findings: {} ok, {} warning, {} unknown)",
        targets.len(),
        took.as_secs_f64(),
        targets.len() as f64 / took.as_secs_f64(),
        findings.len(),
        count(Level::Ok),
        count(Level::Warning),
        count(Level::Unknown)
    );
}

#[tokio::main]
async fn main() {
    warroom::startup::install_crypto();
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pki.ca_pem()).unwrap();
    let leaf = pki.leaf(&["*.bench.test"], 30, 300);
    let mut servers = Vec::new();
    for _ in 0..10 {
        servers.push(TlsServer::start(&leaf).await);
    }
    let mut targets = Vec::new();
    for s in &servers {
        for n in 0..100 {
            targets.push(format!(
                "{{ host = \"127.0.0.1\", port = {}, sni = \"h{n}.bench.test\" }}",
                s.port()
            ));
        }
    }
    println!("\nCertificate watcher over loopback endpoints (2 cores):");
    for c in [16, 64, 256] {
        run("1,000 answering endpoints", &targets, &ca, c).await;
    }
    let mut with_silent = targets.clone();
    with_silent.truncate(990);
    for _ in 0..10 {
        let s = silent_port().await;
        with_silent.push(format!(
            "{{ host = \"127.0.0.1\", port = {}, sni = \"silent.bench.test\" }}",
            s.port()
        ));
    }
    run(
        "990 answering + 10 silent (2 s timeout)",
        &with_silent,
        &ca,
        64,
    )
    .await;
}
