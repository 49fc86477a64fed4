//! Owners are chased: an action item with an owner and a due date has its owner told
//! by direct message when it falls due (09:00 in the display time zone), then weekly
//! while it stays open. Done, or its owner or due date gone, the chase stops. Each
//! reminder completes its job and queues the next in one transaction.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::app::Cadence;
use crate::app::delivery::JobError;
use crate::app::delivery::outbox::{self, ChatOp};
use crate::app::jobs::JobKind;
use crate::chat::Message;
use crate::domain::{ActionItem, IncidentId};
use crate::store::jobs::{self, Job, NewJob};
use crate::store::{Tx, actions};

/// How often an overdue item's owner is told again.
const AGAIN_EVERY: Duration = Duration::days(7);

/// The chase's dedupe key: one pending reminder per item.
pub(crate) fn key(id: IncidentId, seq: i64) -> String {
    format!("action-due:{}:{seq}", id.0)
}

/// When an item due on `due` is first told: 09:00 that day in `tz`, or now when that
/// has passed.
pub(crate) fn first_at(due: NaiveDate, tz: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
    tz.from_local_datetime(&due.and_time(nine))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| due.and_time(nine).and_utc())
        .max(now)
}

/// The chase's job for a new item with an owner and a due date; None otherwise.
pub(crate) fn job(item: &ActionItem, tz: Tz, now: DateTime<Utc>) -> Option<NewJob> {
    let due = item.due.filter(|_| item.owner.is_some())?;
    let kind = JobKind::ActionDue {
        incident: item.incident,
        seq: item.seq,
    };
    Some(NewJob {
        dedupe_key: Some(key(item.incident, item.seq)),
        priority: jobs::Priority::People,
        ..kind.at(None, first_at(due, tz, now))
    })
}

/// The direct message: what, from which incident, how late, and how to close it.
fn reminder(item: &ActionItem, today: NaiveDate, cmd: &str) -> Message {
    let late = item
        .due
        .map_or(String::new(), |d| match (today - d).num_days() {
            0 => " is due today".into(),
            1 => " was due yesterday".into(),
            n if n > 1 => format!(" was due {n} days ago ({d})"),
            _ => format!(" is due on {d}"),
        });
    Message::text(format!(
        ":hourglass_flowing_sand: Your action item from *{}* (#{}), *{}*,{late}. When it is done: `{cmd} {} action done {}`.",
        item.incident,
        item.seq,
        item.text.mrkdwn(),
        item.incident,
        item.seq
    ))
}

impl Cadence<'_> {
    /// Tells the owner, then queues the next reminder a week on; nothing when the item
    /// is done or has lost its owner or due date.
    pub(crate) async fn fire_action_due(
        &self,
        job: &Job,
        id: IncidentId,
        seq: i64,
    ) -> Result<(), JobError> {
        let mut tx = self.begin_scheduled(job).await?;
        let item = actions::list(&mut tx, id)
            .await?
            .into_iter()
            .find(|a| a.seq == seq);
        let Some((item, owner)) = item
            .filter(|a| !a.done && a.due.is_some())
            .and_then(|a| a.owner.clone().map(|o| (a, o)))
        else {
            tx.commit().await?;
            return Ok(());
        };
        self.chase(&mut tx, &item, &owner).await?;
        self.commit(tx).await?;
        Ok(())
    }

    async fn chase(&self, tx: &mut Tx, item: &ActionItem, owner: &str) -> Result<(), JobError> {
        let now = self.now();
        let today = now.with_timezone(&self.tz).date_naive();
        let op = ChatOp::Tell {
            user: owner.to_string(),
            channel: None,
            message: reminder(item, today, self.cmd()),
        };
        outbox::send(tx, outbox::channel_queue(owner), &op, now).await?;
        let next = NewJob {
            dedupe_key: Some(key(item.incident, item.seq)),
            priority: jobs::Priority::People,
            ..JobKind::ActionDue {
                incident: item.incident,
                seq: item.seq,
            }
            .at(None, now + AGAIN_EVERY)
        };
        jobs::enqueue(tx, &next, now).await?;
        tracing::info!(incident = %item.incident, seq = item.seq, "action item owner told");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserText;

    fn item(due: Option<&str>, owner: Option<&str>) -> ActionItem {
        ActionItem {
            incident: IncidentId(4),
            seq: 2,
            text: UserText::from_mrkdwn("add the <alarm>"),
            owner: owner.map(str::to_string),
            priority: None,
            due: due.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            done: false,
            created_by: "U1".into(),
            created_at: Utc::now(),
            done_at: None,
            ticket: None,
        }
    }

    #[test]
    fn first_told_at_nine_in_the_zone_or_now_when_past() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            first_at(d("2026-12-10"), berlin, now),
            Utc.with_ymd_and_hms(2026, 12, 10, 8, 0, 0).unwrap()
        );
        assert_eq!(first_at(d("2026-12-01"), berlin, now), now);
        assert!(
            job(&item(Some("2026-12-10"), None), berlin, now).is_none(),
            "no owner"
        );
        assert!(
            job(&item(None, Some("U2")), berlin, now).is_none(),
            "no due date"
        );
        let j = job(&item(Some("2026-12-10"), Some("U2")), berlin, now).unwrap();
        assert_eq!(j.dedupe_key.as_deref(), Some("action-due:4:2"));
    }

    #[test]
    fn the_reminder_says_how_late_and_how_to_close_it() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        let m = reminder(&item(Some("2026-12-10"), Some("U2")), today, "/incident");
        assert!(
            m.text.contains(
                "*INC-4* (#2), *add the &lt;alarm&gt;*, was due 10 days ago (2026-12-10)"
            ),
            "{}",
            m.text
        );
        assert!(
            m.text.contains("`/incident INC-4 action done 2`"),
            "{}",
            m.text
        );
    }
}
