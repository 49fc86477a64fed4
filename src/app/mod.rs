//! Use cases: one function per thing a person (or a schedule) does to an incident.
//! They receive the ports (store, clock, chat) through [`App`], write the state change,
//! its timeline entry and the Slack calls it needs in one transaction (the calls go
//! to the jobs table and are delivered by the worker), and answer with a [`Reply`].

pub(crate) mod cadence;
pub(crate) mod change;
pub(crate) mod comms;
pub(crate) mod delivery;
pub mod entry;
pub(crate) mod hooks;
pub(crate) mod incident;
pub(crate) mod jobs;
pub(crate) mod messages;
pub(crate) mod paging;
pub mod reports;
pub(crate) mod tickets;
pub mod warnings;

#[cfg(test)]
mod hostile_tests;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::Notify;

use crate::chat::{Chat, Message, Modal};
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::Incident;
use crate::domain::command::CommandError;
use crate::metrics::Metrics;
use crate::providers::Providers;
use crate::store::{Store, StoreError, Tx, incidents};

/// The application: configuration and ports.
/// The only door to the use cases: its fields are private, so web pages, the CLI,
/// the shell, metrics and the worker go through its methods.
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    chat: Arc<dyn Chat>,
    cfg: Arc<Config>,
    tz: Tz,
    metrics: Arc<Metrics>,
    /// PagerDuty, Opsgenie and Statuspage, over the one outbound client.
    providers: Arc<Providers>,
    /// Wakes the jobs worker when new work was committed.
    wake: Arc<Notify>,
    /// In the shell, `@alice` is the user `alice`; in Slack only mentions carry IDs.
    names_are_ids: bool,
    /// The secret private incidents' links are signed with ([`links`]).
    link_secret: tokio::sync::OnceCell<String>,
}

/// A capability's handle on the application: its use cases are methods of this
/// view, and it reaches the ports (store, chat, clock, config, providers) and the
/// shared tail of a change through the [`App`] it borrows. `app.paging()`,
/// `app.comms()` and the others are how the rest of the code calls a use case, so
/// a newcomer finds one by its folder.
macro_rules! capability {
    ($(#[$doc:meta])* $name:ident, $accessor:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $name<'a> {
            app: &'a App,
        }

        impl std::ops::Deref for $name<'_> {
            type Target = App;
            fn deref(&self) -> &App {
                self.app
            }
        }

        impl App {
            pub fn $accessor(&self) -> $name<'_> {
                $name { app: self }
            }
        }
    };
}

capability!(
    /// The ways in (`entry/`): commands, clicks, form submissions, channel events.
    Inbound,
    inbound
);
capability!(
    /// One incident's use cases (`incident/`): declare, status, roles, notes,
    /// updates, action items, links, queries.
    Incidents,
    incidents
);
capability!(
    /// The pace (`cadence/`): update, acknowledgement and postmortem reminders,
    /// escalation, the weekly digest, recurring schedules.
    Cadence,
    cadence
);
capability!(
    /// Delivery (`delivery/`): chat jobs run, channels set up, refusals told.
    Delivery,
    delivery
);
capability!(
    /// Telling customers (`comms/`): external updates, the public page, Statuspage.
    Comms,
    comms
);
capability!(
    /// Warnings (`warnings/`): watchers' findings, alerts, rehearsals.
    Warnings,
    warnings
);
capability!(
    /// What managers read (`reports/`): postmortem drafts and insights.
    Reports,
    reports
);
capability!(
    /// Paging (`paging/`): pages, acknowledgements, who is on call.
    Paging,
    paging
);
capability!(
    /// Follow-through (`tickets/`): tickets in Jira or GitHub, both ways.
    Tickets,
    tickets
);

/// Who did something, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub team_id: Option<String>,
    pub user_id: String,
    pub channel_id: String,
}

/// Slack's IDs are short; anything longer or with control characters is not one.
const MAX_ID: usize = 64;

/// An identifier from outside, fit to store: no control characters, bounded.
pub(crate) fn clean_id(s: &str) -> String {
    crate::domain::text::clean(s)
        .trim()
        .chars()
        .take(MAX_ID)
        .collect()
}

impl Actor {
    /// The same actor with identifiers fit to store (both databases alike: PostgreSQL
    /// refuses NUL in text).
    pub(crate) fn cleaned(&self) -> Actor {
        Actor {
            team_id: self.team_id.as_deref().map(clean_id),
            user_id: clean_id(&self.user_id),
            channel_id: clean_id(&self.channel_id),
        }
    }
}

/// The answer to a command or a click.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Shown only to the person who acted.
    Ephemeral(Message),
    /// A form to open (Slack: `views.open` with the request's trigger ID).
    Modal(Modal),
    /// Nothing to show.
    None,
}

/// The answer to a submitted form.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    /// Close the form (what happened is posted as usual).
    Close,
    /// Keep the form open with these errors, by input ID.
    Errors(Vec<(String, String)>),
}

