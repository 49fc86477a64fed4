//! A fake of GitHub's Git and pull-request REST endpoints, built from the published
//! reference (docs.github.com/en/rest: git/refs, repos/contents, pulls, pulls/reviews,
//! pulls/review-requests, issues/labels), with its answer and error shapes:
//! `{"message": …, "documentation_url": …}`, 404 "Not Found", 409 when a contents
//! update names a blob the branch no longer has, 422 "Reference already exists",
//! 422 "Validation Failed" with `errors[].message` ("A pull request already exists
//! for …", "Review cannot be requested from pull request author.", a review comment
//! on a line the file lacks), 401 "Bad credentials". A test can lose the answer to
//! the next writes (GitHub made the change, the client sees a 502), merge a pull
//! request by hand and send the signed `pull_request` delivery GitHub would.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::fake_github::signature;
use super::faults::{Losses, Record, serve};

/// The token the fake accepts.
pub const TOKEN: &str = "ghp_pulls_fake_token";
/// The login the token belongs to (GitHub refuses it as a reviewer of its own pull
/// request).
pub const BOT_LOGIN: &str = "warroom-bot";

/// A commit: its files (path → text).
#[derive(Clone, Default)]
struct Commit {
    files: BTreeMap<String, String>,
}

#[derive(Clone)]
struct Pull {
    number: u64,
    head: String,
    base: String,
    title: String,
    body: String,
    merged: bool,
    labels: Vec<String>,
    reviewers: Vec<String>,
    reviews: Vec<Value>,
}

#[derive(Default)]
struct Inner {
    /// Commit sha → commit.
    commits: BTreeMap<String, Commit>,
    /// (repo, branch) → the commit it points at.
    branches: BTreeMap<(String, String), String>,
    /// (repo, branch) → the commits made on it, oldest first.
    history: BTreeMap<(String, String), Vec<String>>,
    pulls: BTreeMap<String, Vec<Pull>>,
    collaborators: Vec<String>,
    /// Pull requests whose answer is held (made, then no answer for an hour).
    hold: usize,
    seq: u64,
    base_url: String,
}

impl Inner {
    fn next_sha(&mut self) -> String {
        self.seq += 1;
        format!("{:040x}", 0xabc0_0000_u64 + self.seq)
    }
}

fn blob_sha(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(text.as_bytes())[..20])
}

#[derive(Clone)]
pub struct FakeGitHubPulls {
    inner: Arc<Mutex<Inner>>,
    /// (method, path) of every authorised request.
    pub log: Record<(String, String)>,
    losses: Losses,
    pub url: String,
}

fn error(status: StatusCode, message: &str, doc: &str) -> Response {
    (
        status,
        Json(json!({"message": message, "documentation_url": format!("https://docs.github.com/rest/{doc}"), "status": status.as_u16().to_string()})),
    )
        .into_response()
}

fn invalid(message: &str, doc: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": message}],
            "documentation_url": format!("https://docs.github.com/rest/{doc}"), "status": "422"})),
    )
        .into_response()
}

impl FakeGitHubPulls {
    /// A fake holding `repo` with a `main` branch that has a README.
    pub async fn start(repo: &str) -> FakeGitHubPulls {
        let mut fake = FakeGitHubPulls {
            inner: Arc::new(Mutex::new(Inner::default())),
            log: Record::default(),
            losses: Losses::default(),
            url: String::new(),
        };
        fake.add_branch(repo, "main");
        let app = axum::Router::new()
            .route(
                "/repos/{owner}/{repo}/git/ref/{*name}",
                axum::routing::get(get_ref),
            )
            .route(
                "/repos/{owner}/{repo}/git/refs",
                axum::routing::post(create_ref),
            )
            .route(
                "/repos/{owner}/{repo}/contents/{*path}",
                axum::routing::get(get_file).put(put_file),
            )
            .route(
                "/repos/{owner}/{repo}/pulls",
                axum::routing::get(list_pulls).post(create_pull),
            )
            .route(
                "/repos/{owner}/{repo}/pulls/{n}",
                axum::routing::get(show_pull),
            )
            .route(
                "/repos/{owner}/{repo}/pulls/{n}/requested_reviewers",
                axum::routing::post(request_reviewers),
            )
            .route(
                "/repos/{owner}/{repo}/pulls/{n}/reviews",
                axum::routing::get(list_reviews).post(create_review),
            )
            .route(
                "/repos/{owner}/{repo}/issues/{n}/labels",
                axum::routing::post(add_labels),
            )
            .fallback(|| async { error(StatusCode::NOT_FOUND, "Not Found", "") })
            .layer(axum::middleware::from_fn_with_state(fake.clone(), gate))
            .with_state(fake.clone());
        fake.url = serve(app).await;
        fake.inner.lock().unwrap().base_url = fake.url.clone();
        fake
    }

