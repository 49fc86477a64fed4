//! What a ticket says: its title, a body of lines (text and links), labels, priority,
//! due date, owner and the state warroom wants it in, drawn from the incident or the
//! action item. Each tracker renders the body its own way (Atlassian Document
//! Format, GitHub Markdown); text a person typed stays text in both.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::Subject;
use crate::domain::command::Priority;
use crate::domain::{ActionItem, Incident};

/// One piece of a body line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Link { text: String, url: String },
}

/// A ticket as warroom wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    pub lines: Vec<Vec<Piece>>,
    pub labels: Vec<String>,
    pub priority: Option<Priority>,
    pub due: Option<NaiveDate>,
    /// The Slack user who owns it.
    pub owner: Option<String>,
    /// The state warroom wants: the incident's status key, or `open` / `done`.
    pub state: String,
    /// Finds the ticket again ([`Subject::marker`]).
    pub marker: String,
}

/// The links an incident's tickets carry.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// The incident's channel in Slack.
    pub channel: Option<String>,
    /// The incident's page.
    pub page: Option<String>,
    /// The postmortem.
    pub postmortem: Option<String>,
}

/// The longest title sent (Jira's summary takes 255 characters).
const TITLE_MAX: usize = 250;

fn title(s: String) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= TITLE_MAX {
        return one_line;
    }
    let mut t: String = one_line.chars().take(TITLE_MAX - 1).collect();
    t.push('…');
    t
}

fn text(s: impl Into<String>) -> Piece {
    Piece::Text(s.into())
}

/// The labels every ticket of `inc` carries: `warroom`, the incident, its severity,
/// the route's own, and the subject's marker.
fn labels(inc: &Incident, extra: &[String], marker: &str) -> Vec<String> {
    let mut l = vec![
        "warroom".to_string(),
        inc.id.to_string(),
        inc.severity.key().to_string(),
    ];
    l.extend(extra.iter().cloned());
    l.push(marker.to_string());
    l.dedup();
    l
}

fn link_lines(links: &Links) -> Vec<Vec<Piece>> {
    let mut out = vec![];
    for (name, url) in [
        ("Slack channel", &links.channel),
        ("Incident page", &links.page),
        ("Postmortem", &links.postmortem),
    ] {
        if let Some(url) = url {
            out.push(vec![
                text(format!("{name}: ")),
                Piece::Link {
                    text: url.clone(),
                    url: url.clone(),
                },
            ]);
        }
    }
    out
}

/// The ticket of the incident itself.
pub fn incident(inc: &Incident, links: &Links, extra_labels: &[String]) -> Draft {
    let marker = Subject::Incident.marker(inc.id);
    let mut lines = vec![
        vec![text(format!(
            "{} {} ({}), {}.",
            inc.id,
            inc.severity,
            inc.severity.label(),
            inc.status.key()
        ))],
        vec![text(format!("Title: {}", inc.title.plain()))],
    ];
    if !inc.services.is_empty() {
        lines.push(vec![text(format!("Services: {}", inc.services.join(", ")))]);
    }
    if let Some(s) = &inc.summary {
        lines.push(vec![text(format!("Summary: {}", s.plain()))]);
    }
    if let Some(s) = &inc.impact {
        lines.push(vec![text(format!("Impact: {}", s.plain()))]);
    }
    lines.push(vec![text(format!(
        "Declared {} UTC.",
        inc.declared_at.format("%Y-%m-%d %H:%M")
    ))]);
    if let Some(r) = inc.resolved_at {
        lines.push(vec![text(format!(
            "Resolved {} UTC.",
            r.format("%Y-%m-%d %H:%M")
        ))]);
    }
    lines.extend(link_lines(links));
    Draft {
        title: title(format!("[{}] {}", inc.id, inc.title.plain())),
        lines,
        labels: labels(inc, extra_labels, &marker),
        priority: None,
        due: None,
        owner: None,
        state: inc.status.key().to_string(),
        marker,
    }
}

