//! What the public status page shows, read from the store: the public incidents
//! still open or updated in the last 90 days (private ones never), with the
//! configured components, as a [`StatusView`].

use chrono::{DateTime, Utc};

use crate::app::{AppError, Comms};
use crate::domain::IncidentId;
use crate::public::{PublicIncident, StatusView};
use crate::store::external;

/// How far back the page looks (its uptime bars' width).
pub(crate) const HISTORY_DAYS: i64 = 90;

impl Comms<'_> {
    /// The page's view at `now`.
    pub(crate) async fn status_view(&self, now: DateTime<Utc>) -> Result<StatusView, AppError> {
        let mut conn = self.store.conn().await?;
        let since = now - chrono::Duration::days(HISTORY_DAYS);
        let incidents = external::public_since(&mut conn, since).await?;
        Ok(self.view_of(now, incidents))
    }

    /// A key that changes whenever the public page may: the public updates, and the
    /// minute (the page says "as of" to the minute; its bars run to now).
    pub(crate) async fn status_version(&self, now: DateTime<Utc>) -> Result<String, AppError> {
        let mut conn = self.store.conn().await?;
        let (count, newest) = external::public_version(&mut conn).await?;
        Ok(format!("{count}:{newest}:{}", now.timestamp() / 60))
    }

    /// One public incident (None: private, unknown or never published) and the view
    /// around it.
    pub(crate) async fn public_incident(
        &self,
        id: IncidentId,
        now: DateTime<Utc>,
    ) -> Result<Option<(StatusView, PublicIncident)>, AppError> {
        let mut conn = self.store.conn().await?;
        let Some(one) = external::public_one(&mut conn, id).await? else {
            return Ok(None);
        };
        Ok(Some((self.view_of(now, vec![]), one)))
    }

    fn view_of(&self, now: DateTime<Utc>, incidents: Vec<PublicIncident>) -> StatusView {
        let s = &self.cfg.status;
        let base_url = if !s.public_url.is_empty() {
            s.public_url.trim_end_matches('/').to_string()
        } else if s.listen.is_none() && !self.cfg.http.public_url.is_empty() {
            format!("{}/status", self.cfg.http.public_url.trim_end_matches('/'))
        } else {
            String::new()
        };
        StatusView {
            page_name: s.page_name.clone(),
            base_url,
            now,
            components: s.components.clone(),
            incidents,
        }
    }
}
