//! Warnings as use cases: applying a watcher run's findings (state, messages,
//! auto-declared incidents), rendering warning messages with their buttons, and the
//! buttons themselves: Declare incident, Snooze, Acknowledge.
//!
//! Messages: a notification (first warning, worse, reminder, recovery) is a new
//! message, because only new messages notify people; everything else (the facts moving
//! within the same level, an acknowledgement, a snooze, a declared incident) edits the
//! warning's latest message in place.

use super::controls::Action;
use chrono::{DateTime, Utc};

use super::declare::Declaration;
use super::outbox::{self, ChatOp};
use super::views;
use super::{Actor, App, AppError, Reply, refuse};
use crate::chat::{Block, Button, ButtonStyle, Message};
use crate::domain::finding::{Finding, Level};
use crate::domain::ids::mention;
use crate::domain::policy::{self, Cadence, Notice};
use crate::domain::text::sanitize;
use crate::domain::timeline::BOT_ACTOR;
use crate::domain::{IncidentId, Severity, UserText};
use crate::store::warnings::{self, Warning};
use crate::store::{Tx, incidents};

/// A notice, as stored in a queued message job.
pub fn notice_key(n: Notice) -> &'static str {
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
pub fn render(
    w: &Warning,
    notice: Option<Notice>,
    mentions: &[String],
    incident: Option<(IncidentId, bool)>,
    tz: chrono_tz::Tz,
) -> Message {
    let f = &w.finding;
    let lead = match notice {
        Some(Notice::First) => format!("{} *{}*", f.level.emoji(), capital(f.level.key())),
        Some(Notice::Rose) => format!("{} *Worse: now {}*", f.level.emoji(), f.level),
        Some(Notice::Reminder) => format!(
            "{} *Still {}* (since {})",
            f.level.emoji(),
            f.level,
            views::datetime(w.first_seen, tz)
        ),
        Some(Notice::Recovered) => ":white_check_mark: *Recovered*".to_string(),
        None if f.level.is_bad() => format!("{} *{}*", f.level.emoji(), capital(f.level.key())),
        None => ":white_check_mark: *Recovered*".to_string(),
    };
    let who = if f.level.is_bad()
        && f.level != Level::Info
        && notice.is_some_and(|n| n != Notice::Recovered)
        && !mentions.is_empty()
    {
        format!("{} ", views::contact_mentions(mentions))
    } else {
        String::new()
    };
    // Findings quote what watchers read elsewhere (certificate names, mount points,
    // labels): markup they happen to hold is shown, never acted on.
    let head = format!("{who}{lead} — {}", sanitize(&f.summary));
    let mut body: Vec<String> = f.details.iter().map(|d| sanitize(d)).collect();
    if let Some(r) = &f.runbook {
        body.push(sanitize(&format!(":book: What to do: <{r}|the runbook>")));
    }
    let mut state: Vec<String> = Vec::new();
    if let (Some(by), Some(at)) = (&w.acked_by, w.acked_at) {
        state.push(format!(
            ":ok_hand: Acknowledged by {} at {}",
            mention(by),
            views::datetime(at, tz)
        ));
    }
    if let Some(until) = w.snoozed_until.filter(|_| f.level.is_bad()) {
        let by = w.snoozed_by.as_deref().map(mention).unwrap_or_default();
        state.push(format!(
            ":zzz: Snoozed by {by} until {}",
            views::datetime(until, tz)
        ));
    }
    if let Some((id, open)) = incident {
        state.push(format!(
            ":rotating_light: Declared as *{id}*{}",
            if open { "" } else { " (resolved)" }
        ));
    }
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
        blocks.push(Block::Context {
            items: state.clone(),
        });
    }
    if f.level.is_bad() {
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
        blocks.push(Block::Actions { buttons });
    }
    blocks.push(Block::Context {
        items: vec![sanitize(&format!(
            "watcher `{}` · `{}` · first seen {}",
            f.watcher,
            w.key,
            views::datetime(w.first_seen, tz)
        ))],
    });
    let mut text = head;
    if !body.is_empty() {
        text.push('\n');
        text.push_str(&body.join("\n"));
    }
    Message { text, blocks }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// What one run changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Applied {
    pub notices: Vec<(String, Notice)>,
    /// Keys whose findings call for an incident by themselves.
    pub to_declare: Vec<(String, Severity)>,
}

impl App {
    /// Where a watcher's warnings go.
    pub fn watch_channel(&self, watcher: &str) -> String {
        let own = match watcher {
            "certs" => &self.cfg.watch.certs.channel,
            "disk" => &self.cfg.watch.disk.channel,
            "budgets" => &self.cfg.watch.budgets.channel,
            _ => "",
        };
        if own.is_empty() {
            self.cfg.slack.announcements_channel.clone()
        } else {
            own.to_string()
        }
    }

