//! AWS credentials: the config's keys, the standard environment variables, or a
//! profile of the shared credentials file. The secret never prints.

use std::collections::BTreeMap;

use super::AwsConfig;
use crate::watch::budgets::error::BudgetError;

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
    pub fn credentials(&self) -> Result<Credentials, BudgetError> {
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
        let text = std::fs::read_to_string(&file).map_err(|_| BudgetError::NoCredentials)?;
        from_profile_file(&text, &profile).ok_or(BudgetError::NoProfile { profile, file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles() {
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
    }
}
