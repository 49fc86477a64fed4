//! Outbound HTTP to the services warroom works with: PagerDuty (Events API v2 and
//! REST API v2), Opsgenie, Atlassian Statuspage, and the trackers (Jira Cloud,
//! GitHub Issues). The coming document stores, calendars and webhooks go here too.
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

pub mod confluence;
pub mod github;
pub mod github_pulls;
pub mod google_calendar;
pub mod http;
pub mod jira;
pub mod opsgenie;
pub mod pagerduty;
pub mod statuspage;

use std::sync::Arc;

pub use http::{BuildError, Http, Limits, ProviderError, Service};

use crate::metrics::Metrics;
use crate::paging::PagingConfig;
use crate::public::StatuspageConfig;
use crate::tickets::TicketsConfig;

/// The services, each over the one client, with its settings.
pub struct Providers {
    pub pagerduty: pagerduty::PagerDuty,
    pub opsgenie: opsgenie::Opsgenie,
    pub statuspage: statuspage::Statuspage,
    pub jira: jira::Jira,
    pub github: github::GitHub,
    pub confluence: confluence::Confluence,
    pub google_calendar: google_calendar::GoogleCalendar,
}

impl Providers {
    /// Builds the client once and hands it to each service.
    pub fn new(
        paging: &PagingConfig,
        statuspage: &StatuspageConfig,
        tickets: &TicketsConfig,
        confluence: &crate::postmortem::confluence::ConfluenceConfig,
        calendar: &crate::postmortem::debrief::GoogleCalendarConfig,
        metrics: Option<Arc<Metrics>>,
    ) -> Result<Providers, BuildError> {
        let http = Http::new(&Limits::default(), metrics)?;
        Ok(Providers {
            pagerduty: pagerduty::PagerDuty::new(http.clone(), paging.pagerduty.clone()),
            opsgenie: opsgenie::Opsgenie::new(http.clone(), paging.opsgenie.clone()),
            statuspage: statuspage::Statuspage::new(http.clone(), statuspage.clone()),
            jira: jira::Jira::new(http.clone(), tickets.jira.clone()),
            github: github::GitHub::new(http.clone(), tickets.github.clone()),
            confluence: confluence::Confluence::new(http.clone(), confluence.clone()),
            google_calendar: google_calendar::GoogleCalendar::new(http, calendar.clone()),
        })
    }
}
