//! A fake of Jira Cloud's REST API v3 (the parts warroom uses) and of the webhooks
//! a Jira Cloud site sends, built from Atlassian's published reference
//! (developer.atlassian.com: REST v3 issues, issue search, issue comments, users,
//! the Atlassian Document Format, webhooks and their secure admin form) and the
//! error bodies Jira Cloud is seen to answer.
//!
//! Every request needs `Authorization: Basic base64(EMAIL:TOKEN)` (an API token),
//! else 401 `{"errorMessages":["You are not authenticated. Authentication required
//! to perform this operation."],"errors":{}}`. Errors are Jira's `ErrorCollection`,
//! `{"errorMessages":[…],"errors":{field: message}}`: field errors are all collected
//! into `errors`, general ones go to `errorMessages`. A body that is not JSON is 400
//! "Invalid request payload. Refer to the REST API documentation and try again.".
//!
//! - Projects `OPS` (id 10000; issue types `Task` 10001, `Bug` 10004) and `STRICT`
//!   (id 10001; `Task` only), whose create screen also has `customfield_10042`
//!   ("Team", required: a non-empty string or `{"value"|"id"|"name"}`). The field is
//!   on no screen of `OPS`. Users `acc-alice` (alice@example.com, Alice), `acc-bob`
//!   (bob@example.com, Bob), more by [`FakeJira::add_user`].
//! - `POST /rest/api/3/issue` `{"fields":{…}}` → 201 `{"id","key","self"}` (ids from
//!   10001 across projects, keys numbered per project), status "To Do". An unknown
//!   project is `errors.project` "valid project is required" (alone); an issue type
//!   (`{name}` or `{id}`) not the project's is `errors.issuetype` "The issue type
//!   selected is invalid." (alone). Then, all together: summary required ("You must
//!   specify a summary of the issue."), at most 255 characters ("Summary can't
//!   exceed 255 characters."), one line ("The summary is invalid because it contains
//!   newline characters."); description an ADF document `{"type":"doc","version":1,
//!   "content":[…]}` (nodes objects with a `type`), else "Operation value must be an
//!   Atlassian Document (see the Atlassian Document Format)"; labels strings without
//!   whitespace ("The label 'a b' can't contain spaces."); priority `{name}` of
//!   Highest/High/Medium (the default)/Low/Lowest or `{id}` 1–5 ("The priority
//!   selected is invalid."); assignee `{accountId}` of a known user or null ("Account
//!   ID x does not exist."); duedate `YYYY-MM-DD` or null ("Error parsing date
//!   string: x"); `customfield_10042` on STRICT ("Team is required."); any other
//!   field "Field 'f' cannot be set. It is not on the appropriate screen, or
//!   unknown.".
//! - `GET /rest/api/3/issue/{key or id}` (`?fields=` as in search) → `{"id","key",
//!   "self","fields":{summary, description, labels, priority{id,name}, assignee (a
//!   user) or null, reporter, duedate or null, status{id,name,statusCategory{id,
//!   key,name}}, resolution, project, issuetype, created, updated[, the project's
//!   custom fields]}}`; unknown: 404 "Issue does not exist or you do not have
//!   permission to see it.". `PUT` the same `{"fields"}`, same checks on what is
//!   given (`project` cannot be set) → 204.
//! - Workflow: To Do (10000, new), In Progress (10001, indeterminate), Done (10002,
//!   done, resolution "Done"). `GET …/transitions` lists, from To Do, 21 "Start
//!   progress" and 31 "Done"; from In Progress, 11 "To Do" and 31 "Done"; from Done,
//!   41 "Reopen" (`{"expand":"transitions","transitions":[{"id","name","to":{status},
//!   "hasScreen":false,…}]}`). `POST …/transitions` `{"transition":{"id"}}` → 204; an
//!   id not available now: 400 "Transition id '41' is not valid for this issue.". The
//!   transitions have no screen: `fields` sent with one are refused per field.
//! - `POST …/comment` `{"body": ADF}` → 201 the comment (`{"id","self","author",
//!   "body","created",…}`); a string body: 400 `errors.comment` (the ADF message),
//!   none: "Comment body can not be empty!". `GET …/comment` → `{"startAt",
//!   "maxResults","total","comments"}` (`?startAt=&maxResults=`, default 5000).
//! - `POST /rest/api/3/search/jql` `{"jql","fields","maxResults","nextPageToken"}`
//!   (and `GET` with the same as query parameters) → `{"issues":[…],"isLast"[,
//!   "nextPageToken"]}`: the token is absent on the last page (JRACLOUD-92184).
//!   JQL: clauses `labels`, `project`, `key`/`issuekey` with `=` or `in (…)`, values
//!   quoted or not, joined by AND, optionally `ORDER BY created|updated|key|id
//!   [ASC|DESC]` (default: creation order); keywords in any case. Anything else is 400
//!   "Error in the JQL Query: …"; an empty query 400 "Unbounded JQL queries are not
//!   allowed here. …"; an unknown project "The value 'X' does not exist for the
//!   field 'project'."; a key that names no issue "An issue with key 'X' does not
//!   exist for field 'key'." (Jira validates keys in JQL). `fields`: names, `*all`,
//!   `*navigable`, `-name`; without `fields` an issue is `{"id"}` only, as the
//!   enhanced search returns by default. `maxResults` defaults to 50, at most 5000
//!   when only `id`/`key` are asked for, else 100 (larger values are lowered).
//! - `GET /rest/api/3/user/search?query=` → users whose email or display name
//!   starts with the query, case-insensitively (`?accountId=` exact):
//!   `[{"accountId","accountType":"atlassian","emailAddress","displayName",
//!   "active":true,"timeZone"}]`.
//! - Faults: after the authorisation check, each request takes the next status
//!   queued in [`FakeJira::faults`]: a 429 has `Retry-After: 1` and "Rate limit
//!   exceeded.", anything else an `errorMessages` body. Creates can also be done but
//!   answered 500 ([`FakeJira::lose_next_creates`]) or done and never answered
//!   ([`FakeJira::hold_next_create`]).
//! - A person acting in Jira ([`FakeJira::close_by_hand`] and the like) changes the
//!   issue, then POSTs to the target what a Jira Cloud admin webhook with a secret
//!   sends: `{"timestamp","webhookEvent":"jira:issue_updated",
//!   "issue_event_type_name","user","issue":{as GET},"changelog":{"id","items":[{
//!   "field","fieldtype":"jira","fieldId","from","fromString","to","toString"}]}}`,
//!   with `X-Hub-Signature: sha256=<lowercase hex HMAC-SHA256 of the body bytes
//!   keyed by the secret>` (the WebSub `method=signature` form), a fresh
//!   `X-Atlassian-Webhook-Identifier` and `User-Agent: Atlassian Webhook HTTP
//!   Client`. Closing also has a `resolution` item before the `status` one, as Jira's
//!   changelog does; a due date reads `"from":"2024-05-01","fromString":"2024-05-01
//!   00:00:00.0"`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::faults::{Faults, Record, answer, header, serve};

pub const EMAIL: &str = "bot@example.com";
pub const TOKEN: &str = "jira-api-token-1";

/// The account the API token belongs to: the author of what warroom writes.
const BOT_ACCOUNT: &str = "acc-warroom-bot";
/// Who acts in Jira in the `*_by_hand` helpers (Alice).
const ACTOR: &str = "acc-alice";

const NOT_AUTHENTICATED: &str =
    "You are not authenticated. Authentication required to perform this operation.";
const NO_ISSUE: &str = "Issue does not exist or you do not have permission to see it.";
const NOT_ADF: &str =
    "Operation value must be an Atlassian Document (see the Atlassian Document Format)";
const BAD_PAYLOAD: &str =
    "Invalid request payload. Refer to the REST API documentation and try again.";

struct Project {
    key: &'static str,
    id: &'static str,
    name: &'static str,
    /// (name, id)
    types: &'static [(&'static str, &'static str)],
    /// Custom fields on the project's screens, all required: (id, name).
    custom: &'static [(&'static str, &'static str)],
}

const PROJECTS: &[Project] = &[
    Project {
        key: "OPS",
        id: "10000",
        name: "Operations",
        types: &[("Task", "10001"), ("Bug", "10004")],
        custom: &[],
    },
    Project {
        key: "STRICT",
        id: "10001",
        name: "Strict",
        types: &[("Task", "10001")],
        custom: &[("customfield_10042", "Team")],
    },
];

const SYSTEM_FIELDS: [&str; 6] = [
    "summary",
    "description",
    "labels",
    "priority",
    "assignee",
    "duedate",
];

/// (id, name)
const PRIORITIES: [(&str, &str); 5] = [
    ("1", "Highest"),
    ("2", "High"),
    ("3", "Medium"),
    ("4", "Low"),
    ("5", "Lowest"),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
    ToDo,
    InProgress,
    Done,
}

impl Status {
    fn id(self) -> &'static str {
        match self {
            Status::ToDo => "10000",
            Status::InProgress => "10001",
            Status::Done => "10002",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Status::ToDo => "To Do",
            Status::InProgress => "In Progress",
            Status::Done => "Done",
        }
    }

    fn json(self) -> Value {
        let (id, key, name, colour) = match self {
            Status::ToDo => (2, "new", "To Do", "blue-gray"),
            Status::InProgress => (4, "indeterminate", "In Progress", "yellow"),
            Status::Done => (3, "done", "Done", "green"),
        };
        json!({"id": self.id(), "name": self.name(),
            "statusCategory": {"id": id, "key": key, "name": name, "colorName": colour}})
    }
}

