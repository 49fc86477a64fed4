//! A warning's message: the notice kind it was queued with, its rendering (what, how
//! bad, the facts, what to do, its state and the buttons), loading what it shows for
//! delivery, and queueing an in-place refresh of it.

use chrono::{DateTime, Utc};

use crate::app::delivery::outbox::{self, ChatOp};
use crate::app::entry::controls::Action;
use crate::app::messages;
use crate::app::{AppError, Warnings};
use crate::chat::{Block, Button, ButtonStyle, Message};
use crate::domain::IncidentId;
use crate::domain::finding::{Finding, Level};
use crate::domain::ids::mention;
use crate::domain::policy::Notice;
use crate::domain::text::sanitize;
use crate::store::warnings::{self, Warning};
use crate::store::{Tx, incidents};

/// A notice, as stored in a queued message job.
pub(crate) fn notice_key(n: Notice) -> &'static str {
    match n {
        Notice::First => "first",
        Notice::Rose => "rose",
        Notice::Reminder => "reminder",
        Notice::Recovered => "recovered",
    }
}

fn notice_from(s: &str) -> Option<Notice> {
    Some(match s {
        "first" => Notice::First,
        "rose" => Notice::Rose,
        "reminder" => Notice::Reminder,
        "recovered" => Notice::Recovered,
        _ => return None,
    })
}

/// A warning's message: what, how bad, the facts, what to do, and the buttons.
pub(crate) fn render(
    w: &Warning,
    notice: Option<Notice>,
    mentions: &[String],
    incident: Option<(IncidentId, bool)>,
    tz: chrono_tz::Tz,
) -> Message {
    let f = &w.finding;
    // Findings quote what watchers read elsewhere (certificate names, mount points,
    // labels): markup they happen to hold is shown, never acted on.
    let head = format!(
        "{}{} — {}",
        who(f.level, notice, mentions),
        lead(w, notice, tz),
        sanitize(&f.summary)
    );
    let body = body(f);
    let state = state(w, incident, tz);
    let mut blocks = vec![Block::Section {
        text: head.clone(),
        fields: vec![],
    }];
    if !body.is_empty() {
        blocks.push(Block::Section {
            text: body.join("\n"),
            fields: vec![],
        });
    }
    if !state.is_empty() {
        blocks.push(Block::Context { items: state });
    }
    if f.level.is_bad() {
        blocks.push(Block::Actions {
            buttons: buttons(w, incident),
        });
    }
    blocks.push(footer(w, tz));
    let mut text = head;
    if !body.is_empty() {
        text.push('\n');
        text.push_str(&body.join("\n"));
    }
    Message { text, blocks }
}

/// How bad, and what changed: `:red_circle: *Critical*`, `*Worse: …*`, `*Still …*`,
/// `*Recovered*`.
fn lead(w: &Warning, notice: Option<Notice>, tz: chrono_tz::Tz) -> String {
    let f = &w.finding;
    match notice {
        Some(Notice::First) => format!("{} *{}*", f.level.emoji(), capital(f.level.key())),
        Some(Notice::Rose) => format!("{} *Worse: now {}*", f.level.emoji(), f.level),
        Some(Notice::Reminder) => format!(
            "{} *Still {}* (since {})",
            f.level.emoji(),
            f.level,
            messages::datetime(w.first_seen, tz)
        ),
        Some(Notice::Recovered) => ":white_check_mark: *Recovered*".to_string(),
        None if f.level.is_bad() => format!("{} *{}*", f.level.emoji(), capital(f.level.key())),
        None => ":white_check_mark: *Recovered*".to_string(),
    }
}

/// The watcher's contacts, mentioned only by a notification of something worse than
/// info (never by a recovery or an in-place edit).
fn who(level: Level, notice: Option<Notice>, mentions: &[String]) -> String {
    if level.is_bad()
        && level != Level::Info
        && notice.is_some_and(|n| n != Notice::Recovered)
        && !mentions.is_empty()
    {
        format!("{} ", messages::contact_mentions(mentions))
    } else {
        String::new()
    }
}

/// The facts, and the runbook when there is one.
fn body(f: &Finding) -> Vec<String> {
    let mut body: Vec<String> = f.details.iter().map(|d| sanitize(d)).collect();
    if let Some(r) = &f.runbook {
        body.push(sanitize(&format!(":book: What to do: <{r}|the runbook>")));
    }
    body
}

/// What people did about it: acknowledged, snoozed, declared as an incident.
fn state(w: &Warning, incident: Option<(IncidentId, bool)>, tz: chrono_tz::Tz) -> Vec<String> {
    let mut state: Vec<String> = Vec::new();
    if let (Some(by), Some(at)) = (&w.acked_by, w.acked_at) {
        state.push(format!(
            ":ok_hand: Acknowledged by {} at {}",
            mention(by),
            messages::datetime(at, tz)
        ));
    }
    if let Some(until) = w.snoozed_until.filter(|_| w.finding.level.is_bad()) {
        let by = w.snoozed_by.as_deref().map(mention).unwrap_or_default();
        state.push(format!(
            ":zzz: Snoozed by {by} until {}",
            messages::datetime(until, tz)
        ));
    }
    if let Some((id, open)) = incident {
        state.push(format!(
            ":rotating_light: Declared as *{id}*{}",
            if open { "" } else { " (resolved)" }
        ));
    }
    state
}

