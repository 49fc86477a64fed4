//! Wiring: build the application from its configuration (database, chat, worker, HTTP
//! server or Socket Mode), bound to a port (0 in tests), and stop it cleanly.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::chat::Chat;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ConfigError, Secret, SlackMode};
use crate::metrics::Metrics;
use crate::providers::{self, Providers};
use crate::scheduler::worker::Worker;
use crate::slack::SlackChat;
use crate::slack::inbound::SlackInbound;
use crate::slack::ratelimit::RateLimiter;
use crate::store::rate_buckets::RateBuckets;
use crate::store::{Backend, Store, StoreError};
use crate::web::{self, WebState};

/// Why warroom could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("Slack client: {0}")]
    Slack(String),
    #[error(transparent)]
    Providers(#[from] providers::BuildError),
    /// Stored incidents name a severity or type the configuration no longer has.
    #[error("{0}")]
    Vocabulary(String),
}

/// rustls needs one process-wide crypto provider when several are compiled in.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Connects to the database, applies migrations and checks that every stored
/// incident's severity and type are still configured.
pub async fn open_store(cfg: &Config) -> Result<Store, StartError> {
    let store = Store::connect(
        &cfg.database.url,
        cfg.database.request_connections(),
        cfg.severities(),
    )
    .await?;
    store.migrate().await?;
    let stored = crate::store::incidents::stored_keys(&store).await?;
    if let Some(problem) = cfg.dropped_keys(&stored) {
        return Err(StartError::Vocabulary(problem));
    }
    Ok(store)
}

/// Builds the use-case layer over its ports.
pub fn build_app(
    cfg: Config,
    store: Store,
    chat: Arc<dyn Chat>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
) -> Result<App, StartError> {
    let tz = cfg.display.timezone;
    let providers = Providers::new(
        &cfg.paging,
        &cfg.status.statuspage,
        &cfg.tickets,
        &cfg.postmortem.confluence.resolved(&cfg.tickets.jira),
        &cfg.debrief.google_calendar,
        Some(metrics.clone()),
    )?;
    Ok(App::new(cfg, tz, store, chat, clock, metrics, providers))
}

/// A running warroom server.
pub struct Application {
    pub app: Arc<App>,
    pub addr: SocketAddr,
    /// The public status page's own listener, when `status.listen` is set.
    pub status_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Application {
    /// Starts with the real clock.
    pub async fn build(cfg: Config) -> Result<Application, StartError> {
        Application::build_with_clock(cfg, Arc::new(SystemClock)).await
    }

    /// Starts everything: migrations, the jobs worker, the HTTP server (Slack's
    /// endpoints in HTTP mode; health and metrics always) and Socket Mode when
    /// configured.
    pub async fn build_with_clock(
        cfg: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Application, StartError> {
        install_crypto();
        web::server::raise_fd_limit();
        crate::at_rest::fewer_arenas();
        let store = open_store(&cfg).await?;
        let metrics = Arc::new(Metrics::new());
        let slack = slack_client(&cfg, &metrics, &store).await?;
        let addr = cfg.http.listen;
        let signing_secret = cfg.slack.signing_secret.clone();
        let app_token = cfg.slack.app_token.clone();
        let mode = cfg.slack.mode;
        let app = Arc::new(build_app(
            cfg,
            store.clone(),
            slack.clone(),
            clock,
            metrics,
        )?);
        let inbound = SlackInbound {
            app: app.clone(),
            slack: slack.clone(),
        };
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = spawn_worker(&app, &store, &stop_rx).await?;

        let state = WebState {
            app: app.clone(),
            slack: (mode == SlackMode::Http).then(|| inbound.clone()),
            signing_secret,
            status_cache: Arc::default(),
        };
        let (listener, addr) = bind(addr).await?;
        warn_if_pages_refused(&app, addr);
        let mut status_addr = None;
        if let Some(public) = app.cfg().status.listen {
            let (l, at) = bind(public).await?;
            status_addr = Some(at);
            tracing::info!(%at, "the public status page is serving on its own listener");
            tasks.push(spawn_router(
                &app,
                web::status_router(state.clone()),
                l,
                &stop_rx,
            ));
        }
        tasks.extend(spawn_web(&app, state, listener, &stop_rx));
        if mode == SlackMode::Socket {
            tasks.push(spawn_socket_mode(inbound, app_token, stop_rx.clone()));
        }
        tracing::info!(%addr, mode = ?mode, "warroom is serving");
        Ok(Application {
            app,
            addr,
            status_addr,
            stop,
            tasks,
        })
    }

    /// Waits for Ctrl-C or SIGTERM, then stops.
    pub async fn run_until_signal(self) {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = ctrl_c => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down");
        self.stop().await;
    }

    /// Stops the worker, schedules and server, letting running work finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.app.kick();
        for t in self.tasks {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), t).await;
        }
    }
}

