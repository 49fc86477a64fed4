//! Telling people about tickets: a tracker's refusal, once per attempt, on the
//! timeline and in the incident's channel with what to fix and a Retry button; and
//! a ticket's link as Slack shows it.

use super::sync::Place;
use crate::app::Tickets;
use crate::app::delivery::JobError;
use crate::app::delivery::outbox;
use crate::app::entry::controls::Action;
use crate::app::paging::oncall::outside;
use crate::chat::{Button, Message};
use crate::domain::Incident;
use crate::domain::action::TicketRef;
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::store::jobs::Job;
use crate::store::tickets::Ticket;
use crate::store::timeline;
use crate::tickets::{Subject, Tracker, github as gh, jira};

/// `ticket`'s name linked (`<https://…/browse/OPS-12|OPS-12>`), or its name alone
/// when its link is not a web address.
pub(crate) fn link(t: &Ticket) -> String {
    let r = TicketRef {
        name: t.name().unwrap_or_else(|| "a ticket".into()),
        url: t.url.clone().unwrap_or_default(),
    };
    crate::app::messages::ticket_link(&r)
}

/// What a person reads of a refusal to `what` (create, update, …) a ticket: the
/// tracker's words and the setting to check.
pub(crate) fn refusal(place: &Place, what: &str, status: u16, text: &str) -> String {
    let route = place
        .route
        .as_ref()
        .map_or("`[[tickets.routes]]`".to_string(), |(i, _)| {
            format!("`tickets.routes[{i}]`")
        });
    match place.tracker {
        Tracker::Jira => {
            let fields = jira::refused_fields(text);
            let fix = match status {
                401 => "Check `tickets.jira.email` and `tickets.jira.api_token`.".to_string(),
                403 => "The account of `tickets.jira.email` may not do this in the project: give it the permission.".to_string(),
                404 => format!("Check the project of {route} and `tickets.jira.url`."),
                _ if !fields.is_empty() => format!(
                    "Jira wants {}: set {} in {route}'s `jira_fields`, or change the project's screen.",
                    fields.join(", "),
                    if fields.len() == 1 { "it" } else { "them" }
                ),
                _ => format!("Check {route} (project, issue_type) and the project's fields."),
            };
            format!(
                "Jira refused to {what} the ticket in `{}` ({status}): {}. {fix}",
                outside(&place.project),
                outside(&jira::refusal(text))
            )
        }
        Tracker::GitHub => {
            let fix = match status {
                401 => "Check `tickets.github.token`.".to_string(),
                403 => "The token of `tickets.github.token` may not write issues there: give it the `issues: write` permission.".to_string(),
                404 => format!("Check the repository of {route} and `tickets.github.api_url`."),
                410 => format!("Issues are turned off in `{}`: turn them on in its settings, or point {route} at another repository.", outside(&place.project)),
                422 => "Check `tickets.github.logins` (the assignee must be able to work in the repository) and the labels.".to_string(),
                _ => format!("Check {route}."),
            };
            format!(
                "GitHub refused to {what} the issue in `{}` ({status}): {}. {fix}",
                outside(&place.project),
                outside(&gh::refusal(text))
            )
        }
    }
}

/// A problem with a ticket as the channel shows it: the text and a Retry button.
fn problem_message(inc: &Incident, subject: Subject, what: &str) -> Message {
    Message::with_buttons(
        format!(":warning: {what}"),
        vec![Button::new(
            Action::Ticket.id(),
            "Retry",
            format!("{}:{}", inc.id.0, subject.key()),
        )],
    )
}

impl Tickets<'_> {
    /// Ends the job with `what` told: on the timeline (once per job) and in the
    /// channel with a Retry button. The incident goes on regardless.
    pub(super) async fn told(
        &self,
        job: &Job,
        inc: &Incident,
        subject: Subject,
        what: String,
    ) -> Result<(), JobError> {
        tracing::error!(incident = %inc.id, job = job.id, subject = %subject.key(), problem = %what, "a tracker refused");
        let now = self.now();
        let mut tx = self.cadence().begin_scheduled(job).await?;
        let entry = self
            .incidents()
            .entry(BOT_ACTOR, EntryKind::Problem, what.clone());
        let key = format!("problem:{}", job.id);
        if timeline::add(&mut tx, inc.id, &entry, Some(&key), now).await? {
            outbox::post_in_incident(&mut tx, inc.id, problem_message(inc, subject, &what), now)
                .await?;
        }
        self.commit(tx).await?;
        Ok(())
    }
}
