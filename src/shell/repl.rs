//! `warroom shell`: type `/incident ...` as a user and see what each channel would
//! get, on the embedded SQLite, with the same use cases and jobs worker as in Slack.
//! Shell commands switch the acting user and channel, pin and react to messages,
//! click buttons, and move the clock forward to see what happens later.
//!
//! Here the loop and the dispatch of a line; `gestures` are what a user does besides
//! commands (pin, react, click, move the clock), `form` fills in a modal.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::ShellChat;
use crate::app::entry::events::ChatEvent;
use crate::app::{Actor, App, Reply, Submitted, messages};
use crate::chat::Message;
use crate::clock::OffsetClock;

mod form;
mod gestures;

const SHELL_HELP: &str = "\
Shell commands (everything else you type is a message in the current channel):
  /incident ...        the bot's slash command (try /incident help)
  /as <user>           act as another user (e.g. /as bob)
  /go <#channel>       move to a channel (created if new)
  /channels            list channels, with topics
  /history             messages of this channel, numbered
  /pin [n|text]        pin message n (see /history; default: the last), or post text and pin it
  /react <emoji> [n]   react to message n (default: the last one), e.g. /react pushpin
  /click <n|label>     press button n of the last message with buttons, or one by its label
  /clock [+15m]        show the clock, or move it forward (reminders fall due)
  /help                this help
  /quit                leave (state is kept in the database)";

/// The interactive loop.
pub struct Shell {
    app: Arc<App>,
    chat: Arc<ShellChat>,
    deliver: Deliver,
    clock: Arc<OffsetClock>,
    user: String,
    channel: String,
    lines: mpsc::Receiver<String>,
    /// A line read while a form was open that closed it, to run next.
    pushed_back: Option<String>,
    interactive: bool,
    events: u64,
}

/// Runs the jobs worker until nothing is due; returns how many jobs ran. The shell
/// is handed one by whoever builds it, so the chat layer does not know the scheduler.
pub type Deliver = Arc<
    dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = usize> + Send>> + Send + Sync,
>;

/// Runs the shell on a built app (`startup::run_shell` builds it): `deliver` runs due
/// jobs after each line, and a background loop runs it every 2 s for reminders that
/// fall due while you type.
pub async fn run(
    app: Arc<App>,
    chat: Arc<ShellChat>,
    clock: Arc<OffsetClock>,
    user: String,
    deliver: Deliver,
    db: &str,
) {
    for (id, name) in app
        .incidents()
        .incident_channels()
        .await
        .unwrap_or_default()
    {
        chat.ensure(&id, &name);
    }
    let (tx, rx) = mpsc::channel::<String>(64);
    let interactive = std::io::stdin().is_terminal();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    let bg = deliver.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            bg().await;
        }
    });
    let mut shell = Shell {
        deliver,
        app,
        chat,
        clock,
        user,
        channel: "general".into(),
        lines: rx,
        pushed_back: None,
        interactive,
        events: 0,
    };
    shell.banner(db);
    (shell.deliver)().await;
    shell.repl().await;
}

