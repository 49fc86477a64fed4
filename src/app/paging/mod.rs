//! Paging people: the pages an incident sends through PagerDuty and Opsgenie as it is
//! declared, acknowledged and resolved; explicit pages to a team or a person; the
//! acknowledgements read back; and who is on call for the incident's services. The
//! HTTP itself is `providers/`; this decides what to send and tells people.

pub(crate) mod acks;
pub(crate) mod oncall;
pub(crate) mod page;
pub(crate) mod page_to;
