//! A fake of GitHub's REST API for Issues (and of the `issues` webhook GitHub sends
//! back), built from GitHub's published reference at docs.github.com: "REST API
//! endpoints for issues" and "… for issue comments" (with the OpenAPI description
//! octokit's clients are generated from), "Rate limits for the REST API",
//! "Troubleshooting the REST API", "Using pagination in the REST API", "Webhook events
//! and payloads" and "Validating webhook deliveries". The shapes it uses:
//!
//! - Every request needs a `User-Agent` (403, text, otherwise: "Request forbidden by
//!   administrative rules…") and `Authorization: Bearer <TOKEN>` or `token <TOKEN>`
//!   (401 `{"message":"Bad credentials",…}`). `Accept: application/vnd.github+json`
//!   and `X-GitHub-Api-Version: 2022-11-28` are recorded, not required. Error bodies
//!   are `{"message","documentation_url","status"}` (the status as a string).
//! - Repositories: `acme/api` (the token has push access), `acme/readonly` (no push
//!   access: `labels`, `assignees`, `milestone` and `type` given on create or update
//!   are silently dropped, as the reference says of each), `acme/noissues` (issues
//!   disabled: 410 `Issues are disabled for this repo`); any other is a 404 `Not
//!   Found`. Names match without regard to case, as GitHub's do. Assignable logins:
//!   `alice`, `bob` and any [`FakeGitHub::add_login`] adds.
//! - `POST /repos/{o}/{r}/issues` (`title` string or number, required; `body`;
//!   `labels` as names or `{"name"}`; `assignees`, or the older `assignee`;
//!   `milestone`; `type`) → 201 with the issue. No title: 422 `Validation Failed`,
//!   `errors: [{"resource":"Issue","code":"missing_field","field":"title"}]`; a login
//!   that can't be assigned: `{"resource":"Issue","code":"invalid","field":
//!   "assignees","value":<login>}`; a field of the wrong type: 422 `Invalid request.`;
//!   a body that is not JSON: 400 `Problems parsing JSON`. Labels that don't exist yet
//!   are created (`color` `ededed`). The issue: `id` (above 2^32, as GitHub's now
//!   are), `node_id`, `number` (per repository, from 1), `title`, `body`, `state`,
//!   `state_reason`, `labels` (`id`, `name`, `color`, `default`), `assignee` (the
//!   first), `assignees`, `milestone`, `type`, `comments` (a count), `url` (this
//!   fake's base + `/repos/…`), `html_url` (`https://github.com/…`), `created_at`,
//!   `updated_at`, `closed_at`, `closed_by`, `user` (`warroom-bot`). Timestamps are
//!   ISO 8601 in UTC, whole seconds, as GitHub's are.
//! - `PATCH …/issues/{n}`: `title`, `body`, `state` (`open`|`closed`), `state_reason`
//!   (`completed`|`not_planned`|`duplicate`|`reopened`), `labels` and `assignees`
//!   (each replaces the set), `milestone` → 200. Closing without a reason is
//!   `completed`; reopening sets `reopened` and clears `closed_at`. A bad state or
//!   reason is a 422 `invalid`.
//! - `GET …/issues/{n}` → 200 or 404. `GET …/issues?state=open|closed|all&labels=a,b
//!   &since=&sort=created|updated|comments&direction=asc|desc&per_page=&page=`: state
//!   (default open), every listed label, `updated_at` ≥ since; `per_page` at most
//!   100, 30 by default; a `link` header (`<…>; rel="next"`, `"last"`, `"prev"`,
//!   `"first"`, keeping the other parameters) when there is more than one page.
//! - `POST …/issues/{n}/comments` `{"body"}` → 201 the comment (`id`, `body`,
//!   `html_url` `…#issuecomment-{id}`, `user`, `created_at`, …; it bumps the issue's
//!   `comments` and `updated_at`); `GET …/comments?since=&per_page=&page=`.
//! - Limits. Every answer to an authorised request carries `x-ratelimit-limit` (5000),
//!   `-remaining`, `-used`, `-reset` (UTC epoch seconds) and `-resource: core`.
//!   Secondary (GitHub: at most 100 concurrent requests; at most 80
//!   content-creating requests a minute, 500 an hour): more than the configured writes
//!   (POST, PATCH, PUT, DELETE, counted from when the limit is set; refused ones don't
//!   count) in a rolling window, or more requests in flight than allowed, get 403 with
//!   `retry-after` and `{"message":"You have exceeded a secondary rate limit and have
//!   been temporarily blocked from content creation. …","documentation_url":"…#about-
//!   secondary-rate-limits"}`; the rate headers then show requests remaining, so only
//!   the message and `retry-after` tell it apart. Primary: 403 with
//!   `x-ratelimit-remaining: 0` and the reset time, `API rate limit exceeded for user
//!   ID 1.`.
//! - Webhooks, as a person acting on GitHub: a POST with `X-GitHub-Event`,
//!   `X-GitHub-Delivery` (a GUID; a redelivery keeps it), `X-GitHub-Hook-ID`,
//!   `X-GitHub-Hook-Installation-Target-Type`/`-ID`, `User-Agent: GitHub-Hookshot/…`,
//!   `Content-Type: application/json` and `X-Hub-Signature-256: sha256=<lowercase hex
//!   HMAC-SHA256 of the exact body bytes, keyed with the secret>` (the older SHA-1
//!   `X-Hub-Signature` is left out); the body `{"action","issue","repository",
//!   "sender"}`, with `assignee` for `assigned` and `changes` for `edited`.
//!
//! The fake keeps everything in memory; a test reads it back with [`FakeGitHub::issues`]
//! (there `comments` is the list of comments, not the API's count), finds every
//! authorised request in `log`, and makes trouble: statuses queued in `faults` (taken
//! before the limits), a limit set or used up ([`FakeGitHub::secondary_limit`],
//! [`FakeGitHub::primary_exhausted_for`], which refuses the next request only), a
//! create whose answer is lost (502 after the issue is made) or never comes.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::faults::{Faults, Record, answer, header, serve};

pub const TOKEN: &str = "ghp_faketoken1";
/// Whose token [`TOKEN`] is: the author of what warroom creates.
pub const BOT: &str = "warroom-bot";
/// Who acts by hand on GitHub (the webhooks' `sender`).
pub const PERSON: &str = "alice";
/// The webhook's id (`X-GitHub-Hook-ID`).
pub const HOOK_ID: u64 = 460_012_345;
/// The primary limit an hour, as for a personal access token.
const LIMIT: u64 = 5000;

const DOC_CREATE: &str = "https://docs.github.com/rest/issues/issues#create-an-issue";
const DOC_UPDATE: &str = "https://docs.github.com/rest/issues/issues#update-an-issue";
const DOC_GET: &str = "https://docs.github.com/rest/issues/issues#get-an-issue";
const DOC_LIST: &str = "https://docs.github.com/rest/issues/issues#list-repository-issues";
const DOC_COMMENT: &str = "https://docs.github.com/rest/issues/comments#create-an-issue-comment";
const DOC_COMMENTS: &str = "https://docs.github.com/rest/issues/comments#list-issue-comments";
const DOC_DISABLED: &str = "https://docs.github.com/v3/issues/";
const DOC_SECONDARY: &str = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";
const DOC_PRIMARY: &str =
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits";

/// Id ranges: above 2^32, so an id kept in an `i32` or a `u32` shows.
const ISSUE_IDS: u64 = 4_300_000_000;
const COMMENT_IDS: u64 = 4_400_000_000;
const LABEL_IDS: u64 = 4_500_000_000;

const REASONS: [&str; 4] = ["completed", "not_planned", "duplicate", "reopened"];

struct Issue {
    /// As the API shows it (`comments` a count).
    json: Value,
    comments: Vec<Value>,
}

impl Issue {
    /// The issue with its comments in full, for a test to look at.
    fn inspect(&self) -> Value {
        let mut v = self.json.clone();
        v["comments"] = Value::Array(self.comments.clone());
        v
    }
}

struct Repo {
    owner: &'static str,
    name: &'static str,
    id: u64,
    has_issues: bool,
    /// Whether the token has push access (sets labels, assignees, milestone, type).
    push: bool,
    /// Issue n at n - 1.
    issues: Vec<Issue>,
    labels: Vec<Value>,
}

