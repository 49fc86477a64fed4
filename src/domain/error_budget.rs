//! Error-budget arithmetic from the SRE seed: the budget an SLO allows over its window,
//! how much of it an incident consumed (impact duration × fraction of requests
//! failing), burn rates, and the error budget policy levels.

use chrono::Duration;

/// A service level objective: e.g. 99.9 % of requests succeed over 30 days.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    pub name: String,
    pub service: String,
    /// Percent, e.g. 99.9.
    pub target: f64,
    pub window: Duration,
}

impl Slo {
    /// The allowed unreliability as a fraction (0.001 for 99.9 %).
    pub fn allowed_error_fraction(&self) -> f64 {
        (100.0 - self.target) / 100.0
    }

    /// The budget in minutes of full downtime over the window (43.2 for 99.9 % / 30 d).
    pub fn budget_minutes(&self) -> f64 {
        self.allowed_error_fraction() * self.window.num_seconds() as f64 / 60.0
    }
}

/// What an incident consumed of one SLO's budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Consumption {
    pub slo: Slo,
    pub impact_minutes: f64,
    /// Fraction of requests affected, 0..=1.
    pub fraction: f64,
    /// Equivalent minutes of full downtime.
    pub consumed_minutes: f64,
    pub budget_minutes: f64,
    /// Share of the window's budget, in percent.
    pub percent_of_budget: f64,
}

/// Budget consumed by `impact` at `fraction` of requests failing.
pub fn consumed(slo: &Slo, impact: Duration, fraction: f64) -> Consumption {
    let impact_minutes = impact.num_milliseconds().max(0) as f64 / 60_000.0;
    let fraction = fraction.clamp(0.0, 1.0);
    let consumed_minutes = impact_minutes * fraction;
    let budget_minutes = slo.budget_minutes();
    let percent_of_budget = if budget_minutes > 0.0 {
        consumed_minutes / budget_minutes * 100.0
    } else {
        f64::INFINITY
    };
    Consumption {
        slo: slo.clone(),
        impact_minutes,
        fraction,
        consumed_minutes,
        budget_minutes,
        percent_of_budget,
    }
}

/// Burn rate: observed error rate over the rate the SLO allows (1 % errors against
/// 99.9 % is 10).
pub fn burn_rate(error_fraction: f64, slo_target: f64) -> f64 {
    let allowed = (100.0 - slo_target) / 100.0;
    if allowed <= 0.0 {
        f64::INFINITY
    } else {
        error_fraction / allowed
    }
}

/// How long a whole window's budget lasts at a burn rate.
pub fn time_to_exhaust(window: Duration, burn: f64) -> Option<Duration> {
    if burn <= 0.0 {
        return None;
    }
    // To the minute: 30 days at 20× is 1 d 12 h, not 1 d 11 h 59 min 59.99 s.
    let minutes = (window.num_milliseconds() as f64 / burn / 60_000.0).round() as i64;
    Some(Duration::minutes(minutes))
}

/// The error budget policy level from the seed, by remaining budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyLevel {
    FullSpeed,
    Caution,
    SlowDown,
    FeatureFreeze,
    Exhausted,
}

impl PolicyLevel {
    /// From the remaining budget in percent.
    pub fn from_remaining(percent: f64) -> PolicyLevel {
        if percent <= 0.0 {
            PolicyLevel::Exhausted
        } else if percent < 10.0 {
            PolicyLevel::FeatureFreeze
        } else if percent < 25.0 {
            PolicyLevel::SlowDown
        } else if percent <= 50.0 {
            PolicyLevel::Caution
        } else {
            PolicyLevel::FullSpeed
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PolicyLevel::FullSpeed => "> 50% remaining",
            PolicyLevel::Caution => "25-50% remaining",
            PolicyLevel::SlowDown => "10-25% remaining",
            PolicyLevel::FeatureFreeze => "< 10% remaining",
            PolicyLevel::Exhausted => "exhausted",
        }
    }

