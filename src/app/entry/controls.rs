//! The buttons and forms warroom puts in front of people, typed: each has one id that
//! is written into the message and read back from the click, in one table, so a
//! button can neither be drawn with an id nobody handles nor handled under a typo.

/// A button's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    TakeIc,
    PostUpdate,
    StatusUpdate,
    Resolve,
    Reopen,
    DeclareAgain,
    DeclareCancel,
    WarningDeclare,
    WarningSnooze,
    WarningAck,
    /// Retry a ticket the tracker refused, or create one for an earlier item.
    Ticket,
    /// Retry the postmortem's pull request after a refusal.
    PostmortemRetry,
}

/// A form's callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Declare,
    Resolve,
    Update,
    StatusUpdate,
}

impl Action {
    pub(crate) const ALL: [Action; 12] = [
        Action::TakeIc,
        Action::PostUpdate,
        Action::StatusUpdate,
        Action::Resolve,
        Action::Reopen,
        Action::DeclareAgain,
        Action::DeclareCancel,
        Action::WarningDeclare,
        Action::WarningSnooze,
        Action::WarningAck,
        Action::Ticket,
        Action::PostmortemRetry,
    ];

    /// The `action_id` Slack carries.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Action::TakeIc => "take_ic",
            Action::PostUpdate => "post_update",
            Action::StatusUpdate => "status_update",
            Action::Resolve => "resolve",
            Action::Reopen => "reopen",
            Action::DeclareAgain => "declare_again",
            Action::DeclareCancel => "declare_cancel",
            Action::WarningDeclare => "warning_declare",
            Action::WarningSnooze => "warning_snooze",
            Action::WarningAck => "warning_ack",
            Action::Ticket => "ticket",
            Action::PostmortemRetry => "postmortem_retry",
        }
    }

    pub(crate) fn parse(id: &str) -> Option<Action> {
        let id = id.split_once('#').map_or(id, |(action, _)| action);
        Action::ALL.into_iter().find(|a| a.id() == id)
    }

    /// The `action_id` of the `n`th button of this action in one message: Slack wants
    /// action IDs unique within a block, and [`Action::parse`] reads past the `#n`.
    pub(crate) fn numbered(self, n: usize) -> String {
        format!("{}#{n}", self.id())
    }

    /// The buttons of a warning message.
    pub(crate) fn is_warning(self) -> bool {
        matches!(
            self,
            Action::WarningDeclare | Action::WarningSnooze | Action::WarningAck
        )
    }
}

impl Form {
    pub(crate) const ALL: [Form; 4] = [
        Form::Declare,
        Form::Resolve,
        Form::Update,
        Form::StatusUpdate,
    ];

    /// The `callback_id` Slack carries.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Form::Declare => "declare",
            Form::Resolve => "resolve",
            Form::Update => "update",
            Form::StatusUpdate => "statusupdate",
        }
    }

    pub(crate) fn parse(id: &str) -> Option<Form> {
        Form::ALL.into_iter().find(|f| f.id() == id)
    }

    /// The field that shows what went wrong with the form as a whole.
    pub(crate) fn main_field(self) -> &'static str {
        match self {
            Form::Resolve => "summary",
            Form::Update => "text",
            Form::StatusUpdate => "body",
            Form::Declare => "title",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_distinct() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.id()), Some(a));
        }
        for f in Form::ALL {
            assert_eq!(Form::parse(f.id()), Some(f));
        }
        let mut ids: Vec<&str> = Action::ALL.iter().map(|a| a.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), Action::ALL.len());
        assert_eq!(Action::parse("take-ic"), None);
        assert_eq!(
            Action::parse(&Action::WarningAck.numbered(17)),
            Some(Action::WarningAck)
        );
        assert_eq!(Form::parse("nope"), None);
    }
}