    /// Who a watcher's warnings mention.
    pub fn watch_mentions(&self, watcher: &str) -> Vec<String> {
        match watcher {
            "certs" => self.cfg.watch.certs.mention.clone(),
            "disk" => self.cfg.watch.disk.mention.clone(),
            "budgets" => self.cfg.watch.budgets.mention.clone(),
            _ => vec![],
        }
    }

    fn cadence_of_warnings(&self) -> Cadence {
        let d = |x: std::time::Duration| {
            chrono::Duration::from_std(x).unwrap_or(chrono::Duration::hours(1))
        };
        Cadence {
            warning: d(self.cfg.watch.warning_reminder.0),
            critical: d(self.cfg.watch.critical_reminder.0),
        }
    }

    async fn incident_open(
        &self,
        tx: &mut Tx,
        id: Option<IncidentId>,
    ) -> Result<Option<(IncidentId, bool)>, AppError> {
        let Some(id) = id else { return Ok(None) };
        Ok(incidents::get(tx, id).await?.map(|i| (id, i.is_open())))
    }

    /// Applies a run's findings inside `tx`.
    pub async fn apply_findings(
        &self,
        tx: &mut Tx,
        findings: &[Finding],
    ) -> Result<Applied, AppError> {
        let now = self.now();
        let cadence = self.cadence_of_warnings();
        let mut applied = Applied::default();
        for f in findings {
            let mut w = warnings::lock(tx, f, now).await?;
            let d = policy::decide(Some(&w.prior()), f, now, cadence);
            if d.fresh {
                w.first_seen = now;
                w.acked_by = None;
                w.acked_at = None;
                w.notified_level = None;
                w.notified_step = 0;
                w.notified_at = None;
                if w.snoozed_until.is_some_and(|u| u <= now) {
                    w.snoozed_until = None;
                    w.snoozed_by = None;
                }
                if let Some((_, false)) = self.incident_open(tx, w.incident).await? {
                    w.incident = None;
                }
            }
            w.level = f.level;
            w.step = f.step;
            w.finding = f.clone();
            w.last_seen = now;
            let channel = self.watch_channel(&f.watcher);
            match d.notice {
                Some(n) => {
                    if n == Notice::Rose {
                        w.acked_by = None;
                        w.acked_at = None;
                    }
                    w.notified_level = Some(f.level);
                    w.notified_step = f.step;
                    w.notified_at = Some(now);
                    if n == Notice::Recovered {
                        w.snoozed_until = None;
                        w.snoozed_by = None;
                    }
                    if !channel.is_empty() {
                        let op = ChatOp::PostWarning {
                            key: w.key.clone(),
                            notice: notice_key(n).into(),
                        };
                        outbox::send(tx, outbox::channel_queue(&channel), &op, now).await?;
                    }
                    applied.notices.push((w.key.clone(), n));
                }
                None if d.refresh && w.message_ts.is_some() => {
                    let op = ChatOp::RefreshWarning { key: w.key.clone() };
                    outbox::send(tx, outbox::channel_queue(&channel), &op, now).await?;
                }
                None => {}
            }
            warnings::save(tx, &w).await?;
            if f.level.is_bad()
                && let Some(sev) = crate::watch::auto_declare(&self.cfg.auto_declare, f)
                && !self
                    .incident_open(tx, w.incident)
                    .await?
                    .is_some_and(|(_, open)| open)
            {
                applied.to_declare.push((w.key.clone(), sev));
            }
        }
        Ok(applied)
    }

    /// Declares an incident from a warning and links the two, in one transaction.
    pub async fn declare_from_warning(
        &self,
        actor: &Actor,
        key: &str,
        d: Declaration,
    ) -> Result<crate::domain::Incident, AppError> {
        let mut tx = self.store.begin().await?;
        // Lock the warning first: two clicks (or a click and a rule) make one incident.
        let Some(mut w) = warnings::get_locked(&mut tx, key).await? else {
            return Err(refuse("That warning no longer exists.", "declare"));
        };
        if let Some((id, true)) = self.incident_open(&mut tx, w.incident).await? {
            return Err(refuse(
                format!("This warning is already being handled as {id}."),
                "declare",
            ));
        }
        let inc = self.declare_in(&mut tx, actor, &d).await?;
        w.incident = Some(inc.id);
        warnings::save(&mut tx, &w).await?;
        if let Some(ch) = w.channel.clone().filter(|_| w.message_ts.is_some()) {
            outbox::send(
                &mut tx,
                outbox::channel_queue(&ch),
                &ChatOp::RefreshWarning {
                    key: key.to_string(),
                },
                self.now(),
            )
            .await?;
        }
        self.commit(tx).await?;
        tracing::info!(incident = %inc.id, warning = key, by = %actor.user_id, "incident declared from a warning");
        Ok(inc)
    }