    /// Makes `branch` of `repo` (from nothing: a README).
    pub fn add_branch(&self, repo: &str, branch: &str) {
        let mut w = self.inner.lock().unwrap();
        let sha = w.next_sha();
        let mut c = Commit::default();
        c.files.insert("README.md".into(), "# postmortems\n".into());
        w.commits.insert(sha.clone(), c);
        w.branches.insert((repo.into(), branch.into()), sha);
    }

    pub fn add_collaborator(&self, login: &str) {
        self.inner.lock().unwrap().collaborators.push(login.into());
    }

    /// The next pull request is made but its answer held back (warroom may be killed
    /// meanwhile).
    pub fn hold_next_pull(&self) {
        self.inner.lock().unwrap().hold += 1;
    }

    /// The next `n` writes are done but their answers lost (502).
    pub fn lose_next(&self, n: usize) {
        self.losses.next(n);
    }

    /// The branches of `repo`.
    pub fn branches(&self, repo: &str) -> Vec<String> {
        let r = self.inner.lock().unwrap();
        r.branches
            .keys()
            .filter(|(rp, _)| rp == repo)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// The commits made on `branch` (beyond where it started).
    pub fn commits(&self, repo: &str, branch: &str) -> usize {
        let r = self.inner.lock().unwrap();
        r.history
            .get(&(repo.into(), branch.into()))
            .map_or(0, Vec::len)
    }

    /// The text of `path` on `branch`.
    pub fn file(&self, repo: &str, branch: &str, path: &str) -> Option<String> {
        let r = self.inner.lock().unwrap();
        let sha = r.branches.get(&(repo.into(), branch.into()))?;
        r.commits.get(sha)?.files.get(path).cloned()
    }

    /// Every pull request of `repo`, as GitHub shows it, with its labels, requested
    /// reviewers and reviews.
    pub fn pulls(&self, repo: &str) -> Vec<Value> {
        let r = self.inner.lock().unwrap();
        r.pulls
            .get(repo)
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        let mut v = pull_json(&r, repo, p);
                        v["requested_reviewers"] = json!(p.reviewers);
                        v["labels"] = json!(p.labels);
                        v["reviews"] = json!(p.reviews);
                        v
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Merges pull request `n` by hand and sends the signed `pull_request` delivery
    /// (action `closed`, `merged: true`) to `target`; the status it answered.
    pub async fn merge_by_hand(&self, repo: &str, n: u64, target: &str, secret: &str) -> u16 {
        let payload = {
            let mut w = self.inner.lock().unwrap();
            let pulls = w
                .pulls
                .get_mut(repo)
                .expect("a repository with pull requests");
            let p = pulls
                .iter_mut()
                .find(|p| p.number == n)
                .expect("the pull request");
            p.merged = true;
            let p = p.clone();
            let mut pj = pull_json(&w, repo, &p);
            pj["merged_by"] = json!({"login": "carol", "id": 3, "type": "User"});
            json!({"action": "closed", "number": n, "pull_request": pj,
                "repository": {"full_name": repo, "id": 900_001}, "sender": {"login": "carol", "id": 3}})
        };
        let body = serde_json::to_vec(&payload).unwrap();
        reqwest::Client::new()
            .post(target)
            .header("X-GitHub-Event", "pull_request")
            .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
            .header("X-Hub-Signature-256", signature(secret, &body))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }
}

fn pull_json(r: &Inner, repo: &str, p: &Pull) -> Value {
    let head_sha = r
        .branches
        .get(&(repo.to_string(), p.head.clone()))
        .cloned()
        .unwrap_or_default();
    json!({
        "number": p.number,
        "html_url": format!("https://github.example/{repo}/pull/{}", p.number),
        "url": format!("{}/repos/{repo}/pulls/{}", r.base_url, p.number),
        "state": if p.merged { "closed" } else { "open" },
        "title": p.title,
        "body": p.body,
        "merged": p.merged,
        "merged_at": if p.merged { json!("2026-01-16T10:00:00Z") } else { Value::Null },
        "user": {"login": BOT_LOGIN},
        "head": {"ref": p.head, "sha": head_sha, "label": format!("{}:{}", repo.split('/').next().unwrap_or(""), p.head)},
        "base": {"ref": p.base},
    })
}

/// The token, the record, and the answers to lose.
async fn gate(State(fake): State<FakeGitHubPulls>, req: Request, next: Next) -> Response {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {TOKEN}") {
        return error(
            StatusCode::UNAUTHORIZED,
            "Bad credentials",
            "overview/troubleshooting-the-rest-api",
        );
    }
    let write = req.method() != axum::http::Method::GET;
    fake.log
        .push((req.method().to_string(), req.uri().to_string()));
    let answer = next.run(req).await;
    fake.losses.pass(write, answer)
}

type Repo = Path<(String, String)>;

async fn get_ref(
    State(f): State<FakeGitHubPulls>,
    Path((o, r, name)): Path<(String, String, String)>,
) -> Response {
    let repo = format!("{o}/{r}");
    let Some(branch) = name.strip_prefix("heads/") else {
        return error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "git/refs#get-a-reference",
        );
    };
    let w = f.inner.lock().unwrap();
    match w.branches.get(&(repo, branch.to_string())) {
        Some(sha) => Json(json!({"ref": format!("refs/heads/{branch}"), "object": {"sha": sha, "type": "commit"}})).into_response(),
        None => error(StatusCode::NOT_FOUND, "Not Found", "git/refs#get-a-reference"),
    }
}

