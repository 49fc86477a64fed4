//! AWS Budgets (`DescribeBudgets`) and Cost Explorer (`GetCostAndUsage`) over their
//! JSON 1.1 protocol, signed with Signature Version 4. Credentials come from the config,
//! the standard environment variables, or a shared credentials file profile; the
//! endpoint can point elsewhere (moto in tests).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::duration::Dur;
use crate::domain::secret::Secret;

/// `[watch.budgets.aws]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// Read the account's AWS Budgets.
    pub budgets: bool,
    pub account_id: String,
    /// Base URL for both services instead of AWS's (e.g. http://127.0.0.1:5000).
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    /// A profile of the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or
    /// ~/.aws/credentials); empty: AWS_PROFILE or "default".
    pub profile: String,
    pub timeout: Dur,
}

/// Keys to sign with.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key: String,
    pub secret: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, secret ***)", self.access_key)
    }
}

/// Reads `[profile]` from a shared credentials file.
pub fn from_profile_file(text: &str, profile: &str) -> Option<Credentials> {
    let mut section = String::new();
    let mut kv: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().trim_start_matches("profile ").to_string();
            continue;
        }
        if section == profile
            && let Some((k, v)) = line.split_once('=')
        {
            kv.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    Some(Credentials {
        access_key: kv.get("aws_access_key_id")?.clone(),
        secret: kv.get("aws_secret_access_key")?.clone(),
        token: kv.get("aws_session_token").cloned(),
    })
}

impl AwsConfig {
    /// Credentials: the config's, then the environment's, then the profile's.
    pub fn credentials(&self) -> Result<Credentials, String> {
        if !self.access_key_id.is_empty() && self.secret_access_key.is_set() {
            return Ok(Credentials {
                access_key: self.access_key_id.clone(),
                secret: self.secret_access_key.expose().to_string(),
                token: self
                    .session_token
                    .is_set()
                    .then(|| self.session_token.expose().to_string()),
            });
        }
        if let (Ok(k), Ok(s)) = (
            std::env::var("AWS_ACCESS_KEY_ID"),
            std::env::var("AWS_SECRET_ACCESS_KEY"),
        ) {
            return Ok(Credentials {
                access_key: k,
                secret: s,
                token: std::env::var("AWS_SESSION_TOKEN").ok(),
            });
        }
        let profile = if self.profile.is_empty() {
            std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into())
        } else {
            self.profile.clone()
        };
        let file = std::env::var("AWS_SHARED_CREDENTIALS_FILE")
            .ok()
            .or_else(|| {
                std::env::var("HOME")
                    .ok()
                    .map(|h| format!("{h}/.aws/credentials"))
            })
            .unwrap_or_default();
        let text = std::fs::read_to_string(&file).map_err(|_| "no AWS credentials: set watch.budgets.aws.access_key_id/secret_access_key, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a credentials file profile".to_string())?;
        from_profile_file(&text, &profile)
            .ok_or_else(|| format!("no profile `{profile}` with keys in {file}"))
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// Signature Version 4 for a POST of `body` to `/` with the JSON 1.1 headers. Returns the
/// `Authorization` header value.
pub fn sign(
    c: &Credentials,
    service: &str,
    region: &str,
    host: &str,
    target: &str,
    body: &[u8],
    at: DateTime<Utc>,
) -> String {
    let amz = at.format("%Y%m%dT%H%M%SZ").to_string();
    let date = &amz[..8];
    let mut headers = vec![
        ("content-type", "application/x-amz-json-1.1".to_string()),
        ("host", host.to_string()),
        ("x-amz-date", amz.clone()),
    ];
    if let Some(t) = &c.token {
        headers.push(("x-amz-security-token", t.clone()));
    }
    headers.push(("x-amz-target", target.to_string()));
    headers.sort_by(|a, b| a.0.cmp(b.0));
    let canonical_headers: String = headers
        .iter()
        .map(|(k, v)| format!("{k}:{}\n", v.trim()))
        .collect();
    let signed: String = headers
        .iter()
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(";");
    let canonical = format!(
        "POST\n/\n\n{canonical_headers}\n{signed}\n{}",
        hex::encode(Sha256::digest(body))
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let k = hmac(format!("AWS4{}", c.secret).as_bytes(), date.as_bytes());
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, service.as_bytes());
    let k = hmac(&k, b"aws4_request");
    let sig = hex::encode(hmac(&k, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={sig}",
        c.access_key
    )
}

/// A client for one service.
pub struct Client {
    http: reqwest::Client,
    creds: Credentials,
    base: String,
    host: String,
    service: &'static str,
    target_prefix: &'static str,
}

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

impl Client {
    fn new(
        cfg: &AwsConfig,
        service: &'static str,
        aws_host: &str,
        target_prefix: &'static str,
    ) -> Result<Client, String> {
        let creds = cfg.credentials()?;
        let base = if cfg.endpoint.is_empty() {
            format!("https://{aws_host}")
        } else {
            cfg.endpoint.trim_end_matches('/').to_string()
        };
        let host = base
            .split("://")
            .nth(1)
            .unwrap_or(&base)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let timeout = if cfg.timeout.0.is_zero() {
            std::time::Duration::from_secs(20)
        } else {
            cfg.timeout.0
        };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Client {
            http,
            creds,
            base,
            host,
            service,
            target_prefix,
        })
    }

    pub fn budgets(cfg: &AwsConfig) -> Result<Client, String> {
        Client::new(
            cfg,
            "budgets",
            "budgets.amazonaws.com",
            "AWSBudgetServiceGateway",
        )
    }

    pub fn cost_explorer(cfg: &AwsConfig) -> Result<Client, String> {
        Client::new(
            cfg,
            "ce",
            "ce.us-east-1.amazonaws.com",
            "AWSInsightsIndexService",
        )
    }

    /// Calls `action` with a JSON body.
    pub async fn call(&self, action: &str, body: &Value) -> Result<Value, String> {
        let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let target = format!("{}.{action}", self.target_prefix);
        let now = Utc::now();
        let auth = sign(
            &self.creds,
            self.service,
            "us-east-1",
            &self.host,
            &target,
            &bytes,
            now,
        );
        let mut req = self
            .http
            .post(format!("{}/", self.base))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-date", now.format("%Y%m%dT%H%M%SZ").to_string())
            .header("x-amz-target", &target)
            .header("authorization", auth);
        if let Some(t) = &self.creds.token {
            req = req.header("x-amz-security-token", t);
        }
        let resp = req
            .body(bytes)
            .send()
            .await
            .map_err(|e| format!("{} {action}: {}", self.service, e.without_url()))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        // Success bodies are JSON whatever the content type says (moto says text/html).
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| format!("{} {action}: HTTP {status}, not JSON", self.service))?;
        if !status.is_success() {
            let kind = v.get("__type").and_then(Value::as_str).unwrap_or("error");
            let msg = v
                .get("message")
                .or_else(|| v.get("Message"))
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(format!("{} {action}: {kind}: {msg}", self.service));
        }
        Ok(v)
    }

