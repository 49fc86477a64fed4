//! The budget watcher: money (AWS Budgets, or budgets defined here and measured from
//! Cost Explorer, a FOCUS export file or a JSON endpoint) and reliability (SLO error
//! budgets from Prometheus). Both warn before the budget is gone.

pub mod aws;
pub mod error;
pub mod focus;
mod measure;
pub mod slo;
pub mod spend;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::finding::{Finding, Level};
use crate::domain::secret::Secret;
use crate::watch::prometheus::{PromAccess, Prometheus};
pub use error::BudgetError;
pub use measure::at_path;
use measure::measure;
use slo::SloConfig;
use spend::{Period, Spend, Thresholds, WATCHER};

/// `[watch.budgets]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetsConfig {
    pub schedule: String,
    pub channel: String,
    pub mention: Vec<String>,
    pub info_percent: f64,
    pub warning_percent: f64,
    pub critical_percent: f64,
    pub forecast_percent: f64,
    pub runbook: String,
    pub budgets: Vec<BudgetDef>,
    pub aws: aws::AwsConfig,
    pub prometheus: PromAccess,
}

/// A budget defined in warroom's config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetDef {
    pub name: String,
    pub amount: f64,
    #[serde(default = "usd")]
    pub currency: String,
    #[serde(default = "monthly")]
    pub period: Period,
    /// `cost_explorer`, `focus` or `json`.
    pub source: String,
    /// Only these services (Cost Explorer's SERVICE dimension, FOCUS ServiceName).
    #[serde(default)]
    pub services: Vec<String>,
    /// FOCUS: the export file.
    #[serde(default)]
    pub file: String,
    /// JSON: the endpoint, the dotted path to the amount (`data.0.totalCost`), and an
    /// optional bearer token.
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub amount_path: String,
    #[serde(default)]
    pub bearer_token: Secret,
    #[serde(default)]
    pub runbook: String,
}

fn usd() -> String {
    "USD".into()
}

fn monthly() -> Period {
    Period::Monthly
}

impl BudgetsConfig {
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            info: self.info_percent,
            warning: self.warning_percent,
            critical: self.critical_percent,
            forecast: self.forecast_percent,
        }
    }

    pub fn validate(&self, prefix: &str) -> Result<(), (String, String)> {
        crate::domain::schedule::Schedule::parse(&self.schedule)
            .map_err(|e| (format!("{prefix}.schedule"), e.to_string()))?;
        if !(self.info_percent <= self.warning_percent
            && self.warning_percent <= self.critical_percent)
        {
            return Err((
                format!("{prefix}.warning_percent"),
                "expected info_percent <= warning_percent <= critical_percent".into(),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, b) in self.budgets.iter().enumerate() {
            let key = |k: &str| format!("{prefix}.budgets[{i}].{k}");
            if b.name.trim().is_empty() || !names.insert(b.name.clone()) {
                return Err((
                    key("name"),
                    format!("`{}`: every budget needs a unique name", b.name),
                ));
            }
            if b.amount <= 0.0 {
                return Err((
                    key("amount"),
                    format!("{}: expected a positive amount", b.amount),
                ));
            }
            match b.source.as_str() {
                "cost_explorer" => {}
                "focus" if b.file.is_empty() => {
                    return Err((key("file"), "a FOCUS budget needs the export file".into()));
                }
                "focus" => {}
                "json" if b.url.is_empty() || b.amount_path.is_empty() => {
                    return Err((key("url"), "a JSON budget needs url and amount_path".into()));
                }
                "json" => {}
                other => {
                    return Err((
                        key("source"),
                        format!("`{other}`: expected cost_explorer, focus or json"),
                    ));
                }
            }
        }
        let url = &self.prometheus.url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err((
                format!("{prefix}.prometheus.url"),
                format!("`{url}`: expected http(s)://host:port"),
            ));
        }
        Ok(())
    }
}

/// True when there is nothing for the budget watcher to do.
pub fn idle(b: &BudgetsConfig, slos: &[SloConfig]) -> bool {
    !b.aws.budgets
        && b.budgets.is_empty()
        && (b.prometheus.url.is_empty()
            || slos
                .iter()
                .all(|s| s.error_ratio.is_empty() && s.good.is_empty()))
}

fn unknown(key: String, subject: String, why: String) -> Finding {
    let mut f = Finding::new(WATCHER, key, subject, Level::Unknown, why);
    f.details
        .push("A budget that cannot be read can run out unnoticed.".into());
    f
}

/// Runs every budget and SLO check once.
pub async fn run(b: &BudgetsConfig, slos: &[SloConfig], now: DateTime<Utc>) -> Vec<Finding> {
    let th = b.thresholds();
    let runbook = (!b.runbook.is_empty()).then(|| b.runbook.clone());
    let mut out = Vec::new();
    if b.aws.budgets {
        let listed = async {
            aws::Client::budgets(&b.aws)?
                .describe_budgets(if b.aws.account_id.is_empty() {
                    "123456789012"
                } else {
                    &b.aws.account_id
                })
                .await
        }
        .await;
        match listed {
            Ok(list) => {
                for x in list {
                    let s = Spend {
                        name: x.name.clone(),
                        source: "AWS Budgets".into(),
                        currency: x.currency,
                        limit: x.limit,
                        spent: x.actual,
                        forecast: x.forecast,
                        period: Period::from_aws(&x.time_unit),
                        drivers: vec![],
                        runbook: runbook.clone(),
                    };
                    let mut f = spend::evaluate(&s, &th, now);
                    f.key = format!("budget:aws:{}", x.name);
                    out.push(f);
                }
            }
            Err(e) => out.push(unknown(
                "budget:aws".into(),
                "AWS Budgets".into(),
                format!("Could not read AWS Budgets: {e}"),
            )),
        }
    }
    for def in &b.budgets {
        match measure(def, b, now).await {
            Ok((s, notes)) => {
                let mut f = spend::evaluate(&s, &th, now);
                f.details.extend(notes);
                out.push(f);
            }
            Err(e) => out.push(unknown(
                format!("budget:{}", def.name),
                format!("budget {}", def.name),
                format!("Could not measure budget {}: {e}", def.name),
            )),
        }
    }
    if !b.prometheus.url.is_empty() {
        match Prometheus::connect(&b.prometheus) {
            Ok(p) => out.extend(slo::run(slos, &p, runbook.clone(), now).await),
            Err(e) => out.push(unknown(
                "slo:prometheus".into(),
                "Prometheus".into(),
                e.to_string(),
            )),
        }
    }
    out.sort_by(|a, b| b.level.rank().cmp(&a.level.rank()).then(a.key.cmp(&b.key)));
    out
}
