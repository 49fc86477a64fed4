//! The `/incident` command grammar: a small parser over tokens that turns the text
//! after the slash command into a [`Command`], or into a [`CommandError`] that says what
//! was wrong and shows the usage of the subcommand. Usage and help come from the same
//! [`SPECS`] table the parser uses, so help cannot drift from behaviour.

use chrono::{NaiveDate, NaiveTime};

use super::ids::{IncidentId, UserRef};
use super::role::Role;
use super::severity::Severity;
use super::status::Status;
use super::text::{self, UserText};

/// Longest accepted title, in characters: it must fit a Block Kit header with its number.
pub const MAX_TITLE: usize = 120;
/// Longest free text (notes, updates, summaries), in characters.
pub const MAX_TEXT: usize = 2900;
/// Longest action item, in characters.
pub const MAX_ACTION: usize = 500;

/// One subcommand: its name, usage line and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub name: &'static str,
    pub usage: &'static str,
    pub summary: &'static str,
}

/// Every subcommand, in the order help lists them. `{cmd}` stands for the configured
/// slash command (`/incident`).
pub const SPECS: &[Spec] = &[
    Spec {
        name: "declare",
        usage: "{cmd} declare [sev1|sev2|sev3|sev4] [--private] <title>",
        summary: "open an incident and its channel (no title: a form)",
    },
    Spec {
        name: "status",
        usage: "{cmd} status investigating|identified|monitoring|resolved",
        summary: "move the incident to another state",
    },
    Spec {
        name: "sev",
        usage: "{cmd} sev <1-4>",
        summary: "change the severity (IC and admins)",
    },
    Spec {
        name: "role",
        usage: "{cmd} role ic|ops|comms|sme @user  ·  {cmd} role remove ops|comms|sme [@user]",
        summary: "assign or remove a role",
    },
    Spec {
        name: "roles",
        usage: "{cmd} roles",
        summary: "who holds which role",
    },
    Spec {
        name: "note",
        usage: "{cmd} note [--factor|--cause|--went-well|--went-poorly|--lucky] <text>",
        summary: "add a timeline entry (flags file it under that postmortem heading)",
    },
    Spec {
        name: "timeline",
        usage: "{cmd} timeline",
        summary: "show the timeline",
    },
    Spec {
        name: "update",
        usage: "{cmd} update <text>",
        summary: "post the formal status update in the incident channel",
    },
    Spec {
        name: "impact",
        usage: "{cmd} impact [--since HH:MM] <text, e.g. 12% of API requests fail>",
        summary: "record user impact (a percentage counts towards the error budget)",
    },
    Spec {
        name: "service",
        usage: "{cmd} service <name>[,<name>...]",
        summary: "set the affected services (their SLOs price the error budget)",
    },
    Spec {
        name: "action",
        usage: "{cmd} action <text> [@owner] [due YYYY-MM-DD] [p1|p2|p3]  ·  {cmd} action done <n>",
        summary: "record a follow-up action item, or mark one done",
    },
    Spec {
        name: "actions",
        usage: "{cmd} actions",
        summary: "list the action items",
    },
    Spec {
        name: "resolve",
        usage: "{cmd} resolve [summary]",
        summary: "resolve the incident (IC and admins; no summary: a form)",
    },
    Spec {
        name: "reopen",
        usage: "{cmd} reopen",
        summary: "reopen a resolved incident (IC and admins)",
    },
    Spec {
        name: "postmortem",
        usage: "{cmd} postmortem [done]",
        summary: "draft the postmortem now, or mark it complete",
    },
    Spec {
        name: "list",
        usage: "{cmd} list",
        summary: "open incidents",
    },
    Spec {
        name: "show",
        usage: "{cmd} show [INC-n]",
        summary: "one incident in detail",
    },
    Spec {
        name: "help",
        usage: "{cmd} help [subcommand]",
        summary: "this help",
    },
];

/// Looks up a subcommand's spec by name.
pub fn spec(name: &str) -> &'static Spec {
    SPECS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or(&SPECS[SPECS.len() - 1])
}

/// The postmortem heading a note is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteKind {
    Plain,
    RootCause,
    Factor,
    WentWell,
    WentPoorly,
    Lucky,
}

