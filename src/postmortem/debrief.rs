//! The debrief the seed asks for after a major incident ("When: within 48 hours …
//! Duration: 30–60 minutes … Who attends: IC, operations lead, communications lead,
//! relevant SMEs, engineering manager … Facilitator: someone not directly
//! involved"): the settings (`[debrief]`), the slot (the next working day at 10:00 in
//! the configured zone), the facilitator (someone who held no role), and the
//! invitation as an RFC 5545 `.ics` (METHOD:REQUEST) and as an "add to Google
//! Calendar" link. Pure: `app/reports/debrief.rs` sends it.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::domain::duration::Dur;
pub use crate::postmortem::google_calendar::{GoogleCalendarConfig, event_id, google_refusal};

/// `[debrief]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebriefConfig {
    /// Propose debriefs at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The severities that get one; unset: the two most severe levels (SEV1, SEV2).
    #[serde(default)]
    pub severities: Option<Vec<String>>,
    /// Incident types that get one whatever their severity.
    #[serde(default)]
    pub types: Vec<String>,
    /// The time of day, in `display.timezone`.
    #[serde(default = "at")]
    pub at: String,
    #[serde(default = "length")]
    pub duration: Dur,
    /// Working days, `Mon` … `Sun`.
    #[serde(default = "working_days")]
    pub working_days: Vec<String>,
    /// The invitation's organizer (an email address).
    #[serde(default = "organizer")]
    pub organizer: String,
    /// People who facilitate debriefs (Slack user IDs), first free one first; else
    /// someone in the channel who held no role.
    #[serde(default)]
    pub facilitators: Vec<String>,
    /// More addresses to invite (the engineering managers' list, say).
    #[serde(default)]
    pub invite: Vec<String>,
    /// The event made in Google Calendar, with a Meet link.
    #[serde(default)]
    pub google_calendar: GoogleCalendarConfig,
}

fn yes() -> bool {
    true
}
fn at() -> String {
    "10:00".into()
}
fn length() -> Dur {
    Dur(std::time::Duration::from_secs(45 * 60))
}
fn working_days() -> Vec<String> {
    ["Mon", "Tue", "Wed", "Thu", "Fri"]
        .map(String::from)
        .to_vec()
}
fn organizer() -> String {
    "warroom@localhost".into()
}

impl Default for DebriefConfig {
    fn default() -> Self {
        DebriefConfig {
            enabled: true,
            severities: None,
            types: Vec::new(),
            at: at(),
            duration: length(),
            working_days: working_days(),
            organizer: organizer(),
            facilitators: Vec::new(),
            invite: Vec::new(),
            google_calendar: GoogleCalendarConfig::default(),
        }
    }
}

impl DebriefConfig {
    /// `at` read (validation refuses what does not read).
    pub fn time_of_day(&self) -> Option<NaiveTime> {
        NaiveTime::parse_from_str(self.at.trim(), "%H:%M").ok()
    }

    /// The working days read; None names the first that does not read.
    pub fn days(&self) -> Result<Vec<Weekday>, String> {
        self.working_days
            .iter()
            .map(|d| d.trim().parse::<Weekday>().map_err(|_| d.clone()))
            .collect()
    }
}

/// The proposed slot: the first working day after `resolved` (in `tz`) at `at`.
pub fn slot(
    resolved: DateTime<Utc>,
    tz: Tz,
    at: NaiveTime,
    days: &[Weekday],
    length: Duration,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let mut day = resolved.with_timezone(&tz).date_naive();
    for _ in 0..14 {
        day = day.succ_opt().unwrap_or(day);
        if days.is_empty() || days.contains(&day.weekday()) {
            break;
        }
    }
    // A time that does not exist that day (a clock change) takes the next that does.
    let local = tz
        .from_local_datetime(&day.and_time(at))
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&day.and_time(at + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(resolved + Duration::days(1));
    (local, local + length)
}

/// The facilitator: the first configured one who held no role, else the first
/// participant who held none.
pub fn facilitator(
    configured: &[String],
    participants: &[String],
    roles: &[String],
) -> Option<String> {
    configured
        .iter()
        .chain(participants)
        .find(|u| !roles.contains(u))
        .cloned()
}

/// A person invited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub name: String,
    pub email: String,
}