impl Repo {
    fn new(name: &'static str, id: u64, has_issues: bool, push: bool) -> Repo {
        Repo {
            owner: "acme",
            name,
            id,
            has_issues,
            push,
            issues: Vec::new(),
            labels: Vec::new(),
        }
    }

    fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    fn is(&self, full_name: &str) -> bool {
        self.full_name().eq_ignore_ascii_case(full_name)
    }

    /// As webhook payloads show it.
    fn json(&self, base: &str) -> Value {
        let full = self.full_name();
        json!({"id": self.id, "node_id": format!("R_kgDOFAKE{}", self.id), "name": self.name,
            "full_name": full, "private": false, "has_issues": self.has_issues,
            "owner": {"login": self.owner, "id": 9_000_001, "type": "Organization"},
            "html_url": format!("https://github.com/{full}"),
            "url": format!("{base}/repos/{full}")})
    }

    fn has_issue(&self, n: u64) -> bool {
        usize::try_from(n).is_ok_and(|n| (1..=self.issues.len()).contains(&n))
    }

    fn issue_mut(&mut self, n: u64) -> Option<&mut Issue> {
        let k = usize::try_from(n.checked_sub(1)?).ok()?;
        self.issues.get_mut(k)
    }
}

/// A webhook delivery, kept to deliver again.
#[derive(Clone)]
struct Delivery {
    guid: String,
    event: String,
    body: Vec<u8>,
    signature: Option<String>,
    repo_id: u64,
}

struct Inner {
    base: String,
    repos: Vec<Repo>,
    logins: Vec<String>,
    /// The last id handed out (issues, comments, labels).
    seq: u64,
    creates: usize,
    created_bodies: Vec<Value>,
    lose_creates: usize,
    hold_creates: usize,
    /// (writes, per window) of the secondary limit for content creation.
    secondary: Option<(usize, Duration)>,
    /// When the writes in the current window were admitted.
    writes: VecDeque<Instant>,
    secondary_refusals: usize,
    max_concurrent: usize,
    /// Seconds until the primary limit resets, for the next request.
    primary_for: Option<u64>,
    /// The primary window: when it resets (epoch seconds) and how much of it is used.
    window_reset: u64,
    used: u64,
    latency: Duration,
    last_delivery: Option<Delivery>,
}