/// (from, id, name, to)
const TRANSITIONS: [(Status, &str, &str, Status); 5] = [
    (Status::ToDo, "21", "Start progress", Status::InProgress),
    (Status::ToDo, "31", "Done", Status::Done),
    (Status::InProgress, "11", "To Do", Status::ToDo),
    (Status::InProgress, "31", "Done", Status::Done),
    (Status::Done, "41", "Reopen", Status::ToDo),
];

struct User {
    account_id: String,
    email: String,
    name: String,
}

struct Issue {
    id: u64,
    key: String,
    project: &'static Project,
    /// (name, id)
    issuetype: (&'static str, &'static str),
    summary: String,
    description: Value,
    labels: Vec<String>,
    priority: &'static str,
    assignee: Option<String>,
    duedate: Option<String>,
    status: Status,
    custom: BTreeMap<String, Value>,
    comments: Vec<Value>,
    created: String,
    updated: String,
}

struct Inner {
    /// The base URL, for `self` links (known once serving).
    base: String,
    issues: Vec<Issue>,
    next_id: u64,
    next_comment: u64,
    next_changelog: u64,
    next_delivery: u64,
    /// Project key → the last number given.
    numbers: BTreeMap<&'static str, u64>,
    users: Vec<User>,
    lose_creates: usize,
    hold_create: bool,
    created_bodies: Vec<Value>,
    last_webhook: Option<Vec<u8>>,
}

impl Default for Inner {
    fn default() -> Self {
        let user = |id: &str, email: &str, name: &str| User {
            account_id: id.into(),
            email: email.into(),
            name: name.into(),
        };
        Inner {
            base: String::new(),
            issues: Vec::new(),
            next_id: 10001,
            next_comment: 10000,
            next_changelog: 10100,
            next_delivery: 1,
            numbers: BTreeMap::new(),
            users: vec![
                user("acc-alice", "alice@example.com", "Alice"),
                user("acc-bob", "bob@example.com", "Bob"),
            ],
            lose_creates: 0,
            hold_create: false,
            created_bodies: Vec::new(),
            last_webhook: None,
        }
    }
}

#[derive(Clone)]
pub struct FakeJira {
    inner: Arc<Mutex<Inner>>,
    /// Answers queued for the next authorised requests (429 with `Retry-After: 1`).
    pub faults: Faults,
    /// (method, path with query, JSON body or Null) of every authorised request.
    pub log: Record<(String, String, Value)>,
    /// `http://127.0.0.1:PORT`; the API is under `/rest/api/3`.
    pub url: String,
}

/// `sha256=<hex>`: the `X-Hub-Signature` Jira Cloud puts on a webhook with a secret.
pub fn hub_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn now_jira() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f%z")
        .to_string()
}

fn jira_error(status: StatusCode, messages: &[&str], errors: Map<String, Value>) -> Response {
    answer(
        status,
        json!({"errorMessages": messages, "errors": Value::Object(errors)}),
    )
}

fn field_errors(errors: Map<String, Value>) -> Response {
    jira_error(StatusCode::BAD_REQUEST, &[], errors)
}

fn one_error(field: &str, message: &str) -> Response {
    let mut m = Map::new();
    m.insert(field.into(), json!(message));
    field_errors(m)
}

fn message(status: StatusCode, text: &str) -> Response {
    jira_error(status, &[text], Map::new())
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Whether `v` is an Atlassian Document: a `doc` of version 1 whose nodes are
/// objects with a `type`.
fn is_adf(v: &Value) -> bool {
    fn nodes_ok(content: &Value) -> bool {
        content.as_array().is_some_and(|nodes| {
            nodes.iter().all(|n| {
                n.is_object()
                    && n["type"].is_string()
                    && (n.get("content").is_none() || nodes_ok(&n["content"]))
            })
        })
    }
    v.is_object() && v["type"] == "doc" && v["version"] == 1 && nodes_ok(&v["content"])
}

fn valid_date(s: &str) -> bool {
    s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

fn not_settable(field: &str) -> String {
    format!("Field '{field}' cannot be set. It is not on the appropriate screen, or unknown.")
}

fn find_project(v: &Value) -> Option<&'static Project> {
    PROJECTS
        .iter()
        .find(|p| v["key"].as_str().is_some_and(|k| k == p.key) || v["id"].as_str() == Some(p.id))
}

fn find_type(p: &Project, v: &Value) -> Option<(&'static str, &'static str)> {
    p.types
        .iter()
        .copied()
        .find(|&(name, id)| v["name"].as_str() == Some(name) || v["id"].as_str() == Some(id))
}

fn find_priority(v: &Value) -> Option<&'static str> {
    PRIORITIES
        .iter()
        .find(|&&(id, name)| v["name"].as_str() == Some(name) || v["id"].as_str() == Some(id))
        .map(|&(_, name)| name)
}

fn custom_filled(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.trim().is_empty(),
        Value::Object(_) => ["value", "id", "name"]
            .iter()
            .any(|k| v[k].as_str().is_some_and(|s| !s.trim().is_empty())),
        _ => false,
    }
}

