//! moto in server mode (PyPI `moto[server]`, installed by scripts/setup.d/moto.sh) on a
//! free loopback port, standing in for AWS Budgets and Cost Explorer. Budgets are
//! created with boto3, independently of warroom's own AWS client.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::child::free_port;
use super::prom::Proc;
use super::skip::{Need, skip};

pub struct Moto {
    pub port: u16,
    _proc: Proc,
}

/// True when moto is installed; otherwise the test skips (see [`super::skip`]).
pub fn available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import moto.server, boto3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        skip(
            Need::Moto,
            "moto is not installed (scripts/setup.d/moto.sh installs it)",
        );
    }
    ok
}

impl Moto {
    pub async fn start() -> Moto {
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto starts");
        let m = Moto {
            port,
            _proc: Proc(child),
        };
        let c = reqwest::Client::new();
        for _ in 0..200 {
            if c.get(m.url("/moto-api/"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("moto did not start");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Creates a cost budget with boto3 (limit, actual and forecasted spend).
    pub fn create_budget(
        &self,
        name: &str,
        limit: f64,
        actual: f64,
        forecast: f64,
        time_unit: &str,
    ) {
        let script = format!(
            "import boto3\nc = boto3.client('budgets', endpoint_url='{}', region_name='us-east-1', aws_access_key_id='AKIDTEST', aws_secret_access_key='secret')\n\
             c.create_budget(AccountId='123456789012', Budget={{'BudgetName': '{name}', 'BudgetLimit': {{'Amount': '{limit}', 'Unit': 'USD'}}, 'TimeUnit': '{time_unit}', 'BudgetType': 'COST', \
             'CalculatedSpend': {{'ActualSpend': {{'Amount': '{actual}', 'Unit': 'USD'}}, 'ForecastedSpend': {{'Amount': '{forecast}', 'Unit': 'USD'}}}}}})\n",
            self.url("")
        );
        let out = Command::new("python3")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "create_budget: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Queues Cost Explorer answers (complete GetCostAndUsage responses), served in order
    /// to distinct requests.
    pub async fn queue_costs(&self, results: serde_json::Value) {
        let r = reqwest::Client::new()
            .post(self.url("/moto-api/static/ce/cost-and-usage-results"))
            .json(&serde_json::json!({"results": results}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
}