impl Inner {
    fn new() -> Inner {
        Inner {
            base: String::new(),
            repos: vec![
                Repo::new("api", 700_000_001, true, true),
                Repo::new("readonly", 700_000_002, true, false),
                Repo::new("noissues", 700_000_003, false, true),
            ],
            logins: vec!["alice".into(), "bob".into()],
            seq: 0,
            creates: 0,
            created_bodies: Vec::new(),
            lose_creates: 0,
            hold_creates: 0,
            secondary: None,
            writes: VecDeque::new(),
            secondary_refusals: 0,
            max_concurrent: 100,
            primary_for: None,
            window_reset: 0,
            used: 0,
            latency: Duration::ZERO,
            last_delivery: None,
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The repository's index, or GitHub's answer: 404 for one the token can't see,
    /// 410 when its issues are turned off.
    fn repo(&self, owner: &str, name: &str, doc: &str) -> Result<usize, Refusal> {
        let Some(i) = self
            .repos
            .iter()
            .position(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
        else {
            return no(error(StatusCode::NOT_FOUND, "Not Found", doc));
        };
        if !self.repos[i].has_issues {
            return no(error(
                StatusCode::GONE,
                "Issues are disabled for this repo",
                DOC_DISABLED,
            ));
        }
        Ok(i)
    }

    /// Users for `logins`, each once; a 422 naming the first that can't be assigned.
    fn assignable(&self, logins: &[String], doc: &str) -> Result<Vec<Value>, Refusal> {
        let mut out = Vec::new();
        for l in logins {
            let Some(known) = self.logins.iter().find(|k| k.eq_ignore_ascii_case(l)) else {
                return no(validation(
                    json!({"resource": "Issue", "code": "invalid", "field": "assignees", "value": l}),
                    doc,
                ));
            };
            let u = user(known);
            if !out.contains(&u) {
                out.push(u);
            }
        }
        Ok(out)
    }

    /// The repository's labels named `names`, made when missing.
    fn labels(&mut self, i: usize, names: &[String]) -> Vec<Value> {
        let mut out = Vec::new();
        for name in names {
            let found = self.repos[i]
                .labels
                .iter()
                .find(|l| {
                    l["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                })
                .cloned();
            let label = match found {
                Some(l) => l,
                None => {
                    let seq = self.next_seq();
                    let l = json!({"id": LABEL_IDS + seq, "node_id": format!("LA_kwDOFAKE{seq:06}"),
                        "url": format!("{}/repos/{}/labels/{name}", self.base, self.repos[i].full_name()),
                        "name": name, "color": "ededed", "default": false, "description": null});
                    self.repos[i].labels.push(l.clone());
                    l
                }
            };
            if !out.contains(&label) {
                out.push(label);
            }
        }
        out
    }

    /// Counts a request against the primary limit's hour.
    fn count_use(&mut self) {
        let now = epoch();
        if now >= self.window_reset {
            self.window_reset = now + 3600;
            self.used = 0;
        }
        self.used += 1;
    }
}

#[derive(Clone)]
pub struct FakeGitHub {
    inner: Arc<Mutex<Inner>>,
    in_flight: Arc<AtomicUsize>,
    /// Answers queued for the next authorised requests (5xx as `Server Error`; 403
    /// and 429 shaped as a secondary limit, `retry-after: 1`).
    pub faults: Faults,
    /// (method, path with query, JSON body or Null) of every authorised request.
    pub log: Record<(String, String, Value)>,
    /// (`Accept`, `X-GitHub-Api-Version`, `User-Agent`) of every authorised request.
    pub headers: Record<(Option<String>, Option<String>, Option<String>)>,
    /// (`X-GitHub-Delivery`, event, status the target answered, 0 if none) of every
    /// webhook sent.
    pub deliveries: Record<(String, String, u16)>,
    /// The API's base (`http://127.0.0.1:…`): the client appends `/repos/…`.
    pub url: String,
}

impl FakeGitHub {
    pub async fn start() -> FakeGitHub {
        let mut fake = FakeGitHub {
            inner: Arc::new(Mutex::new(Inner::new())),
            in_flight: Arc::default(),
            faults: Faults::default(),
            log: Record::default(),
            headers: Record::default(),
            deliveries: Record::default(),
            url: String::new(),
        };
        let app = axum::Router::new()
            .route(
                "/repos/{owner}/{repo}/issues",
                axum::routing::post(create).get(list),
            )
            .route(
                "/repos/{owner}/{repo}/issues/{number}",
                axum::routing::get(show).patch(update),
            )
            .route(
                "/repos/{owner}/{repo}/issues/{number}/comments",
                axum::routing::post(comment).get(comments),
            )
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(fake.clone(), gate))
            .with_state(fake.clone());
        fake.url = serve(app).await;
        fake.inner.lock().unwrap().base = fake.url.clone();
        fake
    }

    /// Makes `login` assignable (in every repository).
    pub fn add_login(&self, login: &str) {
        self.inner.lock().unwrap().logins.push(login.to_string());
    }

    /// GitHub's secondary limit on content creation: a write (POST, PATCH, PUT,
    /// DELETE) beyond `max_writes` admitted within the last `per` gets a 403 with
    /// `retry-after` (the seconds until the window frees one, at least 1).
    pub fn secondary_limit(&self, max_writes: usize, per: Duration) {
        let mut w = self.inner.lock().unwrap();
        w.secondary = Some((max_writes, per));
        w.writes.clear();
    }

    /// How many requests the secondary limits refused (writes and concurrency).
    pub fn secondary_refusals(&self) -> usize {
        self.inner.lock().unwrap().secondary_refusals
    }

    /// More than `n` requests in flight at once get the secondary limit's 403 (GitHub
    /// allows 100, the default).
    pub fn max_concurrent(&self, n: usize) {
        self.inner.lock().unwrap().max_concurrent = n;
    }

    /// Every admitted request waits `d` before it is served (so requests overlap).
    pub fn latency(&self, d: Duration) {
        self.inner.lock().unwrap().latency = d;
    }

    /// The next request finds the primary limit used up until `secs` from now: 403,
    /// `x-ratelimit-remaining: 0`, `x-ratelimit-reset` at that time.
    pub fn primary_exhausted_for(&self, secs: u64) {
        self.inner.lock().unwrap().primary_for = Some(secs);
    }

    /// The next `n` creates make their issue but answer 502 (the answer is lost).
    pub fn lose_next_creates(&self, n: usize) {
        self.inner.lock().unwrap().lose_creates += n;
    }

    /// The next create makes its issue and then never answers (it waits an hour).
    pub fn hold_next_create(&self) {
        self.inner.lock().unwrap().hold_creates += 1;
    }

    /// The issues of `repo` (`acme/api`), each with its `comments` in full.
    pub fn issues(&self, repo: &str) -> Vec<Value> {
        let w = self.inner.lock().unwrap();
        w.repos
            .iter()
            .find(|r| r.is(repo))
            .map(|r| r.issues.iter().map(Issue::inspect).collect())
            .unwrap_or_default()
    }

    /// Issue `n` of `repo`, with its `comments` in full.
    pub fn issue(&self, repo: &str, n: u64) -> Option<Value> {
        let mut w = self.inner.lock().unwrap();
        let r = w.repos.iter_mut().find(|r| r.is(repo))?;
        Some(r.issue_mut(n)?.inspect())
    }

    /// How many creates made an issue (in any repository; lost and held answers too).
    pub fn creates(&self) -> usize {
        self.inner.lock().unwrap().creates
    }

    /// The request bodies of the creates that made an issue, as sent.
    pub fn created_bodies(&self) -> Vec<Value> {
        self.inner.lock().unwrap().created_bodies.clone()
    }

    /// Someone closes the issue on GitHub (as completed); GitHub sends `issues`
    /// `closed` to `target`, signed with `secret`. The status the target answered.
    pub async fn close_by_hand(&self, repo: &str, n: u64, target: &str, secret: &str) -> u16 {
        let (payload, id) = self.by_hand(repo, n, "closed", |i| close(i, "completed"));
        self.send_signed(target, &payload, secret, id).await
    }

    /// Someone reopens the issue; `issues` `reopened`.
    pub async fn reopen_by_hand(&self, repo: &str, n: u64, target: &str, secret: &str) -> u16 {
        let (payload, id) = self.by_hand(repo, n, "reopened", reopen);
        self.send_signed(target, &payload, secret, id).await
    }

    /// Someone assigns the issue to `login` alone; `issues` `assigned`, with the
    /// `assignee`.
    pub async fn assign_by_hand(
        &self,
        repo: &str,
        n: u64,
        login: &str,
        target: &str,
        secret: &str,
    ) -> u16 {
        let (mut payload, id) = self.by_hand(repo, n, "assigned", |i| {
            i["assignees"] = json!([user(login)]);
            i["assignee"] = user(login);
        });
        payload["assignee"] = user(login);
        self.send_signed(target, &payload, secret, id).await
    }

    /// Someone retitles the issue; `issues` `edited`, with `changes.title.from`.
    pub async fn edit_title_by_hand(
        &self,
        repo: &str,
        n: u64,
        title: &str,
        target: &str,
        secret: &str,
    ) -> u16 {
        let mut old = Value::Null;
        let (mut payload, id) = self.by_hand(repo, n, "edited", |i| {
            old = i["title"].clone();
            i["title"] = json!(title);
        });
        payload["changes"] = json!({"title": {"from": old}});
        self.send_signed(target, &payload, secret, id).await
    }

    /// Someone closes the issue and no webhook is sent (for polling).
    pub fn close_silently(&self, repo: &str, n: u64) {
        self.by_hand(repo, n, "closed", |i| close(i, "completed"));
    }

    /// Someone reopens the issue and no webhook is sent.
    pub fn reopen_silently(&self, repo: &str, n: u64) {
        self.by_hand(repo, n, "reopened", reopen);
    }

    /// Sends `body` as a webhook of `event`, with `signature` as the whole
    /// `X-Hub-Signature-256` value (`sha256=…`), or none. The status the target answered.
    pub async fn send_webhook_raw(
        &self,
        target: &str,
        event: &str,
        body: &[u8],
        signature: Option<&str>,
    ) -> u16 {
        let d = Delivery {
            guid: guid(),
            event: event.to_string(),
            body: body.to_vec(),
            signature: signature.map(str::to_string),
            repo_id: 700_000_001,
        };
        self.deliver(target, d).await
    }

    /// Delivers the last webhook again, byte for byte and with the same
    /// `X-GitHub-Delivery`, as GitHub's "Redeliver" does.
    pub async fn redeliver(&self, target: &str) -> u16 {
        let last = self.inner.lock().unwrap().last_delivery.clone();
        self.deliver(target, last.expect("a webhook was sent before"))
            .await
    }

    /// Changes issue `n` as a person on GitHub would; the `issues` payload for it.
    fn by_hand(
        &self,
        repo: &str,
        n: u64,
        action: &str,
        change: impl FnOnce(&mut Value),
    ) -> (Value, u64) {
        let mut w = self.inner.lock().unwrap();
        let base = w.base.clone();
        let r = w
            .repos
            .iter_mut()
            .find(|r| r.is(repo))
            .unwrap_or_else(|| panic!("the fake GitHub has no repository {repo}"));
        let (repo_json, id) = (r.json(&base), r.id);
        let issue = r
            .issue_mut(n)
            .unwrap_or_else(|| panic!("{repo} has no issue {n}"));
        change(&mut issue.json);
        issue.json["updated_at"] = json!(now());
        let payload = json!({"action": action, "issue": issue.json, "repository": repo_json,
            "sender": user(PERSON)});
        (payload, id)
    }

    async fn send_signed(&self, target: &str, payload: &Value, secret: &str, repo_id: u64) -> u16 {
        let body = serde_json::to_vec(payload).unwrap();
        let d = Delivery {
            guid: guid(),
            event: "issues".into(),
            signature: Some(signature(secret, &body)),
            body,
            repo_id,
        };
        self.deliver(target, d).await
    }

    async fn deliver(&self, target: &str, d: Delivery) -> u16 {
        self.inner.lock().unwrap().last_delivery = Some(d.clone());
        // GitHub gives up on a delivery after 10 seconds.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let mut rq = client
            .post(target)
            .header("X-GitHub-Event", &d.event)
            .header("X-GitHub-Delivery", &d.guid)
            .header("X-GitHub-Hook-ID", HOOK_ID.to_string())
            .header("X-GitHub-Hook-Installation-Target-Type", "repository")
            .header(
                "X-GitHub-Hook-Installation-Target-ID",
                d.repo_id.to_string(),
            )
            .header("Content-Type", "application/json")
            .header("User-Agent", "GitHub-Hookshot/abc");
        if let Some(s) = &d.signature {
            rq = rq.header("X-Hub-Signature-256", s);
        }
        let status = match rq.body(d.body.clone()).send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        self.deliveries.push((d.guid, d.event, status));
        status
    }

    /// Takes a queued failure, then applies the limits. Some: the refusal.
    fn admit(&self, in_flight: usize, write: bool) -> Option<Response> {
        let mut w = self.inner.lock().unwrap();
        w.count_use();
        if let Some(status) = self.faults.next() {
            return Some(fault(status));
        }
        if let Some(secs) = w.primary_for.take() {
            return Some(primary(epoch() + secs));
        }
        if in_flight > w.max_concurrent {
            w.secondary_refusals += 1;
            return Some(secondary(1, w.secondary_refusals));
        }
        if let (true, Some((max, per))) = (write, w.secondary) {
            let now = Instant::now();
            while w
                .writes
                .front()
                .is_some_and(|t| now.duration_since(*t) >= per)
            {
                w.writes.pop_front();
            }
            if w.writes.len() >= max {
                // The window frees a place when the write max places back leaves it.
                let wait = match max {
                    0 => per,
                    _ => per.saturating_sub(now.duration_since(w.writes[w.writes.len() - max])),
                };
                w.secondary_refusals += 1;
                let secs = (wait.as_secs_f64().ceil() as u64).max(1);
                return Some(secondary(secs, w.secondary_refusals));
            }
            w.writes.push_back(now);
        }
        None
    }

    /// The primary limit's headers, where the answer has none of its own.
    fn rate_headers(&self, r: &mut Response) {
        let (used, reset) = {
            let w = self.inner.lock().unwrap();
            (w.used, w.window_reset)
        };
        let h = r.headers_mut();
        let values = [
            ("x-ratelimit-limit", LIMIT),
            ("x-ratelimit-remaining", LIMIT.saturating_sub(used)),
            ("x-ratelimit-used", used.min(LIMIT)),
            ("x-ratelimit-reset", reset),
        ];
        for (name, v) in values {
            if !h.contains_key(name) {
                h.insert(name, HeaderValue::from(v));
            }
        }
        if !h.contains_key("x-ratelimit-resource") {
            h.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
        }
    }
}

/// The `X-Hub-Signature-256` value GitHub sends for `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A request in flight, counted until it is answered (or its client goes).
struct Flight(Arc<AtomicUsize>, usize);

impl Flight {
    fn enter(count: &Arc<AtomicUsize>) -> Flight {
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        Flight(count.clone(), n)
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What every request goes through: the user agent and the token, the record, the
/// queued failures and the limits, then the rate headers on the answer.
async fn gate(State(fake): State<FakeGitHub>, req: Request, next: Next) -> Response {
    let agent = header(req.headers(), "user-agent").filter(|a| !a.trim().is_empty());
    if agent.is_none() {
        return (
            StatusCode::FORBIDDEN,
            [("content-type", "text/html")],
            "Request forbidden by administrative rules. Please make sure your request has a \
             User-Agent header (https://docs.github.com/rest/overview/resources-in-the-rest-api\
             #user-agent-required). Check https://developer.github.com for other possible causes.",
        )
            .into_response();
    }
    let auth = header(req.headers(), "authorization").unwrap_or_default();
    if auth != format!("Bearer {TOKEN}") && auth != format!("token {TOKEN}") {
        return error(
            StatusCode::UNAUTHORIZED,
            "Bad credentials",
            "https://docs.github.com/rest",
        );
    }
    fake.headers.push((
        header(req.headers(), "accept"),
        header(req.headers(), "x-github-api-version"),
        agent,
    ));
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 32 << 20)
        .await
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.to_string());
    let logged = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    fake.log.push((parts.method.to_string(), path, logged));
    let flight = Flight::enter(&fake.in_flight);
    let write = [Method::POST, Method::PATCH, Method::PUT, Method::DELETE].contains(&parts.method);
    let mut r = match fake.admit(flight.1, write) {
        Some(refusal) => refusal,
        None => {
            let latency = fake.inner.lock().unwrap().latency;
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    };
    drop(flight);
    fake.rate_headers(&mut r);
    r
}

/// GitHub's refusal of a request, boxed (an answer is large to carry in a `Result`).
type Refusal = Box<Response>;

fn no<T>(r: Response) -> Result<T, Refusal> {
    Err(Box::new(r))
}

fn error(status: StatusCode, message: &str, doc: &str) -> Response {
    answer(
        status,
        json!({"message": message, "documentation_url": doc, "status": status.as_str()}),
    )
}

/// 422 `Validation Failed` with one error.
fn validation(e: Value, doc: &str) -> Response {
    answer(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"message": "Validation Failed", "errors": [e], "documentation_url": doc,
            "status": "422"}),
    )
}

/// 422 for a parameter of the wrong type, as GitHub's schema check words it.
fn invalid_request(field: &str, got: &Value, want: &str, doc: &str) -> Response {
    let message = format!("Invalid request.\n\nFor 'properties/{field}', {got} is not {want}.");
    error(StatusCode::UNPROCESSABLE_ENTITY, &message, doc)
}

fn fault(status: StatusCode) -> Response {
    if status.is_server_error() {
        return answer(status, json!({"message": "Server Error"}));
    }
    if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
        let mut r = secondary(1, 0);
        *r.status_mut() = status;
        return r;
    }
    error(
        status,
        status.canonical_reason().unwrap_or("Error"),
        DOC_GET,
    )
}

fn secondary(retry_after: u64, n: usize) -> Response {
    let message = format!(
        "You have exceeded a secondary rate limit and have been temporarily blocked from \
         content creation. Please retry your request again later. If you reach out to GitHub \
         Support for help, please include the request ID F4KE:0C1D:{n:06X}:{n:07X}:68A1B2C3."
    );
    let mut r = error(StatusCode::FORBIDDEN, &message, DOC_SECONDARY);
    r.headers_mut()
        .insert("retry-after", HeaderValue::from(retry_after));
    r
}

fn primary(reset: u64) -> Response {
    let mut r = error(
        StatusCode::FORBIDDEN,
        "API rate limit exceeded for user ID 1.",
        DOC_PRIMARY,
    );
    let h = r.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(LIMIT));
    h.insert("x-ratelimit-remaining", HeaderValue::from(0u64));
    h.insert("x-ratelimit-used", HeaderValue::from(LIMIT));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
    h.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
    r
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Not Found",
        "https://docs.github.com/rest",
    )
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn epoch() -> u64 {
    Utc::now().timestamp() as u64
}

fn guid() -> String {
    let h = format!("{:032x}", rand::random::<u128>());
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn user(login: &str) -> Value {
    let id = login
        .bytes()
        .fold(7_u64, |h, b| (h * 131 + u64::from(b)) % 90_000_000)
        + 10_000_000;
    json!({"login": login, "id": id, "node_id": format!("U_kgDOFAKE{id}"), "type": "User",
        "html_url": format!("https://github.com/{login}")})
}

fn close(issue: &mut Value, reason: &str) {
    if issue["state"] != "closed" {
        issue["closed_at"] = json!(now());
        issue["closed_by"] = user(PERSON);
    }
    issue["state"] = json!("closed");
    issue["state_reason"] = json!(reason);
}

fn reopen(issue: &mut Value) {
    issue["state"] = json!("open");
    issue["state_reason"] = json!("reopened");
    issue["closed_at"] = Value::Null;
    issue["closed_by"] = Value::Null;
}

/// A request's JSON object (an empty body is an empty object).
fn object(body: &str, doc: &str) -> Result<Value, Refusal> {
    if body.trim().is_empty() {
        return Ok(json!({}));
    }
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return no(error(StatusCode::BAD_REQUEST, "Problems parsing JSON", doc));
    };
    if !v.is_object() {
        return no(error(
            StatusCode::BAD_REQUEST,
            "Body should be a JSON object",
            doc,
        ));
    }
    Ok(v)
}

/// The fields of a create or an update, checked for type.
#[derive(Default)]
struct Fields {
    title: Option<String>,
    /// Some(Null) clears.
    body: Option<Value>,
    labels: Option<Vec<String>>,
    assignees: Option<Vec<String>>,
    milestone: Option<Value>,
    kind: Option<Value>,
    state: Option<String>,
    /// Some(None): null.
    state_reason: Option<Option<String>>,
}

impl Fields {
    fn parse(b: &Value, doc: &str) -> Result<Fields, Refusal> {
        let bad = |field: &str, want: &str| invalid_request(field, &b[field], want, doc);
        let strings = |field: &str| -> Result<Option<Vec<String>>, Refusal> {
            match b.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|l| match l {
                        Value::String(s) => Some(s.clone()),
                        Value::Object(o) if field == "labels" => {
                            o.get("name").and_then(Value::as_str).map(str::to_string)
                        }
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(Some)
                    .ok_or_else(|| Box::new(bad(field, "an array of strings"))),
                Some(_) => no(bad(field, "an array")),
            }
        };
        let mut f = Fields {
            title: match b.get("title") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(_) => return no(bad("title", "a string or integer")),
            },
            body: match b.get("body") {
                None => None,
                Some(v @ (Value::Null | Value::String(_))) => Some(v.clone()),
                Some(_) => return no(bad("body", "a string or null")),
            },
            labels: strings("labels")?,
            assignees: strings("assignees")?,
            milestone: b.get("milestone").cloned(),
            kind: b.get("type").cloned(),
            state: match b.get("state") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return no(bad("state", "a string")),
            },
            state_reason: match b.get("state_reason") {
                None => None,
                Some(Value::Null) => Some(None),
                Some(Value::String(s)) => Some(Some(s.clone())),
                Some(_) => return no(bad("state_reason", "a string or null")),
            },
        };
        if let Some(a) = b.get("assignee").and_then(Value::as_str) {
            let list = f.assignees.get_or_insert_with(Vec::new);
            if !list.iter().any(|l| l == a) {
                list.insert(0, a.to_string());
            }
        }
        Ok(f)
    }

