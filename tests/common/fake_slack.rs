//! A fake Slack Web API on loopback, written for warroom's tests (modelled on the
//! ideas of Slack's own SDK test servers: a request log, Slack's JSON shapes and
//! `ok:false` errors, scriptable 429/500/timeouts). It keeps channels, members,
//! topics, messages (with metadata), pins, opened views, ephemeral messages and
//! response_url posts, so tests can assert on what a workspace would show.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use serde_json::{Value, json};

pub const BOT_USER: &str = "UBOT";
pub const TEAM: &str = "T0001";

/// What the next matching call does instead of succeeding.
#[derive(Debug, Clone)]
pub enum Failure {
    /// HTTP 500 with an HTML body.
    ServerError,
    /// HTTP 429 with `Retry-After: secs`.
    RateLimited(u64),
    /// Do what was asked, then hang before answering (a lost answer).
    SucceedThenHang(Duration),
    /// `ok:false` with this code.
    Error(String),
}

#[derive(Debug, Clone, Default)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub creator: String,
    pub is_private: bool,
    pub topic: String,
    pub members: Vec<String>,
    pub archived: bool,
    /// When `conversations.create` made it (None: made by the test).
    pub created: Option<std::time::SystemTime>,
}

#[derive(Debug, Clone)]
pub struct Msg {
    pub ts: String,
    pub user: String,
    pub text: String,
    pub blocks: Value,
    pub metadata: Value,
    pub updates: usize,
    /// When the fake received it.
    pub at: std::time::SystemTime,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    /// When the fake received it.
    pub at: std::time::Instant,
}

#[derive(Default)]
pub struct World {
    pub channels: BTreeMap<String, Channel>,
    pub messages: BTreeMap<String, Vec<Msg>>,
    pub pins: Vec<(String, String)>,
    pub views: Vec<Value>,
    pub ephemeral: Vec<Value>,
    pub responses: Vec<Value>,
    pub calls: Vec<Call>,
    pub canvases: Vec<Value>,
    pub files: Vec<Value>,
    pub uploads: BTreeMap<String, Vec<u8>>,
    /// Failures to apply, per method ("*" for any method), in order.
    pub failures: BTreeMap<String, VecDeque<Failure>>,
    /// Methods answering with an error code every time (e.g. canvases on a free plan).
    pub refuse: BTreeMap<String, String>,
    pub users: BTreeMap<String, String>,
    /// User groups (S…) and their members.
    pub groups: BTreeMap<String, Vec<String>>,
    /// Channel bookmarks (`bookmarks.add`), as added.
    pub bookmarks: Vec<Value>,
    /// What apps.connections.open hands out (Socket Mode tests).
    pub ws_url: String,
    /// Slack's rate tiers enforced with 429s, this many times faster (None: off).
    pub tiers: Option<f64>,
    /// Recent accepted calls per rate bucket, for the tiers.
    hits: BTreeMap<String, VecDeque<std::time::Instant>>,
    /// 429s answered because of the tiers.
    pub tier_429s: u64,
    /// Every call takes this long to answer (a slow Slack).
    pub latency: Duration,
    seq: u64,
}

/// Slack's documented tiers, per rolling minute (docs.slack.dev/apis/web-api/rate-limits,
/// each method's page), as the fake enforces them: written from the docs, not from
/// warroom's own table.
fn fake_tier(method: &str) -> usize {
    match method {
        "conversations.create"
        | "conversations.setTopic"
        | "conversations.list"
        | "usergroups.users.list"
        | "pins.add"
        | "canvases.create"
        | "conversations.canvases.create"
        | "bookmarks.add" => 20,
        "chat.postEphemeral"
        | "views.open"
        | "views.update"
        | "users.info"
        | "auth.test"
        | "files.getUploadURLExternal"
        | "files.completeUploadExternal" => 100,
        _ => 50,
    }
}

