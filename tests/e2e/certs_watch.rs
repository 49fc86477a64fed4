//! The certificate watcher against real TLS handshakes on loopback: certificates made
//! by a test CA (rcgen), served by a Rust TLS server, by an SMTP server with STARTTLS,
//! and by Debian's `openssl s_server`; a port that never answers; PEM files and a glob.

use std::collections::BTreeMap;

use crate::common::certs::{OpenSsl, Pki, TlsServer, silent_port};
use chrono::Utc;
use warroom::config::Config;
use warroom::watch::{Level, certs};

fn target(name: &str, port: u16) -> String {
    format!("{{ host = \"127.0.0.1\", port = {port}, sni = \"{name}\" }}")
}

fn config(targets: &[String], ca: &std::path::Path, files: &[String], extra: &str) -> Config {
    let toml = format!(
        "[watch.certs]\ntargets = [{}]\nfiles = [{}]\nca_bundle = \"{}\"\ntimeout = \"1s\"\nrunbook = \"https://runbooks.example.com/tls-renewal\"\n{extra}",
        targets.join(", "),
        files
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", "),
        ca.display()
    );
    Config::from_toml(&toml).expect("config")
}

#[tokio::test]
async fn every_kind_of_certificate_gets_the_right_findings() {
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pki.ca_pem()).unwrap();

    let cases = [
        ("ok.test", pki.leaf(&["ok.test"], 30, 40)),
        ("soon.test", pki.leaf(&["soon.test"], 300, 20)),
        ("urgent.test", pki.leaf(&["urgent.test"], 300, 5)),
        ("expired.test", pki.leaf(&["expired.test"], 400, -2)),
        (
            "inter.test",
            pki.leaf_with_short_intermediate(&["inter.test"], 10),
        ),
        (
            "selfsigned.test",
            pki.self_signed(&["selfsigned.test"], 200),
        ),
        ("wrongname.test", pki.leaf(&["other.test"], 30, 200)),
        ("bundle.test", pki.leaf_with_expired_extra(&["bundle.test"])),
    ];
    let mut targets = Vec::new();
    let mut servers = Vec::new();
    for (name, served) in &cases {
        let s = TlsServer::start(served).await;
        targets.push(target(name, s.port()));
        servers.push(s);
    }
    let smtp = TlsServer::start_on("127.0.0.1:0", &pki.leaf(&["mail.test"], 30, 12), true).await;
    targets.push(format!(
        "{{ host = \"127.0.0.1\", port = {}, sni = \"mail.test\", starttls = \"smtp\" }}",
        smtp.port()
    ));
    let openssl = OpenSsl::start(&pki.leaf(&["openssl.test"], 300, 6))
        .await
        .expect("openssl s_server runs");
    targets.push(target("openssl.test", openssl.port));
    // IPv6, written the way people write it: "[::1]:port".
    let v6 = TlsServer::start_on("[::1]:0", &pki.leaf(&["localhost"], 300, 10), false).await;
    targets.push(format!("\"[::1]:{}\"", v6.port()));
    let silent = silent_port().await;
    targets.push(target("silent.test", silent.port()));
    targets.push(target("refused.test", 1));

    // PEM files, one named and two through a glob.
    let pem_dir = dir.path().join("pem");
    std::fs::create_dir(&pem_dir).unwrap();
    std::fs::write(
        pem_dir.join("a.pem"),
        pki.leaf(&["file-a.test"], 100, 25).chain_pem,
    )
    .unwrap();
    std::fs::write(
        pem_dir.join("b.pem"),
        pki.leaf(&["file-b.test"], 400, -1).chain_pem,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("c.pem"),
        pki.leaf(&["file-c.test"], 10, 300).chain_pem,
    )
    .unwrap();
    std::fs::write(
        pem_dir.join("broken.pem"),
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    // A Kubernetes TLS secret mounted as a directory: a fullchain that still carries
    // an expired cross-signed root, its key, the CA, and the mount's hidden entries.
    let secret = dir.path().join("secret");
    std::fs::create_dir_all(secret.join("..2026_11_23_data")).unwrap();
    let bundle = pki.leaf_with_expired_extra(&["secret.test"]);
    std::fs::write(secret.join("tls.crt"), &bundle.chain_pem).unwrap();
    std::fs::write(secret.join("tls.key"), &bundle.key_pem).unwrap();
    std::fs::write(secret.join("ca.crt"), pki.ca_pem()).unwrap();
    std::fs::write(secret.join("..2026_11_23_data/tls.crt"), &bundle.chain_pem).unwrap();
    let files = vec![
        format!("{}/*.pem", pem_dir.display()),
        dir.path().join("c.pem").display().to_string(),
        secret.display().to_string(),
    ];

    let cfg = config(&targets, &ca, &files, "");
    let started = std::time::Instant::now();
    let findings = certs::run(&cfg.watch.certs, Utc::now()).await.unwrap();
    let took = started.elapsed();
    let by: BTreeMap<String, (Level, String)> = findings
        .iter()
        .map(|f| (f.key.clone(), (f.level, f.summary.clone())))
        .collect();
    let level = |k: &str| {
        by.get(k)
            .unwrap_or_else(|| panic!("no finding {k}: {:#?}", by.keys().collect::<Vec<_>>()))
            .0
    };
    let summary = |k: &str| by[k].1.clone();
    let v6_key = by
        .keys()
        .find(|k| {
            k.contains("::1")
                && !k.contains(":trust")
                && !k.contains(":name")
                && !k.contains(":self-signed")
        })
        .unwrap_or_else(|| panic!("no IPv6 finding: {:#?}", by.keys().collect::<Vec<_>>()))
        .clone();
    assert_eq!(
        level(&v6_key),
        Level::Warning,
        "10 days left, over IPv6: {}",
        summary(&v6_key)
    );
    assert!(
        summary(&v6_key).contains("[::1]") || summary(&v6_key).contains("::1"),
        "{}",
        summary(&v6_key)
    );
    let secret_file = |f: &str| format!("certfile:{}", secret.join(f).display());
    assert_eq!(
        level(&secret_file("tls.crt")),
        Level::Ok,
        "judged on its verified path: {}",
        summary(&secret_file("tls.crt"))
    );
    assert_eq!(level(&secret_file("ca.crt")), Level::Ok);
    assert!(
        !by.contains_key(&secret_file("tls.key")) && !by.keys().any(|k| k.contains("..2026")),
        "a key file and the mount's bookkeeping are passed over: {:#?}",
        by.keys().collect::<Vec<_>>()
    );
    let key = |name: &str, port: u16| format!("cert:127.0.0.1:{port}/{name}");
    let p = |i: usize| servers[i].port();

    assert_eq!(level(&key("ok.test", p(0))), Level::Ok);
    assert_eq!(
        level(&(key("ok.test", p(0)) + ":trust")),
        Level::Ok,
        "{}",
        summary(&(key("ok.test", p(0)) + ":trust"))
    );
    assert_eq!(level(&(key("ok.test", p(0)) + ":name")), Level::Ok);
    assert_eq!(level(&key("soon.test", p(1))), Level::Warning);
    assert_eq!(level(&key("urgent.test", p(2))), Level::Critical);
    assert!(
        summary(&key("urgent.test", p(2))).contains("expires in 4 days")
            || summary(&key("urgent.test", p(2))).contains("expires in 5 days")
    );
    assert_eq!(level(&key("expired.test", p(3))), Level::Critical);
    assert!(
        summary(&key("expired.test", p(3))).contains("expired 2 days ago"),
        "{}",
        summary(&key("expired.test", p(3)))
    );
    assert_eq!(
        level(&(key("expired.test", p(3)) + ":trust")),
        Level::Ok,
        "an expired leaf is an expiry finding, not a trust one"
    );
    let inter = findings
        .iter()
        .find(|f| f.key == key("inter.test", p(4)))
        .unwrap();
    assert_eq!(inter.level, Level::Warning);
    assert!(
        inter.summary.contains("(an intermediate)")
            && inter
                .details
                .iter()
                .any(|d| d.contains("warroom short-lived intermediate")),
        "{inter:#?}"
    );
    assert_eq!(
        level(&(key("selfsigned.test", p(5)) + ":self-signed")),
        Level::Critical
    );
    assert_eq!(
        level(&key("selfsigned.test", p(5))),
        Level::Ok,
        "its expiry is fine"
    );
    assert_eq!(
        level(&(key("wrongname.test", p(6)) + ":name")),
        Level::Critical
    );
    assert!(summary(&(key("wrongname.test", p(6)) + ":name")).contains("is for another name"));
    assert_eq!(
        level(&key("bundle.test", p(7))),
        Level::Ok,
        "an expired extra certificate outside the verified path is no alarm"
    );
    assert_eq!(level(&(key("bundle.test", p(7)) + ":trust")), Level::Ok);
    assert_eq!(
        level(&key("mail.test", smtp.port())),
        Level::Warning,
        "STARTTLS: 12 days left"
    );
    assert_eq!(
        level(&key("openssl.test", openssl.port)),
        Level::Critical,
        "openssl s_server: 6 days left"
    );
    assert_eq!(
        level(&(key("openssl.test", openssl.port) + ":trust")),
        Level::Ok
    );
    assert_eq!(level(&key("silent.test", silent.port())), Level::Unknown);
    assert!(summary(&key("silent.test", silent.port())).contains("timeout"));
    assert_eq!(level("cert:127.0.0.1:1/refused.test"), Level::Unknown);
    assert_eq!(
        level(&format!("certfile:{}/a.pem", pem_dir.display())),
        Level::Warning
    );
    assert_eq!(
        level(&format!("certfile:{}/b.pem", pem_dir.display())),
        Level::Critical
    );
    assert_eq!(
        level(&format!("certfile:{}", dir.path().join("c.pem").display())),
        Level::Ok
    );
    assert_eq!(
        level(&format!("certfile:{}/broken.pem", pem_dir.display())),
        Level::Unknown
    );
    // The silent endpoint costs its timeout once, in parallel with the rest.
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    // Messages say what to do and when.
    let urgent = findings
        .iter()
        .find(|f| f.key == key("urgent.test", p(2)))
        .unwrap();
    assert_eq!(
        urgent.runbook.as_deref(),
        Some("https://runbooks.example.com/tls-renewal")
    );
    assert!(urgent.details[0].starts_with("Expires: *") && urgent.details[0].contains(" UTC*"));
    assert!(certs::any_critical(&findings));
}