    /// What an update may not say: an unknown state or reason, an empty title.
    fn check_update(&self) -> Result<(), Refusal> {
        let invalid = |field: &str, value: &str| {
            validation(
                json!({"resource": "Issue", "code": "invalid", "field": field, "value": value}),
                DOC_UPDATE,
            )
        };
        if let Some(s) = self
            .state
            .as_deref()
            .filter(|s| !["open", "closed"].contains(s))
        {
            return no(invalid("state", s));
        }
        if let Some(Some(r)) = &self.state_reason
            && !REASONS.contains(&r.as_str())
        {
            return no(invalid("state_reason", r));
        }
        if self.title.as_deref() == Some("") {
            return no(validation(
                json!({"resource": "Issue", "code": "missing_field", "field": "title"}),
                DOC_UPDATE,
            ));
        }
        Ok(())
    }

    /// Without push access GitHub drops these, saying nothing.
    fn drop_triage(&mut self) {
        self.labels = None;
        self.assignees = None;
        self.milestone = None;
        self.kind = None;
    }
}

fn milestone_json(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        v => json!({"number": v, "title": v.to_string(), "state": "open"}),
    }
}

fn type_json(v: &Value) -> Value {
    match v.as_str() {
        Some(name) => json!({"name": name}),
        None => Value::Null,
    }
}