impl World {
    /// Applies the tiers to a call: Some(retry-after seconds) when over a limit.
    fn over_tier(&mut self, method: &str, a: &Value, now: std::time::Instant) -> Option<u64> {
        let scale = self.tiers?;
        let minute = Duration::from_secs_f64(60.0 / scale);
        let second = Duration::from_secs_f64(1.0 / scale);
        // (bucket, window, most calls in it)
        let mut rules = Vec::new();
        if method == "chat.postMessage" {
            let ch = s(a, "channel");
            rules.push((format!("post#{ch}"), minute, 60));
            rules.push((format!("post-burst#{ch}"), second, 5));
        } else {
            rules.push((method.to_string(), minute, fake_tier(method)));
        }
        for (key, window, most) in &rules {
            let q = self.hits.entry(key.clone()).or_default();
            while q.front().is_some_and(|t| now.duration_since(*t) >= *window) {
                q.pop_front();
            }
            if q.len() >= *most {
                let oldest = *q.front().expect("full window");
                let wait = (*window).saturating_sub(now.duration_since(oldest));
                self.tier_429s += 1;
                return Some(wait.as_secs_f64().ceil().max(1.0) as u64);
            }
        }
        for (key, _, _) in rules {
            self.hits.entry(key).or_default().push_back(now);
        }
        None
    }
}

#[derive(Clone)]
pub struct FakeSlack {
    pub world: Arc<Mutex<World>>,
    pub addr: SocketAddr,
}

impl FakeSlack {
    /// Starts the fake on a free port, with an announcements channel `CANNOUNCE`.
    pub async fn start() -> FakeSlack {
        let world = Arc::new(Mutex::new(World::default()));
        {
            let mut w = world.lock().unwrap();
            w.channels.insert(
                "CANNOUNCE".into(),
                Channel {
                    id: "CANNOUNCE".into(),
                    name: "incidents".into(),
                    creator: "UADMIN".into(),
                    members: vec![BOT_USER.into()],
                    ..Default::default()
                },
            );
            w.channels.insert(
                "CGENERAL".into(),
                Channel {
                    id: "CGENERAL".into(),
                    name: "general".into(),
                    creator: "UADMIN".into(),
                    members: vec![BOT_USER.into()],
                    ..Default::default()
                },
            );
            for (id, name) in [
                ("UALICE", "alice"),
                ("UBOB", "bob"),
                ("UCAROL", "carol"),
                ("UDAVE", "dave"),
            ] {
                w.users.insert(id.into(), name.into());
            }
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let fake = FakeSlack { world, addr };
        let router = Router::new()
            .route("/api/{method}", any(api))
            .route("/response/{id}", post(response_url))
            .route("/upload/{id}", post(upload))
            .with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        fake
    }

    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    pub fn response_url(&self, id: &str) -> String {
        format!("http://{}/response/{id}", self.addr)
    }

    /// Makes the next `n` calls of `method` ("*": any method) fail this way.
    pub fn fail(&self, method: &str, n: usize, f: Failure) {
        let mut w = self.world.lock().unwrap();
        let q = w.failures.entry(method.to_string()).or_default();
        for _ in 0..n {
            q.push_back(f.clone());
        }
    }

    pub fn refuse_always(&self, method: &str, code: &str) {
        self.world
            .lock()
            .unwrap()
            .refuse
            .insert(method.into(), code.into());
    }

    /// Enforces Slack's rate tiers with 429s, `scale` times faster than Slack.
    /// A user group and its members (`usergroups.users.list`).
    pub fn set_group(&self, id: &str, members: &[&str]) {
        self.world
            .lock()
            .unwrap()
            .groups
            .insert(id.into(), members.iter().map(|m| m.to_string()).collect());
    }

    pub fn enforce_tiers(&self, scale: f64) {
        self.world.lock().unwrap().tiers = Some(scale);
    }

    /// 429s answered because a tier was exceeded.
    pub fn tier_429s(&self) -> u64 {
        self.world.lock().unwrap().tier_429s
    }

    /// Stops refusing `method`.
    pub fn accept(&self, method: &str) {
        self.world.lock().unwrap().refuse.remove(method);
    }

    /// Archives a channel (posts then fail with `is_archived`).
    pub fn archive(&self, id: &str) {
        if let Some(c) = self.world.lock().unwrap().channels.get_mut(id) {
            c.archived = true;
        }
    }

    /// Every call made, in order, as (method, arguments).
    pub fn all_calls(&self) -> Vec<(String, Value)> {
        self.world
            .lock()
            .unwrap()
            .calls
            .iter()
            .map(|c| (c.method.clone(), c.body.clone()))
            .collect()
    }

    pub fn calls(&self, method: &str) -> Vec<Value> {
        self.world
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|c| c.method == method)
            .map(|c| c.body.clone())
            .collect()
    }

