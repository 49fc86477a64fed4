//! `warroom alerts test`: a synthetic alert through the whole path, printed instead
//! of sent. It shows the finding the alert becomes, the route it takes, the warning
//! exactly as it would be posted, whether an auto-declare rule would declare, and
//! what would be paged. Nothing touches the database or Slack.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::alerts::{Group, GroupAlert, Source};
use crate::app::warnings::render;
use crate::config::Config;
use crate::domain::finding::Finding;
use crate::domain::policy::Notice;
use crate::store::warnings::Warning;

/// The synthetic alert: its labels and summary, firing or resolved.
#[derive(Debug, Clone)]
pub struct Rehearsal {
    pub labels: BTreeMap<String, String>,
    pub summary: String,
    pub firing: bool,
}

impl Rehearsal {
    /// The alert as Alertmanager would send it.
    pub(crate) fn group(&self, now: DateTime<Utc>) -> Group {
        let mut labels = self.labels.clone();
        labels
            .entry("alertname".into())
            .or_insert_with(|| "WarroomTest".into());
        let group_labels: BTreeMap<String, String> = labels
            .iter()
            .filter(|(k, _)| k.as_str() == "alertname")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let annotations = BTreeMap::from([("summary".to_string(), self.summary.clone())]);
        Group {
            source: Source::Alertmanager,
            key: format!("{{}}:{{alertname=\"{}\"}}", labels["alertname"]),
            group_labels,
            common_annotations: annotations.clone(),
            alerts: vec![GroupAlert {
                firing: self.firing,
                fingerprint: crate::alerts::label_hash(&labels),
                labels,
                annotations,
                starts_at: now,
                ends_at: (!self.firing).then_some(now),
                generator_url: String::new(),
            }],
            truncated: 0,
            external_url: String::new(),
            title: None,
        }
    }
}

/// What would happen to the alert, as text for a terminal.
pub fn rehearse(cfg: &Config, r: &Rehearsal, now: DateTime<Utc>) -> String {
    let f = r.group(now).finding(now);
    let dest = cfg
        .alerts
        .route(&f.labels, &cfg.slack.announcements_channel);
    let mut out = format!("Alert: {} ({})\n", f.summary, f.level);
    out.push_str(&format!("Labels: {}\n", labels(&f)));
    let route = match cfg
        .alerts
        .routes
        .iter()
        .position(|x| x.matchers.matches(&f.labels))
    {
        Some(i) => format!(
            "[[alerts.routes]] #{} ({})",
            i + 1,
            cfg.alerts.routes[i].matchers
        ),
        None => "the default (alerts.channel)".into(),
    };
    out.push_str(&format!(
        "Route: {route} → channel {}\n",
        show_channel(&dest.channel)
    ));
    let notice = if f.level.is_bad() {
        Notice::First
    } else {
        Notice::Recovered
    };
    let msg = render(
        &Warning::first(&f, now),
        Some(notice),
        &dest.mention,
        None,
        cfg.display.timezone,
    );
    out.push_str("\nThe warning as it would be posted:\n");
    for line in msg.text.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push('\n');
    let declared = crate::watch::auto_declare(&cfg.auto_declare, &f)
        .filter(|_| f.level.is_bad())
        .and_then(|s| cfg.severities().parse(s).ok());
    out.push_str(&match declared {
        Some(sev) => format!(
            "Auto-declare: yes, a {} incident titled \"{}\"\n",
            sev, f.incident_title
        ),
        None => "Auto-declare: no [[auto_declare]] rule matches\n".into(),
    });
    out.push_str(&pages(cfg, declared));
    if declared.is_some() {
        out.push_str(&on_call(cfg, &f));
    }
    out.push_str("\nNothing was stored, posted or paged.\n");
    out
}

/// Who the declared incident would page.
fn pages(cfg: &Config, declared: Option<crate::domain::Severity>) -> String {
    let Some(sev) = declared else {
        return "Pages: none (nothing is declared)\n".into();
    };
    let who: Vec<&str> = crate::paging::Provider::ALL
        .into_iter()
        .filter(|p| cfg.paging.pages(*p, sev))
        .map(|p| p.name())
        .collect();
    if who.is_empty() {
        return format!("Pages: none (no paging service pages {sev})\n");
    }
    format!(
        "Pages: {} (a {sev} trigger when it is declared)\n",
        who.join(" and ")
    )
}

