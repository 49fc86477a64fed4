//! The weekly review: open action items grouped by owner (overdue first) and the
//! incidents still owing a postmortem, posted on a cron schedule. The digest is one
//! pending job; when it runs it queues the next occurrence, so replicas post it once.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::app::delivery::JobError;
use crate::app::jobs::JobKind;
use crate::app::{Cadence, delivery::outbox};
use crate::chat::{Block, Message};
use crate::domain::ActionItem;
use crate::domain::duration::human;
use crate::domain::ids::mention;
use crate::domain::{Incident, UserText};
use crate::insights::{Filter, Report};
use crate::store::actions;
use crate::store::jobs::{self, Job, NewJob};
use crate::store::{StoreError, incidents};

const DIGEST_KEY: &str = "schedule:digest";

/// One owner's open items, overdue first, then by due date, undated last.
fn sort_items(items: &mut [ActionItem]) {
    items.sort_by_key(|a| (a.due.is_none(), a.due, a.incident, a.seq));
}

/// The digest message.
pub(crate) fn render(
    items: &[ActionItem],
    titles: &BTreeMap<i64, UserText>,
    awaiting: &[Incident],
    today: NaiveDate,
    now: DateTime<Utc>,
    tz: Tz,
) -> Message {
    let title = format!(
        "Weekly review — {}",
        now.with_timezone(&tz).format("%A %d %B %Y")
    );
    if items.is_empty() && awaiting.is_empty() {
        return empty_week(title);
    }
    let mut blocks = vec![
        Block::Header {
            text: title.clone(),
        },
        Block::Context {
            items: vec![totals(items, awaiting, today)],
        },
    ];
    let mut sections: Vec<String> = owner_groups(items, today)
        .iter()
        .map(|(owner, list)| owner_section(owner, list, titles, today))
        .collect();
    if !awaiting.is_empty() {
        sections.push(postmortems_section(awaiting, now));
    }
    let mut text = title;
    for section in sections {
        text.push('\n');
        text.push_str(&section);
        blocks.push(Block::Section {
            text: section,
            fields: vec![],
        });
    }
    blocks.truncate(49);
    Message { text, blocks }
}

/// A week with nothing open and nothing owed.
fn empty_week(title: String) -> Message {
    Message {
        text: format!("{title}: no open action items, no postmortems owed."),
        blocks: vec![
            Block::Header { text: title },
            Block::Section {
                text: ":sunny: No open action items and no postmortems owed.".into(),
                fields: vec![],
            },
        ],
    }
}

fn is_overdue(a: &ActionItem, today: NaiveDate) -> bool {
    a.due.is_some_and(|d| d < today)
}

/// `5 open action items (1 overdue) · 1 postmortem owed`.
fn totals(items: &[ActionItem], awaiting: &[Incident], today: NaiveDate) -> String {
    let total_overdue = items.iter().filter(|a| is_overdue(a, today)).count();
    format!(
        "{} open action item{} ({} overdue) · {} postmortem{} owed",
        items.len(),
        if items.len() == 1 { "" } else { "s" },
        total_overdue,
        awaiting.len(),
        if awaiting.len() == 1 { "" } else { "s" }
    )
}

/// Items by owner (`""` for unassigned), each owner's sorted; owners with overdue
/// items first, unassigned items last.
fn owner_groups(items: &[ActionItem], today: NaiveDate) -> Vec<(String, Vec<ActionItem>)> {
    let mut by_owner: BTreeMap<String, Vec<ActionItem>> = BTreeMap::new();
    for a in items {
        by_owner
            .entry(a.owner.clone().unwrap_or_default())
            .or_default()
            .push(a.clone());
    }
    let mut groups: Vec<(String, Vec<ActionItem>)> = by_owner.into_iter().collect();
    for (_, v) in groups.iter_mut() {
        sort_items(v);
    }
    groups.sort_by_key(|(owner, v)| {
        (
            owner.is_empty(),
            !v.iter().any(|a| is_overdue(a, today)),
            owner.clone(),
        )
    });
    groups
}