impl NoteKind {
    pub fn key(self) -> &'static str {
        match self {
            NoteKind::Plain => "note",
            NoteKind::RootCause => "cause",
            NoteKind::Factor => "factor",
            NoteKind::WentWell => "went-well",
            NoteKind::WentPoorly => "went-poorly",
            NoteKind::Lucky => "lucky",
        }
    }

    pub fn from_key(s: &str) -> Option<NoteKind> {
        Some(match s {
            "note" => NoteKind::Plain,
            "cause" | "root-cause" => NoteKind::RootCause,
            "factor" | "contributing" => NoteKind::Factor,
            "went-well" | "well" => NoteKind::WentWell,
            "went-poorly" | "poorly" => NoteKind::WentPoorly,
            "lucky" => NoteKind::Lucky,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Plain => "Note",
            NoteKind::RootCause => "Root cause",
            NoteKind::Factor => "Contributing factor",
            NoteKind::WentWell => "Went well",
            NoteKind::WentPoorly => "Went poorly",
            NoteKind::Lucky => "Got lucky",
        }
    }
}

/// Follow-up priority, as in the postmortem template's action table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    P1,
    P2,
    P3,
}

impl Priority {
    pub fn parse(s: &str) -> Option<Priority> {
        match s.to_ascii_lowercase().as_str() {
            "p1" => Some(Priority::P1),
            "p2" => Some(Priority::P2),
            "p3" => Some(Priority::P3),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        }
    }
}

/// When user impact started, as typed: a UTC time of day (the most recent one) or a
/// full timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImpactStart {
    TimeOfDay(NaiveTime),
    At(chrono::DateTime<chrono::Utc>),
}

/// A parsed subcommand.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Declare {
        severity: Option<Severity>,
        title: Option<UserText>,
        private: bool,
    },
    Status(Status),
    Sev(Severity),
    AssignRole {
        role: Role,
        user: UserRef,
    },
    RemoveRole {
        role: Role,
        user: Option<UserRef>,
    },
    Roles,
    Note {
        kind: NoteKind,
        text: UserText,
    },
    Timeline,
    Update(UserText),
    Impact {
        text: UserText,
        percent: Option<f64>,
        since: Option<ImpactStart>,
    },
    Services(Vec<String>),
    Action {
        text: UserText,
        owner: Option<UserRef>,
        due: Option<NaiveDate>,
        priority: Option<Priority>,
    },
    ActionDone(i64),
    Actions,
    Resolve(Option<UserText>),
    Reopen,
    Postmortem {
        done: bool,
    },
    List,
    Show,
    Help(Option<String>),
}

impl Command {
    /// The spec name of the subcommand (for usage in errors raised later).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Declare { .. } => "declare",
            Command::Status(_) => "status",
            Command::Sev(_) => "sev",
            Command::AssignRole { .. } | Command::RemoveRole { .. } => "role",
            Command::Roles => "roles",
            Command::Note { .. } => "note",
            Command::Timeline => "timeline",
            Command::Update(_) => "update",
            Command::Impact { .. } => "impact",
            Command::Services(_) => "service",
            Command::Action { .. } | Command::ActionDone(_) => "action",
            Command::Actions => "actions",
            Command::Resolve(_) => "resolve",
            Command::Reopen => "reopen",
            Command::Postmortem { .. } => "postmortem",
            Command::List => "list",
            Command::Show => "show",
            Command::Help(_) => "help",
        }
    }

    /// Commands that need an incident to act on.
    pub fn needs_incident(&self) -> bool {
        !matches!(
            self,
            Command::Declare { .. } | Command::List | Command::Help(_)
        )
    }
}

/// A command and the incident it names explicitly, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub incident: Option<IncidentId>,
    pub command: Command,
}

/// What was wrong, and the usage of the subcommand it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub message: String,
    pub spec: Option<&'static Spec>,
}

impl CommandError {
    pub fn new(message: impl Into<String>, spec_name: &str) -> CommandError {
        CommandError {
            message: message.into(),
            spec: Some(spec(spec_name)),
        }
    }

    /// One line of explanation, then the usage, with the configured command name.
    /// Slack's mrkdwn needs `<` and `>` escaped, or `<1-4>` would read as markup.
    pub fn render(&self, cmd: &str) -> String {
        match self.spec {
            Some(s) => format!(
                "{}\nUsage: `{}`",
                text::sanitize(&self.message),
                escape(&s.usage.replace("{cmd}", cmd))
            ),
            None => format!(
                "{}\nTry `{cmd} help` for the list of subcommands.",
                text::sanitize(&self.message)
            ),
        }
    }
}

