//! Why a budget could not be read: AWS (credentials, the call, its answer), a FOCUS
//! export, or a JSON endpoint. Each shows as the one line the finding's summary carries.

use reqwest::StatusCode;

/// A budget that could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    #[error(
        "no AWS credentials: set watch.budgets.aws.access_key_id/secret_access_key, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a credentials file profile"
    )]
    NoCredentials,
    #[error("no profile `{profile}` with keys in {file}")]
    NoProfile { profile: String, file: String },
    /// The HTTP client could not be built, or an answer's body not read.
    #[error("{0}")]
    Http(reqwest::Error),
    #[error("{0}")]
    Encode(serde_json::Error),
    #[error("{service} {action}: {source}")]
    AwsUnreachable {
        service: &'static str,
        action: String,
        source: reqwest::Error,
    },
    #[error("{service} {action}: HTTP {status}, not JSON")]
    AwsNotJson {
        service: &'static str,
        action: String,
        status: StatusCode,
    },
    #[error("{service} {action}: {kind}: {message}")]
    AwsRefused {
        service: &'static str,
        action: String,
        kind: String,
        message: String,
    },
    #[error("cannot read {file}: {source}")]
    ReadFile {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {source}")]
    Focus {
        file: String,
        source: super::focus::FocusError,
    },
    #[error("{url}: {source}")]
    EndpointUnreachable { url: String, source: reqwest::Error },
    #[error("{url}: HTTP {status}")]
    EndpointStatus { url: String, status: StatusCode },
    #[error("{url}: not JSON ({source})")]
    EndpointNotJson { url: String, source: reqwest::Error },
    #[error("{url}: no number at `{path}`")]
    NoNumber { url: String, path: String },
    #[error("unknown source {0}")]
    UnknownSource(String),
}