async fn create_ref(
    State(f): State<FakeGitHubPulls>,
    Path((o, r)): Repo,
    Json(b): Json<Value>,
) -> Response {
    let repo = format!("{o}/{r}");
    let (Some(name), Some(sha)) = (b["ref"].as_str(), b["sha"].as_str()) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid request.",
            "git/refs#create-a-reference",
        );
    };
    let Some(branch) = name.strip_prefix("refs/heads/") else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Reference name must start with 'refs/'.",
            "git/refs#create-a-reference",
        );
    };
    let mut w = f.inner.lock().unwrap();
    if !w.commits.contains_key(sha) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Object does not exist",
            "git/refs#create-a-reference",
        );
    }
    let key = (repo, branch.to_string());
    if w.branches.contains_key(&key) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Reference already exists",
            "git/refs#create-a-reference",
        );
    }
    w.branches.insert(key, sha.to_string());
    (
        StatusCode::CREATED,
        Json(json!({"ref": name, "object": {"sha": sha, "type": "commit"}})),
    )
        .into_response()
}

async fn get_file(
    State(f): State<FakeGitHubPulls>,
    Path((o, r, path)): Path<(String, String, String)>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let repo = format!("{o}/{r}");
    let branch = q.get("ref").cloned().unwrap_or_else(|| "main".into());
    let w = f.inner.lock().unwrap();
    let text = w
        .branches
        .get(&(repo, branch))
        .and_then(|sha| w.commits.get(sha))
        .and_then(|c| c.files.get(&path));
    match text {
        Some(t) => {
            // GitHub wraps the base64 at 60 characters.
            let enc = STANDARD.encode(t);
            let wrapped: Vec<String> = enc
                .as_bytes()
                .chunks(60)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            Json(json!({"type": "file", "encoding": "base64", "path": path, "name": path.rsplit('/').next(),
                "sha": blob_sha(t), "size": t.len(), "content": wrapped.join("\n") + "\n"}))
            .into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "repos/contents#get-repository-content",
        ),
    }
}

