//! Answers to the person who declares: the confirmation, and the question asked when
//! they declare again what they declared a moment ago.

use crate::app::entry::controls::Action;
use crate::chat::{Button, ButtonStyle, Message};
use crate::domain::{Incident, Severity, UserText};

/// Asked when someone declares what they declared a moment ago: open another?
pub(crate) fn declare_again(
    earlier: crate::domain::IncidentId,
    ago: &str,
    title: &UserText,
    severity: Severity,
    private: bool,
    kind: Option<&str>,
) -> Message {
    let text = format!(
        ":raised_hand: You declared *{earlier}* “{}” {ago} ago. Open another incident with the same title?",
        title.mrkdwn()
    );
    let again =
        serde_json::json!({"t": title.stored(), "s": severity.key(), "p": private, "k": kind});
    Message::with_buttons(
        text,
        vec![
            Button::new(
                Action::DeclareAgain.id(),
                "Yes, open another",
                again.to_string(),
            )
            .styled(ButtonStyle::Danger),
            Button::new(
                Action::DeclareCancel.id(),
                &format!("No, {earlier} it is"),
                earlier.0.to_string(),
            ),
        ],
    )
}

/// The answer to the person who declared.
pub(crate) fn declared_reply(inc: &Incident) -> String {
    format!(
        "Declared *{}* ({}): {}. Setting up its channel now; you are the Incident Commander.",
        inc.id,
        inc.severity,
        inc.title.mrkdwn()
    )
}
