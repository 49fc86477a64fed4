//! Small text pieces every view uses: times in the display zone, mentions of people
//! and contacts, channel links and block quotes.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::Incident;
use crate::domain::ids::mention;

/// `14:05 UTC` in the display zone.
pub(crate) fn hm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M %Z").to_string()
}

/// `2026-11-23 14:05 UTC` in the display zone.
pub(crate) fn datetime(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// One role holder, or `_unassigned_`.
pub(super) fn who(user: Option<&str>) -> String {
    user.map(mention)
        .unwrap_or_else(|| "_unassigned_".to_string())
}

/// Several people, or a dash for nobody.
pub(super) fn many(users: &[String]) -> String {
    if users.is_empty() {
        "—".to_string()
    } else {
        users
            .iter()
            .map(|u| mention(u))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Channel link, or the plain name while the channel is being created, or why there
/// is none.
pub(crate) fn channel_link(inc: &Incident) -> String {
    match (&inc.channel_id, &inc.channel_name, &inc.channel_error) {
        (Some(id), _, _) => format!("<#{id}>"),
        (None, _, Some(err)) => format!("no channel: Slack did not create it (`{err}`)"),
        (None, Some(name), None) => format!("#{name}"),
        _ => "its channel (being created)".to_string(),
    }
}

/// Each line of `mrkdwn` as a block quote.
pub(crate) fn quote(mrkdwn: &str) -> String {
    mrkdwn
        .lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Mentions for escalation contacts: users and user groups.
pub(crate) fn contact_mentions(contacts: &[String]) -> String {
    contacts
        .iter()
        .map(|c| {
            if c.starts_with('S') {
                format!("<!subteam^{c}>")
            } else {
                mention(c)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A ticket in the team's tracker as Slack shows it: its name linked when its
/// address is a web address, the name alone otherwise (a tracker's answer is not
/// trusted to be well formed).
pub(crate) fn ticket_link(t: &crate::domain::action::TicketRef) -> String {
    let name = crate::domain::text::escape(&crate::domain::text::clean(&t.name));
    match t.web_url() {
        Some(u) => {
            let u = u.replace('|', "%7C");
            format!("<{}|{name}>", crate::domain::text::escape(&u))
        }
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::fixtures::incident;

    #[test]
    fn times_follow_the_display_zone() {
        let i = incident();
        assert_eq!(hm(i.declared_at, Tz::UTC), "14:00 UTC");
        assert_eq!(hm(i.declared_at, chrono_tz::Europe::Berlin), "15:00 CET");
    }
}
