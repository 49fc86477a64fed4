//! The incident as the rest of the program sees it: its state, roles and the
//! milestone times the postmortem needs, plus the rules derived from them.

use chrono::{DateTime, Duration, Utc};

use super::ids::IncidentId;
use super::role::{Role, RoleKey};
use super::severity::Severity;
use super::status::Status;
use super::text::UserText;

/// Who holds which role. The commander is always set once an incident is declared by
/// a person; an incident declared from a warning may start without one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    pub commander: Option<String>,
    pub operations: Option<String>,
    pub communications: Option<String>,
    pub experts: Vec<String>,
    /// Holders of the organisation's own roles, in the order they took them.
    pub others: Vec<(RoleKey, String)>,
    /// Who the pager service says is on call for the incident's service (invited,
    /// shown in the headline; not a role anyone assigns).
    pub on_call: Vec<String>,
}

impl Roles {
    pub fn get(&self, role: Role) -> Vec<&str> {
        match role {
            Role::Commander => self.commander.iter().map(String::as_str).collect(),
            Role::Operations => self.operations.iter().map(String::as_str).collect(),
            Role::Communications => self.communications.iter().map(String::as_str).collect(),
            Role::Expert => self.experts.iter().map(String::as_str).collect(),
            Role::Custom(key) => self
                .others
                .iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, u)| u.as_str())
                .collect(),
        }
    }

    /// Everyone holding any role, commander first, without repeats.
    pub fn people(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let others = self.others.iter().map(|(k, _)| Role::Custom(*k));
        for role in Role::ALL.into_iter().chain(others) {
            for u in self.get(role) {
                if !out.iter().any(|o| o == u) {
                    out.push(u.to_string());
                }
            }
        }
        out
    }

    pub fn holds(&self, user: &str, role: Role) -> bool {
        self.get(role).contains(&user)
    }
}

/// An incident and what warroom knows of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: IncidentId,
    pub title: UserText,
    pub description: Option<UserText>,
    pub severity: Severity,
    pub status: Status,
    pub private: bool,
    pub channel_id: Option<String>,
    pub channel_name: Option<String>,
    pub headline_ts: Option<String>,
    pub declared_by: String,
    pub declared_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub identified_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub impact_started_at: Option<DateTime<Utc>>,
    pub impact: Option<UserText>,
    pub impact_percent: Option<f64>,
    pub summary: Option<UserText>,
    pub services: Vec<String>,
    /// Labels to find it by (`db`, `eu`): see [`super::tags`].
    pub tags: Vec<String>,
    /// Custom field values by the field's key (see [`super::fields`]).
    pub fields: super::fields::Values,
    /// Its type's key (`security`), if it has one: see [`super::incident_type`].
    pub kind: Option<String>,
    pub source: Option<String>,
    pub postmortem_done_at: Option<DateTime<Utc>>,
    /// When the last formal update was posted.
    pub last_update_at: Option<DateTime<Utc>>,
    /// When the update reminder cadence last fired (the slot it kept).
    pub last_reminder_at: Option<DateTime<Utc>>,
    /// Update reminders sent since the last update.
    pub unanswered_reminders: i64,
    /// Set while a newly assigned commander has not acted on the incident yet.
    pub ic_ack_pending_since: Option<DateTime<Utc>>,
    pub postmortem_reminders: i64,
    /// Why Slack refused to create the channel, while it has none.
    pub channel_error: Option<String>,
    /// Where it was declared (where the declarer is told what went wrong).
    pub origin_channel_id: Option<String>,
    pub roles: Roles,
}

/// Time from declaration to each milestone, where the milestone was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyDurations {
    pub to_acknowledge: Option<Duration>,
    pub to_identify: Option<Duration>,
    pub to_mitigate: Option<Duration>,
    pub to_resolve: Option<Duration>,
}

