//! The debrief (issue 27), on both databases: a SEV2 resolved shares one calendar
//! invitation in its channel, read back by a real iCalendar parser (the `icalendar`
//! crate): METHOD:REQUEST, the next working day at 10:00 in the configured zone, 45
//! minutes, the organizer, the role holders and the facilitator (someone who held no
//! role) as attendees with their Slack addresses; the proposal names the facilitator
//! and links Google Calendar. A SEV3 gets none.

use std::time::Duration;

use chrono::{Datelike, Timelike, Utc, Weekday};
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime};

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestDb, on_both_databases, spawn, until};

const CONFIG: &str = "[display]\ntimezone = \"Europe/Berlin\"\n[http]\npublic_url = \"https://warroom.example\"\n\
     [debrief]\norganizer = \"incidents@acme.example\"\n";

fn invitations(fake: &FakeSlack) -> Vec<String> {
    let w = fake.world.lock().unwrap();
    let ics: Vec<String> = w
        .files
        .iter()
        .filter(|f| {
            f["filename"]
                .as_str()
                .is_some_and(|n| n.ends_with("-debrief.ics"))
        })
        .filter_map(|f| f["id"].as_str().map(str::to_string))
        .collect();
    ics.iter()
        .filter_map(|id| w.uploads.get(id))
        .map(|b| String::from_utf8(b.clone()).expect("UTF-8"))
        .collect()
}