/// One owner's section: who, then a line per item.
fn owner_section(
    owner: &str,
    list: &[ActionItem],
    titles: &BTreeMap<i64, UserText>,
    today: NaiveDate,
) -> String {
    let who = if owner.is_empty() {
        "*Unassigned*".to_string()
    } else {
        mention(owner)
    };
    let mut lines = vec![who];
    lines.extend(list.iter().map(|a| item_line(a, titles, today)));
    lines.join("\n")
}

/// `• INC-1 #2 <text> [P2] — due 2026-11-30 _(<incident title>)_`.
fn item_line(a: &ActionItem, titles: &BTreeMap<i64, UserText>, today: NaiveDate) -> String {
    let inc = titles
        .get(&a.incident.0)
        .map(UserText::mrkdwn)
        .unwrap_or_default();
    let due = match a.due {
        Some(d) if d < today => format!(
            " — :warning: *overdue* since {d} ({} days)",
            (today - d).num_days()
        ),
        Some(d) => format!(" — due {d}"),
        None => " — no due date".to_string(),
    };
    let prio = a
        .priority
        .map(|p| format!(" [{}]", p.key()))
        .unwrap_or_default();
    let ticket = a
        .ticket
        .as_ref()
        .map(|t| format!(" · :ticket: {}", crate::app::messages::ticket_link(t)))
        .unwrap_or_default();
    format!(
        "• {} #{} {}{prio}{due}{ticket} _({inc})_",
        a.incident,
        a.seq,
        a.text.mrkdwn()
    )
}

/// The resolved incidents still owing a postmortem.
fn postmortems_section(awaiting: &[Incident], now: DateTime<Utc>) -> String {
    let mut lines = vec![":page_facing_up: *Postmortems owed*".to_string()];
    for i in awaiting {
        let ago = i.resolved_at.map(|r| human(now - r)).unwrap_or_default();
        lines.push(format!(
            "• *{}* {} ({}) — resolved {ago} ago · IC {}",
            i.id,
            i.title.mrkdwn(),
            i.severity,
            i.commander().map(mention).unwrap_or_else(|| "—".into())
        ));
    }
    lines.join("\n")
}

