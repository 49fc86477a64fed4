//! The warroom command line: run the bot, the shell, migrations, checks and reports.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use warroom::config::Config;
use warroom::startup::{self, Application};

#[derive(Parser)]
#[command(
    name = "warroom",
    version,
    about = "Slack ChatOps bot for incident response"
)]
struct Cli {
    /// A TOML file with settings that override the defaults (config/default.toml).
    #[arg(long, short, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve Slack (HTTP endpoints or Socket Mode), run reminders and watchers.
    Serve,
    /// The local shell: type /incident commands as a user, see what Slack would show.
    Shell {
        /// The user you act as (default: $USER).
        #[arg(long)]
        user: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Run a watcher once and print its findings; exit 1 if any is critical.
    Check {
        /// certs, disk or budgets.
        #[arg(value_parser = ["certs", "disk", "budgets"])]
        watcher: String,
    },
    /// Print the postmortem draft of an incident, as it stands now.
    Postmortem {
        /// The incident, e.g. INC-42.
        incident: String,
        /// md (Markdown) or html (the printable page).
        #[arg(long, default_value = "md", value_parser = ["md", "html"])]
        format: String,
    },
    /// Insights across incidents: counts, response times, error budget, follow-through.
    Report {
        /// How far back: 90d, 4w, 12w (incidents declared since then).
        #[arg(long, default_value = "90d")]
        since: String,
        /// md (Markdown), csv or json.
        #[arg(long, default_value = "md", value_parser = ["md", "csv", "json"])]
        format: String,
        /// Only this severity (a key of `[[severities]]`, e.g. sev1).
        #[arg(long)]
        severity: Option<String>,
        /// Only incidents affecting this service.
        #[arg(long)]
        service: Option<String>,
        /// Only incidents carrying this tag.
        #[arg(long)]
        tag: Option<String>,
    },
    /// Alerts from Alertmanager, Grafana and Events v2 senders.
    Alerts {
        #[command(subcommand)]
        action: AlertsCmd,
    },
    /// Exit 0 when the server at --url answers /healthz (for container health checks).
    Healthcheck {
        #[arg(long, default_value = "http://127.0.0.1:3000/healthz")]
        url: String,
    },
}

#[derive(Subcommand)]
enum AlertsCmd {
    /// Send a synthetic alert through the whole path (route, warning, auto-declare,
    /// page) and print what would be posted and paged, without sending anything.
    Test {
        /// A label, as name=value; repeat for more (default: severity=critical).
        #[arg(long = "label", value_name = "NAME=VALUE")]
        labels: Vec<String>,
        /// The alert's summary annotation.
        #[arg(long, default_value = "Synthetic alert from warroom alerts test")]
        summary: String,
        /// Show the resolution instead of the firing alert.
        #[arg(long)]
        resolved: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("warroom: {e}");
            return ExitCode::from(2);
        }
    };
    match run(cli.command, cfg).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("warroom: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cmd: Option<Cmd>, cfg: Config) -> anyhow::Result<ExitCode> {
    let cmd = cmd.unwrap_or(if cfg.has_slack() {
        Cmd::Serve
    } else {
        Cmd::Shell { user: None }
    });
    match cmd {
        Cmd::Serve => serve(cfg).await,
        Cmd::Shell { user } => shell(cfg, user).await,
        Cmd::Migrate => migrate(cfg).await,
        Cmd::Check { watcher } => check(cfg, &watcher).await,
        Cmd::Postmortem { incident, format } => postmortem(cfg, &incident, &format).await,
        Cmd::Alerts {
            action:
                AlertsCmd::Test {
                    labels,
                    summary,
                    resolved,
                },
        } => alerts_test(&cfg, &labels, summary, resolved),
        Cmd::Healthcheck { url } => Ok(healthcheck(&url).await),
        Cmd::Report {
            since,
            format,
            severity,
            service,
            tag,
        } => report(cfg, &since, &format, severity.as_deref(), service, tag).await,
    }
}

/// `warroom alerts test`: what a synthetic alert would become, printed.
fn alerts_test(
    cfg: &Config,
    labels: &[String],
    summary: String,
    resolved: bool,
) -> anyhow::Result<ExitCode> {
    let mut map = std::collections::BTreeMap::new();
    for l in labels {
        let Some((k, v)) = l.split_once('=') else {
            anyhow::bail!("`{l}` is not a label: expected NAME=VALUE, e.g. severity=critical");
        };
        map.insert(k.trim().to_string(), v.trim().trim_matches('"').to_string());
    }
    if map.is_empty() {
        map.insert("severity".to_string(), "critical".to_string());
    }
    let r = warroom::app::warnings::rehearsal::Rehearsal {
        labels: map,
        summary,
        firing: !resolved,
    };
    print!(
        "{}",
        warroom::app::warnings::rehearsal::rehearse(cfg, &r, chrono::Utc::now())
    );
    Ok(ExitCode::SUCCESS)
}

/// `warroom serve`: the bot, until Ctrl-C or SIGTERM.
async fn serve(cfg: Config) -> anyhow::Result<ExitCode> {
    warroom::telemetry::init(&cfg.log);
    if !cfg.has_slack() {
        anyhow::bail!(
            "configuration key `slack.bot_token` is empty: set WARROOM_SLACK__BOT_TOKEN (or run `warroom shell` to try warroom without Slack)"
        );
    }
    let app = Application::build(cfg).await?;
    app.run_until_signal().await;
    Ok(ExitCode::SUCCESS)
}

/// `warroom shell`: the terminal workspace.
async fn shell(cfg: Config, user: Option<String>) -> anyhow::Result<ExitCode> {
    // Only errors: the shell's own output is the conversation.
    let mut log = cfg.log.clone();
    log.level = "error".into();
    warroom::telemetry::init(&log);
    warroom::startup::run_shell(cfg, user).await?;
    Ok(ExitCode::SUCCESS)
}

/// `warroom migrate`: migrations applied, nothing else.
async fn migrate(cfg: Config) -> anyhow::Result<ExitCode> {
    warroom::telemetry::init(&cfg.log);
    startup::install_crypto();
    startup::open_store(&cfg).await?;
    println!("migrations applied to {}", redact(&cfg.database.url));
    Ok(ExitCode::SUCCESS)
}

/// `warroom check <watcher>`: its findings as a table; 1 when one is critical.
async fn check(cfg: Config, watcher: &str) -> anyhow::Result<ExitCode> {
    startup::install_crypto();
    // The database holds history (disk samples, earlier levels) where it exists.
    let store = startup::open_store(&cfg).await.ok();
    let findings =
        warroom::app::warnings::watchers::check(&cfg, store.as_ref(), watcher, chrono::Utc::now())
            .await;
    print!("{}", warroom::watch::table(&findings));
    if findings
        .iter()
        .any(|f| f.level == warroom::watch::Level::Critical)
    {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `warroom postmortem INC-n`: the draft as it stands, in Markdown or HTML.
async fn postmortem(cfg: Config, incident: &str, format: &str) -> anyhow::Result<ExitCode> {
    let Some(id) = warroom::domain::IncidentId::parse(incident) else {
        anyhow::bail!("`{incident}` is not an incident number: expected INC-<n>, e.g. INC-4");
    };
    startup::install_crypto();
    let store = startup::open_store(&cfg).await?;
    let Some((record, version)) = warroom::app::reports::postmortems::for_cli(&store, id).await?
    else {
        anyhow::bail!("there is no incident {id} in {}", redact(&cfg.database.url));
    };
    let now = chrono::Utc::now();
    let out = match format {
        "html" => warroom::postmortem::page(&cfg.postmortem_rules(), &record, now, version, ""),
        _ => warroom::postmortem::markdown(&cfg.postmortem_rules(), &record, now, version),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// `warroom report`: the insights of the last `since`, printed (private incidents
/// included: whoever runs it holds the database).
async fn report(
    cfg: Config,
    since: &str,
    format: &str,
    severity: Option<&str>,
    service: Option<String>,
    tag: Option<String>,
) -> anyhow::Result<ExitCode> {
    let back =
        warroom::domain::duration::parse(since).map_err(|e| anyhow::anyhow!("--since: {e}"))?;
    if back.as_secs() == 0 || back.as_secs() > 5 * 366 * 86_400 {
        anyhow::bail!("--since `{since}` is out of range: expected 1d to 5 years, like 90d");
    }
    let severity = match severity {
        Some(s) => Some(
            cfg.severities()
                .parse(s)
                .map_err(|e| anyhow::anyhow!("--severity: {e}"))?,
        ),
        None => None,
    };
    let tag = match tag.as_deref().map(warroom::domain::tags::parse_one) {
        Some(Err(bad)) => {
            anyhow::bail!("--tag `{bad}`: expected one tag (letters, digits, - _ . : only)")
        }
        Some(Ok(t)) => t,
        None => None,
    };
    startup::install_crypto();
    let store = startup::open_store(&cfg).await?;
    let now = chrono::Utc::now();
    let filter = warroom::insights::Filter {
        since: now - chrono::Duration::from_std(back)?,
        until: now,
        severity,
        service,
        tag,
        status: None,
        include_private: true,
    };
    let tz = cfg.display.timezone;
    let mut r = warroom::app::reports::insights::report(&store, &cfg, &filter, now, tz).await?;
    warroom::app::reports::insights::with_measured_budgets(&cfg, &filter, now, tz, &mut r).await;
    let out = match format {
        "csv" => warroom::insights::export::csv(&r),
        "json" => serde_json::to_string_pretty(&r)? + "\n",
        _ => warroom::insights::export::markdown(&r),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// `warroom healthcheck`: success when the server answers its health endpoint.
async fn healthcheck(url: &str) -> ExitCode {
    let ok = reqwest::Client::new()
        .get(url)
        .timeout(std::time::Duration::from_secs(3))
        .send()
        .await
        .map(|r| r.status().is_success())
        .unwrap_or(false);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A database URL without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