#[tokio::test]
async fn without_the_ca_bundle_the_chain_does_not_verify() {
    let pki = Pki::new();
    let s = TlsServer::start(&pki.leaf(&["private.test"], 30, 200)).await;
    let cfg = Config::from_toml(&format!(
        "[watch.certs]\ntargets = [{}]\ntimeout = \"2s\"",
        target("private.test", s.port())
    ))
    .unwrap();
    let findings = certs::run(&cfg.watch.certs, Utc::now()).await.unwrap();
    let trust = findings.iter().find(|f| f.key.ends_with(":trust")).unwrap();
    assert_eq!(trust.level, Level::Critical);
    assert!(trust.details[0].contains("not trusted"), "{trust:#?}");
}

#[test]
fn the_check_command_prints_a_table_and_exits_1_on_critical() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("expired.pem");
    std::fs::write(&pem, pki.leaf(&["old.test"], 400, -3).chain_pem).unwrap();
    let ok = dir.path().join("ok.pem");
    std::fs::write(&ok, pki.leaf(&["new.test"], 10, 300).chain_pem).unwrap();
    let _ = &rt;
    let run = |files: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["check", "certs"])
            .current_dir(dir.path())
            .env("WARROOM_WATCH__CERTS__FILES", files)
            .output()
            .unwrap()
    };
    let out = run(&format!("[\"{}\"]", pem.display()));
    assert_eq!(out.status.code(), Some(1), "critical → exit 1");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.starts_with("LEVEL")
            && table.contains("CRITICAL")
            && table.contains("expired 3 days ago"),
        "{table}"
    );
    let out = run(&format!("[\"{}\"]", ok.display()));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("1 findings: 0 critical, 0 warning, 0 unknown, 1 ok")
    );
}
