//! Atlassian Statuspage's Manage API, the parts warroom uses: an incident created
//! with the first external update (`POST /pages/{page}/incidents`), then updated
//! with each next one (`PATCH …/incidents/{id}`: status, body and component
//! statuses add an incident update). Statuspage has no idempotency key, so the
//! warroom incident is named in `metadata` and looked for among the page's
//! unresolved incidents (`GET …/incidents/unresolved`; its `q` search does not read
//! metadata) before creating, in case an earlier attempt got through unanswered. Requests are
//! built and answers read here (pure); `app::statuspage` sends them.

use serde_json::{Map, Value, json};

use super::{ComponentConfig, ExternalUpdate};

/// Statuspage's bound on an incident's name.
pub const MAX_NAME: usize = 255;
/// Statuspage's bound on an update's body.
pub const MAX_BODY: usize = 25_000;

/// The `Authorization` header.
pub fn authorization(key: &str) -> String {
    format!("OAuth {key}")
}

/// The `metadata` that names the warroom incident (`INC-42`).
pub fn metadata(incident: &str) -> Value {
    json!({"warroom": {"incident": incident}})
}

/// The incident body of a create or an update: name, status, body, the components
/// that have a Statuspage ID, and the warroom reference.
pub fn incident_body(
    u: &ExternalUpdate,
    incident: &str,
    components: &[ComponentConfig],
    deliver_notifications: bool,
) -> Value {
    let mut states = Map::new();
    let mut ids = Vec::new();
    for (name, state) in &u.components {
        if let Some(c) = components
            .iter()
            .find(|c| c.name == *name && !c.statuspage_id.is_empty())
        {
            states.insert(c.statuspage_id.clone(), json!(state.key()));
            ids.push(json!(c.statuspage_id));
        }
    }
    json!({"incident": {
        "name": u.title.chars().take(MAX_NAME).collect::<String>(),
        "status": u.status.key(),
        "body": u.body.chars().take(MAX_BODY).collect::<String>(),
        "component_ids": ids,
        "components": states,
        "deliver_notifications": deliver_notifications,
        "metadata": metadata(incident),
    }})
}

/// The created or updated incident's ID.
pub fn incident_id(v: &Value) -> Option<String> {
    v["id"]
        .as_str()
        .or(v["incident"]["id"].as_str())
        .filter(|id| is_safe_id(id))
        .map(str::to_string)
}

/// In a `GET …/incidents?q=` answer, the incident whose metadata names `incident`.
pub fn find_linked(v: &Value, incident: &str) -> Option<String> {
    v.as_array()?.iter().find_map(|i| {
        (i["metadata"]["warroom"]["incident"].as_str() == Some(incident))
            .then(|| {
                i["id"]
                    .as_str()
                    .filter(|id| is_safe_id(id))
                    .map(str::to_string)
            })
            .flatten()
    })
}

/// True when `id` can go into a URL path as it is.
pub fn is_safe_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::public::{ComponentState, PublicStatus};

    #[test]
    fn the_body_names_components_by_their_statuspage_ids() {
        let comps = vec![
            ComponentConfig {
                name: "API".into(),
                statuspage_id: "k7f2m9x1q4ab".into(),
                ..ComponentConfig::default()
            },
            ComponentConfig {
                name: "Web".into(),
                ..ComponentConfig::default()
            },
        ];
        let u = ExternalUpdate {
            id: 1,
            incident: 42,
            status: PublicStatus::Identified,
            title: "Checkout errors".into(),
            body: "We know why.".into(),
            components: vec![
                ("API".into(), ComponentState::PartialOutage),
                ("Web".into(), ComponentState::DegradedPerformance),
            ],
            posted_by: "U1".into(),
            posted_at: chrono::Utc::now(),
        };
        let b = incident_body(&u, "INC-42", &comps, true);
        let i = &b["incident"];
        assert_eq!(i["status"], "identified");
        assert_eq!(i["components"], json!({"k7f2m9x1q4ab": "partial_outage"}));
        assert_eq!(i["component_ids"], json!(["k7f2m9x1q4ab"]));
        assert_eq!(i["metadata"]["warroom"]["incident"], "INC-42");
    }

    #[test]
    fn a_lost_create_is_found_by_its_metadata() {
        let v = json!([{"id": "a1", "metadata": {}}, {"id": "b2", "metadata": {"warroom": {"incident": "INC-4"}}}]);
        assert_eq!(find_linked(&v, "INC-4").as_deref(), Some("b2"));
        assert_eq!(find_linked(&v, "INC-5"), None);
        assert!(is_safe_id("p3nq8v2c7r0d") && !is_safe_id("../x") && !is_safe_id(""));
    }
}