/// Whose on-call the declared incident would look up (by the alert's `service` label).
fn on_call(cfg: &Config, f: &Finding) -> String {
    let service = f.labels.get(crate::app::warnings::alerts::SERVICE_LABEL);
    let target = service.and_then(|s| {
        cfg.paging
            .targets
            .iter()
            .find(|t| t.covers(s) && t.has_pagerduty_oncall())
    });
    match (target, cfg.paging.pagerduty.rest_enabled()) {
        (Some(t), true) => {
            let from = if t.pagerduty_schedule.is_empty() {
                format!("escalation policy {}, first level", t.pagerduty_escalation_policy)
            } else {
                format!("schedule {}", t.pagerduty_schedule)
            };
            format!("On call: `{}` (PagerDuty {from}), looked up, invited and shown in the headline\n", t.name)
        }
        _ => "On call: nobody looked up (no [[paging.targets]] entry with a PagerDuty policy covers the alert's service label)\n".into(),
    }
}

fn labels(f: &Finding) -> String {
    f.labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_channel(c: &str) -> &str {
    if c.is_empty() { "(none configured)" } else { c }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rehearsal_shows_route_warning_and_rule() {
        let cfg = Config::from_toml(
            "[slack]\nannouncements_channel = \"CANN\"\n[alerts]\nmention = [\"UONCALL\"]\n[[alerts.routes]]\nmatch = 'team=\"db\"'\nchannel = \"CDB\"\n[[auto_declare]]\nwatcher = \"alerts\"\nmatch = 'severity=\"critical\"'\nseverity = \"sev1\"",
        )
        .unwrap();
        let r = Rehearsal {
            labels: BTreeMap::from([
                ("severity".to_string(), "critical".to_string()),
                ("service".to_string(), "api".to_string()),
            ]),
            summary: "API error rate above 5%".into(),
            firing: true,
        };
        let out = rehearse(&cfg, &r, Utc::now());
        assert!(
            out.contains("Route: the default (alerts.channel) → channel CANN"),
            "{out}"
        );
        assert!(
            out.contains("<@UONCALL> :red_circle: *Critical* — [FIRING:1] API error rate above 5%"),
            "{out}"
        );
        assert!(
            out.contains("Pages: none (no paging service pages SEV1)"),
            "{out}"
        );
        assert!(
            out.contains("Auto-declare: yes, a SEV1 incident titled \"API error rate above 5%\""),
            "{out}"
        );
        let mut db = r.clone();
        db.labels.insert("team".into(), "db".into());
        db.labels.insert("severity".into(), "warning".into());
        let out = rehearse(&cfg, &db, Utc::now());
        assert!(out.contains("#1 (team=\"db\") → channel CDB"), "{out}");
        assert!(out.contains("Auto-declare: no"), "{out}");
        assert!(out.contains("Pages: none (nothing is declared)"), "{out}");
    }

    #[test]
    fn a_rehearsal_names_the_on_call_it_would_look_up() {
        let cfg = Config::from_toml(
            "[paging.pagerduty]\napi_token = \"t\"\n[[paging.targets]]\nname = \"api-team\"\nservices = [\"api\"]\npagerduty_escalation_policy = \"PEAPI01\"\n[[auto_declare]]\nwatcher = \"alerts\"\nseverity = \"sev1\"",
        )
        .unwrap();
        let mut r = Rehearsal {
            labels: BTreeMap::from([
                ("service".to_string(), "api".to_string()),
                ("severity".to_string(), "critical".to_string()),
            ]),
            summary: "API down".into(),
            firing: true,
        };
        let out = rehearse(&cfg, &r, Utc::now());
        assert!(
            out.contains("On call: `api-team` (PagerDuty escalation policy PEAPI01, first level)"),
            "{out}"
        );
        r.labels.insert("service".into(), "billing".into());
        let out = rehearse(&cfg, &r, Utc::now());
        assert!(out.contains("On call: nobody looked up"), "{out}");
    }
}
