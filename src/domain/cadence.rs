//! The update cadence: how often the incident channel is owed an update, by severity
//! and status (the seed asks for one every 15-30 minutes), and when to escalate.

use chrono::{DateTime, Duration, Utc};

use super::severity::Scale;
use super::{Severity, Status};

/// Update intervals per severity (None: no reminders), and the stretch while
/// monitoring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    pub every: Vec<(Severity, Option<Duration>)>,
    pub monitoring_factor: i32,
    /// Intervals set for one severity in one status, over the rules above (None:
    /// no reminders in that state).
    pub overrides: Vec<(Severity, Status, Option<Duration>)>,
}

/// Reads an override key such as `sev1.monitoring`.
pub fn override_key(scale: &Scale, key: &str) -> Option<(Severity, Status)> {
    let (sev, status) = key.split_once('.')?;
    let status = Status::parse(status)
        .ok()
        .filter(|s| *s != Status::Resolved)?;
    Some((scale.parse(sev).ok()?, status))
}

impl Cadence {
    /// How long an update lasts in this state; None when none is owed.
    pub fn interval(&self, sev: Severity, status: Status) -> Option<Duration> {
        if status == Status::Resolved {
            return None;
        }
        if let Some((_, _, every)) = self
            .overrides
            .iter()
            .find(|(v, s, _)| *v == sev && *s == status)
        {
            return *every;
        }
        let base = self.every.iter().find(|(s, _)| *s == sev)?.1?;
        match status {
            Status::Resolved => None,
            Status::Monitoring => Some(base * self.monitoring_factor.max(1)),
            _ => Some(base),
        }
    }

    /// When the next update is due: an interval after the last one (or the
    /// declaration), and never in the past, so an overdue update is due now.
    pub fn next_due(
        &self,
        sev: Severity,
        status: Status,
        anchor: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.interval(sev, status).map(|i| (anchor + i).max(now))
    }
}

/// True when this many unanswered reminders call for an escalation: at `after`, then
/// at every further `after` (2, 4, 6 with the default).
pub fn escalates(unanswered: i64, after: i64) -> bool {
    after > 0 && unanswered > 0 && unanswered % after == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::severity::{seed, sev};
    use chrono::TimeZone;

    /// The seed's: 15, 30, 60 minutes and none; twice as long while monitoring.
    fn seed_cadence() -> Cadence {
        Cadence {
            every: seed().all().map(|s| (s, s.level().update_every)).collect(),
            monitoring_factor: 2,
            overrides: vec![],
        }
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, 14, 0, 0).unwrap()
    }

    #[test]
    fn overrides_set_one_severity_in_one_status() {
        let c = Cadence {
            overrides: vec![
                (sev(1), Status::Identified, Some(Duration::minutes(20))),
                (sev(3), Status::Monitoring, None),
            ],
            ..seed_cadence()
        };
        assert_eq!(
            c.interval(sev(1), Status::Identified),
            Some(Duration::minutes(20))
        );
        assert_eq!(
            c.interval(sev(1), Status::Investigating),
            Some(Duration::minutes(15))
        );
        assert_eq!(
            c.interval(sev(1), Status::Monitoring),
            Some(Duration::minutes(30))
        );
        assert_eq!(c.interval(sev(3), Status::Monitoring), None);
        assert_eq!(c.interval(sev(1), Status::Resolved), None);
        assert_eq!(
            override_key(seed(), "sev2.identified"),
            Some((sev(2), Status::Identified))
        );
        assert_eq!(
            override_key(seed(), "SEV4.monitoring"),
            Some((sev(4), Status::Monitoring))
        );
        assert_eq!(override_key(seed(), "sev2.resolved"), None);
        assert_eq!(override_key(seed(), "sev9.identified"), None);
        assert_eq!(override_key(seed(), "identified"), None);
    }

    #[test]
    fn intervals_by_severity_and_status() {
        let c = seed_cadence();
        assert_eq!(
            c.interval(sev(1), Status::Investigating),
            Some(Duration::minutes(15))
        );
        assert_eq!(
            c.interval(sev(2), Status::Identified),
            Some(Duration::minutes(30))
        );
        assert_eq!(
            c.interval(sev(3), Status::Investigating),
            Some(Duration::minutes(60))
        );
        assert_eq!(c.interval(sev(4), Status::Investigating), None);
        assert_eq!(
            c.interval(sev(1), Status::Monitoring),
            Some(Duration::minutes(30)),
            "monitoring halves the rate"
        );
        for s in seed().all() {
            assert_eq!(c.interval(s, Status::Resolved), None);
        }
    }

    #[test]
    fn next_due_from_the_last_update_but_never_in_the_past() {
        let c = seed_cadence();
        let now = t0() + Duration::minutes(10);
        assert_eq!(
            c.next_due(sev(2), Status::Investigating, t0(), now),
            Some(t0() + Duration::minutes(30))
        );
        // Raised to SEV1 40 minutes after the last update: due at once.
        let later = t0() + Duration::minutes(40);
        assert_eq!(
            c.next_due(sev(1), Status::Investigating, t0(), later),
            Some(later)
        );
        assert_eq!(c.next_due(sev(4), Status::Investigating, t0(), now), None);
    }

    #[test]
    fn escalation_points() {
        assert!(!escalates(1, 2));
        assert!(escalates(2, 2));
        assert!(!escalates(3, 2));
        assert!(escalates(4, 2));
        assert!(!escalates(0, 2));
        assert!(!escalates(5, 0), "0 turns escalation off");
    }
}
