//! The status page's JSON, in exactly the shapes of Atlassian Statuspage's public API
//! (`/api/v2/summary.json`, `/api/v2/status.json`; ALERTING.md §8), so that existing
//! clients and aggregators read warroom's page as they read any Statuspage page. Every
//! key of Statuspage's objects is present: `null` where warroom has no value, `[]` for an
//! empty list.
//!
//! IDs are stable strings: a component's is a hash of its configured name, the page's a
//! hash of its public URL, an incident's is warroom's incident number, an update's its
//! row ID. Times are RFC 3339 in UTC with `Z`.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::derive::{self, Overall};
use super::{ComponentState, PublicIncident, PublicStatus, StatusView};

/// `summary.json`: the page, its status, every component, the unresolved incidents
/// (newest first) and no scheduled maintenances.
pub fn summary(view: &StatusView) -> Value {
    let current = derive::current_states(view);
    let overall = derive::overall(view, &current);
    let mut open: Vec<&PublicIncident> = view.incidents.iter().filter(|i| i.is_open()).collect();
    open.sort_by_key(|i| std::cmp::Reverse((i.created_at(), i.id)));
    json!({
        "page": page(view),
        "status": status_object(overall),
        "components": components(view, &current),
        "incidents": open.into_iter().map(|i| incident(view, i, &current)).collect::<Vec<_>>(),
        "scheduled_maintenances": [],
    })
}

/// `status.json`: the page and its overall status.
pub fn status(view: &StatusView) -> Value {
    let current = derive::current_states(view);
    json!({
        "page": page(view),
        "status": status_object(derive::overall(view, &current)),
    })
}

/// A component's ID: the first 12 hex digits of the SHA-256 of its configured name, so
/// it survives restarts and reordering (and changes only when the name does).
pub fn component_id(name: &str) -> String {
    short_hash(name)
}

/// The page's ID: a hash of its public URL.
pub fn page_id(view: &StatusView) -> String {
    short_hash(base(view))
}

fn short_hash(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    hex::encode(&digest[..6])
}