/// Escapes text for Slack's mrkdwn (`&`, `<`, `>`).
pub fn escape(s: &str) -> String {
    text::escape(s)
}

/// Help text generated from [`SPECS`].
pub fn help(cmd: &str, topic: Option<&str>) -> String {
    if let Some(t) = topic
        && let Some(s) = SPECS.iter().find(|s| s.name == t)
    {
        return format!(
            "`{}`\n{}",
            escape(&s.usage.replace("{cmd}", cmd)),
            s.summary
        );
    }
    let mut out = format!(
        "*{cmd}* — run incidents from Slack. In an incident channel commands apply to its incident; elsewhere name one with `INC-n` (e.g. `{cmd} INC-4 status identified`).\n"
    );
    for s in SPECS {
        out.push_str(&format!(
            "• `{}` — {}\n",
            escape(&s.usage.replace("{cmd}", cmd)),
            s.summary
        ));
    }
    out
}

/// Parses the text typed after the slash command.
pub fn parse(text: &str) -> Result<Parsed, CommandError> {
    let text = text.trim();
    let (first, rest) = split_word(text);
    if first.is_empty() {
        return Err(CommandError {
            message: "Say what to do: the subcommand is missing.".into(),
            spec: None,
        });
    }
    // `/incident INC-4 status identified`
    if let Some(id) = IncidentId::parse(first) {
        let mut parsed = parse(rest)?;
        if matches!(parsed.command, Command::Declare { .. }) {
            return Err(CommandError::new(
                "`declare` opens a new incident, so it takes no INC number.",
                "declare",
            ));
        }
        if let Some(other) = parsed.incident
            && other != id
        {
            return Err(CommandError::new(
                format!("Two different incidents named: {id} and {other}."),
                parsed.command.name(),
            ));
        }
        parsed.incident = Some(id);
        return Ok(parsed);
    }
    if IncidentId::looks_like(first) {
        return Err(CommandError {
            message: format!("`{first}` is not an incident number: expected INC-<n>, e.g. INC-4."),
            spec: None,
        });
    }
    let name = first.to_ascii_lowercase();
    // An incident reference may also follow the subcommand: `/incident show INC-4`.
    let (incident, rest) = take_incident(&name, rest)?;
    let command = match name.as_str() {
        "declare" | "new" | "open" => parse_declare(rest)?,
        "status" | "state" => parse_status(rest)?,
        "sev" | "severity" => parse_sev(rest)?,
        "role" | "assign" => parse_role(rest)?,
        "roles" | "who" => no_args("roles", rest, Command::Roles)?,
        "note" => parse_note(rest)?,
        "timeline" | "log" => no_args("timeline", rest, Command::Timeline)?,
        "update" => Command::Update(required_text("update", rest, "the update text")?),
        "impact" => parse_impact(rest)?,
        "service" | "services" => parse_services(rest)?,
        "action" | "ai" => parse_action(rest)?,
        "actions" => no_args("actions", rest, Command::Actions)?,
        "resolve" => {
            let summary = optional_text("resolve", rest)?;
            Command::Resolve(summary)
        }
        "reopen" => no_args("reopen", rest, Command::Reopen)?,
        "postmortem" | "pm" => match rest.to_ascii_lowercase().as_str() {
            "" => Command::Postmortem { done: false },
            "done" | "complete" => Command::Postmortem { done: true },
            other => {
                return Err(CommandError::new(
                    format!("`{other}` is not a postmortem option: expected nothing or `done`."),
                    "postmortem",
                ));
            }
        },
        "list" | "ls" => no_args("list", rest, Command::List)?,
        "show" | "info" => no_args("show", rest, Command::Show)?,
        "help" | "?" | "-h" | "--help" => {
            let topic = rest.trim().to_ascii_lowercase();
            if !topic.is_empty() && !SPECS.iter().any(|s| s.name == topic) {
                return Err(CommandError::new(
                    format!("There is no subcommand `{topic}`."),
                    "help",
                ));
            }
            Command::Help((!topic.is_empty()).then_some(topic))
        }
        _ => {
            return Err(CommandError {
                message: format!("Unknown subcommand `{first}`."),
                spec: None,
            });
        }
    };
    if incident.is_some() && matches!(command, Command::Declare { .. }) {
        return Err(CommandError::new(
            "`declare` opens a new incident, so it takes no INC number.",
            "declare",
        ));
    }
    Ok(Parsed { incident, command })
}

/// Splits off the first whitespace-separated word.
fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

