//! Real Prometheus and node_exporter (Debian's packages, installed by
//! scripts/setup.d/prometheus.sh) started on free loopback ports, with the textfile
//! collector for filesystem values the test controls and promtool backfill for history.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::child::{free_port, wait_http};
use super::skip::{Need, skip};

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// True when the binaries are here; otherwise the test skips (see [`super::skip`]).
pub fn available() -> bool {
    tools_available(
        &["prometheus", "promtool", "prometheus-node-exporter"],
        "scripts/setup.d/prometheus.sh",
    )
}

/// True when every one of `bins` answers `--version`; otherwise the test skips, naming
/// the `setup` script that installs them (a failure with WR_REQUIRE_PROMETHEUS=1).
pub fn tools_available(bins: &[&str], setup: &str) -> bool {
    let ok = bins.iter().all(|b| {
        Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if !ok {
        let names = bins.join("/");
        skip(
            Need::Prometheus,
            &format!("{names} not installed ({setup} installs them)"),
        );
    }
    ok
}

/// Writes a textfile-collector file atomically (it must end with a newline and carry
/// no timestamps).
pub fn write_prom(dir: &Path, name: &str, text: &str) {
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut body = text.trim_end().to_string();
    body.push('\n');
    std::fs::write(&tmp, body).unwrap();
    std::fs::rename(&tmp, dir.join(format!("{name}.prom"))).unwrap();
}

/// node_exporter serving only the textfile collector from `dir`.
pub async fn node_exporter(dir: &Path) -> (Proc, u16) {
    let port = free_port();
    let child = Command::new("prometheus-node-exporter")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .args([
            "--collector.disable-defaults",
            "--collector.textfile",
            "--web.disable-exporter-metrics",
        ])
        .arg(format!("--collector.textfile.directory={}", dir.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("node exporter starts");
    let p = Proc(child);
    wait_http(&format!("http://127.0.0.1:{port}/metrics")).await;
    (p, port)
}

/// Prometheus scraping `targets` every second, on `tsdb` (which may hold backfilled
/// blocks).
pub async fn prometheus(targets: &[u16], tsdb: &Path) -> (Proc, u16) {
    let port = free_port();
    let cfg = tsdb
        .parent()
        .unwrap()
        .join(format!("prometheus-{port}.yml"));
    let list = targets
        .iter()
        .map(|p| format!("'127.0.0.1:{p}'"))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(&cfg, format!("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: [{list}]\n")).unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!("--storage.tsdb.path={}", tsdb.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--storage.tsdb.retention.time=3650d")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus starts");
    let p = Proc(child);
    wait_http(&format!("http://127.0.0.1:{port}/-/ready")).await;
    (p, port)
}

/// Waits until `query` returns at least `n` series (scrape discovery takes ~5 s).
pub async fn wait_series(port: u16, query: &str, n: usize) {
    let c = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = c
            .get(format!("http://127.0.0.1:{port}/api/v1/query"))
            .query(&[("query", query)])
            .send()
            .await
            && let Ok(v) = r.json::<serde_json::Value>().await
            && v["data"]["result"].as_array().is_some_and(|a| a.len() >= n)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Prometheus never had {n} series for {query}");
}

/// Writes OpenMetrics `om` (timestamps in seconds, ending with `# EOF`) into a fresh
/// TSDB directory with promtool.
pub fn backfill(om: &str, tsdb: &Path) -> PathBuf {
    std::fs::create_dir_all(tsdb).unwrap();
    let file = tsdb.parent().unwrap().join("history.om");
    std::fs::write(&file, om).unwrap();
    let out = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&file)
        .arg(tsdb)
        .output()
        .expect("promtool runs");
    assert!(
        out.status.success(),
        "promtool: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    tsdb.to_path_buf()
}