    pub fn call_count(&self, method: &str) -> usize {
        self.calls(method).len()
    }

    /// Channels whose name starts with `prefix`.
    pub fn channels_named(&self, prefix: &str) -> Vec<Channel> {
        self.world
            .lock()
            .unwrap()
            .channels
            .values()
            .filter(|c| c.name.starts_with(prefix))
            .cloned()
            .collect()
    }

    pub fn channel(&self, id: &str) -> Option<Channel> {
        self.world.lock().unwrap().channels.get(id).cloned()
    }

    pub fn messages(&self, channel: &str) -> Vec<Msg> {
        self.world
            .lock()
            .unwrap()
            .messages
            .get(channel)
            .cloned()
            .unwrap_or_default()
    }

    /// Adds a message as a person would write it; returns its ts.
    pub fn user_says(&self, channel: &str, user: &str, text: &str) -> String {
        let mut w = self.world.lock().unwrap();
        let ts = w.next_ts();
        w.messages
            .entry(channel.to_string())
            .or_default()
            .push(Msg {
                ts: ts.clone(),
                user: user.into(),
                text: text.into(),
                blocks: Value::Null,
                metadata: Value::Null,
                updates: 0,
                at: std::time::SystemTime::now(),
            });
        ts
    }

    pub fn pins(&self) -> Vec<(String, String)> {
        self.world.lock().unwrap().pins.clone()
    }

    /// The bookmarks added, in order (`channel_id`, `title`, `type`, `link`).
    pub fn bookmarks(&self) -> Vec<Value> {
        self.world.lock().unwrap().bookmarks.clone()
    }

    pub fn views(&self) -> Vec<Value> {
        self.world.lock().unwrap().views.clone()
    }

    pub fn responses(&self) -> Vec<Value> {
        self.world.lock().unwrap().responses.clone()
    }

    pub fn ephemeral(&self) -> Vec<Value> {
        self.world.lock().unwrap().ephemeral.clone()
    }

    /// Polls until `f` holds or `timeout` passes; panics with `what` on timeout.
    pub async fn wait<F: Fn(&FakeSlack) -> bool>(&self, what: &str, timeout: Duration, f: F) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if f(self) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let calls: Vec<String> = self
                    .world
                    .lock()
                    .unwrap()
                    .calls
                    .iter()
                    .map(|c| c.method.clone())
                    .collect();
                panic!("timed out waiting for: {what}; calls so far: {calls:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl World {
    fn next_ts(&mut self) -> String {
        self.seq += 1;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        format!("{now}.{:06}", self.seq)
    }
}

fn ok(v: Value) -> Response {
    let mut v = v;
    v["ok"] = json!(true);
    axum::Json(v).into_response()
}

fn err(code: &str) -> Response {
    axum::Json(json!({"ok": false, "error": code})).into_response()
}

fn s(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Slack's limits on a message, as `chat.postMessage` enforces them: the error code
/// Slack answers with when one is broken.
pub fn message_limits(a: &Value) -> Option<&'static str> {
    if s(a, "text").chars().count() > 40_000 {
        return Some("msg_too_long");
    }
    let blocks = a.get("blocks").and_then(Value::as_array)?;
    if blocks.len() > 50 {
        return Some("invalid_blocks");
    }
    let len = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(|t| t.chars().count())
            .unwrap_or(0)
    };
    for b in blocks {
        let bad = match b["type"].as_str().unwrap_or("") {
            "header" => len(b.pointer("/text/text")) > 150,
            "section" => {
                let fields = b.get("fields").and_then(Value::as_array);
                len(b.pointer("/text/text")) > 3000
                    || (b.get("text").is_none() && fields.is_none())
                    || fields.is_some_and(|f| {
                        f.len() > 10 || f.iter().any(|x| len(x.get("text")) > 2000)
                    })
            }
            "context" => b["elements"].as_array().is_none_or(|e| e.len() > 10),
            "actions" => b["elements"].as_array().is_none_or(|e| e.len() > 25),
            "divider" => false,
            _ => true,
        };
        if bad {
            return Some("invalid_blocks");
        }
    }
    None
}

fn valid_channel_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 80
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

async fn response_url(
    State(fake): State<FakeSlack>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    v["_id"] = json!(id);
    fake.world.lock().unwrap().responses.push(v);
    ok(json!({}))
}