/// What the invitation says.
#[derive(Debug, Clone)]
pub struct Invite {
    /// `INC-42`.
    pub key: String,
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub organizer: String,
    pub attendees: Vec<Attendee>,
    pub facilitator: Option<String>,
    /// The postmortem's page, where there is one.
    pub link: Option<String>,
    /// When the invitation was made.
    pub stamp: DateTime<Utc>,
    /// Stable across retries: one event, however often it is sent.
    pub uid: String,
}

impl Invite {
    fn summary(&self) -> String {
        format!("Postmortem debrief: {}: {}", self.key, self.title)
    }

    /// What the event says: the review, the facilitator, the postmortem's link.
    pub fn description(&self) -> String {
        let mut d = format!(
            "The blameless review of {} with its responders (the seed: within 48 hours of resolution).",
            self.key
        );
        if let Some(f) = &self.facilitator {
            d.push_str(&format!("\nFacilitator: {f}"));
        }
        if let Some(l) = &self.link {
            d.push_str(&format!("\nPostmortem: {l}"));
        }
        d
    }
}

/// Text as an iCalendar TEXT value: backslash, semicolon, comma and newline escaped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (CN=…): quoted, without the characters a quoted value cannot hold.
fn param(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control() && *c != '"').collect();
    format!("\"{clean}\"")
}

