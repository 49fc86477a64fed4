//! The debrief's event in Google Calendar: the settings (`[debrief.google_calendar]`),
//! the event's ID (the same on every try, so a lost answer never makes a second), and
//! Google's refusals as people read them. Pure: `providers/google_calendar.rs` sends it.

use serde::Deserialize;

use crate::domain::duration::Dur;

/// `[debrief.google_calendar]`: an OAuth client and a refresh token of an account
/// that may write to `calendar_id` (scope `https://www.googleapis.com/auth/calendar.events`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleCalendarConfig {
    /// `primary`, or the calendar's ID; empty: no events made.
    #[serde(default)]
    pub calendar_id: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret: crate::domain::secret::Secret,
    #[serde(default)]
    pub refresh_token: crate::domain::secret::Secret,
    #[serde(default = "google_api")]
    pub api_url: String,
    #[serde(default = "google_token")]
    pub token_url: String,
    #[serde(default = "google_timeout")]
    pub timeout: Dur,
}

fn google_api() -> String {
    "https://www.googleapis.com".into()
}
fn google_token() -> String {
    "https://oauth2.googleapis.com/token".into()
}
fn google_timeout() -> Dur {
    Dur(std::time::Duration::from_secs(10))
}

impl Default for GoogleCalendarConfig {
    fn default() -> Self {
        GoogleCalendarConfig {
            calendar_id: String::new(),
            client_id: String::new(),
            client_secret: Default::default(),
            refresh_token: Default::default(),
            api_url: google_api(),
            token_url: google_token(),
            timeout: google_timeout(),
        }
    }
}

impl GoogleCalendarConfig {
    pub fn enabled(&self) -> bool {
        !self.calendar_id.trim().is_empty()
    }
}

/// The Google Calendar event ID of `key`'s debrief: Google takes IDs of base32hex
/// characters (`0-9a-v`), so it is a digest in hex, the same on every try.
pub fn event_id(key: &str, calendar: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("warroom-debrief:{calendar}:{key}").as_bytes());
    hex::encode(&d[..16])
}

/// What Google said in a refusal: the API's `error.message`, OAuth's
/// `error_description` (or `error`), else the start of the body.
pub fn google_refusal(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    v.pointer("/error/message")
        .or_else(|| v.get("error_description"))
        .or_else(|| v.get("error").filter(|e| e.is_string()))
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| body.chars().take(200).collect())
}
