//! FinOps FOCUS cost exports (CSV): the columns BilledCost, BillingCurrency,
//! ChargePeriodStart, ChargePeriodEnd and ServiceName, in any order among others. A
//! bad row is reported with its line number and the rest are still used.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::aws::Costs;

const NEEDED: [&str; 5] = [
    "BilledCost",
    "BillingCurrency",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ServiceName",
];

/// An export that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum FocusError {
    #[error("line 1: {0}")]
    Header(csv::Error),
    #[error(
        "not a FOCUS export: missing column{} {}",
        if .0.len() > 1 { "s" } else { "" },
        .0.join(", ")
    )]
    MissingColumns(Vec<&'static str>),
}

/// One usable row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub cost: f64,
    pub currency: String,
    pub start: DateTime<Utc>,
    pub service: String,
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Parses an export: the rows that could be read, and one message per row that could
/// not (naming its line). A file without the needed columns is an error.
pub fn parse(text: &str) -> Result<(Vec<Row>, Vec<String>), FocusError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(FocusError::Header)?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
    };
    let missing: Vec<&str> = NEEDED
        .iter()
        .copied()
        .filter(|n| col(n).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(FocusError::MissingColumns(missing));
    }
    let (c_cost, c_cur, c_start, c_service) = (
        col("BilledCost").unwrap_or(0),
        col("BillingCurrency").unwrap_or(0),
        col("ChargePeriodStart").unwrap_or(0),
        col("ServiceName").unwrap_or(0),
    );
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
        let cost = match get(c_cost).parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                errors.push(format!(
                    "line {line}: BilledCost `{}` is not a number",
                    get(c_cost)
                ));
                continue;
            }
        };
        let Some(start) = time(get(c_start)) else {
            errors.push(format!(
                "line {line}: ChargePeriodStart `{}` is not a date",
                get(c_start)
            ));
            continue;
        };
        let currency = get(c_cur);
        if currency.is_empty() {
            errors.push(format!("line {line}: BillingCurrency is empty"));
            continue;
        }
        rows.push(Row {
            cost,
            currency: currency.to_string(),
            start,
            service: get(c_service).to_string(),
        });
    }
    Ok((rows, errors))
}

/// Spend of the rows charged in `[start, end)`, for some services only if given.
pub fn total(rows: &[Row], start: NaiveDate, end: NaiveDate, services: &[String]) -> Costs {
    let (s, e) = (
        start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
        end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
    );
    let mut by_service: BTreeMap<String, f64> = BTreeMap::new();
    let mut total = 0.0;
    let mut currency = String::new();
    for r in rows.iter().filter(|r| r.start >= s && r.start < e) {
        if !services.is_empty() && !services.iter().any(|x| x.eq_ignore_ascii_case(&r.service)) {
            continue;
        }
        total += r.cost;
        *by_service
            .entry(if r.service.is_empty() {
                "other".into()
            } else {
                r.service.clone()
            })
            .or_default() += r.cost;
        if currency.is_empty() {
            currency = r.currency.clone();
        }
    }
    Costs {
        total,
        currency: if currency.is_empty() {
            "USD".into()
        } else {
            currency
        },
        by_service,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = "\u{feff}BillingAccountId,ServiceName,BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd
111,Amazon EC2,120.50,USD,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z
111,Amazon S3,10,USD,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z
111,Amazon EC2,not-a-number,USD,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z
111,Amazon EC2,99.5,USD,yesterday,2026-11-03T00:00:00Z
111,Amazon EC2,30,USD,2026-11-03 00:00:00,2026-11-04 00:00:00
111,Amazon RDS,70,USD,2026-10-31T00:00:00Z,2026-11-01T00:00:00Z
111,\"Amazon \"\"Special\"\", Inc\",5,USD,2026-11-04,2026-11-05
";

    #[test]
    fn reads_good_rows_and_names_bad_lines() {
        let (rows, errors) = parse(EXPORT).unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(
            errors,
            vec![
                "line 4: BilledCost `not-a-number` is not a number".to_string(),
                "line 5: ChargePeriodStart `yesterday` is not a date".to_string()
            ]
        );
        let nov = total(
            &rows,
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            &[],
        );
        assert!(
            (nov.total - 165.5).abs() < 1e-9,
            "October's RDS row is left out: {}",
            nov.total
        );
        assert_eq!(nov.by_service["Amazon EC2"], 150.5);
        assert_eq!(nov.by_service["Amazon \"Special\", Inc"], 5.0);
        let ec2 = total(
            &rows,
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            &["amazon ec2".into()],
        );
        assert_eq!(ec2.total, 150.5);
    }

    #[test]
    fn a_file_without_the_columns_is_refused() {
        let e = parse("a,b\n1,2\n").unwrap_err().to_string();
        assert!(e.contains("missing columns BilledCost, BillingCurrency, ChargePeriodStart, ChargePeriodEnd, ServiceName"), "{e}");
    }
}