/// One content line folded at 75 octets (RFC 5545 3.1), never inside a character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// An address fit for a `mailto:` (one line, no spaces or angle brackets).
fn address(s: &str) -> Option<&str> {
    let s = s.trim();
    (s.contains('@')
        && s.len() <= 254
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:".contains(c)))
    .then_some(s)
}

/// The invitation as an iCalendar object (METHOD:REQUEST), CRLF lines folded.
pub fn ics(i: &Invite) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//warroom//debrief//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:REQUEST".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", text(&i.uid)),
        format!("DTSTAMP:{}", stamp(i.stamp)),
        format!("DTSTART:{}", stamp(i.start)),
        format!("DTEND:{}", stamp(i.end)),
        format!("SUMMARY:{}", text(&i.summary())),
        format!("DESCRIPTION:{}", text(&i.description())),
        "SEQUENCE:0".into(),
        "STATUS:CONFIRMED".into(),
        "TRANSP:OPAQUE".into(),
    ];
    if let Some(l) = i
        .link
        .as_deref()
        .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
    {
        lines.push(format!("URL:{}", l.replace(['\r', '\n', ' '], "")));
    }
    if let Some(o) = address(&i.organizer) {
        lines.push(format!("ORGANIZER;CN=warroom:mailto:{o}"));
    }
    for a in &i.attendees {
        if let Some(e) = address(&a.email) {
            lines.push(format!(
                "ATTENDEE;CN={};CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{e}",
                param(&a.name)
            ));
        }
    }
    lines.extend(["END:VEVENT".to_string(), "END:VCALENDAR".into()]);
    let mut out = String::new();
    for l in &lines {
        fold(l, &mut out);
    }
    out
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Google Calendar's "add event" link, with the guests filled in.
pub fn google_link(i: &Invite) -> String {
    let guests: Vec<&str> = i
        .attendees
        .iter()
        .filter_map(|a| address(&a.email))
        .collect();
    let mut url = format!(
        "https://calendar.google.com/calendar/render?action=TEMPLATE&text={}&dates={}/{}&details={}",
        enc(&i.summary()),
        stamp(i.start),
        stamp(i.end),
        enc(&i.description())
    );
    if !guests.is_empty() {
        url.push_str(&format!("&add={}", enc(&guests.join(","))));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn weekdays() -> Vec<Weekday> {
        DebriefConfig::default().days().unwrap()
    }

    #[test]
    fn the_slot_is_the_next_working_day_at_ten_in_the_zone() {
        let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let m45 = Duration::minutes(45);
        // Tuesday 8 Dec 2026 15:00 UTC → Wednesday 10:00 Berlin (09:00 UTC).
        let (s, e) = slot(utc(2026, 12, 8, 15, 0), tz, ten, &weekdays(), m45);
        assert_eq!((s, e), (utc(2026, 12, 9, 9, 0), utc(2026, 12, 9, 9, 45)));
        // Friday 11 Dec → Monday 14 Dec.
        let (s, _) = slot(utc(2026, 12, 11, 16, 0), tz, ten, &weekdays(), m45);
        assert_eq!(s, utc(2026, 12, 14, 9, 0));
        // Resolved at 23:30 UTC Tuesday = 00:30 Wednesday in Berlin → Thursday.
        let (s, _) = slot(utc(2026, 12, 8, 23, 30), tz, ten, &weekdays(), m45);
        assert_eq!(s, utc(2026, 12, 10, 9, 0));
        // Summer time: 10:00 in Berlin is 08:00 UTC.
        let (s, _) = slot(utc(2026, 7, 1, 12, 0), tz, ten, &weekdays(), m45);
        assert_eq!(s, utc(2026, 7, 2, 8, 0));
    }

    #[test]
    fn google_ids_and_refusals() {
        let id = event_id("INC-7", "primary");
        assert_eq!(id, event_id("INC-7", "primary"));
        assert!(
            id.len() >= 5
                && id
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c))
        );
        assert_ne!(id, event_id("INC-8", "primary"));
        assert_eq!(
            google_refusal(r#"{"error":{"code":403,"message":"Forbidden","errors":[]}}"#),
            "Forbidden"
        );
        assert_eq!(
            google_refusal(
                r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#
            ),
            "Token has been expired or revoked."
        );
    }

    #[test]
    fn the_facilitator_held_no_role() {
        let roles = vec!["UALICE".to_string(), "UBOB".to_string()];
        let parts = vec!["UALICE".to_string(), "UCAROL".to_string()];
        assert_eq!(facilitator(&[], &parts, &roles), Some("UCAROL".into()));
        assert_eq!(
            facilitator(&["UBOB".into(), "UDAN".into()], &parts, &roles),
            Some("UDAN".into())
        );
        assert_eq!(facilitator(&[], &roles, &roles), None);
    }

    #[test]
    fn the_ics_is_escaped_and_folded() {
        let i = Invite {
            key: "INC-7".into(),
            title: "Checkout; errors, \"bad\"\nline".into(),
            start: utc(2026, 12, 9, 9, 0),
            end: utc(2026, 12, 9, 9, 45),
            organizer: "incidents@acme.example".into(),
            attendees: vec![
                Attendee {
                    name: "Alice \"A\"".into(),
                    email: "alice@acme.example".into(),
                },
                Attendee {
                    name: "Mallory".into(),
                    email: "x@y\r\nATTENDEE:mailto:evil@z".into(),
                },
            ],
            facilitator: Some("carol".into()),
            link: Some("https://warroom.example/incidents/INC-7/postmortem".into()),
            stamp: utc(2026, 12, 8, 15, 0),
            uid: "inc-7-debrief@warroom".into(),
        };
        let s = ics(&i);
        assert!(s.contains("METHOD:REQUEST\r\n"));
        assert!(s.contains(
            "SUMMARY:Postmortem debrief: INC-7: Checkout\\; errors\\, \"bad\"\\nline\r\n"
        ));
        assert!(s.contains("DTSTART:20261209T090000Z\r\n"));
        assert!(
            !s.contains("evil"),
            "an address with a line break is left out: {s}"
        );
        assert!(s.lines().all(|l| l.len() <= 76), "folded: {s}");
        assert!(s.contains("ATTENDEE;CN=\"Alice A\";CUTYPE=INDIVIDUAL;"));
        let g = google_link(&i);
        assert!(g.contains("dates=20261209T090000Z/20261209T094500Z"), "{g}");
        assert!(
            g.contains("&add=alice%40acme.example") && !g.contains("evil"),
            "{g}"
        );
    }
}
