//! AWS Budgets (`DescribeBudgets`) and Cost Explorer (`GetCostAndUsage`) over their
//! JSON 1.1 protocol, signed with Signature Version 4. Credentials come from the config,
//! the standard environment variables, or a shared credentials file profile; the
//! endpoint can point elsewhere (moto in tests).

mod answers;
mod credentials;
mod sigv4;

use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::BudgetError;
use crate::domain::duration::Dur;
use crate::domain::secret::Secret;
pub use answers::{AwsBudget, Costs, add_costs, parse_budgets};
pub use credentials::{Credentials, from_profile_file};
pub use sigv4::sign;

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

/// A client for one service.
pub struct Client {
    http: reqwest::Client,
    creds: Credentials,
    base: String,
    host: String,
    service: &'static str,
    target_prefix: &'static str,
}

impl Client {
    fn new(
        cfg: &AwsConfig,
        service: &'static str,
        aws_host: &str,
        target_prefix: &'static str,
    ) -> Result<Client, BudgetError> {
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
            .map_err(BudgetError::Http)?;
        Ok(Client {
            http,
            creds,
            base,
            host,
            service,
            target_prefix,
        })
    }

    pub fn budgets(cfg: &AwsConfig) -> Result<Client, BudgetError> {
        Client::new(
            cfg,
            "budgets",
            "budgets.amazonaws.com",
            "AWSBudgetServiceGateway",
        )
    }

    pub fn cost_explorer(cfg: &AwsConfig) -> Result<Client, BudgetError> {
        Client::new(
            cfg,
            "ce",
            "ce.us-east-1.amazonaws.com",
            "AWSInsightsIndexService",
        )
    }

    /// Calls `action` with a JSON body.
    pub async fn call(&self, action: &str, body: &Value) -> Result<Value, BudgetError> {
        let bytes = serde_json::to_vec(body).map_err(BudgetError::Encode)?;
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
            .map_err(|e| BudgetError::AwsUnreachable {
                service: self.service,
                action: action.to_string(),
                source: e.without_url(),
            })?;
        let status = resp.status();
        let text = resp.text().await.map_err(BudgetError::Http)?;
        self.answer(action, status, &text)
    }

    /// An answer's JSON, or AWS's refusal as an error.
    fn answer(
        &self,
        action: &str,
        status: reqwest::StatusCode,
        text: &str,
    ) -> Result<Value, BudgetError> {
        // Success bodies are JSON whatever the content type says (moto says text/html).
        let v: Value = serde_json::from_str(text).map_err(|_| BudgetError::AwsNotJson {
            service: self.service,
            action: action.to_string(),
            status,
        })?;
        if !status.is_success() {
            let kind = v.get("__type").and_then(Value::as_str).unwrap_or("error");
            let message = v
                .get("message")
                .or_else(|| v.get("Message"))
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(BudgetError::AwsRefused {
                service: self.service,
                action: action.to_string(),
                kind: kind.to_string(),
                message: message.to_string(),
            });
        }
        Ok(v)
    }

    /// Every cost budget of the account.
    pub async fn describe_budgets(&self, account: &str) -> Result<Vec<AwsBudget>, BudgetError> {
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
    ) -> Result<Costs, BudgetError> {
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
