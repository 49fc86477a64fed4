//! What a postmortem draft says, worked out from the incident record alone: impact
//! window and error budget, key durations, phases, notes filed by heading, facts for
//! "went well / poorly", and notes whose wording reads as blame. Pure: the renderers
//! turn it into Markdown, HTML and SVG.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::domain::ActionItem;
use crate::domain::command::NoteKind;
use crate::domain::error_budget::{self, Consumption, Slo};
use crate::domain::timeline::{BOT_ACTOR, Entry, EntryKind};
use crate::domain::{Incident, Role, Status, UserText};

/// Everything a draft is built from.
pub struct Inputs<'a> {
    pub incident: &'a Incident,
    pub entries: &'a [Entry],
    pub actions: &'a [ActionItem],
    /// Action items still open from earlier incidents on the same services.
    pub earlier: &'a [ActionItem],
    pub slos: &'a [Slo],
    /// User ID → display name, where known.
    pub names: &'a BTreeMap<String, String>,
    /// Role key → its configured name.
    pub role_names: &'a BTreeMap<String, String>,
    /// The configured custom fields (the incident's values are shown by them).
    pub fields: &'a crate::domain::fields::FieldBook,
    pub blame_phrases: &'a [String],
    pub generated_at: DateTime<Utc>,
    pub version: i64,
}

/// One stretch of the incident in one state.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub status: Status,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A note whose wording may read as blame.
#[derive(Debug, Clone, PartialEq)]
pub struct BlameFlag {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub phrase: String,
    pub text: UserText,
}

/// The worked-out content of a draft.
#[derive(Debug, Clone)]
pub struct Facts {
    pub impact_start: DateTime<Utc>,
    /// Mitigation (monitoring), or resolution when it never went through monitoring.
    pub impact_end: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub consumption: Vec<Consumption>,
    pub phases: Vec<Phase>,
    pub notes: BTreeMap<&'static str, Vec<Entry>>,
    pub updates: usize,
    pub reminders: usize,
    pub escalations: usize,
    pub participants: Vec<String>,
    pub went_well: Vec<String>,
    pub went_poorly: Vec<String>,
    pub blame: Vec<BlameFlag>,
}

/// The state a status entry (`Investigating → Identified`) moved to.
fn moved_to(text: &str) -> Option<Status> {
    let (_, to) = text.split_once('→')?;
    Status::parse(to.trim()).ok()
}

/// The incident's phases, from declaration to resolution (or `now`).
pub fn phases(inc: &Incident, entries: &[Entry], now: DateTime<Utc>) -> Vec<Phase> {
    let end = inc.resolved_at.unwrap_or(now);
    let mut changes: Vec<(DateTime<Utc>, Status)> = vec![(inc.declared_at, Status::Investigating)];
    for e in entries {
        let to = match e.kind {
            EntryKind::Status => moved_to(&e.text.plain()),
            EntryKind::Resolved => Some(Status::Resolved),
            EntryKind::Reopened => Some(Status::Investigating),
            _ => None,
        };
        if let Some(to) = to {
            changes.push((e.at, to));
        }
    }
    let mut out: Vec<Phase> = Vec::new();
    for (i, (at, status)) in changes.iter().enumerate() {
        let next = changes.get(i + 1).map(|(t, _)| *t).unwrap_or(end);
        // The final resolution ends the picture; an earlier one that was reopened
        // lasted until the reopening.
        if *status == Status::Resolved && i + 1 == changes.len() {
            break;
        }
        let start = (*at).min(end);
        let stop = next.min(end).max(start);
        match out.last_mut() {
            Some(last) if last.status == *status => last.end = stop,
            _ => out.push(Phase {
                status: *status,
                start,
                end: stop,
            }),
        }
    }
    out.retain(|p| p.end > p.start || p.status != Status::Resolved);
    out
}

/// Display name for a user ID.
pub fn name(names: &BTreeMap<String, String>, id: &str) -> String {
    if id == BOT_ACTOR {
        return "warroom".into();
    }
    format!("@{}", names.get(id).map(String::as_str).unwrap_or(id))
}

/// True when `text` holds `phrase` as whole words, ignoring case: "fault" is not in
/// "default", nor "blame" in "blameless".
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.replace('\u{2019}', "'")
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (t, p) = (words(text), words(phrase));
    !p.is_empty() && t.windows(p.len()).any(|w| w == p.as_slice())
}

