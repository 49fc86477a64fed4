//! When a warning is worth a message: when its key first leaves ok, when its level
//! rises (or a further threshold is crossed), on a reminder cadence while it stays bad
//! (unless acknowledged or snoozed), and once when it recovers. Nothing else: a run
//! that sees the same thing again says nothing, though the warning's last message is
//! quietly kept current.

use chrono::{DateTime, Duration, Utc};

use super::finding::{Finding, Level};

/// What the store remembers of a warning.
#[derive(Debug, Clone, PartialEq)]
pub struct Prior {
    pub level: Level,
    pub step: i32,
    pub fingerprint: Option<String>,
    pub summary: String,
    pub notified_level: Option<Level>,
    pub notified_step: i32,
    pub notified_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub acked: bool,
}

/// Why a message goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The key left ok (or its object was replaced and is still bad).
    First,
    /// The level rose, or a further threshold was crossed.
    Rose,
    /// Still bad, and the reminder cadence came round.
    Reminder,
    /// Back to ok.
    Recovered,
}

/// What to do with a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub notice: Option<Notice>,
    /// A new episode: forget acknowledgement, snooze and notification history.
    pub fresh: bool,
    /// The visible facts changed: refresh the last message.
    pub refresh: bool,
}

/// Reminder intervals while a warning stays bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    pub warning: Duration,
    pub critical: Duration,
}

impl Cadence {
    pub fn for_level(&self, l: Level) -> Option<Duration> {
        match l {
            Level::Ok => None,
            Level::Critical => Some(self.critical),
            Level::Warning | Level::Unknown | Level::Info => Some(self.warning),
        }
    }
}

fn snoozed(p: &Prior, now: DateTime<Utc>) -> bool {
    p.snoozed_until.is_some_and(|u| u > now)
}

