//! The use cases on one incident: declare, status, severity and resolution, roles,
//! notes and updates, tags, action items, links, and the read-only queries the pages and
//! commands ask. Each change opens a [`Change`](super::change::Change).

pub(crate) mod actions;
pub(crate) mod declare;
pub(crate) mod fields;
pub(crate) mod follow_ups;
pub(crate) mod kind;
pub(crate) mod links;
pub(crate) mod notes;
pub(crate) mod ops;
pub(crate) mod queries;
pub(crate) mod resolve;
pub(crate) mod roles;
pub(crate) mod status;
pub(crate) mod tags;
pub(crate) mod updates;