    /// Declares what the rules ask for (after the run committed).
    pub async fn auto_declare(&self, to_declare: &[(String, Severity)]) {
        for (key, sev) in to_declare {
            let mut conn = match self.store.conn().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "auto-declare: no database");
                    return;
                }
            };
            let Ok(Some(w)) = warnings::get(&mut conn, key).await else {
                continue;
            };
            drop(conn);
            let actor = Actor {
                team_id: None,
                user_id: BOT_ACTOR.into(),
                channel_id: w.channel.clone().unwrap_or_default(),
            };
            let d = Declaration {
                title: UserText::from_mrkdwn(&w.finding.incident_title)
                    .shortened(crate::domain::command::MAX_TITLE),
                severity: *sev,
                description: Some(
                    UserText::from_mrkdwn(&format!(
                        "Declared automatically from a warning: {}\n{}",
                        w.finding.summary,
                        w.finding.details.join("\n")
                    ))
                    .shortened(crate::domain::command::MAX_TEXT),
                ),
                private: false,
                source: Some(key.clone()),
            };
            match self.declare_from_warning(&actor, key, d).await {
                Ok(inc) => {
                    tracing::warn!(incident = %inc.id, warning = %key, "incident declared automatically")
                }
                Err(AppError::User(e)) => {
                    tracing::info!(warning = %key, reason = %e.message, "auto-declare skipped")
                }
                Err(e) => tracing::error!(warning = %key, error = %e, "auto-declare failed"),
            }
        }
    }

    /// The Declare / Snooze / Acknowledge buttons of a warning. None when the action
    /// is not a warning's.
    pub async fn warning_action(
        &self,
        actor: &Actor,
        action: Action,
        key: &str,
    ) -> Result<Option<Reply>, AppError> {
        if !action.is_warning() {
            return Ok(None);
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let Some(mut w) = warnings::get_locked(&mut tx, key).await? else {
            return Ok(Some(Reply::Ephemeral(Message::text(
                "That warning no longer exists.",
            ))));
        };
        let text = match action {
            Action::WarningDeclare => {
                if let Some((id, true)) = self.incident_open(&mut tx, w.incident).await? {
                    return Ok(Some(Reply::Ephemeral(Message::text(format!(
                        "This warning is already being handled as *{id}*."
                    )))));
                }
                let mut modal =
                    views::declare_modal(w.finding.incident_severity, &format!("warning:{key}"));
                for i in &mut modal.inputs {
                    match (i.id.as_str(), &mut i.kind) {
                        ("title", crate::chat::InputKind::Text { initial, .. }) => {
                            // Form fields are plain text.
                            *initial = Some(crate::domain::incident::truncate_chars(
                                &UserText::from_mrkdwn(&w.finding.incident_title).plain(),
                                crate::domain::command::MAX_TITLE,
                            ));
                        }
                        ("description", crate::chat::InputKind::Text { initial, .. }) => {
                            *initial = Some(crate::domain::incident::truncate_chars(
                                &UserText::from_mrkdwn(&format!(
                                    "{}\n{}",
                                    w.finding.summary,
                                    w.finding.details.join("\n")
                                ))
                                .plain(),
                                crate::domain::command::MAX_TEXT,
                            ));
                        }
                        _ => {}
                    }
                }
                modal.intro = Some(sanitize(&format!(
                    "From the warning `{key}`; it will be linked on the incident's timeline."
                )));
                return Ok(Some(Reply::Modal(modal)));
            }
            Action::WarningSnooze => {
                let until = now
                    + chrono::Duration::from_std(self.cfg.watch.snooze.0)
                        .unwrap_or(chrono::Duration::hours(24));
                w.snoozed_until = Some(until);
                w.snoozed_by = Some(actor.user_id.clone());
                format!(
                    ":zzz: Snoozed until {}: no messages about it until then, unless it recovers.",
                    views::datetime(until, self.tz)
                )
            }
            Action::WarningAck => {
                w.acked_by = Some(actor.user_id.clone());
                w.acked_at = Some(now);
                ":ok_hand: Acknowledged: no more reminders, unless it gets worse.".to_string()
            }
            _ => return Ok(Some(Reply::None)),
        };
        warnings::save(&mut tx, &w).await?;
        if let Some(ch) = w.channel.clone() {
            outbox::send(
                &mut tx,
                outbox::channel_queue(&ch),
                &ChatOp::RefreshWarning {
                    key: key.to_string(),
                },
                now,
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(Some(Reply::Ephemeral(Message::text(text))))
    }

    /// Renders a warning for delivery.
    pub async fn warning_message(
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
            &self.watch_mentions(&w.watcher),
            incident,
            self.tz,
        );
        Ok(Some((w, msg)))
    }
}

/// Age for people, e.g. in the shell's table.
pub fn since(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    crate::domain::duration::human(now - t)
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
        Warning {
            key: f.key.clone(),
            watcher: "certs".into(),
            level,
            step: 3,
            finding: f,
            first_seen: t,
            last_seen: t,
            notified_level: Some(level),
            notified_step: 3,
            notified_at: Some(t),
            channel: Some("C1".into()),
            message_ts: None,
            snoozed_until: None,
            snoozed_by: None,
            acked_by: None,
            acked_at: None,
            incident: None,
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
