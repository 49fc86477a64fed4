//! Persistence with sqlx on SQLite (the embedded default) or PostgreSQL (several
//! replicas), through sqlx's `Any` driver so that one set of queries serves both.
//! Every query binds its parameters. Times are stored as UTC milliseconds.
//!
//! Operations are free functions in their table's module, and take: a write, `&mut Tx`
//! (inside a transaction, [`Store::begin`]); a read, `&mut impl Db` (a [`Tx`], seeing its
//! writes, or a [`Reader`] from [`Store::conn`]); what runs on its own outside any caller's
//! transaction (job claims, heartbeats, prunes, the kv cache, gauges), `&Store`. No sqlx
//! type leaves `store/`: `Tx` and `Reader` do not deref to a connection.

pub mod actions;
pub mod events;
pub mod external;
pub mod incidents;
pub mod insights;
pub mod jobs;
pub mod postmortem_documents;
pub mod postmortems;
pub mod rate_buckets;
pub mod samples;
pub mod tickets;
pub mod timeline;
pub mod warnings;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use crate::domain::severity::Scale;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{
    Any, AnyConnection, AnyPool, AssertSqlSafe, ConnectOptions, Connection, Executor, Transaction,
};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The database did not answer within the time a caller could wait.
    #[error("the database did not answer in time")]
    TimedOut,
    /// Background work's turn to write did not come in time (SQLite held by a writer
    /// that is itself waiting for another process's lock).
    #[error("database is locked: no turn to write in time")]
    Busy,
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Why the database could not do what was asked, when it is the database's state
/// rather than the request: what people are told, and what `/readyz` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Not reachable: stopped, refused, timed out, connection lost.
    Unreachable,
    /// Locked by another process longer than the busy timeout (SQLite).
    Locked,
    /// No space left for writes.
    Full,
}

impl StoreError {
    /// The outage behind this error, if it is one.
    pub fn outage(&self) -> Option<Outage> {
        let e = match self {
            StoreError::Db(e) => e,
            StoreError::TimedOut => return Some(Outage::Unreachable),
            StoreError::Busy => return Some(Outage::Locked),
            _ => return None,
        };
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::BeginFailed
            | sqlx::Error::InvalidSavePointStatement => Some(Outage::Unreachable),
            sqlx::Error::Database(d) => {
                let code = d.code().unwrap_or_default();
                let msg = d.message().to_ascii_lowercase();
                if code == "13" || code == "53100" || msg.contains("disk is full") {
                    Some(Outage::Full)
                } else if code == "5" || code == "6" || msg.contains("database is locked") {
                    Some(Outage::Locked)
                } else if code.starts_with("08") || code.starts_with("57P") || code == "10" {
                    // Connection exceptions, shutdowns; SQLite's I/O error.
                    Some(Outage::Unreachable)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The connection pool and what it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    /// Private: callers use the store's operations, never the pool.
    pool: AnyPool,
    pub backend: Backend,
    /// The directory of the SQLite file (its free space is part of readiness).
    sqlite_dir: Option<std::path::PathBuf>,
    /// Background writers of this process take turns here ([`Store::begin_background`]).
    background: Arc<tokio::sync::Mutex<()>>,
    /// SQLite: every writer of this process queues here, first come first served,
    /// rather than polling SQLite's lock with the busy handler's growing sleeps.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// What it was opened with, for a second pool ([`Store::own_pool`]).
    url: String,
    /// The configured severities: incidents store their level's key.
    scale: &'static Scale,
}

/// How long a request waits for a connection before it is told the database is away.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long SQLite waits for another writer's lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long background work waits for its turn among background writers.
const BACKGROUND_WAIT: Duration = Duration::from_secs(10);
/// Less free space than this under the SQLite file and warroom is not ready.
const MIN_FREE_BYTES: u64 = 256 * 1024;

/// A write transaction. One for background work ([`Store::begin_background`]) holds
/// the background writers' turn too, on SQLite.
pub struct Tx {
    inner: Transaction<'static, Any>,
    scale: &'static Scale,
    // Released after the transaction (fields drop in order).
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
    _background: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        Ok(self.inner.commit().await?)
    }

    pub async fn rollback(self) -> Result<()> {
        Ok(self.inner.rollback().await?)
    }

    /// The connection the store's writes run on.
    pub(in crate::store) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

/// What a read runs on: a transaction ([`Tx`]) or a reader ([`Reader`]), so that a
/// read sees a transaction's own writes when it is made inside one. Sealed: only
/// `store/` implements it, and only `store/` reaches the connection inside.
pub trait Db: Send + sealed::Sealed {}

mod sealed {
    pub trait Sealed {
        fn conn(&mut self) -> &mut sqlx::AnyConnection;
        /// The severities stored keys are read on.
        fn scale(&self) -> &'static crate::domain::severity::Scale;
    }
}

impl Db for Tx {}
impl Db for Reader {}

impl sealed::Sealed for Tx {
    fn conn(&mut self) -> &mut AnyConnection {
        Tx::conn(self)
    }
    fn scale(&self) -> &'static Scale {
        self.scale
    }
}

impl sealed::Sealed for Reader {
    fn conn(&mut self) -> &mut AnyConnection {
        &mut self.0
    }
    fn scale(&self) -> &'static Scale {
        self.1
    }
}

impl Store {
    /// The severities stored keys are read on.
    pub fn scale(&self) -> &'static Scale {
        self.scale
    }
}