impl Incident {
    /// A just-declared incident: investigating, no channel, no role, nothing else yet.
    pub fn new(
        id: IncidentId,
        title: UserText,
        severity: Severity,
        declared_by: String,
        declared_at: DateTime<Utc>,
    ) -> Incident {
        Incident {
            id,
            title,
            description: None,
            severity,
            status: Status::Investigating,
            private: false,
            channel_id: None,
            channel_name: None,
            headline_ts: None,
            declared_by,
            declared_at,
            acknowledged_at: None,
            identified_at: None,
            mitigated_at: None,
            resolved_at: None,
            impact_started_at: None,
            impact: None,
            impact_percent: None,
            summary: None,
            services: Vec::new(),
            tags: Vec::new(),
            fields: Default::default(),
            kind: None,
            source: None,
            postmortem_done_at: None,
            last_update_at: None,
            last_reminder_at: None,
            unanswered_reminders: 0,
            ic_ack_pending_since: None,
            postmortem_reminders: 0,
            channel_error: None,
            origin_channel_id: None,
            roles: Roles::default(),
        }
    }

    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }

    pub fn commander(&self) -> Option<&str> {
        self.roles.commander.as_deref()
    }

    /// What the update cadence counts from: the last update, or the declaration.
    pub fn update_anchor(&self) -> DateTime<Utc> {
        self.last_update_at.unwrap_or(self.declared_at)
    }

    /// Where the update cadence counts from: the last update (or the declaration), or
    /// the last reminder if one fired since.
    pub fn reminder_anchor(&self) -> DateTime<Utc> {
        let update = self.update_anchor();
        self.last_reminder_at
            .filter(|r| *r > update)
            .unwrap_or(update)
    }

    /// Durations from `declared_at` to each recorded milestone.
    pub fn key_durations(&self) -> KeyDurations {
        let since = |t: Option<DateTime<Utc>>| t.map(|t| t - self.declared_at);
        KeyDurations {
            to_acknowledge: since(self.acknowledged_at),
            to_identify: since(self.identified_at),
            to_mitigate: since(self.mitigated_at),
            to_resolve: since(self.resolved_at),
        }
    }

    /// How long the incident ran: declared (or first known impact, if earlier) to
    /// resolved, or to `now` while open.
    pub fn duration(&self, now: DateTime<Utc>) -> Duration {
        let end = self.resolved_at.unwrap_or(now);
        end - self.declared_at
    }

    /// Channel topic, e.g. `SEV2 | Investigating | IC @alice`, within Slack's 250 chars.
    /// Topics are plain text: the title is shown as people read it.
    pub fn topic(&self, commander_name: Option<&str>) -> String {
        let ic = match commander_name {
            Some(n) => format!("IC @{n}"),
            None => "IC unassigned".to_string(),
        };
        let t = format!(
            "{} | {} | {} | INC-{} {}",
            self.severity,
            self.status,
            ic,
            self.id.0,
            self.title.plain()
        );
        truncate_chars(&t, 250)
    }
}

/// Two declarations this close together with the same title are likely one: the
/// person is asked before a second incident opens.
pub const DOUBLE_DECLARE: Duration = Duration::seconds(60);

