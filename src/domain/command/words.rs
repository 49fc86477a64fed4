//! The argument helpers every subcommand parser shares: splitting off a word, taking an
//! `INC-n` that follows the subcommand, refusing arguments where none are taken, and
//! checking free text (missing or too long).

use super::{Command, CommandError, MAX_TEXT, SPECS, spec};
use crate::domain::ids::IncidentId;
use crate::domain::text::UserText;

/// Splits off the first whitespace-separated word.
pub(super) fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

/// Takes an incident reference that follows the subcommand (`/incident show INC-4`).
pub(super) fn take_incident<'a>(
    name: &str,
    rest: &'a str,
) -> Result<(Option<IncidentId>, &'a str), CommandError> {
    let (word, after) = split_word(rest);
    if let Some(id) = IncidentId::parse(word) {
        return Ok((Some(id), after));
    }
    if IncidentId::looks_like(word) && name != "declare" {
        let spec_name = SPECS.iter().find(|s| s.name == name).map(|s| s.name);
        return Err(CommandError {
            message: format!("`{word}` is not an incident number: expected INC-<n>, e.g. INC-4."),
            spec: spec_name.map(spec),
        });
    }
    Ok((None, rest))
}

/// `cmd` when nothing follows the subcommand, an error otherwise.
pub(super) fn no_args(name: &str, rest: &str, cmd: Command) -> Result<Command, CommandError> {
    if rest.trim().is_empty() {
        Ok(cmd)
    } else {
        Err(CommandError::new(
            format!("`{name}` takes no arguments, but got `{}`.", rest.trim()),
            name,
        ))
    }
}

/// Refuses a text longer than `max` characters (`what` names it in the message).
pub(super) fn check_len(
    name: &str,
    what: &str,
    text: &UserText,
    max: usize,
) -> Result<(), CommandError> {
    let n = text.char_len();
    if n > max {
        return Err(CommandError::new(
            format!("The {what} is {n} characters long; the limit is {max}."),
            name,
        ));
    }
    Ok(())
}

/// The free text that must follow the subcommand.
pub(super) fn required_text(name: &str, rest: &str, what: &str) -> Result<UserText, CommandError> {
    let t = UserText::from_mrkdwn(rest.trim());
    if t.is_empty() {
        return Err(CommandError::new(format!("The {what} is missing."), name));
    }
    check_len(name, "text", &t, MAX_TEXT)?;
    Ok(t)
}

/// The free text that may follow the subcommand.
pub(super) fn optional_text(name: &str, rest: &str) -> Result<Option<UserText>, CommandError> {
    let t = UserText::from_mrkdwn(rest.trim());
    if t.is_empty() {
        return Ok(None);
    }
    check_len(name, "text", &t, MAX_TEXT)?;
    Ok(Some(t))
}

/// Checks a free text typed in a form (`what` names it in the message).
pub fn check_text(
    name: &str,
    what: &str,
    t: UserText,
    max: usize,
) -> Result<UserText, CommandError> {
    if t.is_empty() {
        return Err(CommandError::new(format!("The {what} is missing."), name));
    }
    check_len(name, what, &t, max)?;
    Ok(t)
}

/// Upper-cases the first letter, so a domain error reads as a sentence.
pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
