//! What managers read: postmortem drafts (written, versioned, published) and the
//! insights across incidents.

mod confluence;
mod debrief;
pub mod insights;
pub mod postmortems;
mod pull_merged;
mod pull_request;