impl Cadence<'_> {
    /// Makes sure the digest's next run is queued, matching the configured schedule
    /// (a changed schedule replaces the pending run; an emptied one cancels it).
    pub(crate) async fn ensure_digest_scheduled(&self) -> Result<(), StoreError> {
        let schedule = self.cfg.digest_schedule().ok().flatten();
        self.cadence()
            .ensure_recurring(
                DIGEST_KEY,
                |schedule| JobKind::Digest { schedule },
                schedule.as_ref(),
                false,
            )
            .await
    }

    /// Builds the digest from the current state.
    pub(crate) async fn digest(&self) -> Result<Message, StoreError> {
        let now = self.now();
        let items = actions::all_open(&self.store).await?;
        let mut conn = self.store.conn().await?;
        let resolved = incidents::list(
            &mut conn,
            &incidents::Filter {
                status: Some(crate::domain::Status::Resolved),
                ..Default::default()
            },
        )
        .await?;
        // Private incidents stay out of a channel everyone reads; only their number
        // is told, so nobody thinks the review is complete.
        let (awaiting, private_awaiting): (Vec<Incident>, Vec<Incident>) = resolved
            .into_iter()
            .filter(|i| {
                self.cfg.postmortem_owed(i.severity, i.kind.as_deref())
                    && i.postmortem_done_at.is_none()
            })
            .partition(|i| !i.private);
        let mut titles = BTreeMap::new();
        let mut private = std::collections::BTreeSet::new();
        for a in &items {
            if !titles.contains_key(&a.incident.0)
                && !private.contains(&a.incident.0)
                && let Some(i) = incidents::get(&mut conn, a.incident).await?
            {
                if i.private {
                    private.insert(i.id.0);
                } else {
                    titles.insert(i.id.0, i.title);
                }
            }
        }
        let (items, private_items): (Vec<ActionItem>, Vec<ActionItem>) = items
            .into_iter()
            .partition(|a| !private.contains(&a.incident.0));
        let today = now.with_timezone(&self.tz).date_naive();
        let mut msg = render(&items, &titles, &awaiting, today, now, self.tz);
        let overdue = items
            .iter()
            .filter(|a| a.due.is_some_and(|d| d < today))
            .count();
        let line = self.headline(now, overdue).await?;
        msg.text = format!("{}\n{line}", msg.text);
        msg.blocks.insert(
            1.min(msg.blocks.len()),
            Block::Section {
                text: line,
                fields: vec![],
            },
        );
        if !private_items.is_empty() || !private_awaiting.is_empty() {
            let note = format!(
                ":lock: Not listed: {} open action item{} and {} postmortem{} owed of private incidents (see their channels).",
                private_items.len(),
                if private_items.len() == 1 { "" } else { "s" },
                private_awaiting.len(),
                if private_awaiting.len() == 1 { "" } else { "s" }
            );
            msg.text.push('\n');
            msg.text.push_str(&note);
            msg.blocks.push(Block::Context { items: vec![note] });
        }
        Ok(msg)
    }

    /// This week's headline numbers against the previous four weeks' (public
    /// incidents only: the digest goes to a channel everyone reads).
    async fn headline(&self, now: DateTime<Utc>, overdue: usize) -> Result<String, StoreError> {
        let week = chrono::Duration::days(7);
        let period = |since, until| Filter {
            since,
            until,
            severity: None,
            service: None,
            tag: None,
            status: None,
            include_private: false,
        };
        let report = |f: Filter| async move {
            crate::app::reports::insights::report(&self.store, &self.cfg, &f, now, self.tz).await
        };
        let this = report(period(now - week, now)).await?;
        let before = report(period(now - week * 5, now - week)).await?;
        let base = self.cfg.http.public_url.trim_end_matches('/');
        let link = (!base.is_empty()).then(|| format!("{base}/insights"));
        Ok(headline_line(&this, &before, overdue, link.as_deref()))
    }

    /// Posts the digest and queues the next one.
    pub(crate) async fn fire_digest(&self, job: &Job) -> Result<(), JobError> {
        let msg = self.digest().await?;
        let now = self.now();
        let mut tx = self.begin_scheduled(job).await?;
        let channel = if self.cfg.digest.channel.is_empty() {
            self.cfg.slack.announcements_channel.clone()
        } else {
            self.cfg.digest.channel.clone()
        };
        if channel.is_empty() {
            tracing::warn!(
                "weekly digest has no channel: set digest.channel or slack.announcements_channel"
            );
        } else {
            outbox::post_in_channel(&mut tx, &channel, msg, now).await?;
        }
        if let Ok(Some(s)) = self.cfg.digest_schedule()
            && let Some(at) = s.next_after(now, self.tz)
        {
            let next = NewJob {
                dedupe_key: Some(DIGEST_KEY.into()),
                ..JobKind::Digest {
                    schedule: s.source(),
                }
                .at(None, at)
            };
            jobs::enqueue(&mut tx, &next, now).await?;
        }
        self.commit(tx).await?;
        Ok(())
    }
}

/// `This week: 3 incidents (previous 4 weeks: 1.5 a week) · …`.
pub(crate) fn headline_line(
    this: &Report,
    before: &Report,
    overdue: usize,
    link: Option<&str>,
) -> String {
    let mins = |m: Option<f64>| {
        m.map_or("—".to_string(), |m| {
            human(chrono::Duration::seconds((m * 60.0) as i64))
        })
    };
    let budget = |r: &Report, weeks: f64| {
        r.budget_by_slo()
            .first()
            .map_or("none".to_string(), |(slo, p)| {
                format!("{:.1}% of `{slo}`", p / weeks)
            })
    };
    let mut line = format!(
        "*This week:* {} incident{} (previous 4 weeks: {:.1} a week) · time to resolve {} (before: {}) · error budget {} (before: {} a week) · {overdue} action item{} overdue",
        this.incidents,
        if this.incidents == 1 { "" } else { "s" },
        f64::from(before.incidents) / 4.0,
        mins(this.resolve_median_minutes),
        mins(before.resolve_median_minutes),
        budget(this, 1.0),
        budget(before, 4.0),
        if overdue == 1 { "" } else { "s" }
    );
    if let Some(url) = link {
        line.push_str(&format!(" · <{url}|Insights>"));
    }
    line
}

#[cfg(test)]
#[path = "digest_tests.rs"]
mod tests;