/// The ticket of action item `item` of `inc`.
pub fn action(inc: &Incident, item: &ActionItem, links: &Links, extra_labels: &[String]) -> Draft {
    let marker = Subject::Action(item.seq).marker(inc.id);
    let mut lines = vec![
        vec![text(item.text.plain())],
        vec![text(format!(
            "Action item #{} of {} ({}): {}",
            item.seq,
            inc.id,
            inc.severity,
            inc.title.plain()
        ))],
    ];
    let mut facts = vec![];
    if let Some(p) = item.priority {
        facts.push(format!("priority {}", p.key()));
    }
    if let Some(d) = item.due {
        facts.push(format!("due {d}"));
    }
    if !facts.is_empty() {
        lines.push(vec![text(format!("Recorded with {}.", facts.join(", ")))]);
    }
    lines.extend(link_lines(&Links {
        postmortem: None,
        ..links.clone()
    }));
    Draft {
        title: title(format!(
            "{} action {}: {}",
            inc.id,
            item.seq,
            item.text.plain()
        )),
        lines,
        labels: labels(inc, extra_labels, &marker),
        priority: item.priority,
        due: item.due,
        owner: item.owner.clone(),
        state: if item.done { "done" } else { "open" }.to_string(),
        marker,
    }
}

impl Draft {
    /// A digest of what an update would send (title and body), to skip an update
    /// that would change nothing.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.title.as_bytes());
        for line in &self.lines {
            h.update(b"\n");
            for p in line {
                match p {
                    Piece::Text(t) => h.update(t.as_bytes()),
                    Piece::Link { text, url } => {
                        h.update(text.as_bytes());
                        h.update(b"\x00");
                        h.update(url.as_bytes());
                    }
                }
            }
        }
        for l in &self.labels {
            h.update(b"\x01");
            h.update(l.as_bytes());
        }
        if let Some(d) = self.due {
            h.update(d.to_string().as_bytes());
        }
        hex::encode(&h.finalize()[..12])
    }

    /// True when the state wanted closes the ticket.
    pub fn closed(&self) -> bool {
        matches!(self.state.as_str(), "resolved" | "done")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserText;

    fn inc() -> Incident {
        let mut i = crate::domain::incident::fixtures::incident();
        i.title = UserText::from_plain("API *error* rate <at> 12% @here");
        i
    }

    #[test]
    fn a_title_is_one_line_and_bounded() {
        let mut i = inc();
        i.title = UserText::from_plain(&format!("a\nb{}", "x".repeat(400)));
        let d = incident(&i, &Links::default(), &[]);
        assert!(!d.title.contains('\n'));
        assert_eq!(d.title.chars().count(), TITLE_MAX);
        assert!(d.title.ends_with('…'));
    }

    #[test]
    fn an_action_carries_its_owner_due_date_priority_and_labels() {
        let i = inc();
        let item = ActionItem {
            incident: i.id,
            seq: 3,
            text: UserText::from_plain("add a connection-pool alarm"),
            owner: Some("U2".into()),
            priority: Some(Priority::P1),
            due: NaiveDate::from_ymd_opt(2026, 12, 24),
            done: false,
            created_by: "U1".into(),
            created_at: i.declared_at,
            done_at: None,
            ticket: None,
        };
        let d = action(&i, &item, &Links::default(), &["team-api".into()]);
        assert_eq!(
            d.title,
            format!("{} action 3: add a connection-pool alarm", i.id)
        );
        assert_eq!(d.owner.as_deref(), Some("U2"));
        assert_eq!(d.state, "open");
        assert_eq!(
            d.labels,
            vec![
                "warroom".to_string(),
                i.id.to_string(),
                i.severity.key().to_string(),
                "team-api".into(),
                format!("warroom-inc-{}-action-3", i.id.0)
            ]
        );
        let done = action(
            &i,
            &ActionItem { done: true, ..item },
            &Links::default(),
            &[],
        );
        assert!(done.closed());
        assert_ne!(d.fingerprint(), done.fingerprint());
    }

    #[test]
    fn the_fingerprint_follows_the_text_and_links() {
        let i = inc();
        let a = incident(&i, &Links::default(), &[]);
        let b = incident(
            &i,
            &Links {
                postmortem: Some("https://w/p/1".into()),
                ..Links::default()
            },
            &[],
        );
        assert_eq!(
            a.fingerprint(),
            incident(&i, &Links::default(), &[]).fingerprint()
        );
        assert_ne!(a.fingerprint(), b.fingerprint());
    }
}
