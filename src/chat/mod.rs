//! The `Chat` port: the only way out to people. Implementations: Slack (Web API via
//! slack-morphism), the local shell, and in tests the Slack one against a fake Web API
//! on loopback.

pub mod advice;
pub mod message;

use std::time::Duration;

use async_trait::async_trait;

pub use advice::advice;
pub use message::{Block, Button, ButtonStyle, Input, InputKind, Message, Modal};

/// Why a chat call failed, sorted by what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// Too many calls: wait (Slack's `Retry-After` when given) and try again.
    #[error("rate limited (retry after {0:?})")]
    RateLimited(Option<Duration>),
    /// 5xx, network failure, timeout: try again later.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// An `ok:false` answer with its error code, e.g. `name_taken`.
    #[error("Slack answered {0}")]
    Api(String),
    /// Not called: the method's rate budget on this side has no slot before this long
    /// (a queued job's slot is reserved for then).
    #[error("held back by the rate limiter for {0:?}")]
    Throttled(Duration),
}

impl ChatError {
    /// The Slack error code of an `ok:false` answer.
    pub fn code(&self) -> Option<&str> {
        match self {
            ChatError::Api(c) => Some(c),
            _ => None,
        }
    }

    /// True when trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            ChatError::RateLimited(_) | ChatError::Unavailable(_) | ChatError::Throttled(_) => true,
            ChatError::Api(code) => matches!(
                code.as_str(),
                "ratelimited"
                    | "rate_limited"
                    | "internal_error"
                    | "fatal_error"
                    | "service_unavailable"
                    | "request_timeout"
                    | "team_added_to_org"
            ),
        }
    }
}

tokio::task_local! {
    static JOB: JobScope;
}

/// The queued job a chat call is made for: its ID keeps a reserved rate slot, and
/// the count of calls that got through tells whether putting the job back is free of
/// side effects.
#[derive(Debug)]
struct JobScope {
    id: i64,
    calls: std::sync::atomic::AtomicU32,
    /// Nobody waits for this job's calls (a repeat): they take free slots only.
    patient: std::sync::atomic::AtomicBool,
}

/// Runs `f` as job `id`'s chat calls; returns its output and how many calls Slack
/// accepted meanwhile.
pub async fn as_job<F: std::future::Future>(id: i64, f: F) -> (F::Output, u32) {
    let scope = JobScope {
        id,
        calls: std::sync::atomic::AtomicU32::new(0),
        patient: std::sync::atomic::AtomicBool::new(false),
    };
    JOB.scope(scope, async {
        let out = f.await;
        let calls = JOB
            .try_with(|s| s.calls.load(std::sync::atomic::Ordering::Relaxed))
            .unwrap_or(0);
        (out, calls)
    })
    .await
}

/// The queued job the current call is made for, if any.
pub fn current_job() -> Option<i64> {
    JOB.try_with(|s| s.id).ok()
}

/// Marks the current job's calls as ones nobody waits for (a repeat): the rate
/// limiter gives them free slots only, never one ahead of a job people wait for.
pub fn be_patient() {
    let _ = JOB.try_with(|s| s.patient.store(true, std::sync::atomic::Ordering::Relaxed));
}

/// Whether the current job's calls are patient ([`be_patient`]).
pub fn patient() -> bool {
    JOB.try_with(|s| s.patient.load(std::sync::atomic::Ordering::Relaxed))
        .unwrap_or(false)
}

/// Counts a call the chat accepted for the current job.
pub fn count_call() {
    let _ = JOB.try_with(|s| s.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
}

/// A channel found by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    pub id: String,
    pub name: String,
    pub creator: Option<String>,
    pub archived: bool,
}

/// A message read back from a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    pub user: Option<String>,
    pub text: String,
    pub ts: String,
}

/// A document warroom publishes in a channel (the postmortem draft).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    pub filename: String,
    pub markdown: String,
}

/// A file warroom shares in a channel (a calendar invitation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub title: String,
    pub filename: String,
    /// Its media type (`text/calendar; charset=utf-8`).
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Where a published document went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// A channel canvas, edited in place by later versions.
    Canvas { id: String },
    /// A Markdown file (where canvases are unavailable); each version is a new file.
    File {
        id: String,
        permalink: Option<String>,
    },
}

pub type ChatResult<T> = Result<T, ChatError>;

/// Everything warroom does to a chat workspace.
#[async_trait]
pub trait Chat: Send + Sync {
    /// The bot's own user ID.
    async fn bot_user_id(&self) -> ChatResult<String>;
    /// Creates a channel and returns its ID; `Api("name_taken")` when the name is used.
    async fn create_channel(&self, name: &str, private: bool) -> ChatResult<String>;
    /// Looks a channel up by name among those the bot can see.
    async fn find_channel(&self, name: &str) -> ChatResult<Option<ChannelInfo>>;
    async fn invite(&self, channel: &str, users: &[String]) -> ChatResult<()>;
    async fn set_topic(&self, channel: &str, topic: &str) -> ChatResult<()>;
    /// Posts and returns the message's ts. `key` is stored with the message so that
    /// [`Chat::find_posted`] can tell whether an earlier attempt got through.
    async fn post(&self, channel: &str, msg: &Message, key: &str) -> ChatResult<String>;
    async fn find_posted(&self, channel: &str, key: &str) -> ChatResult<Option<String>>;
    async fn update(&self, channel: &str, ts: &str, msg: &Message) -> ChatResult<()>;
    async fn pin(&self, channel: &str, ts: &str) -> ChatResult<()>;
    async fn post_ephemeral(&self, channel: &str, user: &str, msg: &Message) -> ChatResult<()>;
    async fn fetch_message(&self, channel: &str, ts: &str) -> ChatResult<Option<FetchedMessage>>;
    async fn open_modal(&self, trigger_id: &str, modal: &Modal) -> ChatResult<()>;
    /// A user's display name (for channel topics, which cannot mention).
    async fn user_name(&self, user: &str) -> ChatResult<String>;
    /// The Slack user with this email address (`users.lookupByEmail`), None when
    /// nobody in the workspace has it.
    async fn user_by_email(&self, email: &str) -> ChatResult<Option<String>>;
    /// A user's email address (`users.info`, scope `users:read.email`), None when
    /// Slack does not show it.
    async fn user_email(&self, user: &str) -> ChatResult<Option<String>>;
    /// The members of a user group (`usergroups.users.list`, scope `usergroups:read`).
    async fn group_members(&self, group: &str) -> ChatResult<Vec<String>>;
    /// Bookmarks `link` in a channel under `title`, unless a bookmark of that link is
    /// there already (`bookmarks.list`, then `bookmarks.add`; scope `bookmarks:write`).
    async fn bookmark(&self, channel: &str, title: &str, link: &str) -> ChatResult<()>;
    /// Publishes a document in a channel: replaces the canvas `existing` names, else
    /// creates the channel's canvas, else (no canvases on this workspace) uploads it as
    /// a Markdown file.
    async fn publish(
        &self,
        channel: &str,
        doc: &Document,
        existing: Option<&Published>,
    ) -> ChatResult<Published>;
    /// Shares a file in a channel (`files.getUploadURLExternal`, the upload, then
    /// `files.completeUploadExternal`; scope `files:write`).
    async fn upload(&self, channel: &str, file: &Upload) -> ChatResult<Published>;
    /// `replicas` warroom processes share the workspace's rate limits now.
    fn share_rate_limits(&self, _replicas: u32) {}
}