fn base(view: &StatusView) -> &str {
    view.base_url.trim_end_matches('/')
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// When the page last changed: its newest update, else now.
fn page_updated_at(view: &StatusView) -> chrono::DateTime<chrono::Utc> {
    view.incidents
        .iter()
        .filter_map(|i| i.latest().map(|u| u.posted_at))
        .max()
        .unwrap_or(view.now)
}

fn page(view: &StatusView) -> Value {
    json!({
        "id": page_id(view),
        "name": view.page_name,
        "url": base(view),
        "time_zone": "Etc/UTC",
        "updated_at": time(page_updated_at(view)),
    })
}

fn status_object(overall: Overall) -> Value {
    json!({"indicator": overall.indicator.key(), "description": overall.description})
}

/// Every configured component, in configuration order. Warroom does not record when a
/// component was created or last changed, so `created_at` and `updated_at` are the first
/// and last updates in view that changed or named it, else the page's `updated_at`.
fn components(view: &StatusView, current: &[ComponentState]) -> Vec<Value> {
    let page_id = page_id(view);
    let fallback = page_updated_at(view);
    let mut seen: Vec<Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>> =
        vec![None; view.components.len()];
    for inc in &view.incidents {
        for (i, u) in inc.updates.iter().enumerate() {
            for c in changes(view, inc, i) {
                let s = &mut seen[c.index];
                *s = Some(s.map_or((u.posted_at, u.posted_at), |(a, b)| {
                    (a.min(u.posted_at), b.max(u.posted_at))
                }));
            }
        }
    }
    view.components
        .iter()
        .zip(current)
        .zip(seen)
        .enumerate()
        .map(|(i, ((c, state), seen))| {
            let (created, updated) = seen.unwrap_or((fallback, fallback));
            json!({
                "id": component_id(&c.name),
                "name": c.name,
                "status": state.key(),
                "created_at": time(created),
                "updated_at": time(updated),
                "position": i + 1,
                "description": (!c.description.is_empty()).then_some(c.description.as_str()),
                "showcase": true,
                "start_date": null,
                "group_id": null,
                "page_id": page_id,
                "group": false,
                "only_show_if_degraded": false,
            })
        })
        .collect()
}

fn incident(view: &StatusView, inc: &PublicIncident, current: &[ComponentState]) -> Value {
    let id = inc.id.to_string();
    let created = inc.created_at().unwrap_or(view.now);
    let updated = inc.latest().map_or(created, |u| u.posted_at);
    let monitoring = inc
        .updates
        .iter()
        .find(|u| u.status == PublicStatus::Monitoring)
        .map(|u| time(u.posted_at));
    let updates: Vec<Value> = (0..inc.updates.len())
        .rev()
        .map(|i| update(view, inc, i))
        .collect();
    let components: Vec<Value> = view
        .components
        .iter()
        .zip(current)
        .filter(|(c, _)| {
            inc.updates
                .iter()
                .any(|u| u.components.iter().any(|(n, _)| *n == c.name))
        })
        .map(|(c, s)| json!({"id": component_id(&c.name), "name": c.name, "status": s.key()}))
        .collect();
    json!({
        "id": id,
        "name": inc.name(),
        "status": inc.status().key(),
        "impact": inc.impact.key(),
        "created_at": time(created),
        "updated_at": time(updated),
        "monitoring_at": monitoring,
        "resolved_at": inc.resolved_at().map(time),
        "started_at": time(created),
        "page_id": page_id(view),
        "shortlink": format!("{}/incidents/{id}", base(view)),
        "incident_updates": updates,
        "components": components,
    })
}

fn update(view: &StatusView, inc: &PublicIncident, i: usize) -> Value {
    let u = &inc.updates[i];
    let at = time(u.posted_at);
    let affected: Vec<Value> = changes(view, inc, i)
        .into_iter()
        .map(|c| {
            let name = &view.components[c.index].name;
            json!({
                "code": component_id(name),
                "name": name,
                "old_status": c.old.key(),
                "new_status": c.new.key(),
            })
        })
        .collect();
    json!({
        "id": u.id.to_string(),
        "status": u.status.key(),
        "body": u.body,
        "incident_id": inc.id.to_string(),
        "created_at": at,
        "updated_at": at,
        "display_at": at,
        "affected_components": affected,
        "deliver_notifications": true,
        "custom_tweet": null,
        "tweet_id": null,
    })
}

/// What update `i` of an incident did to a configured component.
struct Change {
    index: usize,
    old: ComponentState,
    new: ComponentState,
}

/// The components update `i` names (in its order), then those whose state it ended; each
/// with the state the incident held for it before the update and the state after (see
/// `derive::held`: a component the update does not name goes back to operational).
fn changes(view: &StatusView, inc: &PublicIncident, i: usize) -> Vec<Change> {
    let u = &inc.updates[i];
    let prev = i.checked_sub(1).and_then(|p| inc.updates.get(p));
    let before =
        |name: &str| prev.map_or(ComponentState::Operational, |p| derive::held_state(p, name));
    let named = u.components.iter().map(|(n, _)| n.as_str());
    let ended = prev
        .map(derive::held)
        .unwrap_or_default()
        .iter()
        .filter(|(n, s)| {
            *s != ComponentState::Operational && !u.components.iter().any(|(m, _)| m == n)
        })
        .map(|(n, _)| n.as_str());
    let mut out: Vec<Change> = Vec::new();
    for name in named.chain(ended) {
        let Some(index) = view.components.iter().position(|c| c.name == name) else {
            continue;
        };
        if out.iter().any(|c| c.index == index) {
            continue;
        }
        out.push(Change {
            index,
            old: before(name),
            new: derive::held_state(u, name),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::public::fixture::{POSTER, view};

    /// ALERTING.md §8's example, verbatim: the shapes to match key for key.
    const EXAMPLE: &str = r#"
{"page": {"id": "wr0000000001", "name": "Acme", "url": "https://status.acme.example", "time_zone": "Etc/UTC",
          "updated_at": "2026-03-02T10:20:11Z"},
 "status": {"indicator": "major", "description": "Partial System Outage"},
 "components": [{"id": "k7f2m9x1q4ab", "name": "Checkout", "status": "partial_outage",
   "created_at": "2025-01-10T08:00:00Z", "updated_at": "2026-03-02T10:15:00Z", "position": 1,
   "description": null, "showcase": true, "start_date": null, "group_id": null, "page_id": "wr0000000001",
   "group": false, "only_show_if_degraded": false}],
 "incidents": [{"id": "p3nq8v2c7r0d", "name": "Checkout errors", "status": "investigating", "impact": "major",
   "created_at": "2026-03-02T10:15:00Z", "updated_at": "2026-03-02T10:15:00Z", "monitoring_at": null,
   "resolved_at": null, "started_at": "2026-03-02T10:14:00Z", "page_id": "wr0000000001",
   "shortlink": "https://status.acme.example/incidents/p3nq8v2c7r0d",
   "incident_updates": [{"id": "u1a2b3c4d5e6", "status": "investigating", "body": "We are investigating failed payments.",
     "incident_id": "p3nq8v2c7r0d", "created_at": "2026-03-02T10:15:00Z", "updated_at": "2026-03-02T10:15:00Z",
     "display_at": "2026-03-02T10:15:00Z", "affected_components": [{"code": "k7f2m9x1q4ab", "name": "Checkout",
     "old_status": "operational", "new_status": "partial_outage"}], "deliver_notifications": true,
     "custom_tweet": null, "tweet_id": null}],
   "components": [{"id": "k7f2m9x1q4ab", "name": "Checkout", "status": "partial_outage"}]}],
 "scheduled_maintenances": []}
"#;

    fn keys(v: &Value) -> BTreeSet<String> {
        v.as_object().expect("an object").keys().cloned().collect()
    }

    /// Each kind of object of a summary, by path.
    fn objects(s: &Value) -> Vec<(&'static str, &Value)> {
        let inc = &s["incidents"][0];
        let upd = &inc["incident_updates"][0];
        vec![
            ("summary", s),
            ("page", &s["page"]),
            ("status", &s["status"]),
            ("component", &s["components"][0]),
            ("incident", inc),
            ("incident_update", upd),
            ("affected_component", &upd["affected_components"][0]),
            ("incident component", &inc["components"][0]),
        ]
    }

    #[test]
    fn every_key_of_statuspage_and_no_other() {
        let example: Value = serde_json::from_str(EXAMPLE).expect("the example parses");
        let ours = summary(&view());
        for ((what, a), (_, b)) in objects(&example).into_iter().zip(objects(&ours)) {
            assert_eq!(keys(a), keys(b), "{what}");
        }
        // Every component, every incident and every update too.
        for c in ours["components"].as_array().expect("components") {
            assert_eq!(keys(c), keys(&example["components"][0]));
        }
        for i in ours["incidents"].as_array().expect("incidents") {
            assert_eq!(keys(i), keys(&example["incidents"][0]));
            for u in i["incident_updates"].as_array().expect("updates") {
                assert_eq!(
                    keys(u),
                    keys(&example["incidents"][0]["incident_updates"][0])
                );
            }
        }
        let st = status(&view());
        assert_eq!(keys(&st), BTreeSet::from(["page".into(), "status".into()]));
        assert_eq!(keys(&st["page"]), keys(&example["page"]));
        assert_eq!(st["status"], ours["status"]);
    }

    #[test]
    fn values_nulls_and_order() {
        let v = view();
        let s = summary(&v);
        let text = s.to_string();
        assert!(!text.contains(POSTER) && !text.contains("internal-service-name"));
        assert_eq!(
            s["status"],
            json!({"indicator": "major", "description": "Partial System Outage"})
        );
        assert_eq!(s["page"]["url"], "https://status.acme.example/status");
        assert_eq!(s["page"]["updated_at"], "2026-03-20T14:40:00Z");
        assert_eq!(s["scheduled_maintenances"], json!([]));
        let (api, dash) = (&s["components"][0], &s["components"][1]);
        assert_eq!(
            (api["status"].as_str(), dash["status"].as_str()),
            (Some("partial_outage"), Some("operational"))
        );
        assert_eq!(
            (api["position"].as_u64(), dash["position"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(api["description"], "The public REST API");
        assert!(
            dash["description"].is_null()
                && dash["start_date"].is_null()
                && dash["group_id"].is_null()
        );
        assert_eq!(api["updated_at"], "2026-03-20T14:40:00Z");
        assert_eq!(dash["created_at"], "2026-03-14T23:00:00Z");
        // Stable IDs: the same on every run, so a change here breaks subscribers.
        assert_eq!(api["id"], component_id("API"));
        assert_eq!(component_id("API"), "c8e5998f6a39");
        assert_eq!(api["page_id"], page_id(&v));
        // Unresolved only, newest first.
        let ids: Vec<_> = s["incidents"]
            .as_array()
            .expect("incidents")
            .iter()
            .map(|i| i["id"].clone())
            .collect();
        assert_eq!(ids, [json!("4"), json!("3")]);
        let inc4 = &s["incidents"][0];
        assert_eq!(
            inc4["shortlink"],
            "https://status.acme.example/status/incidents/4"
        );
        assert!(inc4["monitoring_at"].is_null() && inc4["resolved_at"].is_null());
        assert_eq!(inc4["impact"], "major");
        assert_eq!(inc4["started_at"], "2026-03-20T14:05:00Z");
        assert_eq!(
            inc4["components"],
            json!([{"id": component_id("API"), "name": "API", "status": "partial_outage"}])
        );
        let upd: Vec<_> = inc4["incident_updates"]
            .as_array()
            .expect("updates")
            .iter()
            .map(|u| u["id"].clone())
            .collect();
        assert_eq!(upd, [json!("42"), json!("41")]);
        let first = &inc4["incident_updates"][1];
        assert_eq!(
            first["affected_components"],
            json!([{"code": component_id("API"), "name": "API", "old_status": "operational", "new_status": "partial_outage"}])
        );
        assert_eq!(first["incident_id"], "4");
        // INC-3 went to monitoring and its last update ended the Dashboard's outage.
        let inc3 = &s["incidents"][1];
        assert_eq!(inc3["monitoring_at"], "2026-03-19T11:00:00Z");
        assert_eq!(
            inc3["incident_updates"][0]["affected_components"],
            json!([{"code": component_id("Dashboard"), "name": "Dashboard", "old_status": "major_outage", "new_status": "operational"}])
        );
        assert_eq!(inc3["components"][0]["status"], "operational");
    }

    #[test]
    fn enums_and_times_are_statuspage_values() {
        let mut v = view();
        // With nothing open, the summary lists no incidents, as an empty list.
        let s = summary(&v);
        let states = ComponentState::ALL.map(|s| s.key());
        let time_ok = |t: &Value| {
            let t = t.as_str().expect("a time");
            t.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(t).is_ok()
        };
        assert!(
            ["none", "minor", "major", "critical"]
                .contains(&s["status"]["indicator"].as_str().unwrap_or(""))
        );
        for c in s["components"].as_array().expect("components") {
            assert!(states.contains(&c["status"].as_str().unwrap_or("")));
            assert!(time_ok(&c["created_at"]) && time_ok(&c["updated_at"]));
        }
        for i in s["incidents"].as_array().expect("incidents") {
            assert!(
                [
                    "investigating",
                    "identified",
                    "monitoring",
                    "resolved",
                    "postmortem"
                ]
                .contains(&i["status"].as_str().unwrap_or(""))
            );
            assert!(
                ["none", "minor", "major", "critical", "maintenance"]
                    .contains(&i["impact"].as_str().unwrap_or(""))
            );
            for k in ["created_at", "updated_at", "started_at"] {
                assert!(time_ok(&i[k]), "{k}");
            }
            for u in i["incident_updates"].as_array().expect("updates") {
                for a in u["affected_components"].as_array().expect("affected") {
                    assert!(states.contains(&a["old_status"].as_str().unwrap_or("")));
                    assert!(states.contains(&a["new_status"].as_str().unwrap_or("")));
                }
            }
        }
        v.incidents.retain(|i| !i.is_open());
        let s = summary(&v);
        assert_eq!(s["incidents"], json!([]));
        assert_eq!(s["status"]["indicator"], "none");
        assert_eq!(s["status"]["description"], "All Systems Operational");
    }
}