fn take_incident<'a>(
    name: &str,
    rest: &'a str,
) -> Result<(Option<IncidentId>, &'a str), CommandError> {
    let (word, after) = split_word(rest);
    if let Some(id) = IncidentId::parse(word) {
        return Ok((Some(id), after));
    }
    if IncidentId::looks_like(word) && name != "declare" {
        let spec_name = SPECS.iter().find(|s| s.name == name).map(|s| s.name);
        return Err(CommandError {
            message: format!("`{word}` is not an incident number: expected INC-<n>, e.g. INC-4."),
            spec: spec_name.map(spec),
        });
    }
    Ok((None, rest))
}

fn no_args(name: &str, rest: &str, cmd: Command) -> Result<Command, CommandError> {
    if rest.trim().is_empty() {
        Ok(cmd)
    } else {
        Err(CommandError::new(
            format!("`{name}` takes no arguments, but got `{}`.", rest.trim()),
            name,
        ))
    }
}

fn check_len(name: &str, what: &str, text: &UserText, max: usize) -> Result<(), CommandError> {
    let n = text.char_len();
    if n > max {
        return Err(CommandError::new(
            format!("The {what} is {n} characters long; the limit is {max}."),
            name,
        ));
    }
    Ok(())
}

fn required_text(name: &str, rest: &str, what: &str) -> Result<UserText, CommandError> {
    let t = UserText::from_mrkdwn(rest.trim());
    if t.is_empty() {
        return Err(CommandError::new(format!("The {what} is missing."), name));
    }
    check_len(name, "text", &t, MAX_TEXT)?;
    Ok(t)
}

fn optional_text(name: &str, rest: &str) -> Result<Option<UserText>, CommandError> {
    let t = UserText::from_mrkdwn(rest.trim());
    if t.is_empty() {
        return Ok(None);
    }
    check_len(name, "text", &t, MAX_TEXT)?;
    Ok(Some(t))
}

/// Checks a free text typed in a form (`what` names it in the message).
pub fn check_text(
    name: &str,
    what: &str,
    t: UserText,
    max: usize,
) -> Result<UserText, CommandError> {
    if t.is_empty() {
        return Err(CommandError::new(format!("The {what} is missing."), name));
    }
    check_len(name, what, &t, max)?;
    Ok(t)
}

/// Validates a title typed in a command or a form: one line, spaces collapsed.
pub fn check_title(title: &UserText) -> Result<UserText, CommandError> {
    let t = UserText::from_stored(
        title
            .stored()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    );
    if t.is_empty() {
        return Err(CommandError::new("The title is missing.", "declare"));
    }
    check_len("declare", "title", &t, MAX_TITLE)?;
    Ok(t)
}

fn parse_declare(rest: &str) -> Result<Command, CommandError> {
    let mut severity = None;
    let mut private = false;
    let mut rest = rest;
    loop {
        let (word, after) = split_word(rest);
        if word.is_empty() {
            break;
        }
        let lower = word.to_ascii_lowercase();
        if lower == "--private" || lower == "-p" {
            private = true;
        } else if severity.is_none() && Severity::looks_like(word) {
            severity = Some(Severity::parse(word).map_err(|e| {
                CommandError::new(format!("{}.", capitalise(&e.to_string())), "declare")
            })?);
        } else if lower.starts_with("--") {
            return Err(CommandError::new(
                format!("Unknown option `{word}`: only --private is accepted."),
                "declare",
            ));
        } else {
            break;
        }
        rest = after;
    }
    let title = if rest.trim().is_empty() {
        None
    } else {
        Some(check_title(&UserText::from_mrkdwn(rest))?)
    };
    Ok(Command::Declare {
        severity,
        title,
        private,
    })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn parse_status(rest: &str) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    if word.is_empty() {
        return Err(CommandError::new("The new status is missing.", "status"));
    }
    let status = Status::parse(word)
        .map_err(|e| CommandError::new(format!("{}.", capitalise(&e.to_string())), "status"))?;
    if status == Status::Resolved {
        return Ok(Command::Resolve(optional_text("resolve", after)?));
    }
    if !after.is_empty() {
        return Err(CommandError::new(
            format!("`status` takes one word, but got `{}` too.", after),
            "status",
        ));
    }
    Ok(Command::Status(status))
}

