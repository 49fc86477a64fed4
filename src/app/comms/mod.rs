//! Telling customers: external updates (the command and the form), the reminders to
//! publish them, warroom's public status page, and Atlassian Statuspage.

pub mod form;
pub mod public_page;
pub mod publish;
pub mod reminders;
pub mod statuspage;
