//! What raises incidents, validated: `[alerts]`, `[[slos]]`, `[[auto_declare]]`
//! and `[watch]`.

use crate::config::{Config, ConfigError, SloConfig, invalid};

/// `[alerts]`: the body bound, and routes that send somewhere.
pub(super) fn alerts(c: &Config) -> Result<(), ConfigError> {
    let max = crate::alerts::routes::MAX_BODY_LIMIT;
    if !(1024..=max).contains(&c.alerts.max_body) {
        return Err(invalid(
            "alerts.max_body",
            format!(
                "`{}` is out of range: expected 1024 to {max} bytes",
                c.alerts.max_body
            ),
        ));
    }
    for (i, r) in c.alerts.routes.iter().enumerate() {
        if r.matchers.is_empty() {
            return Err(invalid(
                &format!("alerts.routes[{i}].match"),
                "a route needs at least one matcher (an unmatched alert already goes to alerts.channel)".to_string(),
            ));
        }
    }
    Ok(())
}

/// `[[slos]]`: unique names, a service, a target, a window and one way to query.
pub(super) fn slos(c: &Config) -> Result<(), ConfigError> {
    let mut names = std::collections::BTreeSet::new();
    for (i, slo) in c.slos.iter().enumerate() {
        let key = |k: &str| format!("slos[{i}].{k}");
        if slo.name.trim().is_empty() || !names.insert(slo.name.clone()) {
            return Err(invalid(
                &key("name"),
                format!("`{}`: every SLO needs a unique name", slo.name),
            ));
        }
        if slo.service.trim().is_empty() {
            return Err(invalid(
                &key("service"),
                "empty: name the service the SLO belongs to",
            ));
        }
        objective(slo, &key)?;
        query(slo, &key)?;
    }
    Ok(())
}

/// One SLO's target and window.
fn objective(slo: &SloConfig, key: &dyn Fn(&str) -> String) -> Result<(), ConfigError> {
    if !(slo.target > 0.0 && slo.target < 100.0) {
        return Err(invalid(
            &key("target"),
            format!(
                "{}: expected a percentage between 0 and 100, like 99.9",
                slo.target
            ),
        ));
    }
    if slo.window.0.is_zero() {
        return Err(invalid(
            &key("window"),
            "must be longer than zero, like 30d",
        ));
    }
    Ok(())
}

/// One SLO's query: an error ratio over `$window`, or good and total, not both.
fn query(slo: &SloConfig, key: &dyn Fn(&str) -> String) -> Result<(), ConfigError> {
    if !slo.error_ratio.is_empty() && (!slo.good.is_empty() || !slo.total.is_empty()) {
        return Err(invalid(
            &key("error_ratio"),
            "give either error_ratio or good and total, not both",
        ));
    }
    if !slo.error_ratio.is_empty() && !slo.error_ratio.contains("$window") {
        return Err(invalid(
            &key("error_ratio"),
            "the query must contain $window, which warroom replaces with 5m, 1h, 3d...",
        ));
    }
    if slo.good.is_empty() != slo.total.is_empty() {
        return Err(invalid(&key("good"), "good and total go together"));
    }
    Ok(())
}

/// `[[auto_declare]]`: a configured severity, and a bound needs the fact it tests (the
/// rest is typed at load).
pub(super) fn auto_declare(c: &Config) -> Result<(), ConfigError> {
    for (i, r) in c.auto_declare.iter().enumerate() {
        let key = |k: &str| format!("auto_declare[{i}].{k}");
        if let Err(e) = c.severities().parse(&r.severity) {
            return Err(invalid(&key("severity"), e.to_string()));
        }
        if (r.at_most.is_some() || r.at_least.is_some()) && r.fact.is_empty() {
            return Err(invalid(
                &key("fact"),
                "at_most/at_least need the fact they test, e.g. days_left",
            ));
        }
    }
    Ok(())
}

/// `[watch]`: each watcher's own checks, and the snooze.
pub(super) fn watch(c: &Config) -> Result<(), ConfigError> {
    c.watch
        .certs
        .validate("watch.certs")
        .map_err(|(k, p)| invalid(&k, p))?;
    c.watch
        .disk
        .validate("watch.disk")
        .map_err(|(k, p)| invalid(&k, p))?;
    c.watch
        .budgets
        .validate("watch.budgets")
        .map_err(|(k, p)| invalid(&k, p))?;
    if c.watch.snooze.0.is_zero() {
        return Err(invalid("watch.snooze", "must be longer than zero"));
    }
    Ok(())
}
