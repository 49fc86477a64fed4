//! What the public pages show: the page's settings and its public incidents (the
//! public model itself is `domain::public`).

use chrono::{DateTime, Utc};

use super::ComponentConfig;
use crate::domain::public::PublicIncident;

/// Everything the public pages show.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub page_name: String,
    /// Absolute URL of the page's root (`https://status.example.com/status`), no
    /// trailing slash; links in the feed and the JSON start with it.
    pub base_url: String,
    pub now: DateTime<Utc>,
    pub components: Vec<ComponentConfig>,
    /// Public incidents still open or with an update in the last 90 days, newest first.
    pub incidents: Vec<PublicIncident>,
}
