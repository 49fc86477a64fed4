//! Signature Version 4 for AWS's JSON 1.1 protocol: a POST of a body to `/`.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::Credentials;

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
}
