//! `warroom shell`: type `/incident ...` as a user and see what each channel would
//! get, on the embedded SQLite, with the same use cases and jobs worker as in Slack.
//! Shell commands switch the acting user and channel, pin and react to messages,
//! click buttons, and move the clock forward to see what happens later.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use chrono::Duration;
use tokio::sync::mpsc;

use super::ShellChat;
use crate::app::events::ChatEvent;
use crate::app::{Actor, App, Reply, Submitted};
use crate::chat::{InputKind, Message, Modal};
use crate::clock::{Clock, OffsetClock};
use crate::domain::duration;

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
    for (id, name) in app.incident_channels().await.unwrap_or_default() {
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
    fn banner(&self, db: &str) {
        self.chat.say(&format!(
            "warroom shell — the incident bot without Slack. Data: {db}\n\
             You are @{} in #{}. Announcements go to #incidents.\n\
             Try:  {} declare sev2 API error rate at 12%      (/help for shell commands)\n",
            self.user,
            self.channel,
            self.app.cmd()
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
        for (id, name) in self.chat.take_invites() {
            if name.starts_with(&self.app.cfg().slack.channel_prefix) && id != self.channel {
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

    fn messages(&self) -> Vec<super::ShellMessage> {
        self.chat
            .channels()
            .into_iter()
            .find(|(id, _)| *id == self.channel)
            .map(|(_, c)| c.messages)
            .unwrap_or_default()
    }

    fn history(&self) {
        let msgs = self.messages();
        if msgs.is_empty() {
            self.chat.say("  (no messages here yet)");
        }
        for (i, m) in msgs.iter().enumerate() {
            let first = m.text.lines().next().unwrap_or("");
            let first = super::render::text(first, &|id: &str| self.chat.channel_name(id));
            self.chat.say(&format!(
                "  {:>3} {}@{}: {first}",
                i + 1,
                if m.pinned { "📌" } else { "" },
                m.user
            ));
        }
    }

    fn pick(&self, n: Option<&str>) -> Option<super::ShellMessage> {
        let msgs = self.messages();
        match n {
            None => msgs.last().cloned(),
            Some(n) => n
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .and_then(|n| msgs.get(n - 1).cloned()),
        }
    }

    fn next_event_id(&mut self) -> String {
        self.events += 1;
        format!(
            "shell-{}-{}",
            self.clock.now().timestamp_millis(),
            self.events
        )
    }

    async fn pin(&mut self, rest: &str) {
        let msg = if rest.chars().all(|c| c.is_ascii_digit()) {
            match self.pick((!rest.is_empty()).then_some(rest)) {
                Some(m) => m,
                None => {
                    self.chat.say("  no such message: see /history");
                    return;
                }
            }
        } else {
            let ts = self.chat.user_message(&self.channel, &self.user, rest);
            match self.messages().into_iter().find(|m| m.ts == ts) {
                Some(m) => m,
                None => return,
            }
        };
        self.chat.pin_local(&self.channel, &msg.ts);
        self.chat.say(&format!(
            "  📌 @{} pinned a message of @{}",
            self.user, msg.user
        ));
        let id = self.next_event_id();
        let ev = ChatEvent::Pinned {
            channel: self.channel.clone(),
            ts: msg.ts.clone(),
            author: Some(msg.user.clone()),
            text: msg.text.clone(),
            pinned_by: Some(self.user.clone()),
        };
        match self.app.handle_event(Some(&id), ev).await {
            Ok(true) => self
                .chat
                .say("  (warroom put it on the incident's timeline)"),
            Ok(false) => {}
            Err(e) => self.chat.say(&format!("  error: {e}")),
        }
    }

    async fn react(&mut self, rest: &str) {
        let mut parts = rest.split_whitespace();
        let Some(emoji) = parts.next() else {
            self.chat.say("  usage: /react <emoji> [n]");
            return;
        };
        let Some(msg) = self.pick(parts.next()) else {
            self.chat.say("  no such message: see /history");
            return;
        };
        let emoji = emoji.trim_matches(':').to_string();
        self.chat.say(&format!(
            "  @{} reacted :{emoji}: to a message of @{}",
            self.user, msg.user
        ));
        let id = self.next_event_id();
        let ev = ChatEvent::Reacted {
            channel: self.channel.clone(),
            ts: msg.ts,
            reaction: emoji,
            user: self.user.clone(),
        };
        if let Err(e) = self.app.handle_event(Some(&id), ev).await {
            self.chat.say(&format!("  error: {e}"));
        }
    }

    async fn click(&mut self, rest: &str) {
        let buttons = self.chat.buttons(&self.channel);
        if buttons.is_empty() {
            self.chat.say("  no buttons in this channel yet");
            return;
        }
        let chosen = match rest.parse::<usize>() {
            Ok(n) if n >= 1 => buttons.get(n - 1).cloned(),
            _ => self.chat.find_button(&self.channel, rest),
        };
        let Some((label, action_id, value)) = chosen else {
            let names: Vec<String> = buttons
                .iter()
                .enumerate()
                .map(|(i, b)| format!("{} {}", i + 1, b.0))
                .collect();
            self.chat
                .say(&format!("  no button {rest:?}; here: {}", names.join(", ")));
            return;
        };
        self.chat
            .say(&format!("  @{} clicked [{label}]", self.user));
        let reply = self
            .app
            .handle_action(&self.actor(), &action_id, &value)
            .await;
        self.reply(reply).await;
    }

    async fn clock_cmd(&mut self, rest: &str) {
        if !rest.is_empty() {
            match duration::parse(rest.trim_start_matches('+')) {
                Ok(d) => {
                    self.clock
                        .advance(Duration::from_std(d).unwrap_or(Duration::zero()));
                }
                Err(e) => {
                    self.chat.say(&format!("  {e}"));
                    return;
                }
            }
        }
        self.chat.say(&format!(
            "  it is now {}",
            crate::app::views::datetime(self.clock.now(), self.app.tz())
        ));
    }

    async fn reply(&mut self, reply: Reply) {
        match reply {
            Reply::Ephemeral(m) => self.chat.show_ephemeral(&m),
            Reply::Modal(modal) => self.form(modal).await,
            Reply::None => {}
        }
    }

    /// Asks a form's fields one by one, then submits it.
    async fn form(&mut self, modal: Modal) {
        self.chat.say(&format!(
            "  ┌ form: {}   (a /command instead of an answer closes it unsent)",
            modal.title
        ));
        if let Some(intro) = &modal.intro {
            for l in super::render::text(intro, &|id: &str| self.chat.channel_name(id)).lines() {
                self.chat.say(&format!("  │ {l}"));
            }
        }
        let mut values = BTreeMap::new();
        for input in &modal.inputs {
            let value = loop {
                let (question, default) = match &input.kind {
                    InputKind::Text { initial, .. } => (
                        format!(
                            "{}{}",
                            input.label,
                            if input.optional { " (optional)" } else { "" }
                        ),
                        initial.clone().unwrap_or_default(),
                    ),
                    InputKind::Select { options, initial } => {
                        for (i, (_, label)) in options.iter().enumerate() {
                            self.chat.say(&format!("  │   {} {label}", i + 1));
                        }
                        (
                            format!("{} [number]", input.label),
                            initial.clone().unwrap_or_default(),
                        )
                    }
                    InputKind::Checkbox { label, initial } => (
                        format!("{label}? [y/N]"),
                        if *initial { "y".into() } else { String::new() },
                    ),
                };
                if let Some(h) = &input.hint {
                    self.chat.say(&format!("  │   ({h})"));
                }
                if !default.is_empty() && !matches!(input.kind, InputKind::Checkbox { .. }) {
                    let shown = default.lines().collect::<Vec<_>>().join(" / ");
                    self.chat.say(&format!("  │   [Enter keeps: {shown}]"));
                }
                if self.interactive {
                    print!("  │ {question}: ");
                    let _ = std::io::stdout().flush();
                } else {
                    self.chat.say(&format!("  │ {question}:"));
                }
                let Some(answer) = self.read().await else {
                    return;
                };
                let answer = answer.trim().to_string();
                if answer.starts_with('/') {
                    // A command instead of an answer: the form is closed unsent (Esc in
                    // Slack), and the command runs.
                    self.chat.say("  └ form closed without submitting");
                    self.pushed_back = Some(answer);
                    return;
                }
                if !self.interactive {
                    self.chat.say(&format!("  │ > {answer}"));
                }
                let answer = if answer.is_empty() {
                    default.clone()
                } else {
                    answer
                };
                let value = match &input.kind {
                    InputKind::Select { options, .. } => match answer.parse::<usize>() {
                        Ok(n) if n >= 1 && n <= options.len() => options[n - 1].0.clone(),
                        _ => answer,
                    },
                    InputKind::Checkbox { .. } => {
                        (matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes" | "true"))
                            .to_string()
                    }
                    InputKind::Text { .. } => answer,
                };
                if value.is_empty() && !input.optional {
                    self.chat.say("  │   (required)");
                    continue;
                }
                break value;
            };
            values.insert(input.id.clone(), value);
        }
        self.chat.say("  └ submitted");
        match self
            .app
            .handle_submission(
                &self.actor(),
                &modal.callback_id,
                &modal.private_metadata,
                &values,
            )
            .await
        {
            Submitted::Close => {}
            Submitted::Errors(errs) => {
                for (field, e) in errs {
                    self.chat.say(&format!("  ✗ {field}: {e}"));
                }
                self.chat.say("  the form was not submitted; try again");
            }
        }
    }
}

/// Shows a message as the shell would (for tests of rendering).
pub fn preview(msg: &Message) -> Vec<String> {
    super::render::message(msg, &|id: &str| id.to_string()).0
}
