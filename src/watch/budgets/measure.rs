//! Measuring a budget defined in warroom's config from its source: Cost Explorer, a
//! FOCUS export file, or a JSON endpoint giving the amount spent.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::error::BudgetError;
use super::spend::Spend;
use super::{BudgetDef, BudgetsConfig, aws, focus};

/// The spend of `b` in its period at `now`, with notes on what was left out.
pub(super) async fn measure(
    b: &BudgetDef,
    cfg: &BudgetsConfig,
    now: DateTime<Utc>,
) -> Result<(Spend, Vec<String>), BudgetError> {
    let (start, end) = b.period.bounds(now);
    let mut spend = unmeasured(b, cfg);
    let mut notes = Vec::new();
    match b.source.as_str() {
        "cost_explorer" => {
            let until = (now.date_naive() + chrono::Duration::days(1)).min(end);
            let costs = aws::Client::cost_explorer(&cfg.aws)?
                .cost_and_usage(start, until, &b.services)
                .await?;
            spend.source = "Cost Explorer".into();
            spend.spent = costs.total;
            spend.drivers = drivers(&costs);
            if !costs.currency.is_empty() {
                spend.currency = costs.currency;
            }
        }
        "focus" => {
            let (costs, left_out) = focus_costs(b, start, end)?;
            notes.extend(left_out);
            spend.source = "FOCUS export".into();
            spend.spent = costs.total;
            spend.drivers = drivers(&costs);
            spend.currency = costs.currency;
        }
        "json" => {
            spend.spent = json_amount(b).await?;
            spend.source = "JSON endpoint".into();
        }
        other => return Err(BudgetError::UnknownSource(other.to_string())),
    }
    Ok((spend, notes))
}

/// The budget as defined, nothing spent yet; its runbook, else the watcher's.
fn unmeasured(b: &BudgetDef, cfg: &BudgetsConfig) -> Spend {
    let runbook = if b.runbook.is_empty() {
        (!cfg.runbook.is_empty()).then(|| cfg.runbook.clone())
    } else {
        Some(b.runbook.clone())
    };
    Spend {
        name: b.name.clone(),
        source: String::new(),
        currency: b.currency.clone(),
        limit: b.amount,
        spent: 0.0,
        forecast: None,
        period: b.period,
        drivers: vec![],
        runbook,
    }
}

/// The FOCUS export's spend in `[start, end)`, and a note when rows had to be left out.
fn focus_costs(
    b: &BudgetDef,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<(aws::Costs, Option<String>), BudgetError> {
    let text = std::fs::read_to_string(&b.file).map_err(|source| BudgetError::ReadFile {
        file: b.file.clone(),
        source,
    })?;
    let (rows, errors) = focus::parse(&text).map_err(|source| BudgetError::Focus {
        file: b.file.clone(),
        source,
    })?;
    let note = (!errors.is_empty()).then(|| left_out(&b.file, &errors));
    Ok((focus::total(&rows, start, end, &b.services), note))
}

/// Says (and logs) which rows of `file` could not be read: the first three of them.
fn left_out(file: &str, errors: &[String]) -> String {
    tracing::warn!(file = %file, bad_rows = errors.len(), first = %errors[0], "FOCUS export has rows that cannot be read");
    let shown: Vec<&str> = errors.iter().take(3).map(String::as_str).collect();
    format!(
        "{} row{} of {} could not be read and were left out ({}{})",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        file,
        shown.join("; "),
        if errors.len() > 3 { "; …" } else { "" }
    )
}

/// The amount the JSON endpoint gives at the budget's `amount_path`.
async fn json_amount(b: &BudgetDef) -> Result<f64, BudgetError> {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(BudgetError::Http)?;
    let mut req = http.get(&b.url);
    if b.bearer_token.is_set() {
        req = req.bearer_auth(b.bearer_token.expose());
    }
    let resp = req
        .send()
        .await
        .map_err(|e| BudgetError::EndpointUnreachable {
            url: b.url.clone(),
            source: e.without_url(),
        })?;
    if !resp.status().is_success() {
        return Err(BudgetError::EndpointStatus {
            url: b.url.clone(),
            status: resp.status(),
        });
    }
    let v: Value = resp
        .json()
        .await
        .map_err(|e| BudgetError::EndpointNotJson {
            url: b.url.clone(),
            source: e.without_url(),
        })?;
    at_path(&v, &b.amount_path)
        .and_then(number)
        .ok_or_else(|| BudgetError::NoNumber {
            url: b.url.clone(),
            path: b.amount_path.clone(),
        })
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

/// Spend by service, largest first, leaving out what cost nothing.
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