impl Inner {
    fn user(&self, account_id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.account_id == account_id)
    }

    fn user_json(&self, account_id: &str) -> Value {
        let (email, name) = match self.user(account_id) {
            Some(u) => (u.email.as_str(), u.name.as_str()),
            None if account_id == BOT_ACCOUNT => (EMAIL, "warroom"),
            None => ("", account_id),
        };
        json!({"self": format!("{}/rest/api/3/user?accountId={account_id}", self.base),
            "accountId": account_id, "accountType": "atlassian", "emailAddress": email,
            "displayName": name, "active": true, "timeZone": "UTC"})
    }

    fn find(&self, key_or_id: &str) -> Option<usize> {
        self.issues
            .iter()
            .position(|i| i.key.eq_ignore_ascii_case(key_or_id) || i.id.to_string() == key_or_id)
    }

    fn self_link(&self, i: &Issue) -> String {
        format!("{}/rest/api/3/issue/{}", self.base, i.id)
    }

    /// Every field of `i`, as `GET /issue` shows them.
    fn fields(&self, i: &Issue) -> Map<String, Value> {
        let pid = PRIORITIES
            .iter()
            .find(|(_, n)| *n == i.priority)
            .map_or("3", |(id, _)| *id);
        let mut f = Map::new();
        f.insert("summary".into(), json!(i.summary));
        f.insert("description".into(), i.description.clone());
        f.insert("labels".into(), json!(i.labels));
        f.insert("priority".into(), json!({"id": pid, "name": i.priority}));
        f.insert(
            "assignee".into(),
            i.assignee
                .as_deref()
                .map_or(Value::Null, |a| self.user_json(a)),
        );
        f.insert("reporter".into(), self.user_json(BOT_ACCOUNT));
        f.insert("duedate".into(), json!(i.duedate));
        f.insert("status".into(), i.status.json());
        f.insert(
            "resolution".into(),
            if i.status == Status::Done {
                json!({"id": "10000", "name": "Done"})
            } else {
                Value::Null
            },
        );
        f.insert(
            "project".into(),
            json!({"id": i.project.id, "key": i.project.key, "name": i.project.name}),
        );
        f.insert(
            "issuetype".into(),
            json!({"id": i.issuetype.1, "name": i.issuetype.0, "subtask": false}),
        );
        f.insert("created".into(), json!(i.created));
        f.insert("updated".into(), json!(i.updated));
        for (id, _) in i.project.custom {
            f.insert(
                (*id).into(),
                i.custom.get(*id).cloned().unwrap_or(Value::Null),
            );
        }
        f
    }

    /// `i` as `GET /issue` answers it (all fields).
    fn render(&self, i: &Issue) -> Value {
        json!({"id": i.id.to_string(), "key": i.key, "self": self.self_link(i),
            "fields": Value::Object(self.fields(i))})
    }

    /// `i` with the fields `wanted` selects (None: only its id).
    fn render_some(&self, i: &Issue, wanted: &Option<Vec<String>>) -> Value {
        let Some(wanted) = wanted else {
            return json!({"id": i.id.to_string()});
        };
        let all = self.fields(i);
        let everything = wanted
            .iter()
            .any(|w| w == "*all" || w == "*navigable" || w.starts_with('-'));
        let fields: Map<String, Value> = all
            .into_iter()
            .filter(|(k, _)| {
                let named = wanted.iter().any(|w| w == k);
                let excluded = wanted.iter().any(|w| w.strip_prefix('-') == Some(k));
                (everything || named) && !excluded
            })
            .collect();
        json!({"id": i.id.to_string(), "key": i.key, "self": self.self_link(i),
            "fields": Value::Object(fields)})
    }

    /// The errors in `fields` for an issue of `project` (`creating`: the required
    /// fields must be there, and `project` may be given).
    fn check(
        &self,
        project: &Project,
        fields: &Map<String, Value>,
        creating: bool,
    ) -> Map<String, Value> {
        let mut e = Map::new();
        for (k, v) in fields {
            let known = SYSTEM_FIELDS.contains(&k.as_str())
                || project.custom.iter().any(|(id, _)| id == k)
                || (creating && k == "project")
                || k == "issuetype";
            if !known {
                e.insert(k.clone(), json!(not_settable(k)));
                continue;
            }
            let problem: Option<String> = match k.as_str() {
                "summary" => match v {
                    Value::String(s) if s.trim().is_empty() => {
                        Some("You must specify a summary of the issue.".into())
                    }
                    Value::String(s) if s.chars().count() > 255 => {
                        Some("Summary can't exceed 255 characters.".into())
                    }
                    Value::String(s) if s.contains(['\n', '\r']) => Some(
                        "The summary is invalid because it contains newline characters.".into(),
                    ),
                    Value::String(_) => None,
                    Value::Null => Some("You must specify a summary of the issue.".into()),
                    _ => Some("Operation value must be a string".into()),
                },
                "description" if !v.is_null() && !is_adf(v) => Some(NOT_ADF.into()),
                "labels" => match v {
                    Value::Null => None,
                    Value::Array(list) => list.iter().find_map(|l| match l.as_str() {
                        Some(s) if s.chars().any(char::is_whitespace) => {
                            Some(format!("The label '{s}' can't contain spaces."))
                        }
                        Some("") => Some("The label can't be empty.".into()),
                        Some(_) => None,
                        None => Some("Operation value must be a string".into()),
                    }),
                    _ => Some("Operation value must be an array of strings".into()),
                },
                "priority" if find_priority(v).is_none() => {
                    Some("The priority selected is invalid.".into())
                }
                "assignee" => {
                    let id = v["accountId"].as_str().or(v["id"].as_str());
                    match id {
                        _ if v.is_null()
                            || (v.is_object() && v["accountId"].is_null() && v["id"].is_null()) =>
                        {
                            None
                        }
                        Some(id) if self.user(id).is_some() => None,
                        Some(id) => Some(format!("Account ID {id} does not exist.")),
                        None => Some("expected Object containing an 'accountId' property".into()),
                    }
                }
                "duedate" => match v {
                    Value::Null => None,
                    Value::String(s) if valid_date(s) => None,
                    Value::String(s) => Some(format!("Error parsing date string: {s}")),
                    _ => Some("Operation value must be a string".into()),
                },
                "issuetype" if find_type(project, v).is_none() => {
                    Some("The issue type selected is invalid.".into())
                }
                custom if custom.starts_with("customfield_") && !custom_filled(v) => project
                    .custom
                    .iter()
                    .find(|(id, _)| *id == custom)
                    .map(|(_, name)| format!("{name} is required.")),
                _ => None,
            };
            if let Some(p) = problem {
                e.insert(k.clone(), json!(p));
            }
        }
        if creating {
            if !fields.contains_key("summary") {
                e.insert(
                    "summary".into(),
                    json!("You must specify a summary of the issue."),
                );
            }
            for (id, name) in project.custom {
                if !fields.contains_key(*id) {
                    e.insert((*id).into(), json!(format!("{name} is required.")));
                }
            }
        }
        e
    }

    /// Sets what `fields` (already checked) says on the issue at `ix`.
    fn apply(&mut self, ix: usize, fields: &Map<String, Value>) {
        let project = self.issues[ix].project;
        let i = &mut self.issues[ix];
        for (k, v) in fields {
            match k.as_str() {
                "summary" => i.summary = v.as_str().unwrap_or_default().to_string(),
                "description" => i.description = v.clone(),
                "labels" => {
                    i.labels = v
                        .as_array()
                        .map(|l| {
                            l.iter()
                                .filter_map(|s| s.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                }
                "priority" => i.priority = find_priority(v).unwrap_or("Medium"),
                "assignee" => {
                    i.assignee = v["accountId"]
                        .as_str()
                        .or(v["id"].as_str())
                        .map(str::to_string);
                }
                "duedate" => i.duedate = v.as_str().map(str::to_string),
                "issuetype" => {
                    if let Some(t) = find_type(project, v) {
                        i.issuetype = t;
                    }
                }
                "project" => {}
                custom => {
                    i.custom.insert(custom.to_string(), v.clone());
                }
            }
        }
        i.updated = now_jira();
    }
}

impl FakeJira {
    pub async fn start() -> FakeJira {
        let mut fake = FakeJira {
            inner: Arc::default(),
            faults: Faults::default(),
            log: Record::default(),
            url: String::new(),
        };
        let app = axum::Router::new()
            .route("/rest/api/3/issue", axum::routing::post(create))
            .route(
                "/rest/api/3/issue/{key}",
                axum::routing::get(get_issue).put(edit_issue),
            )
            .route(
                "/rest/api/3/issue/{key}/transitions",
                axum::routing::get(list_transitions).post(transition),
            )
            .route(
                "/rest/api/3/issue/{key}/comment",
                axum::routing::get(list_comments).post(add_comment),
            )
            .route(
                "/rest/api/3/search/jql",
                axum::routing::post(search_post).get(search_get),
            )
            .route("/rest/api/3/user/search", axum::routing::get(user_search))
            .with_state(fake.clone());
        fake.url = serve(app).await;
        fake.inner.lock().unwrap().base = fake.url.clone();
        fake
    }

    /// A user that user search finds and that issues can be assigned to.
    pub fn add_user(&self, account_id: &str, email: &str, name: &str) {
        self.inner.lock().unwrap().users.push(User {
            account_id: account_id.into(),
            email: email.into(),
            name: name.into(),
        });
    }

    /// The next `n` creates make their issue, but are answered 500 (a lost answer).
    pub fn lose_next_creates(&self, n: usize) {
        self.inner.lock().unwrap().lose_creates += n;
    }

    /// The next create makes its issue and is then never answered (the handler
    /// waits an hour): for killing warroom between Jira's create and its commit.
    pub fn hold_next_create(&self) {
        self.inner.lock().unwrap().hold_create = true;
    }

    /// Every issue, as `GET /issue` shows it, with its `"comments"`.
    pub fn issues(&self) -> Vec<Value> {
        let w = self.inner.lock().unwrap();
        w.issues
            .iter()
            .map(|i| {
                let mut v = w.render(i);
                v["comments"] = json!(i.comments);
                v
            })
            .collect()
    }

    /// One issue by key (or id), as [`FakeJira::issues`] shows it.
    pub fn issue(&self, key: &str) -> Option<Value> {
        let w = self.inner.lock().unwrap();
        let i = &w.issues[w.find(key)?];
        let mut v = w.render(i);
        v["comments"] = json!(i.comments);
        Some(v)
    }

    /// How many create requests made an issue (lost and held answers included).
    pub fn creates(&self) -> usize {
        self.inner.lock().unwrap().created_bodies.len()
    }

    /// The bodies of the creates that made an issue, as sent.
    pub fn created_bodies(&self) -> Vec<Value> {
        self.inner.lock().unwrap().created_bodies.clone()
    }

    /// The body of the last webhook a `*_by_hand` helper sent (to send it again).
    pub fn last_webhook(&self) -> Option<Vec<u8>> {
        self.inner.lock().unwrap().last_webhook.clone()
    }

    /// Someone moves the issue to Done in Jira, without any webhook (for polling).
    pub fn close_silently(&self, key: &str) {
        self.set_status(key, Status::Done);
    }

    /// Someone sets the issue's due date (`YYYY-MM-DD`) in Jira, without any webhook.
    pub fn set_due_silently(&self, key: &str, date: &str) {
        self.set_due(key, date);
    }

    /// Someone (Alice) moves the issue to Done; Jira sends `jira:issue_updated` to
    /// `target`, signed with `secret`. Returns the status the target answered (0: no
    /// answer).
    pub async fn close_by_hand(&self, key: &str, target: &str, secret: &str) -> u16 {
        let (from, issue) = self.set_status(key, Status::Done);
        let mut items = Vec::new();
        if from != Status::Done {
            items.push(change(
                "resolution",
                None,
                None,
                Some("10000"),
                Some("Done"),
            ));
        }
        items.push(status_change(from, Status::Done));
        self.by_hand(issue, "issue_generic", items, target, secret)
            .await
    }

    /// Someone (Alice) moves the issue back to To Do; Jira sends the webhook.
    pub async fn reopen_by_hand(&self, key: &str, target: &str, secret: &str) -> u16 {
        let (from, issue) = self.set_status(key, Status::ToDo);
        let mut items = Vec::new();
        if from == Status::Done {
            items.push(change(
                "resolution",
                Some("10000"),
                Some("Done"),
                None,
                None,
            ));
        }
        items.push(status_change(from, Status::ToDo));
        self.by_hand(issue, "issue_generic", items, target, secret)
            .await
    }

    /// Someone (Alice) assigns the issue to `account_id` (a known user); Jira sends
    /// the webhook (changelog field `assignee`).
    pub async fn reassign_by_hand(
        &self,
        key: &str,
        account_id: &str,
        target: &str,
        secret: &str,
    ) -> u16 {
        let (items, issue) = {
            let mut w = self.inner.lock().unwrap();
            let ix = w.find(key).unwrap_or_else(|| panic!("no Jira issue {key}"));
            let name = |w: &Inner, id: &str| {
                w.user(id)
                    .unwrap_or_else(|| panic!("no Jira user {id}"))
                    .name
                    .clone()
            };
            let old = w.issues[ix].assignee.clone();
            let old_name = old.as_deref().map(|o| name(&w, o));
            let new_name = name(&w, account_id);
            w.issues[ix].assignee = Some(account_id.to_string());
            w.issues[ix].updated = now_jira();
            let items = vec![change(
                "assignee",
                old.as_deref(),
                old_name.as_deref(),
                Some(account_id),
                Some(&new_name),
            )];
            (items, w.render(&w.issues[ix]))
        };
        self.by_hand(issue, "issue_assigned", items, target, secret)
            .await
    }

    /// Someone (Alice) sets the due date (`YYYY-MM-DD`); Jira sends the webhook
    /// (changelog field `duedate`).
    pub async fn set_due_by_hand(&self, key: &str, date: &str, target: &str, secret: &str) -> u16 {
        let (old, issue) = self.set_due(key, date);
        let long = |d: &str| format!("{d} 00:00:00.0");
        let old_long = old.as_deref().map(long);
        let items = vec![change(
            "duedate",
            old.as_deref(),
            old_long.as_deref(),
            Some(date),
            Some(&long(date)),
        )];
        self.by_hand(issue, "issue_updated", items, target, secret)
            .await
    }

    /// POSTs `body` to `target` as Jira's webhook client, with `X-Hub-Signature`
    /// set to `signature_header` if any. Returns the status answered (0: none).
    pub async fn send_webhook_raw(
        &self,
        target: &str,
        body: &[u8],
        signature_header: Option<&str>,
    ) -> u16 {
        let delivery = {
            let mut w = self.inner.lock().unwrap();
            w.next_delivery += 1;
            w.next_delivery
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client");
        let mut request = client
            .post(target)
            .header("content-type", "application/json; charset=UTF-8")
            .header("user-agent", "Atlassian Webhook HTTP Client")
            .header(
                "x-atlassian-webhook-identifier",
                format!("{delivery}-fake-jira"),
            )
            .body(body.to_vec());
        if let Some(sig) = signature_header {
            request = request.header("x-hub-signature", sig);
        }
        match request.send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        }
    }

    fn set_status(&self, key: &str, to: Status) -> (Status, Value) {
        let mut w = self.inner.lock().unwrap();
        let ix = w.find(key).unwrap_or_else(|| panic!("no Jira issue {key}"));
        let from = w.issues[ix].status;
        w.issues[ix].status = to;
        w.issues[ix].updated = now_jira();
        (from, w.render(&w.issues[ix]))
    }

    fn set_due(&self, key: &str, date: &str) -> (Option<String>, Value) {
        assert!(valid_date(date), "a due date is YYYY-MM-DD, not {date}");
        let mut w = self.inner.lock().unwrap();
        let ix = w.find(key).unwrap_or_else(|| panic!("no Jira issue {key}"));
        let old = w.issues[ix].duedate.replace(date.to_string());
        w.issues[ix].updated = now_jira();
        (old, w.render(&w.issues[ix]))
    }

    async fn by_hand(
        &self,
        issue: Value,
        event_type: &str,
        items: Vec<Value>,
        target: &str,
        secret: &str,
    ) -> u16 {
        let body = {
            let mut w = self.inner.lock().unwrap();
            w.next_changelog += 1;
            let user = w.user_json(ACTOR);
            let body = json!({
                "timestamp": chrono::Utc::now().timestamp_millis(),
                "webhookEvent": "jira:issue_updated",
                "issue_event_type_name": event_type,
                "user": user,
                "issue": issue,
                "changelog": {"id": w.next_changelog.to_string(), "items": items},
            });
            let bytes = serde_json::to_vec(&body).expect("JSON");
            w.last_webhook = Some(bytes.clone());
            bytes
        };
        let sig = hub_signature(secret, &body);
        self.send_webhook_raw(target, &body, Some(&sig)).await
    }

    /// Checks the credentials, records the request and takes a queued fault; then
    /// parses the body (Null when empty). Err: the answer (a fake's answer is built
    /// once per request; its size does not matter).
    #[allow(clippy::result_large_err)]
    fn gate(
        &self,
        headers: &HeaderMap,
        method: &Method,
        uri: &Uri,
        body: &str,
    ) -> Result<Value, Response> {
        let authorised = header(headers, "authorization")
            .and_then(|h| {
                let (scheme, cred) = h.split_once(' ')?;
                scheme.eq_ignore_ascii_case("basic").then_some(())?;
                BASE64.decode(cred.trim()).ok()
            })
            .is_some_and(|c| c == format!("{EMAIL}:{TOKEN}").as_bytes());
        if !authorised {
            return Err(message(StatusCode::UNAUTHORIZED, NOT_AUTHENTICATED));
        }
        let parsed = if body.trim().is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str::<Value>(body).map_err(|_| Value::String(body.into()))
        };
        let path = uri
            .path_and_query()
            .map_or(uri.path(), |p| p.as_str())
            .to_string();
        let logged = match &parsed {
            Ok(v) | Err(v) => v.clone(),
        };
        self.log.push((method.to_string(), path, logged));
        if let Some(status) = self.faults.next() {
            let mut r = if status == StatusCode::TOO_MANY_REQUESTS {
                message(status, "Rate limit exceeded.")
            } else {
                message(
                    status,
                    status.canonical_reason().unwrap_or("Internal server error"),
                )
            };
            if status == StatusCode::TOO_MANY_REQUESTS {
                r.headers_mut()
                    .insert("retry-after", "1".parse().expect("a header value"));
            }
            return Err(r);
        }
        parsed.map_err(|_| message(StatusCode::BAD_REQUEST, BAD_PAYLOAD))
    }
}

fn change(
    field: &str,
    from: Option<&str>,
    from_s: Option<&str>,
    to: Option<&str>,
    to_s: Option<&str>,
) -> Value {
    json!({"field": field, "fieldtype": "jira", "fieldId": field, "from": from,
        "fromString": from_s, "to": to, "toString": to_s})
}

fn status_change(from: Status, to: Status) -> Value {
    change(
        "status",
        Some(from.id()),
        Some(from.name()),
        Some(to.id()),
        Some(to.name()),
    )
}

async fn create(
    State(fake): State<FakeJira>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let b = match fake.gate(&headers, &method, &uri, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let fields = b["fields"].as_object().cloned().unwrap_or_default();
    let (key, id, link, hold, lose) = {
        let mut w = fake.inner.lock().unwrap();
        let Some(project) = find_project(&fields.get("project").cloned().unwrap_or_default())
        else {
            return one_error("project", "valid project is required");
        };
        let Some(issuetype) = fields.get("issuetype").and_then(|t| find_type(project, t)) else {
            let why = if fields.contains_key("issuetype") {
                "The issue type selected is invalid."
            } else {
                "Specify an issue type"
            };
            return one_error("issuetype", why);
        };
        let errors = w.check(project, &fields, true);
        if !errors.is_empty() {
            return field_errors(errors);
        }
        let id = w.next_id;
        w.next_id += 1;
        let n = w.numbers.entry(project.key).or_default();
        *n += 1;
        let key = format!("{}-{n}", project.key);
        let now = now_jira();
        w.issues.push(Issue {
            id,
            key: key.clone(),
            project,
            issuetype,
            summary: String::new(),
            description: Value::Null,
            labels: Vec::new(),
            priority: "Medium",
            assignee: None,
            duedate: None,
            status: Status::ToDo,
            custom: BTreeMap::new(),
            comments: Vec::new(),
            created: now.clone(),
            updated: now,
        });
        let ix = w.issues.len() - 1;
        w.apply(ix, &fields);
        w.created_bodies.push(b.clone());
        let hold = std::mem::take(&mut w.hold_create);
        let lose = w.lose_creates > 0;
        if lose {
            w.lose_creates -= 1;
        }
        let link = format!("{}/rest/api/3/issue/{id}", w.base);
        (key, id, link, hold, lose)
    };
    if hold {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if lose {
        return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
    }
    answer(
        StatusCode::CREATED,
        json!({"id": id.to_string(), "key": key, "self": link}),
    )
}

/// The `fields` query parameters (comma-separated, possibly repeated), if any.
fn fields_param(q: &[(String, String)]) -> Option<Vec<String>> {
    let list: Vec<String> = q
        .iter()
        .filter(|(k, _)| k == "fields")
        .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
        .collect();
    (!list.is_empty()).then_some(list)
}

async fn get_issue(
    State(fake): State<FakeJira>,
    Path(key): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Err(r) = fake.gate(&headers, &method, &uri, &body) {
        return r;
    }
    let w = fake.inner.lock().unwrap();
    let Some(ix) = w.find(&key) else {
        return message(StatusCode::NOT_FOUND, NO_ISSUE);
    };
    let i = &w.issues[ix];
    let v = match fields_param(&q) {
        Some(f) => w.render_some(i, &Some(f)),
        None => w.render(i),
    };
    answer(StatusCode::OK, v)
}

async fn edit_issue(
    State(fake): State<FakeJira>,
    Path(key): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let b = match fake.gate(&headers, &method, &uri, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = fake.inner.lock().unwrap();
    let Some(ix) = w.find(&key) else {
        return message(StatusCode::NOT_FOUND, NO_ISSUE);
    };
    let fields = b["fields"].as_object().cloned().unwrap_or_default();
    let errors = w.check(w.issues[ix].project, &fields, false);
    if !errors.is_empty() {
        return field_errors(errors);
    }
    w.apply(ix, &fields);
    no_content()
}

fn transition_json(id: &str, name: &str, to: Status) -> Value {
    json!({"id": id, "name": name, "to": to.json(), "hasScreen": false, "isGlobal": false,
        "isInitial": false, "isAvailable": true, "isConditional": false, "isLooped": false})
}

async fn list_transitions(
    State(fake): State<FakeJira>,
    Path(key): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Err(r) = fake.gate(&headers, &method, &uri, &body) {
        return r;
    }
    let w = fake.inner.lock().unwrap();
    let Some(ix) = w.find(&key) else {
        return message(StatusCode::NOT_FOUND, NO_ISSUE);
    };
    let now = w.issues[ix].status;
    let list: Vec<Value> = TRANSITIONS
        .iter()
        .filter(|(from, ..)| *from == now)
        .map(|(_, id, name, to)| transition_json(id, name, *to))
        .collect();
    answer(
        StatusCode::OK,
        json!({"expand": "transitions", "transitions": list}),
    )
}

async fn transition(
    State(fake): State<FakeJira>,
    Path(key): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let b = match fake.gate(&headers, &method, &uri, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = fake.inner.lock().unwrap();
    let Some(ix) = w.find(&key) else {
        return message(StatusCode::NOT_FOUND, NO_ISSUE);
    };
    let id = match &b["transition"]["id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Null => {
            return message(StatusCode::BAD_REQUEST, "Missing 'transition' identifier");
        }
        _ => {
            return message(
                StatusCode::BAD_REQUEST,
                "'transition' identifier must be an integer",
            );
        }
    };
    if id.parse::<u64>().is_err() {
        return message(
            StatusCode::BAD_REQUEST,
            "'transition' identifier must be an integer",
        );
    }
    if let Some(fields) = b["fields"].as_object()
        && !fields.is_empty()
    {
        let errors: Map<String, Value> = fields
            .keys()
            .map(|k| (k.clone(), json!(not_settable(k))))
            .collect();
        return field_errors(errors);
    }
    let now = w.issues[ix].status;
    let Some((.., to)) = TRANSITIONS
        .iter()
        .find(|(from, tid, ..)| *from == now && *tid == id)
    else {
        return message(
            StatusCode::BAD_REQUEST,
            &format!("Transition id '{id}' is not valid for this issue."),
        );
    };
    w.issues[ix].status = *to;
    w.issues[ix].updated = now_jira();
    no_content()
}

async fn add_comment(
    State(fake): State<FakeJira>,
    Path(key): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let b = match fake.gate(&headers, &method, &uri, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = fake.inner.lock().unwrap();
    let Some(ix) = w.find(&key) else {
        return message(StatusCode::NOT_FOUND, NO_ISSUE);
    };
    let adf = &b["body"];
    if adf.is_null() {
        return one_error("comment", "Comment body can not be empty!");
    }
    if !is_adf(adf) {
        return one_error("comment", NOT_ADF);
    }
    let cid = w.next_comment;
    w.next_comment += 1;
    let author = w.user_json(BOT_ACCOUNT);
    let now = now_jira();
    let issue_id = w.issues[ix].id;
    let comment = json!({
        "self": format!("{}/rest/api/3/issue/{issue_id}/comment/{cid}", w.base),
        "id": cid.to_string(), "author": author, "updateAuthor": author,
        "body": adf, "created": now, "updated": now, "jsdPublic": true,
    });
    w.issues[ix].comments.push(comment.clone());
    w.issues[ix].updated = now;
    answer(StatusCode::CREATED, comment)
}

fn query_number(q: &[(String, String)], name: &str) -> Option<usize> {
    q.iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

async fn list_comments(
    State(fake): State<FakeJira>,
    Path(key): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Err(r) = fake.gate(&headers, &method, &uri, &body) {
        return r;
    }
    let w = fake.inner.lock().unwrap();
    let Some(ix) = w.find(&key) else {
        return message(StatusCode::NOT_FOUND, NO_ISSUE);
    };
    let all = &w.issues[ix].comments;
    let start = query_number(&q, "startAt").unwrap_or(0);
    let max = query_number(&q, "maxResults").unwrap_or(5000).min(5000);
    let page: Vec<Value> = all.iter().skip(start).take(max).cloned().collect();
    answer(
        StatusCode::OK,
        json!({"startAt": start, "maxResults": max, "total": all.len(), "comments": page}),
    )
}

// ---- JQL ----

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Eq,
    Open,
    Close,
    Comma,
    Other(char),
}

fn tokens(jql: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = jql.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '=' => {
                chars.next();
                out.push(Tok::Eq);
            }
            '(' => {
                chars.next();
                out.push(Tok::Open);
            }
            ')' => {
                chars.next();
                out.push(Tok::Close);
            }
            ',' => {
                chars.next();
                out.push(Tok::Comma);
            }
            '"' | '\'' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => {
                            return Err(format!("The quoted string '{s}' has not been completed."));
                        }
                        Some('\\') => {
                            if let Some(n) = chars.next() {
                                s.push(n);
                            }
                        }
                        Some(q) if q == c => break,
                        Some(o) => s.push(o),
                    }
                }
                out.push(Tok::Quoted(s));
            }
            c if c.is_alphanumeric() || "_-.@:".contains(c) => {
                let mut s = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_alphanumeric() || "_-.@:".contains(n) {
                        s.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Tok::Word(s));
            }
            other => {
                chars.next();
                out.push(Tok::Other(other));
            }
        }
    }
    Ok(out)
}

