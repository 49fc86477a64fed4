//! What follows a change to an incident, one line per capability: the reminders
//! (cadence), the pages and the on-call lookup (paging), the postmortem draft
//! (reports) and the status-page reminders (comms). Every use case reaches these
//! through [`Change`](super::change::Change), inside the change's transaction, so a
//! new capability that must react to incidents adds its line here and nowhere else.

use chrono::{DateTime, Utc};

use super::{App, AppError, refuse};
use crate::domain::{Incident, IncidentId, Severity};
use crate::paging::PageAction;
use crate::store::jobs::NewJob;
use crate::store::{Tx, incidents};

impl App {
    async fn reload(&self, tx: &mut Tx, id: IncidentId) -> Result<Incident, AppError> {
        incidents::get(tx, id)
            .await?
            .ok_or_else(|| refuse("The incident vanished.", "show"))
    }

    /// The jobs a new incident starts with, queued with its declaration. A new
    /// incident has nothing scheduled to replace: these are only added.
    pub(crate) fn declare_jobs(&self, inc: &Incident) -> Vec<NewJob> {
        // Declared by its commander, an incident is acknowledged at once: the page
        // that goes out is acknowledged right behind it.
        let acknowledged = match inc.acknowledged_at {
            Some(_) => self.paging().page_jobs(inc, PageAction::Acknowledge),
            None => vec![],
        };
        [
            self.cadence().reminder_jobs_at_declare(inc), // cadence
            self.paging().page_jobs(inc, PageAction::Trigger), // paging
            acknowledged,                                 // paging
            self.paging().oncall_job(inc).into_iter().collect(), // paging: who is on call
            self.comms()
                .external_reminder_job(inc, None)
                .into_iter()
                .collect(), // comms
            self.tickets().declare_jobs(inc),             // tickets
        ]
        .concat()
    }

    /// After a change of status, severity or commander.
    pub(crate) async fn after_change(&self, tx: &mut Tx, inc: &Incident) -> Result<(), AppError> {
        let inc = self.reload(tx, inc.id).await?;
        if !inc.is_open() {
            return self.cadence().reminders_after_close(tx, &inc).await; // cadence
        }
        self.comms().external_after_change(tx, &inc).await?; // comms
        self.cadence().reminders_after_change(tx, &inc).await // cadence
    }

    /// After an update was posted: returns when the next one is due.
    pub(crate) async fn after_update(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<Option<DateTime<Utc>>, AppError> {
        let inc = self.reload(tx, inc.id).await?;
        self.cadence().reminders_after_update(tx, inc).await // cadence
    }

    /// After resolution.
    pub(crate) async fn after_resolve(&self, tx: &mut Tx, inc: &Incident) -> Result<(), AppError> {
        let inc = self.reload(tx, inc.id).await?;
        self.paging().pages_after_resolve(tx, &inc).await?; // paging
        self.cadence().reminders_after_resolve(tx, &inc).await?; // cadence
        self.reports().queue_postmortem(tx, inc.id).await?; // reports
        self.reports().queue_debrief(tx, &inc).await?; // reports
        self.comms().external_after_resolve(tx, &inc).await // comms
    }

    /// After a reopening.
    pub(crate) async fn after_reopen(&self, tx: &mut Tx, inc: &Incident) -> Result<(), AppError> {
        let inc = self.reload(tx, inc.id).await?;
        self.cadence().reminders_after_reopen(tx, &inc).await?; // cadence
        self.comms().external_after_reopen(tx, &inc).await // comms
    }

    /// After the severity was raised (after [`App::after_change`]): a severity a
    /// provider pages and the old one did not is paged now.
    pub(crate) async fn after_severity_raised(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        from: Severity,
    ) -> Result<(), AppError> {
        self.paging().queue_raised_page(tx, inc, from).await // paging
    }

    /// After the commander first acknowledged the incident (`inc` as it now stands).
    pub(crate) async fn after_acknowledged(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), AppError> {
        self.paging()
            .queue_page(tx, inc, PageAction::Acknowledge)
            .await // paging
    }
}