impl Shell {
    /// A severity for the banner's example: the second level, as the seed's `sev2`.
    fn example_severity(&self) -> &'static str {
        let scale = self.app.cfg().severities();
        scale
            .by_rank(2)
            .or_else(|| scale.least())
            .map_or("", |s| s.key())
    }

    fn banner(&self, db: &str) {
        self.chat.say(&format!(
            "warroom shell — the incident bot without Slack. Data: {db}\n\
             You are @{} in #{}. Announcements go to #incidents.\n\
             Try:  {} declare {} API error rate at 12%      (/help for shell commands)\n",
            self.user,
            self.channel,
            self.app.cmd(),
            self.example_severity()
        ));
    }

    fn prompt(&self) {
        if self.interactive {
            let name = self.chat.channel_name(&self.channel);
            print!("#{name} @{}> ", self.user);
            let _ = std::io::stdout().flush();
        }
    }

    async fn read(&mut self) -> Option<String> {
        if let Some(l) = self.pushed_back.take() {
            return Some(l);
        }
        self.lines.recv().await
    }

    async fn repl(&mut self) {
        loop {
            self.prompt();
            let Some(line) = self.read().await else { break };
            let line = line.trim().to_string();
            if line.is_empty() {
                continue;
            }
            if !self.interactive {
                // Echo scripted input so a transcript reads like a session.
                let name = self.chat.channel_name(&self.channel);
                self.chat.say(&format!("#{name} @{}> {line}", self.user));
            }
            if matches!(line.as_str(), "/quit" | "/exit" | "/q") {
                break;
            }
            self.line(&line).await;
            (self.deliver)().await;
            self.follow_invites();
        }
    }

    fn follow_invites(&mut self) {
        let cfg = self.app.cfg();
        // Incident channels: the workspace's prefix, or a type's own.
        let prefixes: Vec<String> = std::iter::once(cfg.slack.channel_prefix.clone())
            .chain(
                cfg.type_book()
                    .types
                    .iter()
                    .filter_map(|t| t.channel_prefix.clone()),
            )
            .collect();
        for (id, name) in self.chat.take_invites() {
            if prefixes.iter().any(|p| name.starts_with(p.as_str())) && id != self.channel {
                self.channel = id;
                self.chat.say(&format!(
                    "  → you are now in #{name} (/go #general to go back)"
                ));
            }
        }
    }

    fn actor(&self) -> Actor {
        Actor {
            team_id: None,
            user_id: self.user.clone(),
            channel_id: self.channel.clone(),
        }
    }

    async fn line(&mut self, line: &str) {
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let cmd = self.app.cmd().to_string();
        match word {
            w if w == cmd => {
                let reply = self
                    .app
                    .inbound()
                    .handle_command(&self.actor(), &super::as_slack_sends(rest))
                    .await;
                self.reply(reply).await;
            }
            "/as" | "/user" => match rest.trim_start_matches('@') {
                "" => self.chat.say(&format!("  you are @{}", self.user)),
                u => {
                    self.user = u.to_string();
                    if let Ok(mut me) = self.chat.me.lock() {
                        *me = u.to_string();
                    }
                    self.chat.say(&format!("  you are now @{u}"));
                }
            },
            "/go" | "/join" => {
                let name = rest.trim_start_matches('#');
                if name.is_empty() {
                    self.chat.say("  usage: /go #channel");
                    return;
                }
                let id = match self.chat.channel_by_name(name) {
                    Some(id) => id,
                    None => {
                        self.chat.ensure(name, name);
                        name.to_string()
                    }
                };
                self.channel = id;
                self.chat.say(&format!(
                    "  you are in #{}",
                    self.chat.channel_name(&self.channel)
                ));
            }
            "/channels" => {
                for (id, c) in self.chat.channels() {
                    let here = if id == self.channel { "→" } else { " " };
                    let topic = if c.topic.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", c.topic)
                    };
                    self.chat.say(&format!(
                        "  {here} #{}{}{topic}",
                        c.name,
                        if c.private { " 🔒" } else { "" }
                    ));
                }
            }
            "/history" => self.history(),
            "/pin" => self.pin(rest).await,
            "/react" => self.react(rest).await,
            "/click" => self.click(rest).await,
            "/clock" => self.clock_cmd(rest).await,
            "/help" => self.chat.say(SHELL_HELP),
            w if w.starts_with('/') => self
                .chat
                .say(&format!("  unknown shell command {w}: /help lists them")),
            _ => {
                self.chat.user_message(&self.channel, &self.user, line);
            }
        }
    }

    async fn reply(&mut self, reply: Reply) {
        match reply {
            Reply::Ephemeral(m) => self.chat.show_ephemeral(&m),
            Reply::Modal(modal) => self.form(modal).await,
            Reply::None => {}
        }
    }
}

/// Shows a message as the shell would (for tests of rendering).
pub fn preview(msg: &Message) -> Vec<String> {
    super::render::message(msg, &|id: &str| id.to_string()).0
}
