//! The incidents table and its roles.
//!
//! One file per concern: writing a declaration (`create`), reading one incident
//! (`find`), listings and counts (`list`), writing changes back under the row lock
//! (`save`), and the role holders (`roles`); `row` reads a row into an [`Incident`].
//!
//! [`Incident`]: crate::domain::Incident

mod create;
mod find;
mod list;
mod roles;
mod row;
mod save;

pub use create::{NewIncident, create};
pub use find::{by_channel, channel_in_use, declared_by_since, get};
pub use list::{
    Filter, StoredKeys, channels, count_open_visible, list, open_by_severity, stored_keys,
};
pub use roles::{assign_role, remove_role, set_on_call};
pub use save::{lock, save, set_channel, set_channel_error, set_headline};

#[cfg(test)]
mod tests;