#[derive(Debug)]
enum Clause {
    Labels(Vec<String>),
    Project(Vec<String>),
    /// The field as written (`key` or `issuekey`), and the keys.
    Key(String, Vec<String>),
}

#[derive(Debug)]
struct Jql {
    clauses: Vec<Clause>,
    /// (field, descending)
    order: Option<(String, bool)>,
}

fn word_is(t: Option<&Tok>, w: &str) -> bool {
    matches!(t, Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
}

fn describe(t: Option<&Tok>) -> String {
    match t {
        None => "the end of the query".into(),
        Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => format!("'{w}'"),
        Some(Tok::Eq) => "'='".into(),
        Some(Tok::Open) => "'('".into(),
        Some(Tok::Close) => "')'".into(),
        Some(Tok::Comma) => "','".into(),
        Some(Tok::Other(c)) => format!("'{c}'"),
    }
}

/// The query, or what is wrong with it (the text after "Error in the JQL Query: ").
fn parse_jql(jql: &str) -> Result<Jql, String> {
    let toks = tokens(jql)?;
    let mut at = 0;
    let mut clauses = Vec::new();
    let mut order = None;
    let value = |t: Option<&Tok>| match t {
        Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => Ok(w.clone()),
        other => Err(format!(
            "Expecting either a value, list or function but got {}.",
            describe(other)
        )),
    };
    loop {
        let field = match toks.get(at) {
            Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => w.to_lowercase(),
            other => {
                return Err(format!(
                    "Expecting a field name but got {}.",
                    describe(other)
                ));
            }
        };
        if !["labels", "project", "key", "issuekey"].contains(&field.as_str()) {
            return Err(format!(
                "the fake Jira supports only labels, project and key/issuekey clauses, not '{field}'."
            ));
        }
        at += 1;
        let mut values = Vec::new();
        match toks.get(at) {
            Some(Tok::Eq) => {
                values.push(value(toks.get(at + 1))?);
                at += 2;
            }
            t if word_is(t, "in") => {
                at += 1;
                if toks.get(at) != Some(&Tok::Open) {
                    return Err(format!("Expecting '(' but got {}.", describe(toks.get(at))));
                }
                at += 1;
                loop {
                    values.push(value(toks.get(at))?);
                    at += 1;
                    match toks.get(at) {
                        Some(Tok::Comma) => at += 1,
                        Some(Tok::Close) => {
                            at += 1;
                            break;
                        }
                        other => {
                            return Err(format!("Expecting ')' but got {}.", describe(other)));
                        }
                    }
                }
            }
            other => {
                return Err(format!(
                    "Expecting operator but got {}. The fake supports '=' and 'IN'.",
                    describe(other)
                ));
            }
        }
        clauses.push(match field.as_str() {
            "labels" => Clause::Labels(values),
            "project" => Clause::Project(values),
            f => Clause::Key(f.to_string(), values),
        });
        match toks.get(at) {
            None => break,
            t if word_is(t, "and") => at += 1,
            t if word_is(t, "order") && word_is(toks.get(at + 1), "by") => {
                let Some(Tok::Word(f)) = toks.get(at + 2) else {
                    return Err(format!(
                        "Expecting a field name but got {}.",
                        describe(toks.get(at + 2))
                    ));
                };
                let f = f.to_lowercase();
                if !["created", "updated", "key", "issuekey", "id"].contains(&f.as_str()) {
                    return Err(format!("the fake Jira cannot order by '{f}'."));
                }
                at += 3;
                let desc = if word_is(toks.get(at), "desc") {
                    at += 1;
                    true
                } else {
                    if word_is(toks.get(at), "asc") {
                        at += 1;
                    }
                    false
                };
                if at != toks.len() {
                    return Err(format!(
                        "Expecting the end of the query but got {}.",
                        describe(toks.get(at))
                    ));
                }
                order = Some((f, desc));
                break;
            }
            other => {
                return Err(format!(
                    "Expecting 'AND' or the end of the query but got {} (the fake supports AND only).",
                    describe(other)
                ));
            }
        }
    }
    Ok(Jql { clauses, order })
}

fn matches(i: &Issue, c: &Clause) -> bool {
    match c {
        Clause::Labels(v) => v.iter().any(|l| i.labels.contains(l)),
        Clause::Project(v) => v
            .iter()
            .any(|p| p.eq_ignore_ascii_case(i.project.key) || p == i.project.id),
        Clause::Key(_, v) => v
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&i.key) || *k == i.id.to_string()),
    }
}