/// Decides what a finding calls for, given what was known before.
pub fn decide(
    prior: Option<&Prior>,
    f: &Finding,
    now: DateTime<Utc>,
    cadence: Cadence,
) -> Decision {
    let quiet = Decision {
        notice: None,
        fresh: false,
        refresh: false,
    };
    let Some(p) = prior.filter(|p| p.level.is_bad()) else {
        // First sighting, or it was fine.
        if !f.level.is_bad() {
            return quiet;
        }
        let snoozed_now = prior.is_some_and(|p| snoozed(p, now));
        return Decision {
            notice: (!snoozed_now).then_some(Notice::First),
            fresh: true,
            refresh: false,
        };
    };
    let replaced =
        p.fingerprint.is_some() && f.fingerprint.is_some() && p.fingerprint != f.fingerprint;
    if !f.level.is_bad() {
        return Decision {
            notice: f.announce_recovery.then_some(Notice::Recovered),
            fresh: replaced,
            refresh: true,
        };
    }
    if replaced {
        // A renewed certificate that is still bad is a new story.
        return Decision {
            notice: (!snoozed(p, now)).then_some(Notice::First),
            fresh: true,
            refresh: false,
        };
    }
    let refresh = p.summary != f.summary || p.level != f.level || p.step != f.step;
    if snoozed(p, now) {
        return Decision {
            notice: None,
            fresh: false,
            refresh,
        };
    }
    let (nl, ns) = (p.notified_level.unwrap_or(Level::Ok), p.notified_step);
    if f.level.rank() > nl.rank() || (f.level == nl && f.step > ns) {
        return Decision {
            notice: Some(Notice::Rose),
            fresh: false,
            refresh,
        };
    }
    let due = match (p.notified_at, cadence.for_level(f.level)) {
        (Some(at), Some(every)) => now - at >= every,
        (None, Some(_)) => true,
        _ => false,
    };
    if due && !p.acked && f.remind {
        return Decision {
            notice: Some(Notice::Reminder),
            fresh: false,
            refresh,
        };
    }
    Decision {
        notice: None,
        fresh: false,
        refresh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn cad() -> Cadence {
        Cadence {
            warning: Duration::days(1),
            critical: Duration::hours(1),
        }
    }

    fn finding(level: Level, step: i32, summary: &str) -> Finding {
        let mut f = Finding::new(
            "certs",
            "cert:x:443".into(),
            "x:443".into(),
            level,
            summary.into(),
        );
        f.step = step;
        f.fingerprint = Some("fp1".into());
        f
    }

    fn prior(level: Level, step: i32, at: DateTime<Utc>) -> Prior {
        Prior {
            level,
            step,
            fingerprint: Some("fp1".into()),
            summary: "s".into(),
            notified_level: Some(level),
            notified_step: step,
            notified_at: Some(at),
            snoozed_until: None,
            acked: false,
        }
    }

    #[test]
    fn first_sighting_notifies_ok_says_nothing() {
        assert_eq!(
            decide(None, &finding(Level::Warning, 1, "s"), t0(), cad()).notice,
            Some(Notice::First)
        );
        assert_eq!(
            decide(None, &finding(Level::Ok, 0, "s"), t0(), cad()).notice,
            None
        );
        let ok = Prior {
            level: Level::Ok,
            notified_level: None,
            notified_at: None,
            ..prior(Level::Ok, 0, t0())
        };
        assert_eq!(
            decide(Some(&ok), &finding(Level::Unknown, 0, "s"), t0(), cad()).notice,
            Some(Notice::First)
        );
    }

    #[test]
    fn the_same_thing_again_is_silent_until_the_reminder_is_due() {
        let p = prior(Level::Warning, 1, t0());
        assert_eq!(
            decide(
                Some(&p),
                &finding(Level::Warning, 1, "s"),
                t0() + Duration::hours(23),
                cad()
            )
            .notice,
            None
        );
        assert_eq!(
            decide(
                Some(&p),
                &finding(Level::Warning, 1, "s"),
                t0() + Duration::hours(24),
                cad()
            )
            .notice,
            Some(Notice::Reminder)
        );
        let c = prior(Level::Critical, 3, t0());
        assert_eq!(
            decide(
                Some(&c),
                &finding(Level::Critical, 3, "s"),
                t0() + Duration::minutes(59),
                cad()
            )
            .notice,
            None
        );
        assert_eq!(
            decide(
                Some(&c),
                &finding(Level::Critical, 3, "s"),
                t0() + Duration::minutes(60),
                cad()
            )
            .notice,
            Some(Notice::Reminder)
        );
    }

    #[test]
    fn rises_and_further_thresholds_notify_at_once() {
        let p = prior(Level::Warning, 1, t0());
        assert_eq!(
            decide(
                Some(&p),
                &finding(Level::Critical, 3, "s"),
                t0() + Duration::minutes(1),
                cad()
            )
            .notice,
            Some(Notice::Rose)
        );
        assert_eq!(
            decide(
                Some(&p),
                &finding(Level::Warning, 2, "s"),
                t0() + Duration::minutes(1),
                cad()
            )
            .notice,
            Some(Notice::Rose),
            "30 → 14 days"
        );
        // A fall is no news, but the message is refreshed.
        let c = prior(Level::Critical, 3, t0());
        let d = decide(
            Some(&c),
            &finding(Level::Warning, 1, "better"),
            t0() + Duration::minutes(1),
            cad(),
        );
        assert_eq!(d.notice, None);
        assert!(d.refresh);
    }

    #[test]
    fn recovery_is_told_once() {
        let p = prior(Level::Critical, 3, t0());
        let d = decide(Some(&p), &finding(Level::Ok, 0, "fine"), t0(), cad());
        assert_eq!(d.notice, Some(Notice::Recovered));
        let ok = Prior {
            level: Level::Ok,
            ..p
        };
        assert_eq!(
            decide(Some(&ok), &finding(Level::Ok, 0, "fine"), t0(), cad()).notice,
            None
        );
    }

    #[test]
    fn acknowledgement_stops_reminders_but_not_rises() {
        let p = Prior {
            acked: true,
            ..prior(Level::Warning, 1, t0())
        };
        assert_eq!(
            decide(
                Some(&p),
                &finding(Level::Warning, 1, "s"),
                t0() + Duration::days(3),
                cad()
            )
            .notice,
            None
        );
        assert_eq!(
            decide(
                Some(&p),
                &finding(Level::Critical, 3, "s"),
                t0() + Duration::days(3),
                cad()
            )
            .notice,
            Some(Notice::Rose)
        );
    }

    #[test]
    fn snooze_silences_everything_but_recovery_until_it_ends() {
        let p = Prior {
            snoozed_until: Some(t0() + Duration::hours(24)),
            ..prior(Level::Warning, 1, t0())
        };
        assert_eq!(
            decide(
                Some(&p),
                &finding(Level::Critical, 3, "s"),
                t0() + Duration::hours(2),
                cad()
            )
            .notice,
            None
        );
        assert_eq!(
            decide(
                Some(&p),
                &finding(Level::Ok, 0, "s"),
                t0() + Duration::hours(2),
                cad()
            )
            .notice,
            Some(Notice::Recovered)
        );
        assert_eq!(
            decide(
                Some(&p),
                &finding(Level::Critical, 3, "s"),
                t0() + Duration::hours(25),
                cad()
            )
            .notice,
            Some(Notice::Rose)
        );
    }

    #[test]
    fn thresholds_that_fire_once_per_period() {
        // A budget: no reminders, a new period (fingerprint) starts quietly.
        let p = prior(Level::Warning, 2, t0());
        let mut f = finding(Level::Warning, 2, "s");
        f.remind = false;
        f.announce_recovery = false;
        assert_eq!(
            decide(Some(&p), &f, t0() + Duration::days(5), cad()).notice,
            None,
            "no daily reminder"
        );
        // Forecast dipped below 100% (step 1) and rose again (step 2): said once already.
        let dipped = Prior {
            step: 1,
            ..p.clone()
        };
        assert_eq!(
            decide(Some(&dipped), &f, t0() + Duration::days(6), cad()).notice,
            None
        );
        f.step = 3;
        assert_eq!(
            decide(Some(&p), &f, t0() + Duration::days(6), cad()).notice,
            Some(Notice::Rose)
        );
        // The month rolls over: spend is back to nothing, without a "recovered" message.
        let mut next = finding(Level::Ok, 0, "new month");
        next.fingerprint = Some("fp-december".into());
        next.announce_recovery = false;
        let d = decide(Some(&p), &next, t0() + Duration::days(10), cad());
        assert_eq!(d.notice, None);
        assert!(d.fresh);
    }

    #[test]
    fn a_replaced_object_starts_afresh() {
        let p = Prior {
            acked: true,
            ..prior(Level::Critical, 3, t0())
        };
        let mut f = finding(Level::Warning, 1, "new cert, still short");
        f.fingerprint = Some("fp2".into());
        let d = decide(Some(&p), &f, t0() + Duration::minutes(5), cad());
        assert_eq!(d.notice, Some(Notice::First));
        assert!(d.fresh);
        f.level = Level::Ok;
        assert_eq!(
            decide(Some(&p), &f, t0(), cad()).notice,
            Some(Notice::Recovered)
        );
    }
}
