//! Telling customers: external updates (the command and the form), the reminders to
//! publish them, warroom's public status page, and Atlassian Statuspage.

pub(crate) mod form;
pub(crate) mod public_page;
pub(crate) mod publish;
pub(crate) mod reminders;
pub(crate) mod statuspage;
