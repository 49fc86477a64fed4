//! A small client for Prometheus' HTTP query API (`/api/v1/query` and
//! `/api/v1/query_range`), with bearer-token or basic authentication, used by the disk
//! and SLO watchers.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::duration::Dur;
use crate::domain::secret::Secret;

/// Where Prometheus is and how to get in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromAccess {
    /// Base URL, e.g. http://prometheus:9090. Empty: not used.
    pub url: String,
    pub bearer_token: Secret,
    pub username: String,
    pub password: Secret,
    pub timeout: Dur,
}

/// One series: its labels and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub samples: Vec<(DateTime<Utc>, f64)>,
}

impl Series {
    pub fn label(&self, k: &str) -> &str {
        self.labels.get(k).map(String::as_str).unwrap_or("")
    }

    /// The latest value.
    pub fn value(&self) -> Option<f64> {
        self.samples.last().map(|s| s.1)
    }
}

/// Why a query failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromError {
    #[error("Prometheus at {0} did not answer: {1}")]
    Unreachable(String, String),
    #[error("Prometheus refused the query `{0}`: {1}")]
    Query(String, AnswerError),
}

/// Why an answer of the query API holds no series.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// `status` is not `success`: Prometheus' own `error` text, or "no status".
    #[error("{0}")]
    Refused(String),
    #[error("no result")]
    NoResult,
}

/// The HTTP client could not be built (its TLS back end did not start).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ClientError(#[from] reqwest::Error);

pub struct Prometheus {
    base: String,
    access: PromAccess,
    http: reqwest::Client,
}

fn time_of(v: &Value) -> Option<DateTime<Utc>> {
    let secs = v.as_f64()?;
    Utc.timestamp_millis_opt((secs * 1000.0).round() as i64)
        .single()
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "+Inf" => Some(f64::INFINITY),
            "-Inf" => Some(f64::NEG_INFINITY),
            s => s.parse().ok(),
        },
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// Reads a `/api/v1/query` or `/api/v1/query_range` answer.
pub fn parse(body: &Value) -> Result<Vec<Series>, AnswerError> {
    if body.get("status").and_then(Value::as_str) != Some("success") {
        return Err(AnswerError::Refused(
            body.get("error")
                .and_then(Value::as_str)
                .unwrap_or("no status")
                .to_string(),
        ));
    }
    let data = &body["data"];
    let results = data
        .get("result")
        .and_then(Value::as_array)
        .ok_or(AnswerError::NoResult)?;
    let mut out = Vec::new();
    for r in results {
        let labels: BTreeMap<String, String> = r
            .get("metric")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mut samples = Vec::new();
        if let Some(v) = r.get("value").and_then(Value::as_array)
            && let (Some(t), Some(x)) = (v.first().and_then(time_of), v.get(1).and_then(number))
        {
            samples.push((t, x));
        }
        for v in r
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(pair) = v.as_array()
                && let (Some(t), Some(x)) =
                    (pair.first().and_then(time_of), pair.get(1).and_then(number))
            {
                samples.push((t, x));
            }
        }
        out.push(Series { labels, samples });
    }
    Ok(out)
}

impl Prometheus {
    /// A client for `access`.
    pub fn connect(access: &PromAccess) -> Result<Prometheus, ClientError> {
        let timeout: Duration = if access.timeout.0.is_zero() {
            Duration::from_secs(10)
        } else {
            access.timeout.0
        };
        let http = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Prometheus {
            base: access.url.trim_end_matches('/').to_string(),
            access: access.clone(),
            http,
        })
    }

    async fn get(
        &self,
        path: &str,
        params: &[(&str, String)],
        query: &str,
    ) -> Result<Vec<Series>, PromError> {
        let mut req = self.http.get(format!("{}{path}", self.base)).query(params);
        if self.access.bearer_token.is_set() {
            req = req.bearer_auth(self.access.bearer_token.expose());
        } else if !self.access.username.is_empty() {
            req = req.basic_auth(&self.access.username, Some(self.access.password.expose()));
        }
        let resp = req
            .send()
            .await
            .map_err(|e| PromError::Unreachable(self.base.clone(), e.without_url().to_string()))?;
        let status = resp.status();
        let body: Value = resp.json().await.map_err(|e| {
            PromError::Unreachable(
                self.base.clone(),
                format!("HTTP {status}: {}", e.without_url()),
            )
        })?;
        if status.is_server_error()
            || status == reqwest::StatusCode::UNAUTHORIZED
            || status == reqwest::StatusCode::FORBIDDEN
        {
            return Err(PromError::Unreachable(
                self.base.clone(),
                format!("HTTP {status}"),
            ));
        }
        parse(&body).map_err(|e| PromError::Query(query.to_string(), e))
    }

    /// An instant query at `at`.
    pub async fn query(&self, q: &str, at: DateTime<Utc>) -> Result<Vec<Series>, PromError> {
        self.get(
            "/api/v1/query",
            &[
                ("query", q.to_string()),
                (
                    "time",
                    format!("{:.3}", at.timestamp_millis() as f64 / 1000.0),
                ),
            ],
            q,
        )
        .await
    }

    /// A range query from `start` to `end` every `step`.
    pub async fn query_range(
        &self,
        q: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step: chrono::Duration,
    ) -> Result<Vec<Series>, PromError> {
        let step = step.num_seconds().max(1);
        self.get(
            "/api/v1/query_range",
            &[
                ("query", q.to_string()),
                ("start", start.timestamp().to_string()),
                ("end", end.timestamp().to_string()),
                ("step", step.to_string()),
            ],
            q,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_vectors_and_matrices() {
        let v = json!({"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"node_filesystem_avail_bytes","device":"/dev/sda1","instance":"n1:9100","mountpoint":"/data"},"value":[1795431111.130,"1400000000"]}]}});
        let s = parse(&v).unwrap();
        assert_eq!(s[0].label("device"), "/dev/sda1");
        assert_eq!(s[0].value(), Some(1.4e9));
        assert_eq!(s[0].samples[0].0.timestamp_millis(), 1_795_431_111_130);
        let m = json!({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"mountpoint":"/data"},"values":[[1795431117,"1400000000"],[1795431122,"1397000000"],[1795431127,"NaN"]]}]}});
        let s = parse(&m).unwrap();
        assert_eq!(s[0].samples.len(), 3);
        assert!(s[0].samples[2].1.is_nan());
        let e = json!({"status":"error","errorType":"bad_data","error":"parse error"});
        assert_eq!(parse(&e).unwrap_err().to_string(), "parse error");
    }
}