/// A stored severity key as its level; a key no longer configured is corrupt here
/// (start-up refuses to run with such incidents: [`incidents::stored_keys`]).
pub(crate) fn severity(scale: &Scale, key: &str) -> Result<crate::domain::Severity> {
    scale
        .stored(key)
        .ok_or_else(|| StoreError::Corrupt(format!("severity `{key}` is not configured")))
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects (creating a SQLite file when missing) with the default acquire
    /// timeout. Does not migrate.
    pub async fn connect(url: &str, max_connections: u32, scale: &'static Scale) -> Result<Store> {
        Store::connect_with(url, max_connections, ACQUIRE_TIMEOUT, scale).await
    }

    /// Connects; a connection that cannot be had within `acquire` is an error (so a
    /// stopped database is told at once rather than waited for).
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire: Duration,
        scale: &'static Scale,
    ) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let url = creating(url, backend);
        let opts = AnyConnectOptions::from_str(&url)?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(acquire)
            // A transaction that failed (a COMMIT refused on a full disk, where SQLite
            // may already have rolled back) must not leave its connection in the pool
            // thinking it is still inside one: every later BEGIN would fail.
            .after_release(|conn, _meta| {
                Box::pin(async move {
                    if conn.is_in_transaction() {
                        // Runs the rollback a dropped transaction queued.
                        conn.ping().await?;
                        if conn.is_in_transaction() {
                            tracing::warn!(
                                "a connection stuck in a failed transaction was discarded"
                            );
                            return Ok(false);
                        }
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // busy_timeout first: the next pragma may wait for another
                        // process's lock. Writers wait for each other up to it, within
                        // Slack's 3 s; past it, people are told the database is locked.
                        conn.execute(AssertSqlSafe(format!(
                            "PRAGMA busy_timeout = {}",
                            BUSY_TIMEOUT.as_millis()
                        )))
                        .await?;
                        // WAL lets readers run beside the one writer.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        let sqlite_dir = match backend {
            Backend::Sqlite => sqlite_file(&url).map(|f| {
                let p = std::path::Path::new(&f);
                let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
                dir.unwrap_or(std::path::Path::new(".")).to_path_buf()
            }),
            Backend::Postgres => None,
        };
        Ok(Store {
            pool,
            backend,
            sqlite_dir,
            background: Arc::new(tokio::sync::Mutex::new(())),
            writer: Arc::new(tokio::sync::Mutex::new(())),
            url,
            scale,
        })
    }

    /// The same database through a pool of its own with `max_connections`, for the
    /// jobs worker: a command never waits for a connection behind the worker, and
    /// the worker never waits on itself. Background writers of both still take turns
    /// (SQLite). An in-memory SQLite database has one pool only.
    pub async fn own_pool(&self, max_connections: u32) -> Result<Store> {
        if self.backend == Backend::Sqlite && sqlite_file(&self.url).is_none() {
            return Ok(self.clone());
        }
        let mut other =
            Store::connect_with(&self.url, max_connections, BACKGROUND_WAIT, self.scale).await?;
        other.background = self.background.clone();
        other.writer = self.writer.clone();
        Ok(other)
    }

    /// Applies pending migrations for this backend. Safe to run from several
    /// processes at once (sqlx takes an advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a transaction that reads first cannot fail later on
    /// upgrading its lock.
    pub async fn begin(&self) -> Result<Tx> {
        self.begin_after(None).await
    }

    /// A write transaction for background work (the jobs worker, schedules). On SQLite
    /// background writers take turns among themselves first, so one at most contends
    /// for SQLite's write lock: a person's command waits behind one job's transaction,
    /// never behind the whole worker.
    pub async fn begin_background(&self) -> Result<Tx> {
        match self.backend {
            Backend::Sqlite => {
                let bg =
                    tokio::time::timeout(BACKGROUND_WAIT, self.background.clone().lock_owned())
                        .await
                        .map_err(|_| StoreError::Busy)?;
                self.begin_after(Some(bg)).await
            }
            Backend::Postgres => self.begin_after(None).await,
        }
    }

    async fn begin_after(&self, bg: Option<tokio::sync::OwnedMutexGuard<()>>) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => {
                // In turn with this process's other writers (a fair queue); SQLite's own
                // busy timeout is left for other processes.
                let writer = tokio::time::timeout(BUSY_TIMEOUT, self.writer.clone().lock_owned())
                    .await
                    .map_err(|_| StoreError::Busy)?;
                Tx {
                    inner: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    scale: self.scale,
                    _writer: Some(writer),
                    _background: bg,
                }
            }
            Backend::Postgres => Tx {
                inner: self.pool.begin().await?,
                scale: self.scale,
                _writer: None,
                _background: bg,
            },
        })
    }

    /// Whether warroom can write now: a small write within `within`, and on SQLite
    /// room on the disk that holds the file (a write can still fit in space SQLite
    /// reuses while the next real one fails). Err says why not.
    pub async fn ready(&self, within: Duration) -> std::result::Result<(), String> {
        if let Some(dir) = &self.sqlite_dir
            && let Ok(st) = nix::sys::statvfs::statvfs(dir.as_path())
        {
            let free = st.blocks_available() * st.fragment_size();
            if free < MIN_FREE_BYTES {
                return Err(format!(
                    "the disk holding the database is full ({free} bytes free)"
                ));
            }
        }
        let probe = async {
            let mut tx = self.begin().await?;
            events::kv_set_in(&mut tx, "readyz", "ok", Utc::now()).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        };
        match tokio::time::timeout(within, probe).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(match e.outage() {
                Some(Outage::Full) => "the database cannot write: disk full".into(),
                Some(Outage::Locked) => "the database is locked by another process".into(),
                _ => format!("the database is unreachable: {e}"),
            }),
            Err(_) => Err(format!(
                "the database did not answer within {} ms",
                within.as_millis()
            )),
        }
    }

    /// A connection for reads outside a transaction (several reads that belong
    /// together); it goes back to the pool when dropped.
    pub async fn conn(&self) -> Result<Reader> {
        Ok(Reader(self.pool.acquire().await?, self.scale))
    }
}