async fn create(
    State(fake): State<FakeGitHub>,
    Path((owner, repo)): Path<(String, String)>,
    body: String,
) -> Response {
    let (issue, hold, lose) = {
        let mut w = fake.inner.lock().unwrap();
        let i = match w.repo(&owner, &repo, DOC_CREATE) {
            Ok(i) => i,
            Err(r) => return *r,
        };
        let b = match object(&body, DOC_CREATE) {
            Ok(b) => b,
            Err(r) => return *r,
        };
        let mut f = match Fields::parse(&b, DOC_CREATE) {
            Ok(f) => f,
            Err(r) => return *r,
        };
        let Some(title) = f.title.take().filter(|t| !t.is_empty()) else {
            return validation(
                json!({"resource": "Issue", "code": "missing_field", "field": "title"}),
                DOC_CREATE,
            );
        };
        if !w.repos[i].push {
            f.drop_triage();
        }
        let assignees = match w.assignable(&f.assignees.unwrap_or_default(), DOC_CREATE) {
            Ok(a) => a,
            Err(r) => return *r,
        };
        let labels = w.labels(i, &f.labels.unwrap_or_default());
        let seq = w.next_seq();
        let r = &w.repos[i];
        let n = r.issues.len() + 1;
        let full = r.full_name();
        let url = format!("{}/repos/{full}/issues/{n}", w.base);
        let at = now();
        let issue = json!({
            "id": ISSUE_IDS + seq, "node_id": format!("I_kwDOFAKE{seq:06}"), "number": n,
            "title": title, "body": f.body.unwrap_or(Value::Null),
            "state": "open", "state_reason": null, "locked": false,
            "labels": labels, "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "assignees": assignees,
            "milestone": milestone_json(f.milestone.as_ref().unwrap_or(&Value::Null)),
            "type": type_json(f.kind.as_ref().unwrap_or(&Value::Null)),
            "comments": 0, "user": user(BOT), "author_association": "NONE",
            "created_at": at, "updated_at": at, "closed_at": null, "closed_by": null,
            "url": url, "comments_url": format!("{url}/comments"),
            "labels_url": format!("{url}/labels{{/name}}"), "events_url": format!("{url}/events"),
            "repository_url": format!("{}/repos/{full}", w.base),
            "html_url": format!("https://github.com/{full}/issues/{n}"),
        });
        w.repos[i].issues.push(Issue {
            json: issue.clone(),
            comments: Vec::new(),
        });
        w.creates += 1;
        w.created_bodies.push(b);
        let hold = w.hold_creates > 0;
        let lose = !hold && w.lose_creates > 0;
        if hold {
            w.hold_creates -= 1;
        } else if lose {
            w.lose_creates -= 1;
        }
        (issue, hold, lose)
    };
    if hold {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if lose {
        return answer(StatusCode::BAD_GATEWAY, json!({"message": "Server Error"}));
    }
    (StatusCode::CREATED, Json(issue)).into_response()
}

async fn update(
    State(fake): State<FakeGitHub>,
    Path((owner, repo, number)): Path<(String, String, String)>,
    body: String,
) -> Response {
    let mut w = fake.inner.lock().unwrap();
    let i = match w.repo(&owner, &repo, DOC_UPDATE) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let b = match object(&body, DOC_UPDATE) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let mut f = match Fields::parse(&b, DOC_UPDATE) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let Some(n) = number
        .parse::<u64>()
        .ok()
        .filter(|n| w.repos[i].has_issue(*n))
    else {
        return error(StatusCode::NOT_FOUND, "Not Found", DOC_UPDATE);
    };
    if let Err(r) = f.check_update() {
        return *r;
    }
    if !w.repos[i].push {
        f.drop_triage();
    }
    let assignees = match f.assignees.as_deref().map(|a| w.assignable(a, DOC_UPDATE)) {
        Some(Err(r)) => return *r,
        Some(Ok(a)) => Some(a),
        None => None,
    };
    let labels = f.labels.as_deref().map(|l| w.labels(i, l));
    let at = now();
    let issue = &mut w.repos[i].issue_mut(n).expect("checked above").json;
    if let Some(t) = f.title {
        issue["title"] = json!(t);
    }
    if let Some(b) = f.body {
        issue["body"] = b;
    }
    if let Some(l) = labels {
        issue["labels"] = json!(l);
    }
    if let Some(a) = assignees {
        issue["assignee"] = a.first().cloned().unwrap_or(Value::Null);
        issue["assignees"] = json!(a);
    }
    if let Some(m) = f.milestone {
        issue["milestone"] = milestone_json(&m);
    }
    if let Some(t) = f.kind {
        issue["type"] = type_json(&t);
    }
    set_state(issue, f.state.as_deref(), f.state_reason.flatten(), &at);
    issue["updated_at"] = json!(at);
    (StatusCode::OK, Json(issue.clone())).into_response()
}

/// Closes or reopens `issue` as an update asks. Closing without a reason is
/// `completed`; reopening is `reopened`; a reason alone changes a closed issue's.
fn set_state(issue: &mut Value, state: Option<&str>, reason: Option<String>, at: &str) {
    let was_closed = issue["state"] == "closed";
    let reason = reason.filter(|r| r != "reopened");
    match state {
        Some("closed") => {
            if !was_closed {
                issue["closed_at"] = json!(at);
                issue["closed_by"] = user(BOT);
            }
            issue["state"] = json!("closed");
            match reason {
                Some(r) => issue["state_reason"] = json!(r),
                None if !was_closed => issue["state_reason"] = json!("completed"),
                None => {}
            }
        }
        Some(_) if was_closed => reopen(issue),
        Some(_) => {}
        None => {
            if let (true, Some(r)) = (was_closed, reason) {
                issue["state_reason"] = json!(r);
            }
        }
    }
}

async fn show(
    State(fake): State<FakeGitHub>,
    Path((owner, repo, number)): Path<(String, String, String)>,
) -> Response {
    let mut w = fake.inner.lock().unwrap();
    let i = match w.repo(&owner, &repo, DOC_GET) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    match number
        .parse::<u64>()
        .ok()
        .and_then(|n| w.repos[i].issue_mut(n))
    {
        Some(issue) => (StatusCode::OK, Json(issue.json.clone())).into_response(),
        None => error(StatusCode::NOT_FOUND, "Not Found", DOC_GET),
    }
}

/// A query's parameters, in order.
fn params(q: Option<&str>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(q.unwrap_or("")).unwrap_or_default()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `since`, if given; a 422 if it is not ISO 8601.
fn since(
    params: &[(String, String)],
    resource: &str,
    doc: &str,
) -> Result<Option<DateTime<Utc>>, Refusal> {
    match param(params, "since") {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                Box::new(validation(
                    json!({"resource": resource, "code": "invalid", "field": "since", "value": s}),
                    doc,
                ))
            }),
    }
}

fn updated_since(v: &Value, since: Option<DateTime<Utc>>) -> bool {
    let Some(since) = since else { return true };
    v["updated_at"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|t| t >= since)
}