    /// Every cost budget of the account.
    pub async fn describe_budgets(&self, account: &str) -> Result<Vec<AwsBudget>, String> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..50 {
            let mut body = json!({"AccountId": account});
            if let Some(t) = &token {
                body["NextToken"] = json!(t);
            }
            let v = self.call("DescribeBudgets", &body).await?;
            out.extend(parse_budgets(&v));
            token = v
                .get("NextToken")
                .or_else(|| v.get("nextToken"))
                .and_then(Value::as_str)
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// Daily unblended cost by service from `start` to `end` (exclusive), optionally for
    /// some services only.
    pub async fn cost_and_usage(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        services: &[String],
    ) -> Result<Costs, String> {
        let mut costs = Costs::default();
        let mut token: Option<String> = None;
        for _ in 0..50 {
            let mut body = json!({
                "TimePeriod": {"Start": start.format("%Y-%m-%d").to_string(), "End": end.format("%Y-%m-%d").to_string()},
                "Granularity": "DAILY",
                "Metrics": ["UnblendedCost"],
                "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
            });
            if !services.is_empty() {
                body["Filter"] = json!({"Dimensions": {"Key": "SERVICE", "Values": services}});
            }
            if let Some(t) = &token {
                body["NextPageToken"] = json!(t);
            }
            let v = self.call("GetCostAndUsage", &body).await?;
            add_costs(&mut costs, &v);
            token = v
                .get("NextPageToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        if costs.currency.is_empty() {
            costs.currency = "USD".into();
        }
        Ok(costs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn example() -> Credentials {
        Credentials {
            access_key: "AKIDEXAMPLE".into(),
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            token: None,
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap()
    }

    #[test]
    fn signs_describe_budgets_like_botocore() {
        // Vectors computed with botocore's SigV4Auth for the same inputs.
        let auth = sign(
            &example(),
            "budgets",
            "us-east-1",
            "budgets.amazonaws.com",
            "AWSBudgetServiceGateway.DescribeBudgets",
            br#"{"AccountId":"123456789012"}"#,
            at(),
        );
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/budgets/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=2bd50cac7c7e6c39252ba4a2b1558cbdfce60c9d32405cf792586b8239e90557"
        );
        let auth = sign(
            &example(),
            "budgets",
            "us-east-1",
            "127.0.0.1:5055",
            "AWSBudgetServiceGateway.DescribeBudgets",
            br#"{"AccountId":"123456789012"}"#,
            at(),
        );
        assert!(
            auth.ends_with(
                "Signature=717fb156c4d8b32683573c4cd90bb60d69e08cf48a474bd7973c2d184bb6bdd9"
            ),
            "{auth}"
        );
        let body = br#"{"TimePeriod":{"Start":"2024-01-01","End":"2024-01-03"},"Granularity":"DAILY","Metrics":["UnblendedCost"],"GroupBy":[{"Type":"DIMENSION","Key":"SERVICE"}]}"#;
        let auth = sign(
            &example(),
            "ce",
            "us-east-1",
            "ce.us-east-1.amazonaws.com",
            "AWSInsightsIndexService.GetCostAndUsage",
            body,
            at(),
        );
        assert!(
            auth.ends_with(
                "Signature=78f3a98ed1ba23a415705dccb64bdd6818050d62cd85260eb8be4eceb1d15e6d"
            ),
            "{auth}"
        );
    }

    #[test]
    fn profiles_and_parsing() {
        let file = "[default]\naws_access_key_id = AK1\naws_secret_access_key = S1\n\n[profile ci]\naws_access_key_id=AK2\naws_secret_access_key=S2\naws_session_token=T2\n";
        assert_eq!(
            from_profile_file(file, "default").unwrap().access_key,
            "AK1"
        );
        let ci = from_profile_file(file, "ci").unwrap();
        assert_eq!(
            (ci.secret.as_str(), ci.token.as_deref()),
            ("S2", Some("T2"))
        );
        assert!(from_profile_file(file, "nope").is_none());
        assert!(!format!("{ci:?}").contains("S2"), "secrets are not printed");
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