async fn put_file(
    State(f): State<FakeGitHubPulls>,
    Path((o, r, path)): Path<(String, String, String)>,
    Json(b): Json<Value>,
) -> Response {
    let doc = "repos/contents#create-or-update-file-contents";
    let repo = format!("{o}/{r}");
    let (Some(_message), Some(content)) = (b["message"].as_str(), b["content"].as_str()) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid request.\n\n\"message\", \"content\" weren't supplied.",
            doc,
        );
    };
    let Some(text) = STANDARD
        .decode(content)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "content is not valid Base64",
            doc,
        );
    };
    let branch = b["branch"].as_str().unwrap_or("main").to_string();
    let mut w = f.inner.lock().unwrap();
    let key = (repo, branch);
    let Some(head) = w.branches.get(&key).cloned() else {
        return error(StatusCode::NOT_FOUND, "Branch not found", doc);
    };
    let mut commit = w.commits[&head].clone();
    let existing = commit.files.get(&path).map(|t| blob_sha(t));
    match (&existing, b["sha"].as_str()) {
        (Some(_), None) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid request.\n\n\"sha\" wasn't supplied.",
                doc,
            );
        }
        (Some(have), Some(given)) if have != given => {
            return error(
                StatusCode::CONFLICT,
                &format!("{path} does not match {given}"),
                doc,
            );
        }
        _ => {}
    }
    commit.files.insert(path.clone(), text.clone());
    let sha = w.next_sha();
    w.commits.insert(sha.clone(), commit);
    w.branches.insert(key.clone(), sha.clone());
    w.history.entry(key).or_default().push(sha.clone());
    let status = if existing.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (
        status,
        Json(json!({"content": {"path": path, "sha": blob_sha(&text)}, "commit": {"sha": sha}})),
    )
        .into_response()
}

async fn list_pulls(
    State(f): State<FakeGitHubPulls>,
    Path((o, r)): Repo,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let repo = format!("{o}/{r}");
    let w = f.inner.lock().unwrap();
    let head = q
        .get("head")
        .and_then(|h| h.split_once(':'))
        .map(|(_, b)| b.to_string());
    let all = q.get("state").map(String::as_str) == Some("all");
    let list: Vec<Value> = w
        .pulls
        .get(&repo)
        .into_iter()
        .flatten()
        .filter(|p| head.as_ref().is_none_or(|h| *h == p.head))
        .filter(|p| all || !p.merged)
        .map(|p| pull_json(&w, &repo, p))
        .collect();
    Json(json!(list)).into_response()
}

async fn create_pull(
    State(f): State<FakeGitHubPulls>,
    Path((o, r)): Repo,
    Json(b): Json<Value>,
) -> Response {
    let (answer, hold) = make_pull(&f, &o, &r, &b);
    if hold {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
    answer
}

/// Opens the pull request; whether its answer is to be held.
fn make_pull(f: &FakeGitHubPulls, o: &str, r: &str, b: &Value) -> (Response, bool) {
    let doc = "pulls/pulls#create-a-pull-request";
    let repo = format!("{o}/{r}");
    let (Some(title), Some(head), Some(base)) =
        (b["title"].as_str(), b["head"].as_str(), b["base"].as_str())
    else {
        return (
            error(StatusCode::UNPROCESSABLE_ENTITY, "Invalid request.", doc),
            false,
        );
    };
    let mut w = f.inner.lock().unwrap();
    for branch in [head, base] {
        if !w.branches.contains_key(&(repo.clone(), branch.to_string())) {
            return (invalid(&format!("{branch} is not a branch"), doc), false);
        }
    }
    if w.pulls
        .get(&repo)
        .is_some_and(|ps| ps.iter().any(|p| p.head == head && !p.merged))
    {
        return (
            invalid(
                &format!("A pull request already exists for {o}:{head}."),
                doc,
            ),
            false,
        );
    }
    let number = w.pulls.values().map(Vec::len).sum::<usize>() as u64 + 1;
    let p = Pull {
        number,
        head: head.into(),
        base: base.into(),
        title: title.into(),
        body: b["body"].as_str().unwrap_or_default().into(),
        merged: false,
        labels: vec![],
        reviewers: vec![],
        reviews: vec![],
    };
    let v = pull_json(&w, &repo, &p);
    w.pulls.entry(repo).or_default().push(p);
    let hold = w.hold > 0;
    if hold {
        w.hold -= 1;
    }
    ((StatusCode::CREATED, Json(v)).into_response(), hold)
}

fn with_pull<T>(
    f: &FakeGitHubPulls,
    repo: &str,
    n: &str,
    act: impl FnOnce(&mut Pull, &Inner) -> T,
) -> Option<T> {
    let mut w = f.inner.lock().unwrap();
    let n: u64 = n.parse().ok()?;
    let mut p = w.pulls.get(repo)?.iter().find(|p| p.number == n)?.clone();
    let out = act(&mut p, &w);
    let slot = w.pulls.get_mut(repo)?.iter_mut().find(|x| x.number == n)?;
    *slot = p;
    Some(out)
}

async fn show_pull(
    State(f): State<FakeGitHubPulls>,
    Path((o, r, n)): Path<(String, String, String)>,
) -> Response {
    let repo = format!("{o}/{r}");
    with_pull(&f, &repo, &n, |p, w| {
        Json(pull_json(w, &repo, p)).into_response()
    })
    .unwrap_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "pulls/pulls#get-a-pull-request",
        )
    })
}

