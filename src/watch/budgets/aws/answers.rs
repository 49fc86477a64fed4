//! Reading AWS's answers: DescribeBudgets' cost budgets and GetCostAndUsage's spend by
//! service. Amounts come as strings or numbers; what cannot be read is left out.

use std::collections::BTreeMap;

use serde_json::Value;

/// A budget as AWS Budgets reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsBudget {
    pub name: String,
    pub limit: f64,
    pub currency: String,
    pub actual: f64,
    pub forecast: Option<f64>,
    /// MONTHLY, QUARTERLY or ANNUALLY.
    pub time_unit: String,
}

fn amount(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// Reads a DescribeBudgets answer.
pub fn parse_budgets(v: &Value) -> Vec<AwsBudget> {
    v.get("Budgets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|b| {
            b.get("BudgetType")
                .and_then(Value::as_str)
                .is_none_or(|t| t == "COST")
        })
        .filter_map(|b| {
            let forecast = b
                .pointer("/CalculatedSpend/ForecastedSpend/Amount")
                .and_then(amount)
                .filter(|f| *f > 0.0);
            Some(AwsBudget {
                name: b.get("BudgetName")?.as_str()?.to_string(),
                limit: b.pointer("/BudgetLimit/Amount").and_then(amount)?,
                currency: b
                    .pointer("/BudgetLimit/Unit")
                    .and_then(Value::as_str)
                    .unwrap_or("USD")
                    .to_string(),
                actual: b
                    .pointer("/CalculatedSpend/ActualSpend/Amount")
                    .and_then(amount)
                    .unwrap_or(0.0),
                forecast,
                time_unit: b
                    .get("TimeUnit")
                    .and_then(Value::as_str)
                    .unwrap_or("MONTHLY")
                    .to_string(),
            })
        })
        .collect()
}

/// Spend in a period from Cost Explorer, in total and by service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Costs {
    pub total: f64,
    pub currency: String,
    pub by_service: BTreeMap<String, f64>,
}

/// Adds up one GetCostAndUsage page (grouped by service).
pub fn add_costs(costs: &mut Costs, v: &Value) {
    for day in v
        .get("ResultsByTime")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let groups = day
            .get("Groups")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if groups.is_empty() {
            if let Some(a) = day.pointer("/Total/UnblendedCost/Amount").and_then(amount) {
                costs.total += a;
            }
            continue;
        }
        for g in groups {
            let service = g
                .pointer("/Keys/0")
                .and_then(Value::as_str)
                .unwrap_or("other")
                .to_string();
            if let Some(a) = g.pointer("/Metrics/UnblendedCost/Amount").and_then(amount) {
                costs.total += a;
                *costs.by_service.entry(service).or_default() += a;
                if costs.currency.is_empty()
                    && let Some(u) = g
                        .pointer("/Metrics/UnblendedCost/Unit")
                        .and_then(Value::as_str)
                {
                    costs.currency = u.to_string();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parsing() {
        let v = json!({"Budgets": [{"BudgetName": "monthly-cost", "BudgetLimit": {"Amount": "1000", "Unit": "USD"}, "TimeUnit": "MONTHLY", "BudgetType": "COST",
            "CalculatedSpend": {"ActualSpend": {"Amount": "250.5", "Unit": "USD"}, "ForecastedSpend": {"Amount": "0", "Unit": "USD"}}, "TimePeriod": {"Start": 1793491200.0, "End": 3706473600i64}},
            {"BudgetName": "usage", "BudgetType": "USAGE", "BudgetLimit": {"Amount": "5", "Unit": "GB"}}], "nextToken": null});
        let b = parse_budgets(&v);
        assert_eq!(b.len(), 1, "usage budgets are not money");
        assert_eq!(
            (b[0].limit, b[0].actual, b[0].forecast),
            (1000.0, 250.5, None),
            "a zero forecast means none"
        );
        let mut c = Costs::default();
        add_costs(
            &mut c,
            &json!({"ResultsByTime": [{"Groups": [{"Keys": ["Amazon EC2"], "Metrics": {"UnblendedCost": {"Amount": "12.5", "Unit": "USD"}}}, {"Keys": ["S3"], "Metrics": {"UnblendedCost": {"Amount": "0.75", "Unit": "USD"}}}]}, {"Groups": [{"Keys": ["Amazon EC2"], "Metrics": {"UnblendedCost": {"Amount": "7.5", "Unit": "USD"}}}]}]}),
        );
        assert_eq!(c.total, 20.75);
        assert_eq!(c.by_service["Amazon EC2"], 20.0);
    }
}
