//! The use cases on one incident: declare, status, severity and resolution, roles,
//! notes and updates, action items, links, and the read-only queries the pages and
//! commands ask. Each change opens a [`Change`](super::change::Change).

pub mod actions;
pub mod declare;
pub mod links;
pub mod notes;
pub mod ops;
pub mod queries;
pub mod resolve;
pub mod roles;
pub mod status;
pub mod updates;