async fn upload(State(fake): State<FakeSlack>, Path(id): Path<String>, body: Bytes) -> Response {
    fake.world.lock().unwrap().uploads.insert(id, body.to_vec());
    (StatusCode::OK, "OK - 1").into_response()
}

async fn api(
    State(fake): State<FakeSlack>,
    Path(method): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = super::faults::header(&headers, "authorization").unwrap_or_default();
    let token_ok = auth.starts_with("Bearer xoxb-")
        || (method == "apps.connections.open" && auth.starts_with("Bearer xapp-"));
    // JSON bodies for POST; query strings for GET methods.
    let mut args: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body)
            .or_else(|_| {
                serde_urlencoded::from_bytes::<BTreeMap<String, String>>(&body).map(|m| json!(m))
            })
            .unwrap_or(json!({}))
    };
    for (k, v) in query {
        args[k] = json!(v);
    }
    let failure = {
        let mut w = fake.world.lock().unwrap();
        let call = Call {
            method: method.clone(),
            body: args.clone(),
            at: std::time::Instant::now(),
        };
        // The tiers count calls as they arrive.
        let arrived = call.at;
        w.calls.push(call);
        let f = w.failures.get_mut(&method).and_then(VecDeque::pop_front);
        let f = f.or_else(|| w.failures.get_mut("*").and_then(VecDeque::pop_front));
        let f = f.or_else(|| {
            w.over_tier(&method, &args, arrived)
                .map(Failure::RateLimited)
        });
        (f, w.latency)
    };
    let (failure, latency) = failure;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if !token_ok {
        return err("invalid_auth");
    }
    if let Some(code) = fake.world.lock().unwrap().refuse.get(&method).cloned() {
        return err(&code);
    }
    let mut hang_after = None;
    match failure {
        Some(Failure::ServerError) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [("content-type", "text/html")],
                "<html>500 Internal Server Error</html>",
            )
                .into_response();
        }
        Some(Failure::RateLimited(secs)) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    ("retry-after", secs.to_string()),
                    ("content-type", "application/json".to_string()),
                ],
                json!({"ok": false, "error": "ratelimited"}).to_string(),
            )
                .into_response();
        }
        Some(Failure::Error(code)) => return err(&code),
        Some(Failure::SucceedThenHang(d)) => hang_after = Some(d),
        None => {}
    }
    let resp = handle(&fake, &method, &args);
    if let Some(d) = hang_after {
        tokio::time::sleep(d).await;
    }
    resp
}