/// True when two titles say the same, whatever the case and spacing.
pub fn same_title(a: &UserText, b: &UserText) -> bool {
    let norm = |t: &UserText| {
        t.plain()
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    norm(a) == norm(b)
}

/// How long before its declaration user impact may be said to have started.
pub const MAX_IMPACT_LEAD: Duration = Duration::days(30);
/// How far back an action item's due date may lie (items filed late, for the record).
pub const MAX_DUE_PAST: Duration = Duration::days(366);
/// How far ahead an action item's due date may lie.
pub const MAX_DUE_AHEAD: Duration = Duration::days(5 * 366);

/// Checks a typed time of something that happened (`what`: "impact start", "note's
/// time"): not in the future, not more than the allowed lead before the declaration.
pub fn check_past_time(
    what: &str,
    declared_at: DateTime<Utc>,
    now: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<(), String> {
    if at > now {
        return Err(format!("The {what} is in the future."));
    }
    let earliest = declared_at - MAX_IMPACT_LEAD;
    if at < earliest {
        return Err(format!(
            "The {what} {} is more than {} days before the incident was declared; give a time after {} UTC.",
            at.format("%Y-%m-%d %H:%M"),
            MAX_IMPACT_LEAD.num_days(),
            earliest.format("%Y-%m-%d %H:%M")
        ));
    }
    Ok(())
}

/// Checks a typed due date: within a year back and five years ahead of `today`.
pub fn check_due(today: chrono::NaiveDate, due: chrono::NaiveDate) -> Result<(), String> {
    let (from, to) = (today - MAX_DUE_PAST, today + MAX_DUE_AHEAD);
    if due < from || due > to {
        return Err(format!(
            "The due date {due} is out of range: give one between {from} and {to}."
        ));
    }
    Ok(())
}

/// Cuts `s` to at most `max` characters, with an ellipsis when cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use chrono::TimeZone;

    pub fn incident() -> Incident {
        Incident {
            roles: Roles {
                commander: Some("U1".into()),
                ..Roles::default()
            },
            ..Incident::new(
                IncidentId(1),
                "API error rate at 12%".into(),
                crate::domain::severity::sev(2),
                "U1".into(),
                Utc.with_ymd_and_hms(2026, 1, 5, 14, 0, 0).unwrap(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::incident;
    use super::*;

    #[test]
    fn topic_matches_the_issue_example_and_fits() {
        let i = incident();
        assert_eq!(
            i.topic(Some("alice")),
            "SEV2 | Investigating | IC @alice | INC-1 API error rate at 12%"
        );
        let mut long = incident();
        long.title = UserText::from_plain(&"x".repeat(400));
        assert_eq!(long.topic(None).chars().count(), 250);
    }

    #[test]
    fn key_durations_only_for_reached_milestones() {
        let mut i = incident();
        i.acknowledged_at = Some(i.declared_at + Duration::minutes(5));
        i.mitigated_at = Some(i.declared_at + Duration::minutes(18));
        i.resolved_at = Some(i.declared_at + Duration::minutes(50));
        let d = i.key_durations();
        assert_eq!(d.to_acknowledge, Some(Duration::minutes(5)));
        assert_eq!(d.to_identify, None);
        assert_eq!(d.to_mitigate, Some(Duration::minutes(18)));
        assert_eq!(d.to_resolve, Some(Duration::minutes(50)));
        assert_eq!(i.duration(i.declared_at), Duration::minutes(50));
    }

    #[test]
    fn the_same_title_whatever_the_spacing() {
        assert!(same_title(&"API  down".into(), &"api down".into()));
        assert!(same_title(
            &"a &amp; b".into(),
            &UserText::from_plain("A & B")
        ));
        assert!(!same_title(&"API down".into(), &"API down again".into()));
    }

    #[test]
    fn typed_times_are_bounded() {
        let i = incident();
        let now = i.declared_at + Duration::hours(1);
        assert!(
            check_past_time(
                "impact start",
                i.declared_at,
                now,
                i.declared_at - Duration::days(3)
            )
            .is_ok()
        );
        assert!(
            check_past_time(
                "impact start",
                i.declared_at,
                now,
                now + Duration::minutes(1)
            )
            .is_err()
        );
        let far = chrono::DateTime::<Utc>::MIN_UTC;
        let e = check_past_time("impact start", i.declared_at, now, far).unwrap_err();
        assert!(e.contains("more than 30 days before"), "{e}");
        let today = now.date_naive();
        assert!(check_due(today, today + Duration::days(14)).is_ok());
        assert!(check_due(today, today - Duration::days(30)).is_ok());
        assert!(check_due(today, chrono::NaiveDate::MAX).is_err());
        assert!(check_due(today, chrono::NaiveDate::MIN).is_err());
    }

    #[test]
    fn roles_people_are_unique_and_ordered() {
        let scribe = super::RoleKey::new("scribe").unwrap();
        let r = Roles {
            commander: Some("a".into()),
            operations: Some("b".into()),
            communications: Some("a".into()),
            experts: vec!["c".into(), "b".into()],
            others: vec![(scribe, "e".into()), (scribe, "c".into())],
            on_call: vec!["d".into()],
        };
        assert_eq!(r.people(), vec!["a", "b", "c", "e"]);
        assert!(r.holds("e", Role::Custom(scribe)));
        assert!(r.holds("c", Role::Expert));
        assert!(!r.holds("c", Role::Commander));
    }
}
