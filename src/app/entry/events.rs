//! Channel events that reach the timeline: a message pinned in an incident channel, or
//! given the configured reaction, is recorded with its author and original time. Slack
//! redelivers events; each event ID and each message is recorded once.

use chrono::{DateTime, TimeZone, Utc};

use crate::app::delivery::outbox::{self, ChatOp};
use crate::app::{AppError, Inbound};
use crate::domain::UserText;
use crate::domain::timeline::{Entry, EntryKind};
use crate::store::{events, incidents, timeline};

/// A chat event warroom cares about.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    Pinned {
        channel: String,
        ts: String,
        author: Option<String>,
        text: String,
        pinned_by: Option<String>,
    },
    Reacted {
        channel: String,
        ts: String,
        reaction: String,
        user: String,
    },
}

impl ChatEvent {
    /// The event with identifiers fit to store (the text is cleaned where it is kept).
    fn cleaned(self) -> ChatEvent {
        use crate::app::clean_id as c;
        match self {
            ChatEvent::Pinned {
                channel,
                ts,
                author,
                text,
                pinned_by,
            } => ChatEvent::Pinned {
                channel: c(&channel),
                ts: c(&ts),
                author: author.as_deref().map(c),
                text,
                pinned_by: pinned_by.as_deref().map(c),
            },
            ChatEvent::Reacted {
                channel,
                ts,
                reaction,
                user,
            } => ChatEvent::Reacted {
                channel: c(&channel),
                ts: c(&ts),
                reaction: c(&reaction),
                user: c(&user),
            },
        }
    }
}

/// Slack's message timestamp (`1700000000.000200`) as a time.
pub(crate) fn ts_time(ts: &str) -> Option<DateTime<Utc>> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    let secs: i64 = secs.parse().ok()?;
    let micros: u32 = format!("{frac:0<6}").get(..6)?.parse().ok()?;
    Utc.timestamp_opt(secs, micros * 1000).single()
}

/// Longest pinned message kept on a timeline, in characters; the rest is cut with a
/// note (Slack messages may hold 40,000).
pub(crate) const MAX_PINNED: usize = 4000;

/// A pinned message's text as the timeline keeps it: Slack's markup, bounded.
pub(crate) fn pinned_text(text: &str) -> UserText {
    UserText::from_mrkdwn(text.trim()).shortened(MAX_PINNED)
}

/// The key that makes a message count once on a timeline.
pub(crate) fn message_key(channel: &str, ts: &str) -> String {
    format!("msg:{channel}:{ts}")
}

impl Inbound<'_> {
    /// Handles one event. `event_id` (Slack's, unique per delivery) makes retries
    /// harmless. Returns false when the event was a repeat or not for warroom.
    /// Slack redelivers what is not acknowledged in 3 s, so an event that cannot be
    /// recorded in time fails (and comes again) rather than hangs.
    pub(crate) async fn handle_event(
        &self,
        event_id: Option<&str>,
        ev: ChatEvent,
    ) -> Result<bool, AppError> {
        tokio::time::timeout(crate::app::ANSWER_WITHIN, self.record_event(event_id, ev))
            .await
            .unwrap_or(Err(AppError::Store(crate::store::StoreError::TimedOut)))
    }

    async fn record_event(&self, event_id: Option<&str>, ev: ChatEvent) -> Result<bool, AppError> {
        let now = self.now();
        let event_id = event_id.map(crate::app::clean_id);
        let ev = ev.cleaned();
        let mut tx = self.store.begin().await?;
        if let Some(id) = event_id.as_deref()
            && !events::first_delivery(&mut tx, id, now).await?
        {
            tracing::debug!(event_id = id, "repeated event ignored");
            return Ok(false);
        }
        let handled = match ev {
            ChatEvent::Pinned {
                channel,
                ts,
                author,
                text,
                pinned_by,
            } => match incidents::by_channel(&mut tx, &channel).await? {
                Some(inc) if inc.headline_ts.as_deref() != Some(ts.as_str()) => {
                    let entry = Entry {
                        at: ts_time(&ts).unwrap_or(now),
                        actor: author
                            .clone()
                            .or(pinned_by)
                            .unwrap_or_else(|| "unknown".into()),
                        kind: EntryKind::Message,
                        text: pinned_text(&text),
                    };
                    timeline::add(
                        &mut tx,
                        inc.id,
                        &entry,
                        Some(&message_key(&channel, &ts)),
                        now,
                    )
                    .await?
                }
                _ => false,
            },
            ChatEvent::Reacted {
                channel,
                ts,
                reaction,
                user: _,
            } => {
                if reaction.trim_matches(':') != self.cfg.slack.pin_reaction.trim_matches(':') {
                    false
                } else {
                    match incidents::by_channel(&mut tx, &channel).await? {
                        Some(inc) if inc.headline_ts.as_deref() != Some(ts.as_str()) => {
                            // The event carries no text: a job reads the message, then records it.
                            outbox::to_incident(
                                &mut tx,
                                inc.id,
                                &ChatOp::RecordReaction {
                                    incident: inc.id.0,
                                    channel,
                                    ts,
                                },
                                now,
                            )
                            .await?;
                            true
                        }
                        _ => false,
                    }
                }
            }
        };
        tx.commit().await?;
        if handled {
            self.kick();
        }
        Ok(handled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_timestamps() {
        let t = ts_time("1700000000.000200").unwrap();
        assert_eq!(t.timestamp(), 1_700_000_000);
        assert_eq!(t.timestamp_subsec_micros(), 200);
        assert_eq!(ts_time("1700000000").unwrap().timestamp(), 1_700_000_000);
        assert!(ts_time("abc").is_none());
    }
}
