//! The ways in: slash commands, button clicks and form submissions, the typed IDs
//! of the controls warroom draws, and the channel events it follows (pins,
//! reactions, joins). Each parses what came in, checks who may act and hands it to
//! the use case.

pub mod commands;
pub mod controls;
pub mod events;
pub mod interactions;