/// Works out the draft's facts.
pub fn facts(i: &Inputs) -> Facts {
    let inc = i.incident;
    let impact_start = inc.impact_started_at.unwrap_or(inc.declared_at);
    let impact_end = inc
        .mitigated_at
        .or(inc.resolved_at)
        .unwrap_or(i.generated_at);
    let impact = (impact_end - impact_start).max(Duration::zero());
    let counts = Counts::of(i.entries);
    let (went_well, went_poorly) = response_facts(i, &counts);
    Facts {
        impact_start,
        impact_end,
        end: inc.resolved_at.unwrap_or(i.generated_at),
        consumption: consumption(i, impact),
        phases: phases(inc, i.entries, i.generated_at),
        notes: filed_notes(i.entries),
        updates: counts.updates,
        reminders: counts.reminders,
        escalations: counts.escalations,
        participants: participants(inc, i.entries),
        went_well,
        went_poorly,
        blame: blame_flags(i),
    }
}

/// The error budget the impact consumed, per SLO of an affected service; none when
/// no percentage of affected requests was recorded.
fn consumption(i: &Inputs, impact: Duration) -> Vec<Consumption> {
    let inc = i.incident;
    let Some(p) = inc.impact_percent else {
        return vec![];
    };
    i.slos
        .iter()
        .filter(|s| {
            inc.services
                .iter()
                .any(|svc| svc.eq_ignore_ascii_case(&s.service))
        })
        .map(|s| error_budget::consumed(s, impact, p / 100.0))
        .collect()
}

/// Notes filed under a heading (cause, factor, went-well…), by heading; plain notes
/// stay in the timeline only.
fn filed_notes(entries: &[Entry]) -> BTreeMap<&'static str, Vec<Entry>> {
    let mut notes: BTreeMap<&'static str, Vec<Entry>> = BTreeMap::new();
    for e in entries {
        if let EntryKind::Note(k) = e.kind
            && k != NoteKind::Plain
        {
            notes.entry(k.key()).or_default().push(e.clone());
        }
    }
    notes
}

/// How often warroom and the responders did what the response is judged by.
struct Counts {
    updates: usize,
    /// Reminders of a late update (not the other reminders warroom sends).
    reminders: usize,
    escalations: usize,
}

impl Counts {
    fn of(entries: &[Entry]) -> Counts {
        let count = |k: EntryKind| entries.iter().filter(|e| e.kind == k).count();
        Counts {
            updates: count(EntryKind::Update),
            reminders: entries
                .iter()
                .filter(|e| {
                    e.kind == EntryKind::Reminder && e.text.stored().starts_with("Update reminder")
                })
                .count(),
            escalations: count(EntryKind::Escalation),
        }
    }
}

/// Role holders first, then everyone else who appears in the record, in order.
fn participants(inc: &Incident, entries: &[Entry]) -> Vec<String> {
    let mut participants: Vec<String> = inc.roles.people();
    for e in entries {
        if e.actor != BOT_ACTOR && e.actor != "unknown" && !participants.contains(&e.actor) {
            participants.push(e.actor.clone());
        }
    }
    participants
}

/// How the response went, as far as the record shows: what went well, and what went
/// poorly.
fn response_facts(i: &Inputs, c: &Counts) -> (Vec<String>, Vec<String>) {
    let inc = i.incident;
    let (mut went_well, mut went_poorly) = (Vec::new(), Vec::new());
    let d = inc.key_durations();
    if let Some((on_time, text)) = d.to_acknowledge.and_then(|ack| acknowledgement(inc, ack)) {
        if on_time {
            went_well.push(text)
        } else {
            went_poorly.push(text)
        }
    }
    if let Some(m) = d.to_mitigate {
        went_well.push(format!(
            "Impact mitigated {} after declaration.",
            crate::domain::duration::human(m)
        ));
    }
    if c.updates > 0 {
        went_well.push(format!(
            "{} formal status update{} posted in the incident channel.",
            c.updates,
            if c.updates == 1 { "" } else { "s" }
        ));
    }
    if c.reminders > 0 {
        went_poorly.push(format!(
            "Updates ran late: warroom sent {} update reminder{} before the next update was posted.",
            c.reminders,
            if c.reminders == 1 { "" } else { "s" }
        ));
    }
    if c.escalations > 0 {
        went_poorly.push(format!(
            "warroom escalated {} time{} (unanswered reminders or no acknowledgement).",
            c.escalations,
            if c.escalations == 1 { "" } else { "s" }
        ));
    }
    if i.entries.iter().any(|e| e.kind == EntryKind::Reopened) {
        went_poorly.push("The incident was reopened after being resolved.".into());
    }
    (went_well, went_poorly)
}

/// How soon the incident was acknowledged, and whether that met its severity's
/// response target; None for a severity without one.
fn acknowledgement(inc: &Incident, ack: Duration) -> Option<(bool, String)> {
    let target = inc.severity.level().respond_within?;
    let when = if ack < Duration::minutes(1) {
        "on declaration (the declarer took command)".to_string()
    } else {
        format!("{} after declaration", crate::domain::duration::human(ack))
    };
    let text = format!(
        "Acknowledged {when}; the response target for {} is {}.",
        inc.severity,
        inc.severity.response_time()
    );
    Some((ack <= target, text))
}