on_both_databases!(
    a_major_incident_resolved_proposes_its_debrief,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn a_major_incident_resolved_proposes_its_debrief(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = spawn(&db, &fake, CONFIG).await;
    t.say(
        "UALICE",
        "CGENERAL",
        "declare sev2 Checkout errors; \"quoted\", too",
    )
    .await;
    let ch = t.wait_ready(1).await.id;
    t.say("UALICE", &ch, "role ops <@UBOB>").await;
    t.say("UCAROL", &ch, "note the dashboards show the spike at 14:02")
        .await;
    t.say("UALICE", &ch, "resolve Rolled back").await;
    let resolved = Utc::now();
    until("the invitation", || invitations(&fake).len() == 1).await;
    let ics = invitations(&fake).remove(0);
    assert!(ics.contains("\r\n"), "CRLF lines");

    let cal: Calendar = ics.parse().expect("a real iCalendar parser reads it");
    assert_eq!(cal.property_value("METHOD"), Some("REQUEST"));
    let ev = cal
        .components
        .iter()
        .find_map(|c| c.as_event())
        .expect("one event");
    assert_eq!(
        ev.get_summary(),
        Some("Postmortem debrief: INC-1: Checkout errors; \"quoted\", too")
    );
    assert_eq!(ev.get_uid(), Some("inc-1-debrief@warroom"));
    assert_eq!(
        ev.get_url(),
        Some("https://warroom.example/incidents/INC-1/postmortem"),
        "the postmortem's link"
    );
    let utc = |d: Option<DatePerhapsTime>| match d {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => t,
        other => panic!("a UTC time, got {other:?}"),
    };
    let (start, end) = (utc(ev.get_start()), utc(ev.get_end()));
    assert_eq!(end - start, chrono::Duration::minutes(45));
    let berlin = start.with_timezone(&chrono_tz::Europe::Berlin);
    assert_eq!((berlin.hour(), berlin.minute()), (10, 0));
    assert!(!matches!(berlin.weekday(), Weekday::Sat | Weekday::Sun));
    let resolved_day = resolved
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive();
    assert!(
        berlin.date_naive() > resolved_day,
        "the next working day, not today"
    );
    assert!(berlin.date_naive() <= resolved_day + chrono::Duration::days(3));
    let props = ev.multi_properties();
    let attendees: Vec<&str> = props
        .get("ATTENDEE")
        .into_iter()
        .flatten()
        .map(|p| p.value())
        .collect();
    assert_eq!(
        attendees,
        [
            "mailto:alice@example.com",
            "mailto:bob@example.com",
            "mailto:carol@example.com"
        ],
        "the IC, the Ops Lead and the facilitator"
    );
    assert_eq!(
        ev.property_value("ORGANIZER"),
        Some("mailto:incidents@acme.example")
    );
    assert!(
        ev.get_description()
            .unwrap_or_default()
            .contains("Facilitator: carol")
    );

    until("the proposal", || {
        t.fake
            .messages(&ch)
            .iter()
            .any(|m| m.text.contains("Debrief for *INC-1*"))
    })
    .await;
    let proposal = t
        .fake
        .messages(&ch)
        .into_iter()
        .find(|m| m.text.contains("Debrief for *INC-1*"))
        .unwrap()
        .text;
    assert!(
        proposal.contains("Facilitator (held no role): <@UCAROL>"),
        "{proposal}"
    );
    assert!(
        proposal.contains("https://calendar.google.com/calendar/render?action=TEMPLATE"),
        "{proposal}"
    );
    assert!(proposal.contains("INC-1-debrief.ics"), "{proposal}");
    assert!(
        proposal.contains(&berlin.format("%a %-d %b 10:00").to_string()),
        "{proposal}"
    );

    // A SEV3 resolved gets no debrief; nothing is shared twice.
    t.say("UALICE", "CGENERAL", "declare sev3 Slow search")
        .await;
    let ch2 = t.wait_ready(2).await.id;
    t.say("UALICE", &ch2, "resolve Reindexed").await;
    until("the SEV3's postmortem prompt", || {
        t.fake
            .messages(&ch2)
            .iter()
            .any(|m| m.text.contains("postmortem") || m.text.contains("Resolved"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(invitations(&fake).len(), 1);
    assert!(
        !t.fake
            .messages(&ch2)
            .iter()
            .any(|m| m.text.contains("Debrief for"))
    );
}

on_both_databases!(
    with_google_calendar_one_event_with_a_meet_link_whatever_is_lost,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn with_google_calendar_one_event_with_a_meet_link_whatever_is_lost(db: TestDb) {
    use crate::common::fake_google_calendar::{
        CLIENT_ID, CLIENT_SECRET, FakeGoogleCalendar, REFRESH_TOKEN,
    };
    let fake = FakeSlack::start().await;
    let google = FakeGoogleCalendar::start().await;
    // Google makes the event and the answer is lost: the retry finds it by its ID.
    google.lose_next_insert();
    let cfg = format!(
        "{CONFIG}[debrief.google_calendar]\ncalendar_id = \"incidents@acme.example\"\nclient_id = \"{CLIENT_ID}\"\n\
         client_secret = \"{CLIENT_SECRET}\"\nrefresh_token = \"{REFRESH_TOKEN}\"\napi_url = \"{0}\"\ntoken_url = \"{0}/token\"\n",
        google.url
    );
    let t = spawn(&db, &fake, &cfg).await;
    t.say("UALICE", "CGENERAL", "declare sev1 Payments down")
        .await;
    let ch = t.wait_ready(1).await.id;
    t.say("UBOB", &ch, "note card declines at 40%").await;
    t.say("UALICE", &ch, "resolve Failed over").await;
    until("the proposal", || {
        t.fake
            .messages(&ch)
            .iter()
            .any(|m| m.text.contains("Debrief for *INC-1*"))
    })
    .await;
    let events = google.events();
    assert_eq!(events.len(), 1, "one event after a lost answer");
    let ev = &events[0];
    assert!(
        ev["hangoutLink"]
            .as_str()
            .unwrap()
            .starts_with("https://meet.google.com/")
    );
    let guests: Vec<&str> = ev["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["email"].as_str())
        .collect();
    assert_eq!(
        guests,
        ["alice@example.com", "bob@example.com"],
        "the IC and the facilitator"
    );
    assert_eq!(ev["start"]["timeZone"], "Europe/Berlin");
    assert!(
        google
            .inserts()
            .iter()
            .all(
                |q| q.get("conferenceDataVersion").map(String::as_str) == Some("1")
                    && q.get("sendUpdates").map(String::as_str) == Some("all")
            )
    );
    assert_eq!(google.tokens_issued(), 1, "the access token is kept");
    let proposal = t
        .fake
        .messages(&ch)
        .into_iter()
        .find(|m| m.text.contains("Debrief for *INC-1*"))
        .unwrap()
        .text;
    assert!(
        proposal.contains("Google Calendar has <https://www.google.com/calendar/event?eid="),
        "{proposal}"
    );
    assert!(
        proposal.contains("with a Meet link: https://meet.google.com/"),
        "{proposal}"
    );
    assert_eq!(invitations(&fake).len(), 1, "the .ics is shared too");
}