/// One page of `items` (`per_page`, at most 100, 30 by default; `page` from 1), with
/// the `link` header to the others.
fn page(items: Vec<Value>, params: &[(String, String)], base: &str, path: &str) -> Response {
    let number = |name: &str, default: usize| {
        param(params, name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let per_page = number("per_page", 30).clamp(1, 100);
    let page = number("page", 1).max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let chunk: Vec<Value> = items
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    let mut r = (StatusCode::OK, Json(Value::Array(chunk))).into_response();
    let keep: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "page" && k != "per_page")
        .cloned()
        .collect();
    let link = |p: usize, rel: &str| {
        let mut q = keep.clone();
        q.push(("per_page".into(), per_page.to_string()));
        q.push(("page".into(), p.to_string()));
        let q = serde_urlencoded::to_string(q).unwrap();
        format!("<{base}{path}?{q}>; rel=\"{rel}\"")
    };
    let mut rels = Vec::new();
    if page > 1 {
        rels.push(link(page - 1, "prev"));
    }
    if page < last {
        rels.push(link(page + 1, "next"));
        rels.push(link(last, "last"));
    }
    if page > 1 {
        rels.push(link(1, "first"));
    }
    if !rels.is_empty() {
        r.headers_mut()
            .insert("link", HeaderValue::from_str(&rels.join(", ")).unwrap());
    }
    r
}

async fn list(
    State(fake): State<FakeGitHub>,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let params = params(q.as_deref());
    let bad = |field: &str, value: &str| {
        validation(
            json!({"resource": "Issue", "code": "invalid", "field": field, "value": value}),
            DOC_LIST,
        )
    };
    let state = param(&params, "state").unwrap_or("open");
    if !["open", "closed", "all"].contains(&state) {
        return bad("state", state);
    }
    let sort = param(&params, "sort").unwrap_or("created");
    if !["created", "updated", "comments"].contains(&sort) {
        return bad("sort", sort);
    }
    let direction = param(&params, "direction").unwrap_or("desc");
    if !["asc", "desc"].contains(&direction) {
        return bad("direction", direction);
    }
    let labels: Vec<&str> = param(&params, "labels")
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let since = match since(&params, "Issue", DOC_LIST) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let w = fake.inner.lock().unwrap();
    let i = match w.repo(&owner, &repo, DOC_LIST) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let has_label = |issue: &Value, name: &str| {
        issue["labels"].as_array().is_some_and(|ls| {
            ls.iter().any(|l| {
                l["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        })
    };
    let mut found: Vec<Value> = w.repos[i]
        .issues
        .iter()
        .map(|x| &x.json)
        .filter(|x| state == "all" || x["state"] == state)
        .filter(|x| labels.iter().all(|l| has_label(x, l)))
        .filter(|x| updated_since(x, since))
        .cloned()
        .collect();
    let key = |x: &Value| {
        let by = match sort {
            "comments" => format!("{:012}", x["comments"].as_u64().unwrap_or(0)),
            "updated" => x["updated_at"].as_str().unwrap_or("").to_string(),
            _ => x["created_at"].as_str().unwrap_or("").to_string(),
        };
        (by, x["number"].as_u64().unwrap_or(0))
    };
    found.sort_by_key(key);
    if direction == "desc" {
        found.reverse();
    }
    let path = format!("/repos/{}/issues", w.repos[i].full_name());
    page(found, &params, &w.base, &path)
}

async fn comment(
    State(fake): State<FakeGitHub>,
    Path((owner, repo, number)): Path<(String, String, String)>,
    body: String,
) -> Response {
    let mut w = fake.inner.lock().unwrap();
    let i = match w.repo(&owner, &repo, DOC_COMMENT) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let b = match object(&body, DOC_COMMENT) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let text = match b.get("body") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            return validation(
                json!({"resource": "IssueComment", "code": "missing_field", "field": "body"}),
                DOC_COMMENT,
            );
        }
        Some(other) => return invalid_request("body", other, "a string", DOC_COMMENT),
    };
    let Some(n) = number
        .parse::<u64>()
        .ok()
        .filter(|n| w.repos[i].has_issue(*n))
    else {
        return error(StatusCode::NOT_FOUND, "Not Found", DOC_COMMENT);
    };
    let seq = w.next_seq();
    let id = COMMENT_IDS + seq;
    let full = w.repos[i].full_name();
    let at = now();
    let c = json!({
        "id": id, "node_id": format!("IC_kwDOFAKE{seq:06}"), "body": text,
        "user": user(BOT), "author_association": "NONE", "created_at": at, "updated_at": at,
        "url": format!("{}/repos/{full}/issues/comments/{id}", w.base),
        "issue_url": format!("{}/repos/{full}/issues/{n}", w.base),
        "html_url": format!("https://github.com/{full}/issues/{n}#issuecomment-{id}"),
    });
    let issue = w.repos[i].issue_mut(n).expect("checked above");
    issue.comments.push(c.clone());
    issue.json["comments"] = json!(issue.comments.len());
    issue.json["updated_at"] = json!(at);
    (StatusCode::CREATED, Json(c)).into_response()
}

async fn comments(
    State(fake): State<FakeGitHub>,
    Path((owner, repo, number)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let params = params(q.as_deref());
    let since = match since(&params, "IssueComment", DOC_COMMENTS) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let mut w = fake.inner.lock().unwrap();
    let i = match w.repo(&owner, &repo, DOC_COMMENTS) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let base = w.base.clone();
    let full = w.repos[i].full_name();
    let Some(issue) = number
        .parse::<u64>()
        .ok()
        .and_then(|n| w.repos[i].issue_mut(n))
    else {
        return error(StatusCode::NOT_FOUND, "Not Found", DOC_COMMENTS);
    };
    let found: Vec<Value> = issue
        .comments
        .iter()
        .filter(|c| updated_since(c, since))
        .cloned()
        .collect();
    let path = format!("/repos/{full}/issues/{number}/comments");
    page(found, &params, &base, &path)
}

#[cfg(test)]
mod tests {
    //! The fake against GitHub's documented behaviour, so the end-to-end tests can
    //! trust it (`cargo test --test e2e fake_github`).

    use super::*;

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .user_agent("warroom-fake-test")
            .build()
            .unwrap()
    }

    async fn call(
        gh: &FakeGitHub,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut rq = client()
            .request(method, format!("{}{path}", gh.url))
            .bearer_auth(TOKEN)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28");
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        let text = r.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn fake_github_signs_as_the_reference_says() {
        // The test vector in "Validating webhook deliveries".
        assert_eq!(
            signature("It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[tokio::test]
    async fn fake_github_checks_agent_and_token() {
        let gh = FakeGitHub::start().await;
        let url = format!("{}/repos/acme/api/issues", gh.url);
        let r = reqwest::Client::new()
            .get(&url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "no User-Agent");
        let r = client().get(&url).bearer_auth("nope").send().await.unwrap();
        assert_eq!(r.status(), 401);
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v,
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
        );
        let r = client()
            .get(&url)
            .header("authorization", format!("token {TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "5000");
        assert_eq!(r.headers()["x-ratelimit-remaining"], "4999");
        assert_eq!(r.headers()["x-ratelimit-used"], "1");
        assert_eq!(r.headers()["x-ratelimit-resource"], "core");
        assert!(r.headers().contains_key("x-ratelimit-reset"));
        assert_eq!(gh.log.len(), 1, "only the authorised request is recorded");
        let (_, _, _) = call(&gh, Method::GET, "/repos/acme/api/issues", None).await;
        assert_eq!(
            gh.headers.all()[1],
            (
                Some("application/vnd.github+json".into()),
                Some("2022-11-28".into()),
                Some("warroom-fake-test".into())
            )
        );
        let (s, _, v) = call(&gh, Method::GET, "/repos/acme/nothing/issues", None).await;
        assert_eq!((s, &v["message"]), (404, &json!("Not Found")));
    }

    #[tokio::test]
    async fn fake_github_creates_updates_and_lists_issues() {
        let gh = FakeGitHub::start().await;
        let new = json!({"title": "INC-1: checkout down", "body": "b", "labels": ["incident", {"name": "sev1"}],
            "assignees": ["alice"], "type": "Bug"});
        let (s, _, v) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(new.clone()),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["number"], 1);
        assert!(v["id"].as_u64().unwrap() > u64::from(u32::MAX));
        assert_eq!(v["state"], "open");
        assert_eq!(v["state_reason"], Value::Null);
        assert_eq!(v["labels"][1]["name"], "sev1");
        assert_eq!(v["labels"][0]["color"], "ededed");
        assert_eq!(v["labels"][0]["default"], false);
        assert_eq!(v["assignee"]["login"], "alice");
        assert_eq!(v["assignees"][0]["login"], "alice");
        assert_eq!(v["html_url"], "https://github.com/acme/api/issues/1");
        assert_eq!(v["url"], format!("{}/repos/acme/api/issues/1", gh.url));
        assert_eq!(v["user"]["login"], BOT);
        assert_eq!(v["type"]["name"], "Bug");
        assert_eq!(gh.created_bodies(), vec![new]);
        // A number is a title too.
        let (s, _, v) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(json!({"title": 42})),
        )
        .await;
        assert_eq!(
            (s, &v["title"], &v["number"]),
            (201, &json!("42"), &json!(2))
        );

        let (s, _, v) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(json!({"body": "x"})),
        )
        .await;
        assert_eq!(s, 422);
        assert_eq!(v["message"], "Validation Failed");
        assert_eq!(
            v["errors"][0],
            json!({"resource": "Issue", "code": "missing_field", "field": "title"})
        );
        let (s, _, v) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(json!({"title": "t", "assignees": ["mallory"]})),
        )
        .await;
        assert_eq!(s, 422);
        assert_eq!(
            v["errors"][0],
            json!({"resource": "Issue", "code": "invalid", "field": "assignees", "value": "mallory"})
        );
        gh.add_login("carol");
        let (s, _, _) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(json!({"title": "t", "assignees": ["carol"]})),
        )
        .await;
        assert_eq!(s, 201);
        assert_eq!(gh.creates(), 3);

        // Without push access: created, the triage fields dropped.
        let (s, _, v) = call(
            &gh,
            Method::POST,
            "/repos/acme/readonly/issues",
            Some(json!({"title": "t", "labels": ["x"], "assignees": ["mallory"], "milestone": 1})),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(
            (&v["labels"], &v["assignees"], &v["milestone"]),
            (&json!([]), &json!([]), &Value::Null)
        );
        assert_eq!(v["number"], 1, "numbered per repository");
        let (s, _, v) = call(
            &gh,
            Method::POST,
            "/repos/acme/noissues/issues",
            Some(json!({"title": "t"})),
        )
        .await;
        assert_eq!(s, 410);
        assert_eq!(
            v,
            json!({"message": "Issues are disabled for this repo",
                "documentation_url": "https://docs.github.com/v3/issues/", "status": "410"})
        );
        let (s, _, _) = call(&gh, Method::GET, "/repos/acme/noissues/issues", None).await;
        assert_eq!(s, 410);

        // Update: close, bad state, reopen, relabel.
        let (s, _, v) = call(
            &gh,
            Method::PATCH,
            "/repos/acme/api/issues/1",
            Some(json!({"state": "closed"})),
        )
        .await;
        assert_eq!(
            (s, &v["state"], &v["state_reason"]),
            (200, &json!("closed"), &json!("completed"))
        );
        assert!(v["closed_at"].is_string());
        let (s, _, v) = call(
            &gh,
            Method::PATCH,
            "/repos/acme/api/issues/1",
            Some(json!({"state": "done"})),
        )
        .await;
        assert_eq!((s, &v["errors"][0]["field"]), (422, &json!("state")));
        let (s, _, v) = call(
            &gh,
            Method::PATCH,
            "/repos/acme/api/issues/1",
            Some(json!({"state": "closed", "state_reason": "not_planned"})),
        )
        .await;
        assert_eq!((s, &v["state_reason"]), (200, &json!("not_planned")));
        let (s, _, v) = call(
            &gh,
            Method::PATCH,
            "/repos/acme/api/issues/1",
            Some(json!({"state": "open", "labels": ["other"], "title": "renamed"})),
        )
        .await;
        assert_eq!(
            (s, &v["state"], &v["state_reason"]),
            (200, &json!("open"), &json!("reopened"))
        );
        assert_eq!(
            (&v["closed_at"], &v["labels"][0]["name"], &v["title"]),
            (&Value::Null, &json!("other"), &json!("renamed"))
        );
        let (s, _, _) = call(
            &gh,
            Method::PATCH,
            "/repos/acme/api/issues/99",
            Some(json!({"title": "x"})),
        )
        .await;
        assert_eq!(s, 404);
        let (s, _, v) = call(&gh, Method::GET, "/repos/acme/api/issues/1", None).await;
        assert_eq!((s, &v["title"]), (200, &json!("renamed")));
        let (s, _, _) = call(&gh, Method::GET, "/repos/acme/api/issues/7", None).await;
        assert_eq!(s, 404);

        // Comments.
        let (s, _, c) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues/2/comments",
            Some(json!({"body": "hi"})),
        )
        .await;
        assert_eq!(s, 201);
        assert_eq!(c["body"], "hi");
        assert!(
            c["html_url"]
                .as_str()
                .unwrap()
                .starts_with("https://github.com/acme/api/issues/2#issuecomment-")
        );
        let (s, _, _) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues/2/comments",
            Some(json!({})),
        )
        .await;
        assert_eq!(s, 422);
        let (s, _, v) = call(&gh, Method::GET, "/repos/acme/api/issues/2/comments", None).await;
        assert_eq!((s, v.as_array().unwrap().len()), (200, 1));
        assert_eq!(
            gh.issue("acme/api", 2).unwrap()["comments"][0]["body"],
            "hi"
        );
        let (_, _, v) = call(&gh, Method::GET, "/repos/acme/api/issues/2", None).await;
        assert_eq!(v["comments"], 1, "the API counts comments");

        // Lists: state, labels, since, paging.
        gh.close_silently("acme/api", 3);
        let (_, _, v) = call(&gh, Method::GET, "/repos/acme/api/issues", None).await;
        let numbers = |v: &Value| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_u64().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(numbers(&v), vec![2, 1], "open ones, newest first");
        let (_, _, v) = call(
            &gh,
            Method::GET,
            "/repos/acme/api/issues?state=closed",
            None,
        )
        .await;
        assert_eq!(numbers(&v), vec![3]);
        let (_, _, v) = call(
            &gh,
            Method::GET,
            "/repos/acme/api/issues?state=all&direction=asc&labels=other",
            None,
        )
        .await;
        assert_eq!(numbers(&v), vec![1]);
        let (_, _, v) = call(
            &gh,
            Method::GET,
            "/repos/acme/api/issues?state=all&labels=other,sev1",
            None,
        )
        .await;
        assert_eq!(numbers(&v), Vec::<u64>::new());
        let later =
            (Utc::now() + chrono::Duration::seconds(5)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let (_, _, v) = call(
            &gh,
            Method::GET,
            &format!("/repos/acme/api/issues?state=all&since={later}"),
            None,
        )
        .await;
        assert_eq!(numbers(&v), Vec::<u64>::new());
        let (s, _, _) = call(
            &gh,
            Method::GET,
            "/repos/acme/api/issues?since=yesterday",
            None,
        )
        .await;
        assert_eq!(s, 422);
        let (_, h, v) = call(
            &gh,
            Method::GET,
            "/repos/acme/api/issues?state=all&sort=created&direction=asc&per_page=2",
            None,
        )
        .await;
        assert_eq!(numbers(&v), vec![1, 2]);
        let link = h["link"].to_str().unwrap();
        let next = format!(
            "<{}/repos/acme/api/issues?state=all&sort=created&direction=asc&per_page=2&page=2>; rel=\"next\"",
            gh.url
        );
        assert!(link.starts_with(&next), "{link}");
        assert!(link.contains("page=2>; rel=\"last\""), "{link}");
        let (_, h, v) = call(
            &gh,
            Method::GET,
            "/repos/acme/api/issues?state=all&sort=created&direction=asc&per_page=2&page=2",
            None,
        )
        .await;
        assert_eq!(numbers(&v), vec![3]);
        assert!(!h["link"].to_str().unwrap().contains("rel=\"next\""));
        let (_, h, _) = call(&gh, Method::GET, "/repos/acme/api/issues?state=all", None).await;
        assert!(!h.contains_key("link"), "one page: no link");

        assert_eq!(gh.issues("acme/api").len(), 3);
        assert_eq!(gh.issues("acme/readonly").len(), 1);
        let logged = gh.log.all();
        assert_eq!(logged[0].0, "POST");
        assert_eq!(logged[0].1, "/repos/acme/api/issues");
        assert_eq!(logged[0].2["title"], "INC-1: checkout down");
        assert!(
            logged
                .iter()
                .any(|(_, p, _)| p == "/repos/acme/api/issues?state=closed")
        );
    }

    #[tokio::test]
    async fn fake_github_limits_as_documented() {
        let gh = FakeGitHub::start().await;
        gh.secondary_limit(2, Duration::from_secs(1));
        for _ in 0..2 {
            let (s, _, _) = call(
                &gh,
                Method::POST,
                "/repos/acme/api/issues",
                Some(json!({"title": "t"})),
            )
            .await;
            assert_eq!(s, 201);
        }
        let (s, _, _) = call(&gh, Method::GET, "/repos/acme/api/issues", None).await;
        assert_eq!(s, 200, "reads are not content creation");
        let (s, h, v) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(json!({"title": "t"})),
        )
        .await;
        assert_eq!(s, 403);
        assert_eq!(h["retry-after"], "1");
        assert_ne!(h["x-ratelimit-remaining"], "0", "not the primary limit");
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .starts_with("You have exceeded a secondary rate limit")
        );
        assert_eq!(v["documentation_url"], DOC_SECONDARY);
        assert_eq!((gh.secondary_refusals(), gh.creates()), (1, 2));
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let (s, _, _) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(json!({"title": "t"})),
        )
        .await;
        assert_eq!(s, 201, "the window moved on");
        gh.secondary_limit(100, Duration::from_secs(60));

        gh.max_concurrent(1);
        gh.latency(Duration::from_millis(300));
        let (a, b) = tokio::join!(
            call(&gh, Method::GET, "/repos/acme/api/issues", None),
            call(&gh, Method::GET, "/repos/acme/api/issues", None)
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, [200, 403]);
        assert_eq!(gh.secondary_refusals(), 2);
        gh.max_concurrent(100);
        gh.latency(Duration::ZERO);

        gh.primary_exhausted_for(60);
        let (s, h, v) = call(&gh, Method::GET, "/repos/acme/api/issues", None).await;
        assert_eq!(s, 403);
        assert_eq!(h["x-ratelimit-remaining"], "0");
        assert_eq!(h["x-ratelimit-limit"], "5000");
        let reset: u64 = h["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
        assert!(reset >= epoch() + 58 && reset <= epoch() + 60, "{reset}");
        assert_eq!(v["message"], "API rate limit exceeded for user ID 1.");
        let (s, _, _) = call(&gh, Method::GET, "/repos/acme/api/issues", None).await;
        assert_eq!(s, 200);
    }

    #[tokio::test]
    async fn fake_github_fails_loses_and_holds() {
        let gh = FakeGitHub::start().await;
        gh.faults.fail(1, 503);
        let (s, _, v) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(json!({"title": "t"})),
        )
        .await;
        assert_eq!((s, v), (503, json!({"message": "Server Error"})));
        assert_eq!(gh.creates(), 0);
        gh.lose_next_creates(1);
        let (s, _, _) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(json!({"title": "lost"})),
        )
        .await;
        assert_eq!(s, 502);
        assert_eq!(gh.creates(), 1);
        assert_eq!(gh.issue("acme/api", 1).unwrap()["title"], "lost");
        gh.hold_next_create();
        let held = client()
            .post(format!("{}/repos/acme/api/issues", gh.url))
            .bearer_auth(TOKEN)
            .json(&json!({"title": "held"}))
            .timeout(Duration::from_millis(500))
            .send()
            .await;
        assert!(held.is_err_and(|e| e.is_timeout()));
        assert_eq!(gh.issue("acme/api", 2).unwrap()["title"], "held");
        let (s, _, _) = call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(json!({"title": "t"})),
        )
        .await;
        assert_eq!(s, 201);
    }

    #[tokio::test]
    async fn fake_github_sends_signed_webhooks() {
        type Got = Arc<Mutex<Vec<(axum::http::HeaderMap, axum::body::Bytes)>>>;
        let got: Got = Arc::default();
        let sink = got.clone();
        let app = axum::Router::new().route(
            "/hooks/github",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let sink = sink.clone();
                    async move {
                        // Checked as a receiver would, with its own HMAC.
                        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"s3cret").unwrap();
                        mac.update(&body);
                        let sent = header(&headers, "x-hub-signature-256").unwrap_or_default();
                        let ok = sent
                            .strip_prefix("sha256=")
                            .and_then(|h| hex::decode(h).ok())
                            .is_some_and(|sig| mac.verify_slice(&sig).is_ok());
                        sink.lock().unwrap().push((headers, body));
                        if ok {
                            StatusCode::OK
                        } else {
                            StatusCode::UNAUTHORIZED
                        }
                    }
                },
            ),
        );
        let target = format!("{}/hooks/github", serve(app).await);
        let gh = FakeGitHub::start().await;
        call(
            &gh,
            Method::POST,
            "/repos/acme/api/issues",
            Some(json!({"title": "t"})),
        )
        .await;

        assert_eq!(
            gh.close_by_hand("acme/api", 1, &target, "s3cret").await,
            200
        );
        let (h, body) = got.lock().unwrap()[0].clone();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["action"], "closed");
        assert_eq!(
            (&v["issue"]["state"], &v["issue"]["state_reason"]),
            (&json!("closed"), &json!("completed"))
        );
        assert_eq!(v["repository"]["full_name"], "acme/api");
        assert_eq!(v["repository"]["name"], "api");
        assert_eq!(v["repository"]["owner"]["login"], "acme");
        assert_eq!(v["sender"]["login"], "alice");
        assert_eq!(h["x-github-event"], "issues");
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["x-github-hook-id"], HOOK_ID.to_string().as_str());
        assert!(
            h["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("GitHub-Hookshot/")
        );
        assert_eq!(h["x-github-delivery"].len(), 36);
        assert_eq!(gh.issue("acme/api", 1).unwrap()["state"], "closed");

        assert_eq!(
            gh.reopen_by_hand("acme/api", 1, &target, "s3cret").await,
            200
        );
        assert_eq!(
            gh.assign_by_hand("acme/api", 1, "bob", &target, "s3cret")
                .await,
            200
        );
        assert_eq!(
            gh.edit_title_by_hand("acme/api", 1, "new", &target, "s3cret")
                .await,
            200
        );
        let sent: Vec<Value> = got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| serde_json::from_slice(b).unwrap())
            .collect();
        assert_eq!(
            (&sent[1]["action"], &sent[1]["issue"]["state_reason"]),
            (&json!("reopened"), &json!("reopened"))
        );
        assert_eq!(
            (&sent[2]["action"], &sent[2]["assignee"]["login"]),
            (&json!("assigned"), &json!("bob"))
        );
        assert_eq!(sent[2]["issue"]["assignees"][0]["login"], "bob");
        assert_eq!(
            (&sent[3]["action"], &sent[3]["changes"]["title"]["from"]),
            (&json!("edited"), &json!("t"))
        );
        assert_eq!(gh.issue("acme/api", 1).unwrap()["title"], "new");

        assert_eq!(gh.redeliver(&target).await, 200);
        let d = gh.deliveries.all();
        assert_eq!(d[3].0, d[4].0, "a redelivery keeps its GUID");
        assert_ne!(d[2].0, d[3].0);

        let body = br#"{"action":"closed"}"#;
        assert_eq!(
            gh.send_webhook_raw(&target, "issues", body, Some("sha256=00"))
                .await,
            401
        );
        assert_eq!(
            gh.send_webhook_raw(&target, "issues", body, None).await,
            401
        );
        let good = signature("s3cret", body);
        assert_eq!(
            gh.send_webhook_raw(&target, "ping", body, Some(&good))
                .await,
            200
        );
        assert_eq!(
            gh.send_webhook_raw("http://127.0.0.1:9/none", "issues", body, None)
                .await,
            0
        );

        gh.close_silently("acme/api", 1);
        gh.reopen_silently("acme/api", 1);
        assert_eq!(gh.issue("acme/api", 1).unwrap()["state"], "open");
        assert_eq!(got.lock().unwrap().len(), 8, "silent changes send nothing");
    }
}
