//! Pages to someone in particular (`/incident page`, an escalation): to a team
//! (`[[paging.targets]]`) or a person, through PagerDuty (a REST incident assigned
//! to the team's escalation policy or to the person) or Opsgenie (an alert with the
//! team or the person as responder). Each page is its own job and its own
//! PagerDuty incident / Opsgenie alias, keyed by the job, so a retry never pages
//! twice; they are closed when the warroom incident resolves. The timeline entry
//! that records a page names what to close ([`PageRef`]).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Provider;
use super::opsgenie::{self, MAX_MESSAGE, Responder};
use crate::domain::Incident;
use crate::domain::ids::mention;

/// Whom a page is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Recipient {
    /// A `[[paging.targets]]` entry, by name.
    Team(String),
    /// A Slack user.
    User(String),
}

impl Recipient {
    /// How the timeline and the channel name it.
    pub fn describe(&self) -> String {
        match self {
            Recipient::Team(t) => format!("`{t}`"),
            Recipient::User(u) => mention(u),
        }
    }
}

/// One page job's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageTo {
    pub incident: i64,
    pub provider: String,
    pub to: Recipient,
    /// Plain text (empty: the incident's title speaks for itself).
    #[serde(default)]
    pub message: String,
    pub by: String,
}

impl PageTo {
    pub fn provider(&self) -> Option<Provider> {
        Provider::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(&self.provider))
    }
}

/// The PagerDuty incident key of page job `job`.
pub fn pagerduty_key(inc: &Incident, job: i64) -> String {
    format!("warroom/{}/page/{job}", inc.id)
}

/// The Opsgenie alias of page job `job`.
pub fn opsgenie_alias(inc: &Incident, job: i64) -> String {
    format!("{}-page-{job}", opsgenie::alias(inc))
}

/// The Opsgenie create-alert body of a page to `responder`.
pub fn opsgenie_body(
    inc: &Incident,
    alias: &str,
    responder: &Responder,
    message: &str,
    link: Option<&str>,
) -> Value {
    let text = if message.is_empty() {
        inc.title.plain()
    } else {
        message.to_string()
    };
    let short: String = format!("{} {}: {text}", inc.id, inc.severity)
        .chars()
        .take(MAX_MESSAGE)
        .collect();
    let mut description = format!("{} ({}): {}", inc.id, inc.severity, inc.title.plain());
    if let Some(url) = link {
        description.push_str(&format!("\n{url}"));
    }
    json!({
        "message": short,
        "alias": alias,
        "description": description,
        "priority": opsgenie::priority(inc.severity),
        "responders": [responder.to_json()],
        "tags": ["warroom", inc.severity.key(), "page"],
        "source": "warroom",
        "details": {"incident": inc.id.to_string()},
    })
}

/// Something a page opened elsewhere, to close with the incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRef {
    PagerDutyIncident(String),
    OpsgenieAlias(String),
}

/// How a recorded page names what it opened.
pub fn ref_text(r: &PageRef) -> String {
    match r {
        PageRef::PagerDutyIncident(id) => format!("PagerDuty incident `{id}`"),
        PageRef::OpsgenieAlias(a) => format!("Opsgenie alias `{a}`"),
    }
}

/// What a recorded page's text says it opened: only the parenthesis right after
/// "through `<provider>`" counts, as warroom wrote it (whom it paged comes before, a
/// person's message after).
pub fn refs_in(text: &str) -> Vec<PageRef> {
    let Some((_, after)) = text.split_once(" through ") else {
        return vec![];
    };
    let Some(group) = after
        .split_once(' ')
        .and_then(|(_, rest)| rest.strip_prefix('('))
        .and_then(|rest| rest.split_once(')'))
        .map(|(group, _)| group)
    else {
        return vec![];
    };
    let text = group;
    let mut out = Vec::new();
    for (label, make) in [
        (
            "PagerDuty incident `",
            PageRef::PagerDutyIncident as fn(String) -> PageRef,
        ),
        ("Opsgenie alias `", PageRef::OpsgenieAlias),
    ] {
        let mut rest = text;
        while let Some(i) = rest.find(label) {
            rest = &rest[i + label.len()..];
            if let Some(end) = rest.find('`') {
                let id = &rest[..end];
                if !id.is_empty()
                    && id.len() <= 120
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    out.push(make(id.to_string()));
                }
                rest = &rest[end..];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IncidentId;

    #[test]
    fn refs_are_read_back_from_what_was_recorded() {
        let pd = PageRef::PagerDutyIncident("Q1ABC".into());
        let og = PageRef::OpsgenieAlias("warroom-INC-4-page-9".into());
        let text = format!(
            "Paged `database` through PagerDuty ({}): lag",
            ref_text(&pd)
        );
        assert_eq!(refs_in(&text), vec![pd]);
        let text = format!("Paged <@U1> through Opsgenie ({}) for <@U2>", ref_text(&og));
        assert_eq!(refs_in(&text), vec![og]);
        // A message cannot smuggle in something to close.
        assert!(refs_in("Paged `db` through Opsgenie: see PagerDuty incident `QEVIL`").is_empty());
        assert!(refs_in("Paged `db` through PagerDuty (PagerDuty incident `a/b`)").is_empty());
        assert!(
            refs_in("Paged `db` through PagerDuty for <@U1>: (PagerDuty incident `QEVIL`)")
                .is_empty()
        );
        assert!(refs_in("Paged PagerDuty (critical alert, dedup key `warroom/INC-1`)").is_empty());
        assert!(refs_in("PagerDuty incident `").is_empty());
    }

    #[test]
    fn keys_and_bodies_name_the_incident_and_the_job() {
        let inc = Incident::new(
            IncidentId(4),
            "DB down".into(),
            crate::domain::severity::sev(1),
            "U1".into(),
            chrono::Utc::now(),
        );
        assert_eq!(pagerduty_key(&inc, 9), "warroom/INC-4/page/9");
        assert_eq!(opsgenie_alias(&inc, 9), "warroom-INC-4-page-9");
        let b = opsgenie_body(&inc, "a", &Responder::Team("dba".into()), "", None);
        assert_eq!(b["message"], "INC-4 SEV1: DB down");
        assert_eq!(b["priority"], "P1");
        assert_eq!(b["responders"][0]["name"], "dba");
        let payload = PageTo {
            incident: 4,
            provider: "PagerDuty".into(),
            to: Recipient::User("U1".into()),
            message: String::new(),
            by: "U2".into(),
        };
        let back: PageTo = serde_json::from_value(serde_json::to_value(&payload).unwrap()).unwrap();
        assert_eq!(back.provider(), Some(Provider::PagerDuty));
        assert_eq!(back.to.describe(), "<@U1>");
    }
}
