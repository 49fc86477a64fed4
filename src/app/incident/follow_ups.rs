//! Follow-ups that come back: when an incident is found to affect a service, the
//! action items still open from earlier incidents on that service are posted in its
//! channel ("INC-12 action 3, *add a connection-pool alarm*, @bob, due 10 days ago,
//! still open"), once per service per incident.

use chrono::NaiveDate;

use crate::app::delivery::outbox;
use crate::app::{AppError, Incidents};
use crate::chat::Message;
use crate::domain::ActionItem;
use crate::domain::IncidentId;
use crate::domain::ids::mention;
use crate::domain::text::escape;
use crate::store::Tx;

/// The most follow-ups one message lists.
const MAX_LISTED: i64 = 10;

impl Incidents<'_> {
    /// Queues, in `tx`, the open follow-ups of earlier incidents on the services just
    /// `added` to incident `id` (nothing when there are none).
    pub(crate) async fn tell_follow_ups(
        &self,
        tx: &mut Tx,
        id: IncidentId,
        added: &[String],
    ) -> Result<(), AppError> {
        if added.is_empty() {
            return Ok(());
        }
        let open = crate::store::actions::open_on_services(tx, added, id, MAX_LISTED + 1).await?;
        if open.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let today = now.with_timezone(&self.tz).date_naive();
        outbox::post_in_incident(tx, id, follow_ups(&open, added, today), now).await?;
        Ok(())
    }
}

/// The message: a heading naming the services, then one line per item (at most
/// [`MAX_LISTED`], and how many more).
pub(crate) fn follow_ups(items: &[ActionItem], services: &[String], today: NaiveDate) -> Message {
    let mut text = format!(
        ":recycle: *Open follow-ups from earlier incidents on {}:*",
        escape(&services.join(", "))
    );
    for a in items.iter().take(MAX_LISTED as usize) {
        text.push_str(&format!("\n• {}", line(a, today)));
    }
    if items.len() > MAX_LISTED as usize {
        text.push_str("\n…and more: see `/incident INC-n actions` on the earlier incidents.");
    }
    Message::text(text)
}

/// `INC-12 action 3, *add a connection-pool alarm*, @bob, due 10 days ago, OPS-123,
/// still open`.
fn line(a: &ActionItem, today: NaiveDate) -> String {
    let owner = a.owner.as_deref().map_or("no owner".into(), mention);
    let due = match a.due {
        Some(d) if d < today => format!("due {} days ago", (today - d).num_days()),
        Some(d) if d == today => "due today".into(),
        Some(d) => format!("due {d}"),
        None => "no due date".into(),
    };
    let ticket = a
        .ticket
        .as_ref()
        .map(|t| format!("{}, ", crate::app::messages::ticket_link(t)))
        .unwrap_or_default();
    format!(
        "{} action {}, *{}*, {owner}, {due}, {ticket}still open",
        a.incident,
        a.seq,
        a.text.mrkdwn()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{IncidentId, UserText};

    fn item(seq: i64, owner: Option<&str>, due: Option<&str>) -> ActionItem {
        ActionItem {
            incident: IncidentId(12),
            seq,
            text: UserText::from_mrkdwn("add a <b>connection-pool</b> alarm"),
            owner: owner.map(str::to_string),
            priority: None,
            due: due.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            done: false,
            created_by: "U1".into(),
            created_at: chrono::Utc::now(),
            done_at: None,
            ticket: None,
        }
    }

    #[test]
    fn each_follow_up_says_who_and_how_late() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let m = follow_ups(
            &[
                item(3, Some("UBOB"), Some("2026-11-27")),
                item(4, None, None),
            ],
            &["api".into()],
            today,
        );
        assert!(m.text.contains("earlier incidents on api:"), "{}", m.text);
        assert!(
            m.text.contains(
                "INC-12 action 3, *add a &lt;b&gt;connection-pool&lt;/b&gt; alarm*, <@UBOB>, due 10 days ago, still open"
            ),
            "{}",
            m.text
        );
        assert!(m.text.contains("INC-12 action 4"), "{}", m.text);
        assert!(m.text.contains("no owner, no due date"), "{}", m.text);
        let many: Vec<ActionItem> = (1..=12).map(|n| item(n, None, None)).collect();
        let m = follow_ups(&many, &["api".into()], today);
        assert_eq!(m.text.matches("• ").count(), 10);
        assert!(m.text.contains("and more"));
    }
}
