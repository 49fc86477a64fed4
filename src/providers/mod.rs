//! Outbound HTTP to the services warroom works with: PagerDuty (Events API v2 and
//! REST API v2), Opsgenie and Atlassian Statuspage. The coming trackers, document
//! stores, calendars and webhooks are added here too.
//!
//! The rules:
//! - Every call goes through the one client of [`http`] (timeouts, user agent,
//!   redirects off, bounded answers) and its one classification of answers: retry,
//!   refusal for a person, or a 2xx read into a typed answer. Each call is counted
//!   in `/metrics` (`warroom_provider_calls_total{provider, outcome}`).
//! - Each service has its module with typed requests and answers; URLs are built
//!   from the configured base URLs, and every ID put in a URL path is checked first.
//!   Bodies and answers are shaped by the pure models (`paging/`, `public/statuspage`).
//! - Callers (`app/`) decide what to do with an answer; they never see reqwest, a URL
//!   or a provider's JSON. Secrets go into headers only, and are never logged.

pub mod http;

pub use http::{BuildError, Http, Limits, ProviderError, Service};
