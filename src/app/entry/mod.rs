//! The ways in: slash commands, button clicks and form submissions, the typed IDs
//! of the controls warroom draws, and the channel events it follows (pins,
//! reactions, joins). Each parses what came in, checks who may act and hands it to
//! the use case.

pub(crate) mod commands;
pub(crate) mod controls;
pub mod events;
pub(crate) mod interactions;
