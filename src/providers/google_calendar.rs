//! Google Calendar over the one client, for the debrief: an access token from the
//! configured OAuth refresh token (`POST /token`, `grant_type=refresh_token`; kept
//! until a minute before it expires), then `events.insert` with
//! `conferenceDataVersion=1` (a Meet link made with the event) and `sendUpdates=all`
//! (Google invites the attendees). The event's ID is warroom's own, derived from the
//! incident, so a create whose answer was lost answers 409 the second time and the
//! event is read back instead: one event per incident.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::http::{Http, ProviderError, Service, json as read_json};
use crate::postmortem::debrief::{GoogleCalendarConfig, Invite};

/// An event as warroom needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    /// The event in Google Calendar.
    pub html_link: Option<String>,
    /// The Meet link, when Google made one.
    pub meet: Option<String>,
}

fn event(v: &Value) -> Option<Event> {
    let meet = v
        .get("hangoutLink")
        .and_then(Value::as_str)
        .or_else(|| {
            v.pointer("/conferenceData/entryPoints")?
                .as_array()?
                .iter()
                .find(|e| e.get("entryPointType").and_then(Value::as_str) == Some("video"))?
                .get("uri")?
                .as_str()
        })
        .map(str::to_string);
    Some(Event {
        id: v.get("id")?.as_str()?.to_string(),
        html_link: v
            .get("htmlLink")
            .and_then(Value::as_str)
            .map(str::to_string),
        meet,
    })
}

/// Google Calendar, with its settings and the access token in hand.
#[derive(Clone)]
pub struct GoogleCalendar {
    http: Http,
    cfg: GoogleCalendarConfig,
    token: Arc<Mutex<Option<(String, Instant)>>>,
}

impl GoogleCalendar {
    pub fn new(http: Http, cfg: GoogleCalendarConfig) -> GoogleCalendar {
        GoogleCalendar {
            http,
            cfg,
            token: Arc::default(),
        }
    }

    /// An access token: the one in hand, or a new one from the refresh token.
    async fn access_token(&self) -> Result<String, ProviderError> {
        let mut held = self.token.lock().await;
        if let Some((t, until)) = held.as_ref()
            && Instant::now() < *until
        {
            return Ok(t.clone());
        }
        let req = self
            .http
            .request(Method::POST, &self.cfg.token_url)
            .timeout(self.cfg.timeout.0)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                serde_urlencoded::to_string([
                    ("grant_type", "refresh_token"),
                    ("client_id", self.cfg.client_id.as_str()),
                    ("client_secret", self.cfg.client_secret.expose()),
                    ("refresh_token", self.cfg.refresh_token.expose()),
                ])
                .unwrap_or_default(),
            );
        let v = read_json(&self.http.send(Service::GoogleCalendar, req).await?);
        let token = v
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| ProviderError::retry("Google answered without an access token"))?
            .to_string();
        let life = v.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
        let until = Instant::now() + Duration::from_secs(life.saturating_sub(60));
        *held = Some((token.clone(), until));
        Ok(token)
    }

    fn events_url(&self) -> String {
        format!(
            "{}/calendar/v3/calendars/{}/events",
            self.cfg.api_url.trim_end_matches('/'),
            enc(&self.cfg.calendar_id)
        )
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, ProviderError> {
        match self.http.send(Service::GoogleCalendar, req).await {
            Ok(r) => Ok(read_json(&r)),
            Err(ProviderError::Refused { status: 401, .. }) => {
                // The token was revoked or expired early: the next try gets a new one.
                *self.token.lock().await = None;
                Err(ProviderError::retry("Google refused the access token"))
            }
            Err(e) => Err(e),
        }
    }

    /// The debrief event `id`: inserted with a Meet link and the attendees invited,
    /// or read back when it was inserted before.
    pub async fn insert(
        &self,
        id: &str,
        invite: &Invite,
        tz: &str,
    ) -> Result<Event, ProviderError> {
        let token = self.access_token().await?;
        let attendees: Vec<Value> = invite
            .attendees
            .iter()
            .map(|a| json!({"email": a.email, "displayName": a.name}))
            .collect();
        let body = json!({
            "id": id,
            "summary": format!("Postmortem debrief: {}: {}", invite.key, invite.title),
            "description": invite.description(),
            "start": {"dateTime": invite.start.to_rfc3339(), "timeZone": tz},
            "end": {"dateTime": invite.end.to_rfc3339(), "timeZone": tz},
            "attendees": attendees,
            "conferenceData": {"createRequest": {"requestId": id, "conferenceSolutionKey": {"type": "hangoutsMeet"}}},
        });
        let req = self
            .http
            .request(Method::POST, &self.events_url())
            .timeout(self.cfg.timeout.0)
            .bearer_auth(&token)
            .query(&[("conferenceDataVersion", "1"), ("sendUpdates", "all")])
            .json(&body);
        let v = match self.send(req).await {
            Err(ProviderError::Refused { status: 409, .. }) => {
                let req = self
                    .http
                    .request(Method::GET, &format!("{}/{id}", self.events_url()))
                    .timeout(self.cfg.timeout.0)
                    .bearer_auth(&token);
                self.send(req).await?
            }
            other => other?,
        };
        event(&v).ok_or_else(|| ProviderError::retry("Google answered without an event"))
    }
}

/// Percent-encodes a path segment (a calendar ID is an email address or `primary`).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