/// A failure of a use case.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Something the user can fix: shown to them, with the usage.
    #[error("{0}")]
    User(CommandError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CommandError> for AppError {
    fn from(e: CommandError) -> AppError {
        AppError::User(e)
    }
}

/// Slack shows people an error after 3 s: whatever the database does, warroom has
/// answered by then.
pub(crate) const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_millis(2500);

/// What people are told when the database did not answer in time.
pub(crate) const TIMED_OUT: &str = ":warning: warroom's database did not answer within 2.5 seconds, so this was *not recorded*. Please try again in a moment.";

/// What people are told when the database failed them, by cause: honest that nothing
/// was recorded, and what to do.
pub(crate) fn store_trouble(e: &StoreError) -> &'static str {
    use crate::store::Outage;
    match e.outage() {
        Some(Outage::Unreachable) => {
            ":warning: warroom cannot reach its database right now, so this was *not recorded*. Please try again in a minute; warroom reconnects by itself."
        }
        Some(Outage::Locked) => {
            ":warning: warroom's database is locked by another program (a backup, or a second warroom on the same file?), so this was *not recorded*. Please try again in a moment."
        }
        Some(Outage::Full) => {
            ":warning: warroom's database disk is full, so this was *not recorded*. An admin must free space; warroom carries on by itself once there is room."
        }
        None => {
            "Something went wrong on warroom's side and nothing was changed; please try again. (The error is in warroom's log.)"
        }
    }
}

/// A user-facing refusal with the usage of `spec`.
pub(crate) fn refuse(message: impl Into<String>, spec: &str) -> AppError {
    AppError::User(CommandError::new(message, spec))
}

impl App {
    /// The same application over another pool of the same database (the worker's).
    /// The application on its ports, with `cfg` already validated.
    pub(crate) fn new(
        cfg: Config,
        tz: Tz,
        store: Store,
        chat: Arc<dyn Chat>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        providers: Providers,
    ) -> App {
        App {
            store,
            clock,
            chat,
            cfg: Arc::new(cfg),
            tz,
            metrics,
            providers: Arc::new(providers),
            wake: Arc::new(Notify::new()),
            names_are_ids: false,
            link_secret: tokio::sync::OnceCell::new(),
        }
    }

    /// The configuration it runs with.
    pub(crate) fn cfg(&self) -> &Config {
        &self.cfg
    }

    /// The display time zone.
    pub(crate) fn tz(&self) -> Tz {
        self.tz
    }

    /// Counters and histograms, for the edges to record into.
    pub(crate) fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Resolves when [`App::kick`] says new work was committed.
    pub(crate) fn woken(&self) -> tokio::sync::futures::Notified<'_> {
        self.wake.notified()
    }

    /// Takes typed `@names` for user IDs (the shell, where names are all there is).
    pub(crate) fn names_as_ids(mut self) -> App {
        self.names_are_ids = true;
        self
    }

    /// Several replicas share Slack's rate limits: each keeps `1/n` of every budget.
    pub(crate) fn share_rate_limits(&self, replicas: u32) {
        self.chat.share_rate_limits(replicas);
    }

    /// Whether the database takes a write within `within` (for /readyz); Err says why not.
    pub(crate) async fn ready(&self, within: std::time::Duration) -> Result<(), String> {
        self.store.ready(within).await
    }

    /// `/metrics` in Prometheus text format, with the queue and open incidents when
    /// the database answers within half a second.
    pub(crate) async fn render_metrics(&self) -> String {
        let quick = std::time::Duration::from_millis(500);
        let queue = tokio::time::timeout(quick, self.incidents().queue_state()).await;
        let open = tokio::time::timeout(quick, incidents::open_by_severity(&self.store)).await;
        self.metrics.render(
            queue.ok().and_then(Result::ok),
            open.ok().and_then(Result::ok),
        )
    }

    pub(crate) fn with_store(&self, store: Store) -> App {
        let link_secret = tokio::sync::OnceCell::new();
        if let Some(s) = self.link_secret.get() {
            let _ = link_secret.set(s.clone());
        }
        App {
            store,
            clock: self.clock.clone(),
            chat: self.chat.clone(),
            cfg: self.cfg.clone(),
            tz: self.tz,
            metrics: self.metrics.clone(),
            providers: self.providers.clone(),
            wake: self.wake.clone(),
            names_are_ids: self.names_are_ids,
            link_secret,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The configured slash command (for usage lines).
    pub(crate) fn cmd(&self) -> &str {
        &self.cfg.slack.command
    }

    /// Tells the worker that jobs were committed.
    pub fn kick(&self) {
        self.wake.notify_one();
    }

    /// Ends a use case: commits its transaction (the state, its timeline entries and
    /// the chat calls it queued, together) and wakes the worker to deliver them.
    pub(crate) async fn commit(&self, tx: Tx) -> Result<(), StoreError> {
        tx.commit().await?;
        self.kick();
        Ok(())
    }

    /// True when `user` may change severity, resolve or reopen `inc`.
    pub(crate) fn may_command(&self, inc: &Incident, user: &str) -> bool {
        match inc.commander() {
            None => true,
            Some(ic) => ic == user || self.cfg.slack.admins.iter().any(|a| a == user),
        }
    }
}