/// A search, from either form of the request: jql, fields, maxResults, token.
fn search(
    fake: &FakeJira,
    jql: &str,
    fields: Option<Vec<String>>,
    max: Option<i64>,
    token: Option<&str>,
) -> Response {
    if jql.trim().is_empty() {
        return message(
            StatusCode::BAD_REQUEST,
            "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
        );
    }
    let q = match parse_jql(jql) {
        Ok(q) => q,
        Err(why) => {
            return message(
                StatusCode::BAD_REQUEST,
                &format!("Error in the JQL Query: {why}"),
            );
        }
    };
    let w = fake.inner.lock().unwrap();
    let mut problems = Vec::new();
    for c in &q.clauses {
        match c {
            Clause::Project(v) => {
                for p in v {
                    if !PROJECTS
                        .iter()
                        .any(|x| x.key.eq_ignore_ascii_case(p) || x.id == p)
                    {
                        problems.push(format!(
                            "The value '{p}' does not exist for the field 'project'."
                        ));
                    }
                }
            }
            Clause::Key(field, v) => {
                for k in v {
                    if w.find(k).is_none() {
                        problems.push(format!(
                            "An issue with key '{k}' does not exist for field '{field}'."
                        ));
                    }
                }
            }
            Clause::Labels(_) => {}
        }
    }
    if !problems.is_empty() {
        let refs: Vec<&str> = problems.iter().map(String::as_str).collect();
        return jira_error(StatusCode::BAD_REQUEST, &refs, Map::new());
    }
    let mut found: Vec<&Issue> = w
        .issues
        .iter()
        .filter(|i| q.clauses.iter().all(|c| matches(i, c)))
        .collect();
    if let Some((f, desc)) = &q.order {
        if f == "updated" {
            found.sort_by(|a, b| a.updated.cmp(&b.updated).then(a.id.cmp(&b.id)));
        } else if f == "key" || f == "issuekey" {
            found.sort_by(|a, b| {
                let num = |i: &Issue| i.key.rsplit('-').next().and_then(|n| n.parse::<u64>().ok());
                a.project.key.cmp(b.project.key).then(num(a).cmp(&num(b)))
            });
        }
        if *desc {
            found.reverse();
        }
    }
    let start = match token {
        None => 0,
        Some(t) => match BASE64
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix("offset:")
                    .and_then(|n| n.parse::<usize>().ok())
            }) {
            Some(n) => n,
            None => {
                return message(
                    StatusCode::BAD_REQUEST,
                    "The provided next page token is invalid or expired.",
                );
            }
        },
    };
    let ids_only = fields
        .as_ref()
        .is_none_or(|f| f.iter().all(|x| x == "id" || x == "key"));
    let cap = if ids_only { 5000 } else { 100 };
    let max = max.unwrap_or(50).clamp(1, cap) as usize;
    let page: Vec<Value> = found
        .iter()
        .skip(start)
        .take(max)
        .map(|i| w.render_some(i, &fields))
        .collect();
    let is_last = start + max >= found.len();
    let mut out = json!({"issues": page, "isLast": is_last});
    if !is_last {
        out["nextPageToken"] = json!(BASE64.encode(format!("offset:{}", start + max)));
    }
    answer(StatusCode::OK, out)
}

