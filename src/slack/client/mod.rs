//! The Slack implementation of the `Chat` port: Web API calls through slack-morphism's
//! hyper client, pointed at `slack.api_url` (a local fake in tests). Every call has a
//! timeout; failures are sorted into rate limits, outages and `ok:false` codes so the
//! jobs worker knows whether to retry.
//!
//! Here the client and its settings; `call` is the transport (rate slots, timeouts,
//! errors sorted), `chat` the `Chat` port's methods, `publish` a postmortem draft as a
//! canvas or, failing that, a Markdown file.

use std::sync::Arc;
use std::time::Duration;

use slack_morphism::prelude::*;
use tokio::sync::OnceCell;

use super::blocks::Outbound;
use super::ratelimit::RateLimiter;
use crate::config::Secret;
use crate::metrics::Metrics;

mod call;
mod chat;
mod publish;

/// Slack Web API client.
pub struct SlackChat {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
    timeout: Duration,
    bot_id: OnceCell<String>,
    api_url: String,
    http: reqwest::Client,
    outbound: Outbound,
    metrics: Option<Arc<Metrics>>,
    limiter: RateLimiter,
}

impl SlackChat {
    /// A client for the Web API at `api_url` (e.g. `https://slack.com/api`).
    pub fn new(api_url: &str, bot_token: &Secret, timeout: Duration) -> std::io::Result<SlackChat> {
        let api_url = api_url.trim_end_matches('/').to_string();
        // slack-morphism's default connector refuses plain http; a local fake needs it.
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .or_else(|_| {
                Ok::<_, std::io::Error>(
                    hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(
                        rustls::ClientConfig::builder()
                            .with_root_certificates(rustls::RootCertStore::empty())
                            .with_no_client_auth(),
                    ),
                )
            })?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let connector =
            SlackClientHyperConnector::with_connector(https).with_slack_api_url(&api_url);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(std::io::Error::other)?;
        Ok(SlackChat {
            client: Arc::new(SlackClient::new(connector)),
            token: SlackApiToken::new(SlackApiTokenValue::new(bot_token.expose().to_string())),
            timeout,
            bot_id: OnceCell::new(),
            api_url,
            http,
            outbound: Outbound::default(),
            metrics: None,
            limiter: RateLimiter::new(false, 1.0),
        })
    }

    /// Keeps to Slack's rate tiers before calling ([`RateLimiter`]).
    pub fn with_rate_limits(mut self, limiter: RateLimiter) -> SlackChat {
        self.limiter = limiter;
        self
    }

    /// The rate limiter (replicas share it out).
    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// Allows these user groups (`S…`) to be pinged: warroom's own configured ones.
    pub fn with_own_groups(mut self, groups: Vec<String>) -> SlackChat {
        self.outbound = Outbound::new(groups);
        self
    }

    /// Counts refusals by method and error in these metrics.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> SlackChat {
        self.metrics = Some(metrics);
        self
    }

    /// What leaves for Slack (guard and limits), for the inbound answers too.
    pub fn outbound(&self) -> &Outbound {
        &self.outbound
    }

    /// The shared slack-morphism client (Socket Mode reuses it).
    pub fn client(&self) -> Arc<SlackHyperClient> {
        self.client.clone()
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    pub(crate) fn reqwest(&self) -> &reqwest::Client {
        &self.http
    }
}