/// A SQLite URL that creates its file when missing (`mode=rwc`) unless it says
/// otherwise; other URLs as they are.
fn creating(url: &str, backend: Backend) -> String {
    match backend {
        Backend::Sqlite if !url.contains("mode=") => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        }
        _ => url.to_string(),
    }
}

/// The file of a `sqlite://path?…` URL (None for in-memory databases).
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// A pooled connection for reads ([`Store::conn`]); it goes back to the pool when
/// dropped.
pub struct Reader(sqlx::pool::PoolConnection<Any>, &'static Scale);

/// `($1, $2), ($3, $4)` for a multi-row insert of `rows` rows of `cols` values: only
/// placeholders are formatted into SQL, the values are bound.
pub fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let row = (1..=cols)
                .map(|c| format!("${}", r * cols + c))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({row})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$from, $from+1, …` for an `IN (…)` list of `n` values after `from - 1` others:
/// only placeholders are formatted into SQL, the values are bound.
pub fn numbered(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// UTC milliseconds for storage.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Back from storage.
pub fn from_ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

pub fn opt_from_ms(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.map(from_ms)
}

#[cfg(test)]
pub(crate) mod testing {
    //! A fresh SQLite database per test.
    use super::*;

    pub async fn sqlite() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&url, 4, crate::domain::severity::seed())
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        (store, dir)
    }
}