fn handle(fake: &FakeSlack, method: &str, a: &Value) -> Response {
    let mut w = fake.world.lock().unwrap();
    match method {
        "auth.test" => {
            ok(json!({"user_id": BOT_USER, "team_id": TEAM, "bot_id": "BBOT", "user": "warroom"}))
        }
        "apps.connections.open" => ok(json!({"url": w.ws_url.clone()})),
        "conversations.create" => {
            let name = s(a, "name");
            if name.is_empty() {
                return err("invalid_name_required");
            }
            if !valid_channel_name(&name) {
                return err("invalid_name_specials");
            }
            if w.channels.values().any(|c| c.name == name) {
                return err("name_taken");
            }
            let id = format!("C{:06}", w.channels.len() + 100);
            let private = a
                .get("is_private")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            w.channels.insert(
                id.clone(),
                Channel {
                    id: id.clone(),
                    name: name.clone(),
                    creator: BOT_USER.into(),
                    is_private: private,
                    members: vec![BOT_USER.into()],
                    created: Some(std::time::SystemTime::now()),
                    ..Default::default()
                },
            );
            ok(
                json!({"channel": {"id": id, "name": name, "is_private": private, "creator": BOT_USER, "is_channel": !private}}),
            )
        }
        "conversations.list" => {
            let limit: usize = s(a, "limit").parse().unwrap_or(100).clamp(1, 1000);
            let start: usize = s(a, "cursor").parse().unwrap_or(0);
            let all: Vec<&Channel> = w.channels.values().collect();
            let page: Vec<Value> = all.iter().skip(start).take(limit).map(|c| json!({"id": c.id, "name": c.name, "creator": c.creator, "is_private": c.is_private, "is_archived": c.archived})).collect();
            let next = if start + limit < all.len() {
                (start + limit).to_string()
            } else {
                String::new()
            };
            ok(json!({"channels": page, "response_metadata": {"next_cursor": next}}))
        }
        "conversations.invite" => {
            let ch = s(a, "channel");
            let users: Vec<String> = match a.get("users") {
                Some(Value::String(s)) => s
                    .split(',')
                    .map(|u| u.trim().to_string())
                    .filter(|u| !u.is_empty())
                    .collect(),
                Some(Value::Array(v)) => v
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => vec![],
            };
            if users.is_empty() {
                return err("no_user");
            }
            let Some(c) = w.channels.get_mut(&ch) else {
                return err("channel_not_found");
            };
            if users.iter().any(|u| u == BOT_USER) {
                return err("cant_invite_self");
            }
            let new: Vec<String> = users
                .into_iter()
                .filter(|u| !c.members.contains(u))
                .collect();
            if new.is_empty() {
                return err("already_in_channel");
            }
            c.members.extend(new);
            ok(json!({"channel": {"id": ch}}))
        }
        "conversations.setTopic" => {
            let topic = s(a, "topic");
            if topic.chars().count() > 250 {
                return err("too_long");
            }
            let Some(c) = w.channels.get_mut(&s(a, "channel")) else {
                return err("channel_not_found");
            };
            c.topic = topic.clone();
            ok(json!({"channel": {"id": c.id, "topic": {"value": topic}}}))
        }
        "chat.postMessage" => {
            let ch = s(a, "channel");
            if let Some(code) = message_limits(a) {
                return err(code);
            }
            // A user ID as the channel: the app's direct messages with that person.
            if (ch.starts_with('U') || ch.starts_with('W')) && w.users.contains_key(&ch) {
                w.channels.entry(ch.clone()).or_insert_with(|| Channel {
                    id: ch.clone(),
                    name: format!("dm-{ch}"),
                    creator: BOT_USER.into(),
                    is_private: true,
                    members: vec![BOT_USER.into(), ch.clone()],
                    ..Default::default()
                });
            }
            let Some(c) = w.channels.get(&ch) else {
                return err("channel_not_found");
            };
            if c.archived {
                return err("is_archived");
            }
            if !c.members.iter().any(|m| m == BOT_USER) {
                return err("not_in_channel");
            }
            if s(a, "text").is_empty() && a.get("blocks").is_none() {
                return err("no_text");
            }
            let ts = w.next_ts();
            let msg = Msg {
                ts: ts.clone(),
                user: BOT_USER.into(),
                text: s(a, "text"),
                blocks: a.get("blocks").cloned().unwrap_or(Value::Null),
                metadata: a.get("metadata").cloned().unwrap_or(Value::Null),
                updates: 0,
                at: std::time::SystemTime::now(),
            };
            w.messages.entry(ch.clone()).or_default().push(msg);
            ok(json!({"channel": ch, "ts": ts, "message": {"text": s(a, "text"), "ts": ts}}))
        }
        "chat.update" => {
            let ch = s(a, "channel");
            if let Some(code) = message_limits(a) {
                return err(code);
            }
            let ts = s(a, "ts");
            let Some(m) = w
                .messages
                .get_mut(&ch)
                .and_then(|ms| ms.iter_mut().find(|m| m.ts == ts))
            else {
                return err("message_not_found");
            };
            m.text = s(a, "text");
            m.blocks = a.get("blocks").cloned().unwrap_or(Value::Null);
            m.updates += 1;
            ok(json!({"channel": ch, "ts": ts}))
        }
        "chat.postEphemeral" => {
            if let Some(code) = message_limits(a) {
                return err(code);
            }
            let Some(c) = w.channels.get(&s(a, "channel")) else {
                return err("channel_not_found");
            };
            if c.archived {
                return err("is_archived");
            }
            if !c.members.iter().any(|m| m == BOT_USER) {
                return err("not_in_channel");
            }
            w.ephemeral.push(a.clone());
            ok(json!({"message_ts": "1.0"}))
        }
        // bookmarks.add: a link bookmark needs its title and an http(s) link.
        "bookmarks.add" => {
            let channel = s(a, "channel_id");
            if !w.channels.contains_key(&channel) {
                return err("channel_not_found");
            }
            if s(a, "type") != "link" {
                return err("invalid_bookmark_type");
            }
            let link = s(a, "link");
            if s(a, "title").is_empty()
                || !(link.starts_with("https://") || link.starts_with("http://"))
            {
                return err("invalid_link");
            }
            let b = json!({"id": format!("Bk{}", w.bookmarks.len() + 1), "channel_id": channel,
                "title": s(a, "title"), "type": "link", "link": link});
            w.bookmarks.push(b.clone());
            ok(json!({"bookmark": b}))
        }
        "bookmarks.list" => {
            let channel = s(a, "channel_id");
            let list: Vec<Value> = w
                .bookmarks
                .iter()
                .filter(|b| b["channel_id"] == channel.as_str())
                .cloned()
                .collect();
            ok(json!({"bookmarks": list}))
        }
        "pins.add" => {
            let key = (s(a, "channel"), s(a, "timestamp"));
            if !w
                .messages
                .get(&key.0)
                .is_some_and(|ms| ms.iter().any(|m| m.ts == key.1))
            {
                return err("message_not_found");
            }
            if w.pins.contains(&key) {
                return err("already_pinned");
            }
            w.pins.push(key);
            ok(json!({}))
        }
        "conversations.history" => {
            let ch = s(a, "channel");
            if !w.channels.contains_key(&ch) {
                return err("channel_not_found");
            }
            let limit: usize = s(a, "limit").parse().unwrap_or(100);
            let latest = s(a, "latest");
            let inclusive = s(a, "inclusive") == "true";
            let with_meta = s(a, "include_all_metadata") == "true";
            let mut ms: Vec<Value> = w
                .messages
                .get(&ch)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .rev()
                .filter(|m| {
                    latest.is_empty()
                        || m.ts.as_str() < latest.as_str()
                        || (inclusive && m.ts == latest)
                })
                .take(limit)
                .map(|m| {
                    let mut v =
                        json!({"type": "message", "ts": m.ts, "user": m.user, "text": m.text});
                    if with_meta && !m.metadata.is_null() {
                        v["metadata"] = m.metadata.clone();
                    }
                    v
                })
                .collect();
            ms.truncate(limit);
            ok(json!({"messages": ms, "has_more": false}))
        }
        "views.open" => {
            if s(a, "trigger_id").is_empty() {
                return err("invalid_trigger_id");
            }
            w.views.push(a.clone());
            ok(json!({"view": {"id": format!("V{}", w.views.len())}}))
        }
        "usergroups.users.list" => match w.groups.get(&s(a, "usergroup")) {
            Some(members) => ok(json!({"users": members})),
            None => err("no_such_subteam"),
        },
        "users.info" => {
            let id = s(a, "user");
            match w.users.get(&id) {
                Some(name) => ok(
                    json!({"user": {"id": id, "name": name, "real_name": name, "profile": {"display_name": name, "email": format!("{name}@example.com")}}}),
                ),
                None => err("user_not_found"),
            }
        }
        "users.lookupByEmail" => {
            let email = s(a, "email").to_ascii_lowercase();
            match w
                .users
                .iter()
                .find(|(_, name)| format!("{name}@example.com") == email)
            {
                Some((id, name)) => ok(json!({"user": {"id": id, "name": name}})),
                None => err("users_not_found"),
            }
        }
        "conversations.canvases.create" => {
            w.canvases.push(a.clone());
            ok(json!({"canvas_id": format!("F0CANVAS{}", w.canvases.len())}))
        }
        "canvases.create" => {
            w.canvases.push(a.clone());
            ok(json!({"canvas_id": format!("F0CANVAS{}", w.canvases.len())}))
        }
        "canvases.edit" => {
            w.canvases.push(a.clone());
            ok(json!({}))
        }
        "files.getUploadURLExternal" => {
            let id = format!("F0FILE{}", w.files.len() + 1);
            w.files
                .push(json!({"id": id, "filename": s(a, "filename"), "length": s(a, "length")}));
            ok(json!({"upload_url": format!("http://{}/upload/{id}", fake.addr), "file_id": id}))
        }
        "files.completeUploadExternal" => {
            w.files.push(a.clone());
            let id = a
                .pointer("/files/0/id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if !w.uploads.contains_key(&id) {
                return err("file_not_found");
            }
            ok(
                json!({"files": [{"id": id, "permalink": format!("https://fake.slack/files/{id}")}]}),
            )
        }
        "chat.getPermalink" => ok(
            json!({"permalink": format!("https://fake.slack/archives/{}/p{}", s(a, "channel"), s(a, "message_ts").replace('.', ""))}),
        ),
        _ => err("unknown_method"),
    }
}
