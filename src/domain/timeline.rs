//! Timeline entries: every change to an incident, with its actor and UTC time.

use chrono::{DateTime, Utc};

use super::command::NoteKind;
use super::text::UserText;

/// What kind of event a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Declared,
    Status,
    Severity,
    Role,
    Note(NoteKind),
    Update,
    /// An external update: what customers were told on the status page.
    External,
    Impact,
    Services,
    Tags,
    /// A custom field was set or cleared.
    Field,
    /// The incident type changed.
    Type,
    Action,
    ActionDone,
    Resolved,
    Reopened,
    /// A channel message that was pinned or got the configured reaction.
    Message,
    Reminder,
    Escalation,
    Postmortem,
    Warning,
    /// Slack refused something for good (a channel, a post): what and why.
    Problem,
    /// A ticket in the team's tracker: made, found again, or changed there.
    Ticket,
}

/// What an entry counts as in the insights, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Update,
    /// A reminder that an update is late.
    Reminder,
    /// warroom calling for help (not a page or an on-call line filed as escalation).
    Escalation,
    Reopening,
}

impl Counted {
    /// Its column in `incident_counts` (a constant, never user input).
    pub fn column(self) -> &'static str {
        match self {
            Counted::Update => "updates",
            Counted::Reminder => "reminders",
            Counted::Escalation => "escalations",
            Counted::Reopening => "reopenings",
        }
    }

    /// What an entry of `kind` with stored `text` counts as.
    pub fn of(kind: EntryKind, text: &str) -> Option<Counted> {
        const NOT_CALLS: [&str; 6] = [
            "Paged ",
            "On call ",
            "Closed the pages",
            "Page to ",
            "PagerDuty ",
            "Opsgenie ",
        ];
        match kind {
            EntryKind::Update => Some(Counted::Update),
            EntryKind::Reminder if text.starts_with("Update reminder") => Some(Counted::Reminder),
            EntryKind::Escalation if !NOT_CALLS.iter().any(|p| text.starts_with(p)) => {
                Some(Counted::Escalation)
            }
            EntryKind::Reopened => Some(Counted::Reopening),
            _ => None,
        }
    }
}

impl EntryKind {
    pub fn key(self) -> &'static str {
        match self {
            EntryKind::Declared => "declared",
            EntryKind::Status => "status",
            EntryKind::Severity => "severity",
            EntryKind::Role => "role",
            EntryKind::Note(k) => match k {
                NoteKind::Plain => "note",
                NoteKind::RootCause => "note:cause",
                NoteKind::Factor => "note:factor",
                NoteKind::WentWell => "note:went-well",
                NoteKind::WentPoorly => "note:went-poorly",
                NoteKind::Lucky => "note:lucky",
            },
            EntryKind::Update => "update",
            EntryKind::External => "external",
            EntryKind::Impact => "impact",
            EntryKind::Services => "services",
            EntryKind::Tags => "tags",
            EntryKind::Field => "field",
            EntryKind::Type => "type",
            EntryKind::Action => "action",
            EntryKind::ActionDone => "action-done",
            EntryKind::Resolved => "resolved",
            EntryKind::Reopened => "reopened",
            EntryKind::Message => "message",
            EntryKind::Reminder => "reminder",
            EntryKind::Escalation => "escalation",
            EntryKind::Postmortem => "postmortem",
            EntryKind::Warning => "warning",
            EntryKind::Problem => "problem",
            EntryKind::Ticket => "ticket",
        }
    }

    pub fn from_key(s: &str) -> Option<EntryKind> {
        if let Some(k) = s.strip_prefix("note:") {
            return NoteKind::from_key(k).map(EntryKind::Note);
        }
        Some(match s {
            "declared" => EntryKind::Declared,
            "status" => EntryKind::Status,
            "severity" => EntryKind::Severity,
            "role" => EntryKind::Role,
            "note" => EntryKind::Note(NoteKind::Plain),
            "update" => EntryKind::Update,
            "external" => EntryKind::External,
            "impact" => EntryKind::Impact,
            "services" => EntryKind::Services,
            "tags" => EntryKind::Tags,
            "field" => EntryKind::Field,
            "type" => EntryKind::Type,
            "action" => EntryKind::Action,
            "action-done" => EntryKind::ActionDone,
            "resolved" => EntryKind::Resolved,
            "reopened" => EntryKind::Reopened,
            "message" => EntryKind::Message,
            "reminder" => EntryKind::Reminder,
            "escalation" => EntryKind::Escalation,
            "postmortem" => EntryKind::Postmortem,
            "warning" => EntryKind::Warning,
            "problem" => EntryKind::Problem,
            "ticket" => EntryKind::Ticket,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Declared => "Declared",
            EntryKind::Status => "Status",
            EntryKind::Severity => "Severity",
            EntryKind::Role => "Role",
            EntryKind::Note(k) => k.label(),
            EntryKind::Update => "Update",
            EntryKind::External => "Status page",
            EntryKind::Impact => "Impact",
            EntryKind::Services => "Services",
            EntryKind::Tags => "Tags",
            EntryKind::Field => "Field",
            EntryKind::Type => "Type",
            EntryKind::Action => "Action item",
            EntryKind::ActionDone => "Action done",
            EntryKind::Resolved => "Resolved",
            EntryKind::Reopened => "Reopened",
            EntryKind::Message => "Pinned message",
            EntryKind::Reminder => "Reminder",
            EntryKind::Escalation => "Escalation",
            EntryKind::Postmortem => "Postmortem",
            EntryKind::Warning => "Warning",
            EntryKind::Problem => "Problem",
            EntryKind::Ticket => "Ticket",
        }
    }
}

