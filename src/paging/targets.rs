//! Who can be paged by name: `[[paging.targets]]`, a team with the warroom services
//! it is on call for, its PagerDuty escalation policy (or schedule) and its Opsgenie
//! team. `/incident page database` pages the target named `database` (or the one
//! on call for the service `database`); the escalation of an incident pages the
//! target of its service; the on-call of a new incident's service is looked up from
//! the target's policy.

use serde::Deserialize;

use crate::domain::Incident;

/// `[[paging.targets]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// What people type: `/incident page <name>`.
    pub name: String,
    /// The warroom services this target is on call for (default: its name).
    #[serde(default)]
    pub services: Vec<String>,
    /// The PagerDuty escalation policy that pages it, and whose first level is its
    /// on-call (e.g. `PE4D5F6`).
    #[serde(default)]
    pub pagerduty_escalation_policy: String,
    /// A PagerDuty schedule to read the on-call from instead of the policy's first level.
    #[serde(default)]
    pub pagerduty_schedule: String,
    /// The Opsgenie team that a page to this target notifies.
    #[serde(default)]
    pub opsgenie_team: String,
}

impl Target {
    /// True when it is on call for `service`.
    pub fn covers(&self, service: &str) -> bool {
        if self.services.is_empty() {
            return self.name.eq_ignore_ascii_case(service);
        }
        self.services
            .iter()
            .any(|s| s.eq_ignore_ascii_case(service))
    }

    /// True when PagerDuty can tell who is on call for it.
    pub fn has_pagerduty_oncall(&self) -> bool {
        !self.pagerduty_escalation_policy.is_empty() || !self.pagerduty_schedule.is_empty()
    }
}

/// The target `word` names: by its name first, else the one on call for the service
/// `word`.
pub fn find<'a>(targets: &'a [Target], word: &str) -> Option<&'a Target> {
    targets
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(word))
        .or_else(|| targets.iter().find(|t| t.covers(word)))
}

/// The target on call for the incident: the first of its services that one covers.
pub fn of_incident<'a>(targets: &'a [Target], inc: &Incident) -> Option<&'a Target> {
    inc.services
        .iter()
        .find_map(|s| targets.iter().find(|t| t.covers(s)))
}

/// True when `id` looks like a PagerDuty object ID (`PE4D5F6`): letters and digits.
pub fn is_pagerduty_id(id: &str) -> bool {
    (2..=20).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, services: &[&str]) -> Target {
        Target {
            name: name.into(),
            services: services.iter().map(|s| s.to_string()).collect(),
            ..Target::default()
        }
    }

    #[test]
    fn a_target_is_found_by_name_then_by_service() {
        let ts = [t("database", &["postgres", "redis"]), t("api", &[])];
        assert_eq!(find(&ts, "Database").map(|t| &t.name[..]), Some("database"));
        assert_eq!(find(&ts, "redis").map(|t| &t.name[..]), Some("database"));
        assert_eq!(find(&ts, "api").map(|t| &t.name[..]), Some("api"));
        assert!(find(&ts, "billing").is_none());
        // A named list of services replaces the name as a service.
        assert!(!ts[0].covers("database"));
        assert!(ts[1].covers("API"));
    }

    #[test]
    fn pagerduty_ids_are_short_and_alphanumeric() {
        assert!(is_pagerduty_id("PE4D5F6"));
        assert!(!is_pagerduty_id("PE4D 5F6") && !is_pagerduty_id("") && !is_pagerduty_id("a/b"));
    }
}
