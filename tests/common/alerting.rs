//! A real alerting chain for the intake tests: an app exposing a gauge the test sets,
//! Prometheus (Debian's package) scraping it and evaluating alert rules every second,
//! and Alertmanager (Debian's `prometheus-alertmanager`, installed by
//! scripts/setup.d/alertmanager.sh) grouping the alerts and posting them to warroom's
//! webhook with a bearer token. Everything runs on free loopback ports.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use super::child::{free_port, wait_http};
use super::prom::Proc;

/// True when Alertmanager and Prometheus are here (see [`super::prom::tools_available`]).
pub fn available() -> bool {
    super::prom::tools_available(
        &["prometheus", "prometheus-alertmanager"],
        "scripts/setup.d/alertmanager.sh",
    )
}

/// Gauges the test sets, served in the Prometheus text format.
#[derive(Clone, Default)]
pub struct Gauges(Arc<Mutex<Vec<(String, f64)>>>);

impl Gauges {
    /// Sets `series` (e.g. `app_error_ratio{service="api"}`) to `v`.
    pub fn set(&self, series: &str, v: f64) {
        let mut g = self.0.lock().unwrap();
        match g.iter_mut().find(|(s, _)| s == series) {
            Some(e) => e.1 = v,
            None => g.push((series.to_string(), v)),
        }
    }

    fn render(&self) -> String {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(s, v)| format!("{s} {v}\n"))
            .collect()
    }

    /// Serves `/metrics` on a free port.
    pub async fn serve(&self) -> u16 {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let me = me.clone();
                async move { me.render() }
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(l, app).await.ok() });
        port
    }
}

/// Alertmanager posting every group to `webhook` with `Authorization: Bearer <token>`;
/// short timers so a test sees the first send, re-sends and the resolution in seconds.
pub async fn alertmanager(dir: &Path, webhook: &str, token: &str) -> (Proc, u16) {
    let port = free_port();
    let cfg = dir.join("alertmanager.yml");
    std::fs::write(
        &cfg,
        format!(
            "route:\n  receiver: warroom\n  group_by: [alertname, service]\n  group_wait: 1s\n  group_interval: 2s\n  repeat_interval: 3s\nreceivers:\n  - name: warroom\n    webhook_configs:\n      - url: {webhook}\n        send_resolved: true\n        http_config:\n          authorization:\n            credentials: {token}\n"
        ),
    )
    .unwrap();
    let child = Command::new("prometheus-alertmanager")
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!("--storage.path={}", dir.join("am-data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("alertmanager starts");
    let p = Proc(child);
    wait_http(&format!("http://127.0.0.1:{port}/-/ready")).await;
    (p, port)
}

/// Prometheus scraping `target` every second and evaluating `rules` (a rule file's
/// YAML), sending alerts to the Alertmanager on `am`.
pub async fn prometheus(dir: &Path, target: u16, am: u16, rules: &str) -> (Proc, u16) {
    let port = free_port();
    let rule_file = dir.join("rules.yml");
    std::fs::write(&rule_file, rules).unwrap();
    let cfg = dir.join("prometheus.yml");
    std::fs::write(
        &cfg,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ['{}']\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am}']\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n",
            rule_file.display()
        ),
    )
    .unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus starts");
    let p = Proc(child);
    wait_http(&format!("http://127.0.0.1:{port}/-/ready")).await;
    (p, port)
}