/// One line of an incident's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// A user ID, or `warroom` for entries the bot makes itself.
    pub actor: String,
    pub kind: EntryKind,
    pub text: UserText,
}

/// The actor recorded for the bot's own entries.
pub const BOT_ACTOR: &str = "warroom";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_for_help_count_and_pages_do_not() {
        let c = |k, t| Counted::of(k, t);
        assert_eq!(c(EntryKind::Update, "x"), Some(Counted::Update));
        assert_eq!(
            c(EntryKind::Reminder, "Update reminder: due"),
            Some(Counted::Reminder)
        );
        assert_eq!(c(EntryKind::Reminder, "Status page update reminder"), None);
        assert_eq!(
            c(EntryKind::Escalation, "2 update reminders went unanswered"),
            Some(Counted::Escalation)
        );
        for page in [
            "Paged PagerDuty (critical alert",
            "On call for `db`",
            "Page to `db` acknowledged",
            "PagerDuty page acknowledged",
        ] {
            assert_eq!(c(EntryKind::Escalation, page), None, "{page}");
        }
        assert_eq!(c(EntryKind::Reopened, "Reopened"), Some(Counted::Reopening));
        assert_eq!(c(EntryKind::Note(NoteKind::Plain), "x"), None);
    }

    #[test]
    fn keys_round_trip() {
        let all = [
            EntryKind::Declared,
            EntryKind::Status,
            EntryKind::Severity,
            EntryKind::Role,
            EntryKind::Note(NoteKind::Plain),
            EntryKind::Note(NoteKind::Factor),
            EntryKind::Note(NoteKind::RootCause),
            EntryKind::Note(NoteKind::WentWell),
            EntryKind::Note(NoteKind::WentPoorly),
            EntryKind::Note(NoteKind::Lucky),
            EntryKind::Update,
            EntryKind::External,
            EntryKind::Impact,
            EntryKind::Services,
            EntryKind::Tags,
            EntryKind::Field,
            EntryKind::Type,
            EntryKind::Action,
            EntryKind::ActionDone,
            EntryKind::Resolved,
            EntryKind::Reopened,
            EntryKind::Message,
            EntryKind::Reminder,
            EntryKind::Escalation,
            EntryKind::Postmortem,
            EntryKind::Warning,
            EntryKind::Problem,
            EntryKind::Ticket,
        ];
        for k in all {
            assert_eq!(EntryKind::from_key(k.key()), Some(k), "{}", k.key());
        }
        assert_eq!(EntryKind::from_key("bogus"), None);
    }
}