async fn search_post(
    State(fake): State<FakeJira>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let b = match fake.gate(&headers, &method, &uri, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let fields = b["fields"].as_array().map(|f| {
        f.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect::<Vec<_>>()
    });
    let fields = fields.filter(|f| !f.is_empty());
    search(
        &fake,
        b["jql"].as_str().unwrap_or_default(),
        fields,
        b["maxResults"].as_i64(),
        b["nextPageToken"].as_str(),
    )
}

async fn search_get(
    State(fake): State<FakeJira>,
    Query(q): Query<Vec<(String, String)>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Err(r) = fake.gate(&headers, &method, &uri, &body) {
        return r;
    }
    let get = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    search(
        &fake,
        get("jql").unwrap_or_default(),
        fields_param(&q),
        get("maxResults").and_then(|m| m.parse().ok()),
        get("nextPageToken"),
    )
}

async fn user_search(
    State(fake): State<FakeJira>,
    Query(q): Query<Vec<(String, String)>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Err(r) = fake.gate(&headers, &method, &uri, &body) {
        return r;
    }
    let get = |name: &str| {
        q.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
    };
    let query = get("query").filter(|s| !s.is_empty());
    let account = get("accountId").filter(|s| !s.is_empty());
    if query.is_none() && account.is_none() {
        return message(
            StatusCode::BAD_REQUEST,
            "One of 'query', 'accountId' or 'property' query parameters must be provided.",
        );
    }
    let w = fake.inner.lock().unwrap();
    let max = query_number(&q, "maxResults").unwrap_or(50);
    let start = query_number(&q, "startAt").unwrap_or(0);
    let found: Vec<Value> = w
        .users
        .iter()
        .filter(|u| {
            let by_query = query.as_ref().is_none_or(|s| {
                let s = s.to_lowercase();
                u.email.to_lowercase().starts_with(&s) || u.name.to_lowercase().starts_with(&s)
            });
            let by_account = account.as_ref().is_none_or(|a| *a == u.account_id);
            by_query && by_account
        })
        .skip(start)
        .take(max)
        .map(|u| w.user_json(&u.account_id))
        .collect();
    answer(StatusCode::OK, Value::Array(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> String {
        format!("Basic {}", BASE64.encode(format!("{EMAIL}:{TOKEN}")))
    }

    struct Api {
        jira: FakeJira,
        http: reqwest::Client,
    }

    impl Api {
        async fn new() -> Api {
            Api {
                jira: FakeJira::start().await,
                http: reqwest::Client::new(),
            }
        }

        async fn call(
            &self,
            method: reqwest::Method,
            path: &str,
            body: Option<Value>,
        ) -> (u16, Value) {
            let mut r = self
                .http
                .request(method, format!("{}/rest/api/3{path}", self.jira.url))
                .header("authorization", auth());
            if let Some(b) = body {
                r = r.json(&b);
            }
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        }

        async fn post(&self, path: &str, body: Value) -> (u16, Value) {
            self.call(reqwest::Method::POST, path, Some(body)).await
        }

        async fn get(&self, path: &str) -> (u16, Value) {
            self.call(reqwest::Method::GET, path, None).await
        }

        async fn create(&self, fields: Value) -> (u16, Value) {
            self.post("/issue", json!({ "fields": fields })).await
        }
    }

    fn adf(text: &str) -> Value {
        json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
    }

    fn ops(summary: &str) -> Value {
        json!({"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": summary})
    }

    #[tokio::test]
    async fn refuses_requests_without_the_api_token() {
        let api = Api::new().await;
        for value in [
            None,
            Some("Basic Ym90QGV4YW1wbGUuY29tOm5vcGU=".to_string()),
            Some(format!("Bearer {TOKEN}")),
        ] {
            let mut r = api
                .http
                .get(format!("{}/rest/api/3/issue/OPS-1", api.jira.url));
            if let Some(v) = value {
                r = r.header("authorization", v);
            }
            let r = r.send().await.unwrap();
            assert_eq!(r.status(), 401);
            let v: Value = r.json().await.unwrap();
            assert_eq!(
                v,
                json!({"errorMessages": [NOT_AUTHENTICATED], "errors": {}})
            );
        }
        assert!(api.jira.log.is_empty(), "refused requests are not logged");
        let (status, _) = api.get("/issue/OPS-1").await;
        assert_eq!(status, 404);
        assert_eq!(api.jira.log.len(), 1);
    }

    #[tokio::test]
    async fn creates_issues_numbered_per_project() {
        let api = Api::new().await;
        let mut f = ops("Database down");
        f["description"] = adf("It is down.");
        f["labels"] = json!(["warroom", "inc-7"]);
        f["priority"] = json!({"name": "High"});
        f["assignee"] = json!({"accountId": "acc-bob"});
        f["duedate"] = json!("2030-01-31");
        let (status, v) = api.create(f.clone()).await;
        assert_eq!(status, 201, "{v}");
        assert_eq!(
            v,
            json!({"id": "10001", "key": "OPS-1", "self": format!("{}/rest/api/3/issue/10001", api.jira.url)})
        );
        let (_, v2) = api.create(ops("Second")).await;
        assert_eq!(v2["key"], "OPS-2");
        let (status, v3) = api
            .create(
                json!({"project": {"key": "STRICT"}, "issuetype": {"id": "10001"},
                "summary": "Strict one", "customfield_10042": {"value": "SRE"}}),
            )
            .await;
        assert_eq!(status, 201, "{v3}");
        assert_eq!(v3["key"], "STRICT-1");
        assert_eq!(v3["id"], "10003");

        let (status, got) = api.get("/issue/OPS-1").await;
        assert_eq!(status, 200);
        let fields = &got["fields"];
        assert_eq!(fields["summary"], "Database down");
        assert_eq!(fields["description"], adf("It is down."));
        assert_eq!(fields["labels"], json!(["warroom", "inc-7"]));
        assert_eq!(fields["priority"]["name"], "High");
        assert_eq!(fields["assignee"]["accountId"], "acc-bob");
        assert_eq!(fields["assignee"]["displayName"], "Bob");
        assert_eq!(fields["duedate"], "2030-01-31");
        assert_eq!(fields["status"]["name"], "To Do");
        assert_eq!(fields["status"]["statusCategory"]["key"], "new");
        let (_, by_id) = api.get("/issue/10001").await;
        assert_eq!(by_id["key"], "OPS-1");
        let (_, some) = api.get("/issue/OPS-1?fields=summary,status").await;
        assert_eq!(some["fields"].as_object().unwrap().len(), 2, "{some}");
        let (_, second) = api.get("/issue/OPS-2").await;
        assert_eq!(second["fields"]["assignee"], Value::Null);
        assert_eq!(second["fields"]["duedate"], Value::Null);
        assert_eq!(second["fields"]["priority"]["name"], "Medium");

        assert_eq!(api.jira.creates(), 3);
        assert_eq!(api.jira.created_bodies()[0], json!({ "fields": f }));
        assert_eq!(api.jira.issues().len(), 3);
        assert_eq!(api.jira.issue("OPS-1").unwrap()["comments"], json!([]));
        assert!(api.jira.issue("OPS-9").is_none());
        let (method, path, body) = api.jira.log.all()[0].clone();
        assert_eq!(
            (method.as_str(), path.as_str()),
            ("POST", "/rest/api/3/issue")
        );
        assert_eq!(body["fields"]["summary"], "Database down");
    }

    #[tokio::test]
    async fn refuses_invalid_fields_as_jira_does() {
        let api = Api::new().await;
        let bad = |status: u16, v: &Value, field: &str, text: &str| {
            assert_eq!(status, 400, "{v}");
            assert_eq!(v["errorMessages"], json!([]), "{v}");
            assert_eq!(v["errors"][field], text, "{v}");
        };
        let (s, v) = api
            .create(
                json!({"project": {"key": "NOPE"}, "issuetype": {"name": "Task"}, "summary": "x"}),
            )
            .await;
        assert_eq!(
            v,
            json!({"errorMessages": [], "errors": {"project": "valid project is required"}})
        );
        assert_eq!(s, 400);
        let (s, v) = api
            .create(
                json!({"project": {"key": "STRICT"}, "issuetype": {"name": "Bug"}, "summary": "x"}),
            )
            .await;
        bad(s, &v, "issuetype", "The issue type selected is invalid.");
        let mut f = ops("x");
        f["description"] = json!("plain text");
        let (s, v) = api.create(f).await;
        assert_eq!(
            v,
            json!({"errorMessages": [], "errors": {"description": NOT_ADF}})
        );
        assert_eq!(s, 400);
        let (s, v) = api
            .create(json!({"project": {"key": "STRICT"}, "issuetype": {"name": "Task"}, "summary": "x"}))
            .await;
        assert_eq!(
            v,
            json!({"errorMessages": [], "errors": {"customfield_10042": "Team is required."}})
        );
        assert_eq!(s, 400);
        let mut f = ops("x");
        f["customfield_10042"] = json!("SRE");
        f["components"] = json!([]);
        let (s, v) = api.create(f).await;
        bad(
            s,
            &v,
            "customfield_10042",
            "Field 'customfield_10042' cannot be set. It is not on the appropriate screen, or unknown.",
        );
        bad(
            s,
            &v,
            "components",
            "Field 'components' cannot be set. It is not on the appropriate screen, or unknown.",
        );
        let (s, v) = api.create(ops("two\nlines")).await;
        bad(
            s,
            &v,
            "summary",
            "The summary is invalid because it contains newline characters.",
        );
        let (s, v) = api.create(ops(&"x".repeat(256))).await;
        bad(s, &v, "summary", "Summary can't exceed 255 characters.");
        let (s, _) = api.create(ops(&"é".repeat(255))).await;
        assert_eq!(s, 201, "255 characters are allowed");
        let mut f = ops("");
        f["labels"] = json!(["ok", "not ok"]);
        f["priority"] = json!({"name": "Blocker"});
        f["assignee"] = json!({"accountId": "acc-nobody"});
        f["duedate"] = json!("31/01/2030");
        let (s, v) = api.create(f).await;
        bad(s, &v, "summary", "You must specify a summary of the issue.");
        bad(s, &v, "labels", "The label 'not ok' can't contain spaces.");
        bad(s, &v, "priority", "The priority selected is invalid.");
        bad(s, &v, "assignee", "Account ID acc-nobody does not exist.");
        bad(s, &v, "duedate", "Error parsing date string: 31/01/2030");
        assert_eq!(api.jira.creates(), 1, "only the valid create made an issue");

        let r = api
            .http
            .post(format!("{}/rest/api/3/issue", api.jira.url))
            .header("authorization", auth())
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }

    #[tokio::test]
    async fn edits_check_the_fields_given() {
        let api = Api::new().await;
        api.create(ops("First")).await;
        let (s, _) = api
            .call(
                reqwest::Method::PUT,
                "/issue/OPS-1",
                Some(json!({"fields": {"duedate": "2031-02-03", "labels": ["a"], "summary": "Renamed"}})),
            )
            .await;
        assert_eq!(s, 204);
        let issue = api.jira.issue("OPS-1").unwrap();
        assert_eq!(issue["fields"]["duedate"], "2031-02-03");
        assert_eq!(issue["fields"]["summary"], "Renamed");
        let (s, v) = api
            .call(
                reqwest::Method::PUT,
                "/issue/OPS-1",
                Some(json!({"fields": {"description": "text", "project": {"key": "STRICT"}}})),
            )
            .await;
        assert_eq!(s, 400);
        assert_eq!(v["errors"]["description"], NOT_ADF);
        assert!(v["errors"]["project"].is_string());
        let (s, v) = api
            .call(
                reqwest::Method::PUT,
                "/issue/OPS-7",
                Some(json!({"fields": {}})),
            )
            .await;
        assert_eq!((s, v["errorMessages"][0].as_str()), (404, Some(NO_ISSUE)));
    }

    #[tokio::test]
    async fn follows_the_workflow() {
        let api = Api::new().await;
        api.create(ops("Flow")).await;
        let ids = |v: &Value| -> Vec<String> {
            v["transitions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_string())
                .collect()
        };
        let (_, v) = api.get("/issue/OPS-1/transitions").await;
        assert_eq!(v["expand"], "transitions");
        assert_eq!(ids(&v), ["21", "31"]);
        assert_eq!(v["transitions"][0]["to"]["name"], "In Progress");
        let (s, v) = api
            .post(
                "/issue/OPS-1/transitions",
                json!({"transition": {"id": "41"}}),
            )
            .await;
        assert_eq!(
            (s, v),
            (
                400,
                json!({"errorMessages": ["Transition id '41' is not valid for this issue."], "errors": {}})
            )
        );
        let (s, _) = api
            .post(
                "/issue/OPS-1/transitions",
                json!({"transition": {"id": "21"}}),
            )
            .await;
        assert_eq!(s, 204);
        let (_, v) = api.get("/issue/OPS-1/transitions").await;
        assert_eq!(ids(&v), ["11", "31"]);
        let (s, _) = api
            .post(
                "/issue/OPS-1/transitions",
                json!({"transition": {"id": "31"}}),
            )
            .await;
        assert_eq!(s, 204);
        let (_, issue) = api.get("/issue/OPS-1").await;
        assert_eq!(issue["fields"]["status"]["name"], "Done");
        assert_eq!(issue["fields"]["status"]["statusCategory"]["key"], "done");
        let (_, v) = api.get("/issue/OPS-1/transitions").await;
        assert_eq!(ids(&v), ["41"]);
        let (s, _) = api
            .post(
                "/issue/OPS-1/transitions",
                json!({"transition": {"id": 41}}),
            )
            .await;
        assert_eq!(s, 204);
        assert_eq!(
            api.jira.issue("OPS-1").unwrap()["fields"]["status"]["name"],
            "To Do"
        );
    }

    #[tokio::test]
    async fn keeps_comments_in_adf() {
        let api = Api::new().await;
        api.create(ops("Talk")).await;
        let (s, v) = api
            .post("/issue/OPS-1/comment", json!({"body": "plain"}))
            .await;
        assert_eq!(s, 400);
        assert_eq!(v["errors"]["comment"], NOT_ADF);
        let (s, v) = api
            .post("/issue/OPS-1/comment", json!({"body": adf("Mitigated.")}))
            .await;
        assert_eq!(s, 201);
        assert_eq!(v["body"], adf("Mitigated."));
        assert!(v["id"].is_string());
        let (_, list) = api.get("/issue/OPS-1/comment").await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["startAt"], 0);
        assert_eq!(list["comments"][0]["body"], adf("Mitigated."));
        assert_eq!(
            api.jira.issue("OPS-1").unwrap()["comments"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn searches_with_the_jql_warroom_writes() {
        let api = Api::new().await;
        for (labels, project) in [(["inc-1", "warroom"], "OPS"), (["inc-2", "warroom"], "OPS")] {
            let mut f = ops("s");
            f["project"]["key"] = json!(project);
            f["labels"] = json!(labels);
            api.create(f).await;
        }
        let keys = |v: &Value| -> Vec<String> {
            v["issues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["key"].as_str().unwrap().to_string())
                .collect()
        };
        let ask = |jql: &str| json!({"jql": jql, "fields": ["summary", "labels"]});
        let (s, v) = api.post("/search/jql", ask("labels = \"inc-2\"")).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(keys(&v), ["OPS-2"]);
        assert_eq!(v["isLast"], true);
        assert!(v.get("nextPageToken").is_none());
        assert_eq!(
            v["issues"][0]["fields"].as_object().unwrap().len(),
            2,
            "only the fields asked for: {v}"
        );
        let (_, v) = api
            .post(
                "/search/jql",
                ask("project = OPS and LABELS = warroom ORDER BY created DESC"),
            )
            .await;
        assert_eq!(keys(&v), ["OPS-2", "OPS-1"]);
        let (_, v) = api
            .post(
                "/search/jql",
                ask("issuekey in (OPS-1, 'OPS-2') AND labels = inc-1"),
            )
            .await;
        assert_eq!(keys(&v), ["OPS-1"]);
        let (_, v) = api.post("/search/jql", ask("key IN (\"OPS-2\")")).await;
        assert_eq!(keys(&v), ["OPS-2"]);
        let (_, v) = api
            .post("/search/jql", json!({"jql": "labels = warroom"}))
            .await;
        assert_eq!(v["issues"], json!([{"id": "10001"}, {"id": "10002"}]));
        for wrong in [
            "status = Done",
            "labels = a OR labels = b",
            "labels != a",
            "labels =",
        ] {
            let (s, v) = api.post("/search/jql", ask(wrong)).await;
            assert_eq!(s, 400, "{wrong}");
            assert!(
                v["errorMessages"][0]
                    .as_str()
                    .unwrap()
                    .starts_with("Error in the JQL Query: "),
                "{v}"
            );
        }
        let (s, v) = api.post("/search/jql", ask("key in (OPS-1, OPS-99)")).await;
        assert_eq!(s, 400);
        assert_eq!(
            v["errorMessages"],
            json!(["An issue with key 'OPS-99' does not exist for field 'key'."])
        );

        let mut page = json!({"jql": "labels = warroom", "fields": ["key"], "maxResults": 1});
        let (_, first) = api.post("/search/jql", page.clone()).await;
        assert_eq!(keys(&first), ["OPS-1"]);
        assert_eq!(first["isLast"], false);
        page["nextPageToken"] = first["nextPageToken"].clone();
        let (_, second) = api.post("/search/jql", page).await;
        assert_eq!(keys(&second), ["OPS-2"]);
        assert_eq!(second["isLast"], true);
        let (s, v) = api
            .get("/search/jql?jql=labels%3Dinc-1&fields=summary")
            .await;
        assert_eq!(s, 200);
        assert_eq!(keys(&v), ["OPS-1"]);
        assert_eq!(v["issues"][0]["fields"]["summary"], "s");
    }

    #[tokio::test]
    async fn finds_users_by_email_or_name() {
        let api = Api::new().await;
        let (s, v) = api.get("/user/search?query=alice@example.com").await;
        assert_eq!(s, 200);
        assert_eq!(v.as_array().unwrap().len(), 1);
        assert_eq!(v[0]["accountId"], "acc-alice");
        assert_eq!(v[0]["displayName"], "Alice");
        assert_eq!(v[0]["emailAddress"], "alice@example.com");
        assert_eq!(v[0]["active"], true);
        assert_eq!(v[0]["accountType"], "atlassian");
        let (_, v) = api.get("/user/search?query=BO").await;
        assert_eq!(v[0]["accountId"], "acc-bob");
        let (_, v) = api.get("/user/search?query=carol@example.com").await;
        assert_eq!(v, json!([]));
        api.jira.add_user("acc-carol", "carol@example.com", "Carol");
        let (_, v) = api.get("/user/search?query=carol@example.com").await;
        assert_eq!(v[0]["accountId"], "acc-carol");
        let mut f = ops("assigned");
        f["assignee"] = json!({"accountId": "acc-carol"});
        assert_eq!(api.create(f).await.0, 201);
    }

    #[tokio::test]
    async fn answers_queued_faults_then_lost_and_held_creates() {
        let api = Api::new().await;
        api.jira.faults.fail(1, 429);
        api.jira.faults.fail(1, 503);
        let r = api
            .http
            .post(format!("{}/rest/api/3/issue", api.jira.url))
            .header("authorization", auth())
            .json(&json!({ "fields": ops("x") }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "1");
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v,
            json!({"errorMessages": ["Rate limit exceeded."], "errors": {}})
        );
        let (s, v) = api.create(ops("x")).await;
        assert_eq!(s, 503);
        assert!(v["errorMessages"][0].is_string());
        assert_eq!(api.jira.creates(), 0);

        api.jira.lose_next_creates(1);
        let (s, _) = api.create(ops("lost")).await;
        assert_eq!(s, 500);
        assert_eq!(api.jira.creates(), 1);
        assert_eq!(
            api.jira.issue("OPS-1").unwrap()["fields"]["summary"],
            "lost"
        );
        let (s, v) = api.create(ops("answered")).await;
        assert_eq!((s, v["key"].as_str()), (201, Some("OPS-2")));

        api.jira.hold_next_create();
        let held = api
            .http
            .post(format!("{}/rest/api/3/issue", api.jira.url))
            .header("authorization", auth())
            .timeout(Duration::from_millis(300))
            .json(&json!({ "fields": ops("held") }))
            .send()
            .await;
        assert!(held.is_err_and(|e| e.is_timeout()));
        assert_eq!(api.jira.creates(), 3);
        assert_eq!(
            api.jira.issue("OPS-3").unwrap()["fields"]["summary"],
            "held"
        );
        assert_eq!(api.create(ops("after")).await.0, 201);
    }

    /// A receiver of webhooks: what came, and the status to answer.
    async fn receiver() -> (String, Record<(HeaderMap, Vec<u8>)>) {
        let got: Record<(HeaderMap, Vec<u8>)> = Record::default();
        let keep = got.clone();
        let app = axum::Router::new().route(
            "/jira",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let keep = keep.clone();
                async move {
                    keep.push((headers, body.to_vec()));
                    StatusCode::ACCEPTED
                }
            }),
        );
        (format!("{}/jira", serve(app).await), got)
    }

    #[tokio::test]
    async fn sends_signed_webhooks_for_what_people_do_in_jira() {
        let api = Api::new().await;
        let (target, got) = receiver().await;
        api.create(ops("Hooked")).await;
        let secret = "whsec-jira-1";

        assert_eq!(api.jira.close_by_hand("OPS-1", &target, secret).await, 202);
        let (headers, body) = got.all()[0].clone();
        // The signature, computed here with the key and bytes only.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(&body);
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(headers["x-hub-signature"], expected.as_str());
        assert!(headers.contains_key("x-atlassian-webhook-identifier"));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["webhookEvent"], "jira:issue_updated");
        assert_eq!(v["issue_event_type_name"], "issue_generic");
        assert_eq!(v["user"]["accountId"], "acc-alice");
        assert_eq!(v["user"]["displayName"], "Alice");
        assert!(v["timestamp"].as_i64().unwrap() > 1_600_000_000_000);
        assert_eq!(v["issue"]["key"], "OPS-1");
        assert_eq!(v["issue"]["fields"]["status"]["name"], "Done");
        let items = v["changelog"]["items"].as_array().unwrap();
        let status = items.iter().find(|i| i["field"] == "status").unwrap();
        assert_eq!(
            status,
            &json!({"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "10000",
                "fromString": "To Do", "to": "10002", "toString": "Done"})
        );
        assert_eq!(api.jira.last_webhook(), Some(body.clone()));

        assert_eq!(api.jira.reopen_by_hand("OPS-1", &target, secret).await, 202);
        let v: Value = serde_json::from_slice(&got.all()[1].1).unwrap();
        assert_eq!(v["issue"]["fields"]["status"]["name"], "To Do");
        assert!(v["changelog"]["items"].as_array().unwrap().iter().any(|i| {
            i["field"] == "status" && i["fromString"] == "Done" && i["toString"] == "To Do"
        }));

        assert_eq!(
            api.jira
                .reassign_by_hand("OPS-1", "acc-bob", &target, secret)
                .await,
            202
        );
        let v: Value = serde_json::from_slice(&got.all()[2].1).unwrap();
        assert_eq!(
            v["changelog"]["items"][0],
            json!({"field": "assignee", "fieldtype": "jira", "fieldId": "assignee", "from": null,
                "fromString": null, "to": "acc-bob", "toString": "Bob"})
        );
        assert_eq!(v["issue"]["fields"]["assignee"]["accountId"], "acc-bob");

        assert_eq!(
            api.jira
                .set_due_by_hand("OPS-1", "2030-05-01", &target, secret)
                .await,
            202
        );
        let v: Value = serde_json::from_slice(&got.all()[3].1).unwrap();
        assert_eq!(v["changelog"]["items"][0]["field"], "duedate");
        assert_eq!(v["changelog"]["items"][0]["to"], "2030-05-01");
        assert_eq!(v["issue"]["fields"]["duedate"], "2030-05-01");

        assert_eq!(
            api.jira
                .send_webhook_raw(&target, b"{}", Some("sha256=00"))
                .await,
            202
        );
        let (headers, body) = got.all()[4].clone();
        assert_eq!(headers["x-hub-signature"], "sha256=00");
        assert_eq!(body, b"{}");
        assert_eq!(api.jira.send_webhook_raw(&target, b"{}", None).await, 202);
        assert!(!got.all()[5].0.contains_key("x-hub-signature"));
        assert_eq!(hub_signature(secret, &body).len(), "sha256=".len() + 64);

        api.jira.close_silently("OPS-1");
        api.jira.set_due_silently("OPS-1", "2030-06-01");
        let issue = api.jira.issue("OPS-1").unwrap();
        assert_eq!(issue["fields"]["status"]["statusCategory"]["key"], "done");
        assert_eq!(issue["fields"]["duedate"], "2030-06-01");
        assert_eq!(got.len(), 6, "silent changes send nothing");
        assert_eq!(
            api.jira
                .send_webhook_raw("http://127.0.0.1:9/none", b"{}", None)
                .await,
            0
        );
    }
}