/// The Slack Web API client: warroom's own groups may be pinged, refusals counted,
/// Slack's rate tiers kept (with the other replicas, on PostgreSQL, through a small
/// pool of its own).
async fn slack_client(
    cfg: &Config,
    metrics: &Arc<Metrics>,
    store: &Store,
) -> Result<Arc<SlackChat>, StartError> {
    let mut limiter = RateLimiter::new(cfg.slack.rate_limits.enabled, cfg.slack.rate_limits.scale);
    if cfg.slack.rate_limits.enabled
        && store.backend == Backend::Postgres
        && let Some(shared) = RateBuckets::on(store.own_pool(4).await?)
    {
        limiter = limiter.with_shared(Arc::new(shared));
    }
    Ok(Arc::new(
        SlackChat::new(
            &cfg.slack.api_url,
            &cfg.slack.bot_token,
            cfg.slack.request_timeout.0,
        )
        .map_err(|e| StartError::Slack(e.to_string()))?
        .with_own_groups(cfg.own_groups())
        .with_metrics(metrics.clone())
        .with_rate_limits(limiter),
    ))
}

/// Starts the jobs worker and the schedules. They have a pool of their own
/// (`JobsConfig::worker_connections`).
async fn spawn_worker(
    app: &Arc<App>,
    store: &Store,
    stop_rx: &watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>, StartError> {
    let worker_store = store.own_pool(app.cfg().jobs.worker_connections()).await?;
    let worker_app = Arc::new(app.with_store(worker_store.clone()));
    let worker = Worker::new(worker_app.clone(), worker_store);
    let mut tasks = vec![tokio::spawn(worker.run(stop_rx.clone()))];
    tasks.extend(worker_app.spawn_schedules(stop_rx.clone()));
    Ok(tasks)
}

/// Listens on `addr`; returns the listener and the address it got (port 0 in tests).
async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: addr.to_string(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: addr.to_string(),
        source,
    })?;
    Ok((listener, addr))
}

/// Says so when the incident pages will refuse everyone: a public address and
/// neither a token nor a trusted user header.
fn warn_if_pages_refused(app: &App, addr: SocketAddr) {
    let web = &app.cfg().web;
    if web.token.expose().is_empty()
        && web.trusted_user_header.trim().is_empty()
        && !addr.ip().is_loopback()
    {
        tracing::warn!(%addr, "incident pages answer 403: set web.token or web.trusted_user_header to serve them on a public address");
    }
}

/// Serves `router` on `listener` within the HTTP limits.
fn spawn_router(
    app: &App,
    router: axum::Router,
    listener: TcpListener,
    stop_rx: &watch::Receiver<bool>,
) -> JoinHandle<()> {
    let limits = web::server::Limits {
        max_connections: web::server::connection_cap(app.cfg().http.max_connections),
        header_timeout: app.cfg().http.header_timeout.0,
    };
    tokio::spawn(web::server::serve(
        listener,
        router,
        limits,
        app.metrics().clone(),
        stop_rx.clone(),
    ))
}

/// Starts the HTTP server within its limits, and the task that gives freed memory back.
fn spawn_web(
    app: &App,
    state: WebState,
    listener: TcpListener,
    stop_rx: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let router = web::router(state);
    vec![
        tokio::spawn(crate::at_rest::give_back_memory(
            std::time::Duration::from_secs(5),
            {
                let metrics = app.metrics().clone();
                move || metrics.activity()
            },
            stop_rx.clone(),
        )),
        spawn_router(app, router, listener, stop_rx),
    ]
}

/// Serves Slack over Socket Mode until `stop` turns true.
fn spawn_socket_mode(
    inbound: SlackInbound,
    app_token: Secret,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = crate::slack::socket::run(inbound, &app_token, stop).await {
            tracing::error!(error = %e, "Socket Mode stopped");
        }
    })
}

/// Starts the shell on the configured database (the embedded SQLite by default): the
/// app on a shell chat, a clock the shell can move, and the jobs worker it drives.
pub async fn run_shell(mut cfg: Config, user: Option<String>) -> Result<(), StartError> {
    use crate::clock::OffsetClock;
    use crate::shell::{Out, ShellChat, repl};
    install_crypto();
    if cfg.slack.announcements_channel.is_empty() {
        cfg.slack.announcements_channel = "incidents".into();
    }
    let db = cfg.database.url.clone();
    let store = open_store(&cfg).await?;
    let clock = Arc::new(OffsetClock::default());
    let out: Out = Arc::new(std::sync::Mutex::new(Box::new(std::io::stdout())));
    let user = user
        .or_else(|| std::env::var("USER").ok())
        .filter(|u| !u.is_empty() && u != "root")
        .unwrap_or_else(|| "you".into());
    let chat = Arc::new(ShellChat::new(out, clock.clone(), &user));
    let app = Arc::new(
        build_app(
            cfg,
            store.clone(),
            chat.clone(),
            clock.clone(),
            Arc::new(Metrics::new()),
        )?
        .names_as_ids(),
    );
    if let Err(e) = app.cadence().ensure_digest_scheduled().await {
        tracing::warn!(error = %e, "weekly digest not scheduled");
    }
    let worker = Arc::new(Worker::new(app.clone(), store));
    let deliver: repl::Deliver = Arc::new(move || {
        let w = worker.clone();
        Box::pin(async move { w.run_until_idle().await })
    });
    repl::run(app, chat, clock, user, deliver, &db).await;
    Ok(())
}