/// Notes, messages and updates whose wording holds one of the blame phrases, with the
/// first phrase found.
fn blame_flags(i: &Inputs) -> Vec<BlameFlag> {
    let mut blame = Vec::new();
    for e in i.entries {
        if !matches!(
            e.kind,
            EntryKind::Note(_)
                | EntryKind::Message
                | EntryKind::Update
                | EntryKind::External
                | EntryKind::Resolved
                | EntryKind::Impact
        ) {
            continue;
        }
        if let Some(p) = i
            .blame_phrases
            .iter()
            .find(|p| contains_phrase(&e.text.plain(), p))
        {
            blame.push(BlameFlag {
                at: e.at,
                actor: e.actor.clone(),
                phrase: p.clone(),
                text: e.text.clone(),
            });
        }
    }
    blame
}

/// Who held which role, for the draft.
pub fn role_lines(
    inc: &Incident,
    names: &BTreeMap<String, String>,
    role_names: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let mut added: Vec<Role> = Vec::new();
    for (k, _) in &inc.roles.others {
        if !added.contains(&Role::Custom(*k)) {
            added.push(Role::Custom(*k));
        }
    }
    // The seed's four always (an empty one shows "—"); added ones where held.
    Role::ALL
        .iter()
        .chain(&added)
        .map(|r| {
            let holders = inc.roles.get(*r);
            let v = if holders.is_empty() {
                "—".to_string()
            } else {
                holders
                    .iter()
                    .map(|u| name(names, u))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let label = role_names
                .get(r.key())
                .cloned()
                .unwrap_or_else(|| r.to_string());
            (label, v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::fixtures::incident;

    fn entry(min: i64, kind: EntryKind, text: &str) -> Entry {
        let t0 = incident().declared_at;
        Entry {
            at: t0 + Duration::minutes(min),
            actor: "U1".into(),
            kind,
            text: text.into(),
        }
    }

    #[test]
    fn phases_follow_status_changes_and_reopenings() {
        let mut inc = incident();
        inc.resolved_at = Some(inc.declared_at + Duration::minutes(50));
        let entries = vec![
            entry(7, EntryKind::Status, "Investigating → Identified"),
            entry(18, EntryKind::Status, "Identified → Monitoring"),
            entry(30, EntryKind::Resolved, "Resolved after 30 min: x"),
            entry(35, EntryKind::Reopened, "Reopened"),
            entry(50, EntryKind::Resolved, "Resolved after 50 min: y"),
        ];
        let p = phases(&inc, &entries, inc.declared_at + Duration::hours(5));
        let got: Vec<(Status, i64, i64)> = p
            .iter()
            .map(|p| {
                (
                    p.status,
                    (p.start - inc.declared_at).num_minutes(),
                    (p.end - inc.declared_at).num_minutes(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (Status::Investigating, 0, 7),
                (Status::Identified, 7, 18),
                (Status::Monitoring, 18, 30),
                (Status::Resolved, 30, 35),
                (Status::Investigating, 35, 50),
            ]
        );
    }

    #[test]
    fn blame_phrases_match_whole_words() {
        assert!(contains_phrase("It was Bob's fault.", "fault"));
        assert!(contains_phrase("Bob SHOULD HAVE tested it", "should have"));
        assert!(!contains_phrase(
            "The column was added without a default",
            "fault"
        ));
        assert!(!contains_phrase("a blameless review", "blame"));
        assert!(!contains_phrase("should  not have", "should have"));
        assert!(!contains_phrase("anything", ""));
        assert!(contains_phrase(
            "we shouldn\u{2019}t have shipped",
            "shouldn't have"
        ));
    }

    #[test]
    fn blame_is_flagged_not_changed() {
        let inc = incident();
        let entries = vec![
            entry(
                5,
                EntryKind::Note(NoteKind::Plain),
                "Bob should have tested the migration",
            ),
            entry(
                6,
                EntryKind::Note(NoteKind::Factor),
                "CI lacks migration tests",
            ),
        ];
        let names = BTreeMap::new();
        let phrases = vec!["should have".to_string()];
        let i = Inputs {
            incident: &inc,
            entries: &entries,
            actions: &[],
            earlier: &[],
            slos: &[],
            names: &names,
            role_names: &names,
            fields: &Default::default(),
            blame_phrases: &phrases,
            generated_at: inc.declared_at,
            version: 1,
        };
        let f = facts(&i);
        assert_eq!(f.blame.len(), 1);
        assert_eq!(
            f.blame[0].text,
            "Bob should have tested the migration".into()
        );
        assert_eq!(f.notes["factor"].len(), 1);
    }
}