async fn request_reviewers(
    State(f): State<FakeGitHubPulls>,
    Path((o, r, n)): Path<(String, String, String)>,
    Json(b): Json<Value>,
) -> Response {
    let repo = format!("{o}/{r}");
    let collaborators = f.inner.lock().unwrap().collaborators.clone();
    let logins: Vec<String> = b["reviewers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect();
    if logins.iter().any(|l| l == BOT_LOGIN) {
        return invalid(
            "Review cannot be requested from pull request author.",
            "pulls/review-requests",
        );
    }
    if let Some(l) = logins.iter().find(|l| !collaborators.contains(l)) {
        return invalid(
            &format!(
                "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the {repo} repository. ({l})"
            ),
            "pulls/review-requests",
        );
    }
    with_pull(&f, &repo, &n, |p, w| {
        for l in logins {
            if !p.reviewers.contains(&l) {
                p.reviewers.push(l);
            }
        }
        (StatusCode::CREATED, Json(pull_json(w, &repo, p))).into_response()
    })
    .unwrap_or_else(|| error(StatusCode::NOT_FOUND, "Not Found", "pulls/review-requests"))
}

async fn add_labels(
    State(f): State<FakeGitHubPulls>,
    Path((o, r, n)): Path<(String, String, String)>,
    Json(b): Json<Value>,
) -> Response {
    let repo = format!("{o}/{r}");
    let labels: Vec<String> = b["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect();
    with_pull(&f, &repo, &n, |p, _| {
        for l in labels {
            if !p.labels.contains(&l) {
                p.labels.push(l);
            }
        }
        Json(json!(
            p.labels
                .iter()
                .map(|l| json!({"name": l}))
                .collect::<Vec<_>>()
        ))
        .into_response()
    })
    .unwrap_or_else(|| error(StatusCode::NOT_FOUND, "Not Found", "issues/labels"))
}

async fn list_reviews(
    State(f): State<FakeGitHubPulls>,
    Path((o, r, n)): Path<(String, String, String)>,
) -> Response {
    let repo = format!("{o}/{r}");
    with_pull(&f, &repo, &n, |p, _| Json(json!(p.reviews)).into_response())
        .unwrap_or_else(|| error(StatusCode::NOT_FOUND, "Not Found", "pulls/reviews"))
}

async fn create_review(
    State(f): State<FakeGitHubPulls>,
    Path((o, r, n)): Path<(String, String, String)>,
    Json(b): Json<Value>,
) -> Response {
    let repo = format!("{o}/{r}");
    with_pull(&f, &repo, &n, |p, w| {
        let head = w.branches.get(&(repo.clone(), p.head.clone())).cloned().unwrap_or_default();
        if b["commit_id"].as_str() != Some(head.as_str()) {
            return invalid("commit_id is not part of the pull request", "pulls/reviews");
        }
        let files = &w.commits[&head].files;
        for c in b["comments"].as_array().into_iter().flatten() {
            let lines = c["path"].as_str().and_then(|path| files.get(path)).map(|t| t.lines().count());
            let line = c["line"].as_u64().unwrap_or(0) as usize;
            if lines.is_none_or(|n| line == 0 || line > n) {
                return (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"message": "Unprocessable Entity",
                    "errors": ["Line could not be resolved"], "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request", "status": "422"}))).into_response();
            }
        }
        let review = json!({"id": p.reviews.len() + 1, "body": b["body"], "state": "COMMENTED", "commit_id": head,
            "event": b["event"], "comments": b["comments"], "user": {"login": BOT_LOGIN}});
        p.reviews.push(review.clone());
        Json(review).into_response()
    })
    .unwrap_or_else(|| error(StatusCode::NOT_FOUND, "Not Found", "pulls/reviews"))
}
