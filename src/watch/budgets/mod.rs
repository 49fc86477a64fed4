//! The budget watcher: money (AWS Budgets, or budgets defined here and measured from
//! Cost Explorer, a FOCUS export file or a JSON endpoint) and reliability (SLO error
//! budgets from Prometheus). Both warn before the budget is gone.

pub mod aws;
pub mod focus;
pub mod slo;
pub mod spend;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::finding::{Finding, Level};
use crate::domain::secret::Secret;
use crate::watch::prometheus::{PromAccess, Prometheus};
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

/// Follows a dotted path (`data.0.totalCost`) into JSON.
pub fn at_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(v, |cur, part| match part.parse::<usize>() {
            Ok(i) if cur.is_array() => cur.get(i),
            _ => cur.get(part),
        })
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn unknown(key: String, subject: String, why: String) -> Finding {
    let mut f = Finding::new(WATCHER, key, subject, Level::Unknown, why);
    f.details
        .push("A budget that cannot be read can run out unnoticed.".into());
    f
}

fn drivers(c: &aws::Costs) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = c
        .by_service
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .filter(|(_, v)| *v > 0.0)
        .collect();
    v.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    v
}

async fn measure(
    b: &BudgetDef,
    cfg: &BudgetsConfig,
    now: DateTime<Utc>,
) -> Result<(Spend, Vec<String>), String> {
    let (start, end) = b.period.bounds(now);
    let runbook = if b.runbook.is_empty() {
        (!cfg.runbook.is_empty()).then(|| cfg.runbook.clone())
    } else {
        Some(b.runbook.clone())
    };
    let mut spend = Spend {
        name: b.name.clone(),
        source: String::new(),
        currency: b.currency.clone(),
        limit: b.amount,
        spent: 0.0,
        forecast: None,
        period: b.period,
        drivers: vec![],
        runbook,
    };
    let mut notes = Vec::new();
    match b.source.as_str() {
        "cost_explorer" => {
            let client = aws::Client::cost_explorer(&cfg.aws)?;
            let until = (now.date_naive() + chrono::Duration::days(1)).min(end);
            let costs = client.cost_and_usage(start, until, &b.services).await?;
            spend.source = "Cost Explorer".into();
            spend.spent = costs.total;
            spend.drivers = drivers(&costs);
            if !costs.currency.is_empty() {
                spend.currency = costs.currency;
            }
        }
        "focus" => {
            let text = std::fs::read_to_string(&b.file)
                .map_err(|e| format!("cannot read {}: {e}", b.file))?;
            let (rows, errors) = focus::parse(&text).map_err(|e| format!("{}: {e}", b.file))?;
            if !errors.is_empty() {
                tracing::warn!(file = %b.file, bad_rows = errors.len(), first = %errors[0], "FOCUS export has rows that cannot be read");
                let shown: Vec<&str> = errors.iter().take(3).map(String::as_str).collect();
                notes.push(format!(
                    "{} row{} of {} could not be read and were left out ({}{})",
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" },
                    b.file,
                    shown.join("; "),
                    if errors.len() > 3 { "; …" } else { "" }
                ));
            }
            let costs = focus::total(&rows, start, end, &b.services);
            spend.source = "FOCUS export".into();
            spend.spent = costs.total;
            spend.drivers = drivers(&costs);
            spend.currency = costs.currency;
        }
        "json" => {
            let http = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(15))
                .build()
                .map_err(|e| e.to_string())?;
            let mut req = http.get(&b.url);
            if b.bearer_token.is_set() {
                req = req.bearer_auth(b.bearer_token.expose());
            }
            let resp = req
                .send()
                .await
                .map_err(|e| format!("{}: {}", b.url, e.without_url()))?;
            if !resp.status().is_success() {
                return Err(format!("{}: HTTP {}", b.url, resp.status()));
            }
            let v: Value = resp
                .json()
                .await
                .map_err(|e| format!("{}: not JSON ({})", b.url, e.without_url()))?;
            spend.spent = at_path(&v, &b.amount_path)
                .and_then(number)
                .ok_or_else(|| format!("{}: no number at `{}`", b.url, b.amount_path))?;
            spend.source = "JSON endpoint".into();
        }
        other => return Err(format!("unknown source {other}")),
    }
    Ok((spend, notes))
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
        match Prometheus::new(&b.prometheus) {
            Ok(p) => out.extend(slo::run(slos, &p, runbook.clone(), now).await),
            Err(e) => out.push(unknown("slo:prometheus".into(), "Prometheus".into(), e)),
        }
    }
    out.sort_by(|a, b| b.level.rank().cmp(&a.level.rank()).then(a.key.cmp(&b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_paths() {
        let v = json!({"data": [{"totalCost": 42.5}, {"totalCost": "7"}], "code": 200});
        assert_eq!(at_path(&v, "data.0.totalCost").and_then(number), Some(42.5));
        assert_eq!(at_path(&v, "data.1.totalCost").and_then(number), Some(7.0));
        assert!(at_path(&v, "data.5.totalCost").is_none());
        assert!(at_path(&v, "nope").is_none());
    }
}