/// Declare incident (unless one is open for it), Snooze, and Acknowledge (until
/// someone has).
fn buttons(w: &Warning, incident: Option<(IncidentId, bool)>) -> Vec<Button> {
    let mut buttons = Vec::new();
    if !incident.is_some_and(|(_, open)| open) {
        buttons.push(
            Button::new(
                Action::WarningDeclare.id(),
                "Declare incident",
                w.key.clone(),
            )
            .styled(ButtonStyle::Danger),
        );
    }
    buttons.push(Button::new(
        Action::WarningSnooze.id(),
        "Snooze",
        w.key.clone(),
    ));
    if w.acked_by.is_none() {
        buttons.push(
            Button::new(Action::WarningAck.id(), "Acknowledge", w.key.clone())
                .styled(ButtonStyle::Primary),
        );
    }
    buttons
}

/// Which watcher, which key, since when.
fn footer(w: &Warning, tz: chrono_tz::Tz) -> Block {
    Block::Context {
        items: vec![sanitize(&format!(
            "watcher `{}` · `{}` · first seen {}",
            w.finding.watcher,
            w.key,
            messages::datetime(w.first_seen, tz)
        ))],
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Queues an in-place edit of the warning's latest message in `channel`.
pub(crate) async fn queue_refresh(
    conn: &mut Tx,
    channel: &str,
    key: &str,
    now: DateTime<Utc>,
) -> crate::store::Result<()> {
    outbox::send(
        conn,
        outbox::channel_queue(channel),
        &ChatOp::RefreshWarning {
            key: key.to_string(),
        },
        now,
    )
    .await
}

/// Queues edits of wherever the warning shows: its latest message of its own, and
/// the storm rollup listing it.
pub(crate) async fn refresh_shown(
    conn: &mut Tx,
    w: &Warning,
    now: DateTime<Utc>,
) -> crate::store::Result<()> {
    if let (Some(ch), Some(_)) = (&w.channel, &w.message_ts) {
        queue_refresh(conn, ch, &w.key, now).await?;
    }
    if let Some(id) = w.rollup {
        super::rollup::queue_rollup_refresh(conn, id, now).await?;
    }
    Ok(())
}

impl Warnings<'_> {
    /// Renders a warning for delivery.
    pub(crate) async fn warning_message(
        &self,
        key: &str,
        notice: Option<&str>,
    ) -> Result<Option<(Warning, Message)>, AppError> {
        let mut conn = self.store.conn().await?;
        let Some(w) = warnings::get(&mut conn, key).await? else {
            return Ok(None);
        };
        let incident = match w.incident {
            Some(id) => incidents::get(&mut conn, id)
                .await?
                .map(|i| (id, i.is_open())),
            None => None,
        };
        let msg = render(
            &w,
            notice.and_then(notice_from),
            &self.warnings().warning_mentions(&w.finding),
            incident,
            self.tz,
        );
        Ok(Some((w, msg)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn warning(level: Level) -> Warning {
        let mut f = Finding::new(
            "certs",
            "cert:api:443".into(),
            "api:443".into(),
            level,
            "The TLS certificate of api:443 expires in 5 days".into(),
        );
        f.details = vec!["Expires: *2026-03-06 12:00:00 UTC* (in 5 days)".into()];
        f.runbook = Some("https://runbooks/tls".into());
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        f.step = 3;
        Warning {
            channel: Some("C1".into()),
            ..Warning::first(&f, t)
        }
    }

    #[test]
    fn messages_say_what_and_offer_the_buttons() {
        let w = warning(Level::Critical);
        let m = render(
            &w,
            Some(Notice::First),
            &["UONCALL".into()],
            None,
            chrono_tz::Tz::UTC,
        );
        assert!(m.text.starts_with("<@UONCALL> :red_circle: *Critical* — The TLS certificate of api:443 expires in 5 days"), "{}", m.text);
        assert!(
            m.text.contains("2026-03-06 12:00:00 UTC")
                && m.text.contains("<https://runbooks/tls|the runbook>")
        );
        let all = format!("{m:?}");
        for b in ["warning_declare", "warning_snooze", "warning_ack"] {
            assert!(all.contains(b), "{b}");
        }
        // Acknowledged and declared: the state shows, those buttons go.
        let mut w2 = w.clone();
        w2.acked_by = Some("UALICE".into());
        w2.acked_at = Some(w.first_seen);
        let m = render(
            &w2,
            None,
            &[],
            Some((IncidentId(7), true)),
            chrono_tz::Tz::UTC,
        );
        let all = format!("{m:?}");
        assert!(all.contains("Acknowledged by <@UALICE>") && all.contains("Declared as *INC-7*"));
        assert!(!all.contains("warning_ack") && !all.contains("warning_declare"));
        // Recovery: no buttons, no mentions.
        let ok = warning(Level::Ok);
        let m = render(
            &ok,
            Some(Notice::Recovered),
            &["UONCALL".into()],
            None,
            chrono_tz::Tz::UTC,
        );
        assert!(m.text.starts_with(":white_check_mark: *Recovered*"));
        assert!(!format!("{m:?}").contains("warning_snooze"));
    }
}