    /// What the level means, in the seed's words.
    pub fn meaning(self) -> &'static str {
        match self {
            PolicyLevel::FullSpeed => {
                "Full speed ahead: ship features, experiment; standard review and testing."
            }
            PolicyLevel::Caution => {
                "Increased caution: additional testing, 30 minutes of post-deploy monitoring, no deploys on Fridays."
            }
            PolicyLevel::SlowDown => {
                "Slow down significantly: only well-tested, low-risk changes, SRE approval for deploys, begin reliability work."
            }
            PolicyLevel::FeatureFreeze => {
                "Feature freeze: only reliability improvements and critical bug fixes; incident review if not already done."
            }
            PolicyLevel::Exhausted => {
                "Full freeze on all non-reliability changes; all effort on reliability; executive escalation; post-freeze review before resuming."
            }
        }
    }
}

/// Minutes with one decimal, for people ("2.2").
pub fn minutes(m: f64) -> String {
    format!("{m:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slo(target: f64, days: i64) -> Slo {
        Slo {
            name: "api".into(),
            service: "api".into(),
            target,
            window: Duration::days(days),
        }
    }

    #[test]
    fn budgets_match_the_nines_table() {
        assert!((slo(99.9, 30).budget_minutes() - 43.2).abs() < 1e-9);
        assert!((slo(99.95, 30).budget_minutes() - 21.6).abs() < 1e-9);
        assert!((slo(99.99, 30).budget_minutes() - 4.32).abs() < 1e-9);
        assert!((slo(99.0, 30).budget_minutes() - 432.0).abs() < 1e-9);
    }

    #[test]
    fn the_seed_walkthrough_18_minutes_at_12_percent() {
        let c = consumed(&slo(99.9, 30), Duration::minutes(18), 0.12);
        assert!((c.consumed_minutes - 2.16).abs() < 1e-9);
        assert_eq!(minutes(c.consumed_minutes), "2.2");
        assert!(
            (c.percent_of_budget - 5.0).abs() < 1e-9,
            "2.16 of 43.2 minutes is 5%"
        );
    }

    #[test]
    fn the_seed_calculation_example_15_minutes_of_full_outage() {
        // 99.95% over 30 days = 21.6 min; a 15 min outage consumes 69%.
        let c = consumed(&slo(99.95, 30), Duration::minutes(15), 1.0);
        assert_eq!(format!("{:.0}", c.percent_of_budget), "69");
        assert!((c.budget_minutes - c.consumed_minutes - 6.6).abs() < 1e-9);
    }

    #[test]
    fn burn_rates_from_the_seed() {
        assert!(
            (burn_rate(0.01, 99.9) - 10.0).abs() < 1e-9,
            "1% errors against 99.9% is 10x"
        );
        // At 10x a month's budget lasts 3 days; at 14.4x about 2 days.
        assert_eq!(
            time_to_exhaust(Duration::days(30), 10.0),
            Some(Duration::days(3))
        );
        let t = time_to_exhaust(Duration::days(30), 14.4).unwrap();
        assert!((t.num_minutes() as f64 / 60.0 / 24.0 - 2.083).abs() < 0.01);
        assert_eq!(time_to_exhaust(Duration::days(30), 0.0), None);
    }

    #[test]
    fn policy_levels() {
        assert_eq!(PolicyLevel::from_remaining(80.0), PolicyLevel::FullSpeed);
        assert_eq!(PolicyLevel::from_remaining(50.0), PolicyLevel::Caution);
        assert_eq!(PolicyLevel::from_remaining(25.0), PolicyLevel::Caution);
        assert_eq!(PolicyLevel::from_remaining(24.9), PolicyLevel::SlowDown);
        assert_eq!(PolicyLevel::from_remaining(9.0), PolicyLevel::FeatureFreeze);
        assert_eq!(PolicyLevel::from_remaining(0.0), PolicyLevel::Exhausted);
        assert_eq!(PolicyLevel::from_remaining(-3.0), PolicyLevel::Exhausted);
    }

    #[test]
    fn fractions_are_clamped_and_negative_durations_count_as_zero() {
        let c = consumed(&slo(99.9, 30), Duration::minutes(-5), 3.0);
        assert_eq!(c.consumed_minutes, 0.0);
        assert_eq!(c.fraction, 1.0);
    }
}