fn parse_sev(rest: &str) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    if word.is_empty() {
        return Err(CommandError::new("The new severity is missing.", "sev"));
    }
    if !after.is_empty() {
        return Err(CommandError::new(
            format!("`sev` takes one value, but got `{after}` too."),
            "sev",
        ));
    }
    let sev = Severity::parse(word)
        .map_err(|e| CommandError::new(format!("{}.", capitalise(&e.to_string())), "sev"))?;
    Ok(Command::Sev(sev))
}

fn parse_role(rest: &str) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    if word.is_empty() {
        return Err(CommandError::new("The role is missing.", "role"));
    }
    let remove = matches!(
        word.to_ascii_lowercase().as_str(),
        "remove" | "rm" | "clear" | "unassign"
    );
    let (role_word, after) = if remove {
        split_word(after)
    } else {
        (word, after)
    };
    if role_word.is_empty() {
        return Err(CommandError::new("The role to remove is missing.", "role"));
    }
    let role = Role::parse(role_word)
        .map_err(|e| CommandError::new(format!("{}.", capitalise(&e.to_string())), "role"))?;
    let (user_word, extra) = split_word(after);
    if !extra.is_empty() {
        return Err(CommandError::new(
            format!("One user per command, please: unexpected `{extra}`."),
            "role",
        ));
    }
    let user = if user_word.is_empty() {
        None
    } else {
        Some(UserRef::parse(user_word).ok_or_else(|| {
            CommandError::new(
                format!("`{user_word}` is not a user: mention them with @."),
                "role",
            )
        })?)
    };
    if remove {
        if role == Role::Commander {
            return Err(CommandError::new(
                "An incident always has a commander: assign a new one with `role ic @user` instead.",
                "role",
            ));
        }
        if role == Role::Expert && user.is_none() {
            return Err(CommandError::new(
                "Say which SME to remove: `role remove sme @user`.",
                "role",
            ));
        }
        return Ok(Command::RemoveRole { role, user });
    }
    match user {
        Some(user) => Ok(Command::AssignRole { role, user }),
        None => Err(CommandError::new(
            format!(
                "Say who takes the {} role: mention them with @.",
                role.short()
            ),
            "role",
        )),
    }
}

fn parse_note(rest: &str) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    let (kind, text) = match word.strip_prefix("--") {
        Some(flag) => match NoteKind::from_key(&flag.to_ascii_lowercase()) {
            Some(k) if k != NoteKind::Plain => (k, after),
            _ => {
                return Err(CommandError::new(
                    format!("Unknown note flag `{word}`."),
                    "note",
                ));
            }
        },
        None => (NoteKind::Plain, rest),
    };
    Ok(Command::Note {
        kind,
        text: required_text("note", text, "note text")?,
    })
}

/// Finds a percentage such as `12%` or `0.5 %` in free text.
pub fn find_percent(text: &str) -> Option<f64> {
    let bytes: Vec<char> = text.chars().collect();
    for (i, c) in bytes.iter().enumerate() {
        if *c != '%' {
            continue;
        }
        let mut j = i;
        while j > 0 && bytes[j - 1] == ' ' {
            j -= 1;
        }
        let end = j;
        while j > 0 && (bytes[j - 1].is_ascii_digit() || bytes[j - 1] == '.' || bytes[j - 1] == ',')
        {
            j -= 1;
        }
        if j == end {
            continue;
        }
        let num: String = bytes[j..end].iter().collect::<String>().replace(',', ".");
        if let Ok(v) = num.parse::<f64>()
            && (0.0..=100.0).contains(&v)
        {
            return Some(v);
        }
    }
    None
}

fn parse_impact(rest: &str) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    let (since, text) = if word.eq_ignore_ascii_case("--since") {
        let (when, after) = split_word(after);
        let start = parse_time(when).ok_or_else(|| {
            CommandError::new(
                format!("`{when}` is not a time: expected HH:MM (UTC) or 2026-01-31T14:05Z."),
                "impact",
            )
        })?;
        (Some(start), after)
    } else {
        (None, rest)
    };
    let text = required_text("impact", text, "impact description")?;
    let percent = find_percent(&text.plain());
    Ok(Command::Impact {
        text,
        percent,
        since,
    })
}

fn parse_time(s: &str) -> Option<ImpactStart> {
    if let Ok(t) = NaiveTime::parse_from_str(s, "%H:%M") {
        return Some(ImpactStart::TimeOfDay(t));
    }
    let s2 = s.trim_end_matches('Z').trim_end_matches('z');
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(s2, fmt) {
            return Some(ImpactStart::At(dt.and_utc()));
        }
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| ImpactStart::At(d.with_timezone(&chrono::Utc)))
}

fn parse_services(rest: &str) -> Result<Command, CommandError> {
    let names: Vec<String> = rest
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if names.is_empty() {
        return Err(CommandError::new("Name at least one service.", "service"));
    }
    if let Some(bad) = names.iter().find(|n| {
        n.len() > 64
            || !n
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    }) {
        return Err(CommandError::new(
            format!("`{bad}` is not a service name: letters, digits, - _ . / only."),
            "service",
        ));
    }
    Ok(Command::Services(names))
}

fn parse_action(rest: &str) -> Result<Command, CommandError> {
    let (first, after) = split_word(rest);
    if first.eq_ignore_ascii_case("done") {
        let n = after.trim().trim_start_matches('#');
        return match n.parse::<i64>() {
            Ok(n) if n > 0 => Ok(Command::ActionDone(n)),
            _ => Err(CommandError::new(
                format!(
                    "`{}` is not an action item number: see `actions`.",
                    after.trim()
                ),
                "action",
            )),
        };
    }
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    let mut owner = None;
    let mut due = None;
    let mut priority = None;
    // Options come at the end, in any order.
    while let Some(last) = words.last().copied() {
        if priority.is_none()
            && let Some(p) = Priority::parse(last)
        {
            priority = Some(p);
            words.pop();
            continue;
        }
        if owner.is_none()
            && let Some(u) = UserRef::parse(last)
        {
            owner = Some(u);
            words.pop();
            continue;
        }
        if due.is_none() && words.len() >= 2 && words[words.len() - 2].eq_ignore_ascii_case("due") {
            let d = NaiveDate::parse_from_str(last, "%Y-%m-%d").map_err(|_| {
                CommandError::new(
                    format!("`{last}` is not a date: expected YYYY-MM-DD."),
                    "action",
                )
            })?;
            due = Some(d);
            words.truncate(words.len() - 2);
            continue;
        }
        break;
    }
    let text = UserText::from_mrkdwn(&words.join(" "));
    if text.is_empty() {
        return Err(CommandError::new("The action text is missing.", "action"));
    }
    check_len("action", "text", &text, MAX_ACTION)?;
    Ok(Command::Action {
        text,
        owner,
        due,
        priority,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Command {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}")).command
    }

    fn err(s: &str) -> CommandError {
        let mut e = parse(s).expect_err(s);
        // Compare case-insensitively: messages start with a capital.
        e.message = e.message.to_lowercase();
        e
    }

    #[test]
    fn declare_forms() {
        assert_eq!(
            ok("declare sev2 API error rate at 12%"),
            Command::Declare {
                severity: Some(Severity::Sev2),
                title: Some("API error rate at 12%".into()),
                private: false
            }
        );
        assert_eq!(
            ok("declare Checkout is slow"),
            Command::Declare {
                severity: None,
                title: Some("Checkout is slow".into()),
                private: false
            }
        );
        assert_eq!(
            ok("declare --private SEV1 Data leak"),
            Command::Declare {
                severity: Some(Severity::Sev1),
                title: Some("Data leak".into()),
                private: true
            }
        );
        assert_eq!(
            ok("declare"),
            Command::Declare {
                severity: None,
                title: None,
                private: false
            }
        );
        assert_eq!(
            ok("DECLARE sev3"),
            Command::Declare {
                severity: Some(Severity::Sev3),
                title: None,
                private: false
            }
        );
        // A title word that merely starts with "sev" is a title.
        assert_eq!(
            ok("declare several pods crashlooping"),
            Command::Declare {
                severity: None,
                title: Some("several pods crashlooping".into()),
                private: false
            }
        );
    }

    #[test]
    fn declare_errors() {
        let e = err("declare sev9 foo");
        assert!(e.message.contains("unknown severity `sev9`"), "{e:?}");
        assert_eq!(e.spec.map(|s| s.name), Some("declare"));
        let long = format!("declare {}", "x".repeat(MAX_TITLE + 1));
        assert!(err(&long).message.contains("limit is 120"));
        assert!(
            err("declare --loud boom")
                .message
                .contains("unknown option")
        );
        assert!(
            err("INC-3 declare x")
                .message
                .contains("takes no inc number")
        );
        assert!(
            err("declare INC-3 x")
                .message
                .contains("takes no inc number")
        );
    }

    #[test]
    fn status_and_sev() {
        assert_eq!(ok("status identified"), Command::Status(Status::Identified));
        assert_eq!(ok("status Monitoring"), Command::Status(Status::Monitoring));
        assert_eq!(ok("status resolved"), Command::Resolve(None));
        assert_eq!(
            ok("status resolved rolled back"),
            Command::Resolve(Some("rolled back".into()))
        );
        assert!(err("status").message.contains("missing"));
        assert!(err("status fixed").message.contains("unknown status"));
        assert!(err("status identified now").message.contains("one word"));
        assert_eq!(ok("sev 1"), Command::Sev(Severity::Sev1));
        assert_eq!(ok("sev sev2"), Command::Sev(Severity::Sev2));
        assert!(err("sev").message.contains("missing"));
        assert!(err("sev 5").message.contains("unknown severity"));
        assert!(err("sev 1 2").message.contains("one value"));
    }

    #[test]
    fn roles() {
        assert_eq!(
            ok("role ic <@U1|alice>"),
            Command::AssignRole {
                role: Role::Commander,
                user: UserRef::Id("U1".into())
            }
        );
        assert_eq!(
            ok("role sme @bob"),
            Command::AssignRole {
                role: Role::Expert,
                user: UserRef::Name("bob".into())
            }
        );
        assert_eq!(
            ok("role remove ops"),
            Command::RemoveRole {
                role: Role::Operations,
                user: None
            }
        );
        assert_eq!(
            ok("role remove sme @bob"),
            Command::RemoveRole {
                role: Role::Expert,
                user: Some(UserRef::Name("bob".into()))
            }
        );
        assert_eq!(ok("roles"), Command::Roles);
        assert!(err("role").message.contains("missing"));
        assert!(err("role ic").message.contains("mention them with @"));
        assert!(err("role ic alice").message.contains("not a user"));
        assert!(err("role boss @a").message.contains("unknown role"));
        assert!(err("role ic @a @b").message.contains("one user"));
        assert!(
            err("role remove ic")
                .message
                .contains("always has a commander")
        );
        assert!(err("role remove sme").message.contains("which sme"));
        assert!(err("roles extra").message.contains("takes no arguments"));
    }

    #[test]
    fn notes_updates_impact() {
        assert_eq!(
            ok("note restarted pod api-7"),
            Command::Note {
                kind: NoteKind::Plain,
                text: "restarted pod api-7".into()
            }
        );
        assert_eq!(
            ok("note --factor no canary for migrations"),
            Command::Note {
                kind: NoteKind::Factor,
                text: "no canary for migrations".into()
            }
        );
        assert!(err("note").message.contains("missing"));
        assert!(err("note --bogus x").message.contains("unknown note flag"));
        assert_eq!(
            ok("update rolling back"),
            Command::Update("rolling back".into())
        );
        assert!(err("update").message.contains("missing"));
        assert!(
            err(&format!("update {}", "y".repeat(MAX_TEXT + 1)))
                .message
                .contains("limit")
        );
        assert_eq!(
            ok("impact 12% of API requests fail"),
            Command::Impact {
                text: "12% of API requests fail".into(),
                percent: Some(12.0),
                since: None
            }
        );
        assert_eq!(
            ok("impact --since 13:55 checkout down for EU"),
            Command::Impact {
                text: "checkout down for EU".into(),
                percent: None,
                since: Some(ImpactStart::TimeOfDay(
                    NaiveTime::from_hms_opt(13, 55, 0).unwrap()
                ))
            }
        );
        assert!(err("impact --since noon x").message.contains("not a time"));
        assert!(err("impact").message.contains("missing"));
    }

    #[test]
    fn percentages() {
        assert_eq!(find_percent("12% of requests"), Some(12.0));
        assert_eq!(find_percent("about 0.5 % errors"), Some(0.5));
        assert_eq!(find_percent("3,5% down"), Some(3.5));
        assert_eq!(find_percent("no numbers"), None);
        assert_eq!(find_percent("250% more"), None);
        assert_eq!(find_percent("% alone"), None);
    }

    #[test]
    fn actions() {
        assert_eq!(
            ok("action Add migration tests to CI <@U2|bob> due 2025-02-15 p1"),
            Command::Action {
                text: "Add migration tests to CI".into(),
                owner: Some(UserRef::Id("U2".into())),
                due: NaiveDate::from_ymd_opt(2025, 2, 15),
                priority: Some(Priority::P1)
            }
        );
        assert_eq!(
            ok("action Write runbook"),
            Command::Action {
                text: "Write runbook".into(),
                owner: None,
                due: None,
                priority: None
            }
        );
        assert_eq!(
            ok("action Write runbook due 2026-01-01 @carol"),
            Command::Action {
                text: "Write runbook".into(),
                owner: Some(UserRef::Name("carol".into())),
                due: NaiveDate::from_ymd_opt(2026, 1, 1),
                priority: None
            }
        );
        assert_eq!(ok("action done 3"), Command::ActionDone(3));
        assert_eq!(ok("action done #2"), Command::ActionDone(2));
        assert!(
            err("action done x")
                .message
                .contains("not an action item number")
        );
        assert!(err("action due 2026-13-01").message.contains("not a date"));
        assert!(err("action @bob").message.contains("missing"));
        assert_eq!(ok("actions"), Command::Actions);
    }

    #[test]
    fn incident_references() {
        let p = parse("INC-4 status identified").unwrap();
        assert_eq!(p.incident, Some(IncidentId(4)));
        assert_eq!(p.command, Command::Status(Status::Identified));
        let p = parse("show INC-12").unwrap();
        assert_eq!(p.incident, Some(IncidentId(12)));
        assert_eq!(p.command, Command::Show);
        let p = parse("note INC-2 found it").unwrap();
        assert_eq!(p.incident, Some(IncidentId(2)));
        assert!(err("INC-1 show INC-2").message.contains("two different"));
        assert!(
            err("inc-x status identified")
                .message
                .contains("not an incident number")
        );
        assert!(err("show inc-").message.contains("not an incident number"));
    }

    #[test]
    fn misc_and_errors() {
        assert_eq!(ok("resolve"), Command::Resolve(None));
        assert_eq!(
            ok("resolve rolled back the deploy"),
            Command::Resolve(Some("rolled back the deploy".into()))
        );
        assert_eq!(ok("reopen"), Command::Reopen);
        assert_eq!(ok("list"), Command::List);
        assert_eq!(ok("timeline"), Command::Timeline);
        assert_eq!(ok("postmortem"), Command::Postmortem { done: false });
        assert_eq!(ok("postmortem done"), Command::Postmortem { done: true });
        assert!(
            err("postmortem later")
                .message
                .contains("not a postmortem option")
        );
        assert_eq!(
            ok("service api, checkout"),
            Command::Services(vec!["api".into(), "checkout".into()])
        );
        assert!(err("service").message.contains("at least one"));
        assert!(err("service a$b").message.contains("not a service name"));
        assert_eq!(ok("help"), Command::Help(None));
        assert_eq!(ok("help sev"), Command::Help(Some("sev".into())));
        assert!(err("help frobnicate").message.contains("no subcommand"));
        let e = err("frobnicate now");
        assert!(e.message.contains("unknown subcommand `frobnicate`"));
        assert!(
            parse("frobnicate")
                .unwrap_err()
                .render("/incident")
                .contains("/incident help")
        );
        assert!(err("").message.contains("missing"));
        assert!(err("   ").message.contains("missing"));
        assert!(err("reopen now").message.contains("takes no arguments"));
    }

    #[test]
    fn errors_render_with_usage() {
        let e = parse("sev 9").unwrap_err();
        let r = e.render("/inc");
        let mut lines = r.lines();
        assert!(lines.next().unwrap().starts_with("Unknown severity"));
        assert_eq!(lines.next(), Some("Usage: `/inc sev &lt;1-4&gt;`"));
    }

    #[test]
    fn help_lists_every_spec() {
        let h = help("/incident", None);
        for s in SPECS {
            assert!(
                h.contains(&escape(&s.usage.replace("{cmd}", "/incident"))),
                "{}",
                s.name
            );
        }
        assert!(help("/incident", Some("sev")).contains("/incident sev &lt;1-4&gt;"));
    }

    #[test]
    fn nothing_typed_panics() {
        // A crude fuzz over odd inputs: the parser must answer, never panic.
        let odd = [
            "declare \u{0}",
            "role ic <@",
            "role ic <@|>",
            "action due",
            "action due due",
            "impact --since",
            "note --",
            "INC-1",
            "INC-1 INC-2",
            "sev -1",
            "status \t\n",
            "action done -3",
            "declare sev1",
            "%%%",
            "impact 100%",
            "impact 1e400%",
            "🔥 declare",
            "declare 🔥",
            "show INC-999999999999999",
        ];
        for s in odd {
            let _ = parse(s);
        }
    }
}
