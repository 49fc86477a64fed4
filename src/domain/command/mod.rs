//! The `/incident` command grammar: a small parser over tokens that turns the text
//! after the slash command into a [`Command`], or into a [`CommandError`] that says what
//! was wrong and shows the usage of the subcommand. Usage and help come from the same
//! [`SPECS`] table the parser uses, so help cannot drift from behaviour.
//!
//! This file holds what every subcommand shares (the table, [`Command`], the error,
//! help and the dispatch in [`parse`]); each group of subcommands is parsed in its own
//! module, and `words` holds the argument helpers they use.

mod actions;
mod declare;
mod external;
mod fields;
mod help;
mod notes;
mod page;
mod roles;
mod status;
mod tags;
mod words;

use chrono::NaiveDate;

use super::ids::{IncidentId, UserRef};
use super::role::Role;
use super::severity::{Scale, Severity};
use super::status::Status;
use super::text::{self, UserText};
use words::{no_args, split_word, take_incident};

pub use actions::Priority;
pub use declare::check_title;
pub use external::MAX_EXTERNAL;
pub use help::help;
pub use notes::{ImpactStart, NoteKind, find_percent, is_service_name};
pub use page::{MAX_PAGE_MESSAGE, PageWho};
pub use status::Milestone;
pub use words::check_text;

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
        usage: "{cmd} declare [<severity>] [--private] [--type <type>] [--started HH:MM] <title>",
        summary: "open an incident and its channel (no title: a form)",
    },
    Spec {
        name: "type",
        usage: "{cmd} type <type>",
        summary: "change the incident's type (IC and admins)",
    },
    Spec {
        name: "status",
        usage: "{cmd} status investigating|identified|monitoring|resolved [--at HH:MM]",
        summary: "move the incident to another state",
    },
    Spec {
        name: "milestone",
        usage: "{cmd} milestone acknowledged|identified|mitigated|resolved <HH:MM> <reason>",
        summary: "correct when a milestone happened, with the reason (IC and admins)",
    },
    Spec {
        name: "sev",
        usage: "{cmd} sev <severity>",
        summary: "change the severity (IC and admins)",
    },
    Spec {
        name: "role",
        usage: "{cmd} role ic|ops|comms|sme|<role> @user  ·  {cmd} role remove ops|comms|sme|<role> [@user]",
        summary: "assign or remove a role",
    },
    Spec {
        name: "roles",
        usage: "{cmd} roles",
        summary: "who holds which role",
    },
    Spec {
        name: "note",
        usage: "{cmd} note [--factor|--cause|--went-well|--went-poorly|--lucky] [--at HH:MM] <text>",
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
        name: "statusupdate",
        usage: "{cmd} statusupdate [investigating|identified|monitoring|resolved] [text]",
        summary: "publish an update for customers on the status page (Comms Lead, IC, admins; no text: a form)",
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
        name: "set",
        usage: "{cmd} set <field> <value>  ·  {cmd} set <field> -",
        summary: "sets one of your organisation's fields (e.g. region, revenue_impact); - clears it",
    },
    Spec {
        name: "tag",
        usage: "{cmd} tag add <tag>[,<tag>...]  ·  {cmd} tag remove <tag>[,<tag>...]",
        summary: "label the incident (e.g. db, eu) to find it in listings, insights and reports",
    },
    Spec {
        name: "page",
        usage: "{cmd} page @user|<team or service> [message]",
        summary: "page someone through PagerDuty or Opsgenie (responders)",
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

/// A parsed subcommand.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Declare {
        severity: Option<Severity>,
        title: Option<UserText>,
        private: bool,
        /// `--type <key>`.
        kind: Option<String>,
        /// `--started 13:50`: impact began before the declaration.
        started: Option<ImpactStart>,
    },
    /// `type <key>`: the incident's type.
    SetType(String),
    Status {
        to: Status,
        /// When it happened, if not now (`--at 14:20`).
        at: Option<ImpactStart>,
    },
    Sev(Severity),
    /// `milestone identified 14:20 <reason>`: a milestone's time corrected.
    Milestone {
        which: status::Milestone,
        at: ImpactStart,
        reason: UserText,
    },
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
        /// When it happened, if not now (`--at 14:05`).
        at: Option<ImpactStart>,
    },
    Timeline,
    Update(UserText),
    StatusUpdate {
        status: Option<super::public::PublicStatus>,
        text: Option<UserText>,
    },
    Impact {
        text: UserText,
        percent: Option<f64>,
        since: Option<ImpactStart>,
    },
    Services(Vec<String>),
    Tag {
        add: bool,
        tags: Vec<String>,
    },
    /// `set <field> <value>`: None clears it.
    SetField {
        key: String,
        value: Option<String>,
    },
    Page {
        who: PageWho,
        message: Option<UserText>,
    },
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
            Command::Status { .. } => "status",
            Command::Sev(_) => "sev",
            Command::Milestone { .. } => "milestone",
            Command::AssignRole { .. } | Command::RemoveRole { .. } => "role",
            Command::Roles => "roles",
            Command::Note { .. } => "note",
            Command::Timeline => "timeline",
            Command::Update(_) => "update",
            Command::StatusUpdate { .. } => "statusupdate",
            Command::Impact { .. } => "impact",
            Command::Services(_) => "service",
            Command::Tag { .. } => "tag",
            Command::SetField { .. } => "set",
            Command::SetType(_) => "type",
            Command::Page { .. } => "page",
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

/// Parses the text typed after the slash command; severities are read on `scale`.
pub fn parse(text: &str, scale: &Scale) -> Result<Parsed, CommandError> {
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
        return parse_for_incident(id, rest, scale);
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
    let command = parse_subcommand(first, &name, rest, scale)?;
    if incident.is_some() && matches!(command, Command::Declare { .. }) {
        return Err(declare::takes_no_incident());
    }
    Ok(Parsed { incident, command })
}

/// The rest of a command that started with `INC-n`: it must not name another
/// incident, nor be `declare`.
fn parse_for_incident(id: IncidentId, rest: &str, scale: &Scale) -> Result<Parsed, CommandError> {
    let mut parsed = parse(rest, scale)?;
    if matches!(parsed.command, Command::Declare { .. }) {
        return Err(declare::takes_no_incident());
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
    Ok(parsed)
}

/// Hands the arguments to the parser of the subcommand `name` (lower-cased; `first` is
/// the word as typed, for the error).
fn parse_subcommand(
    first: &str,
    name: &str,
    rest: &str,
    scale: &Scale,
) -> Result<Command, CommandError> {
    match name {
        "declare" | "new" | "open" => declare::parse_declare(rest, scale),
        "status" | "state" => status::parse_status(rest),
        "sev" | "severity" => status::parse_sev(rest, scale),
        "milestone" => status::parse_milestone(rest),
        "role" | "assign" => roles::parse_role(rest),
        "roles" | "who" => no_args("roles", rest, Command::Roles),
        "note" => notes::parse_note(rest),
        "timeline" | "log" => no_args("timeline", rest, Command::Timeline),
        "update" => notes::parse_update(rest),
        "statusupdate" | "status-update" | "external" | "public" => {
            external::parse_status_update(rest)
        }
        "impact" => notes::parse_impact(rest),
        "service" | "services" => notes::parse_services(rest),
        "tag" | "tags" => tags::parse_tag(rest),
        "set" => fields::parse_set(rest),
        "type" | "kind" => parse_type(rest),
        "page" => page::parse_page(rest),
        "action" | "ai" => actions::parse_action(rest),
        "actions" => no_args("actions", rest, Command::Actions),
        "resolve" => status::parse_resolve(rest),
        "reopen" => no_args("reopen", rest, Command::Reopen),
        "postmortem" | "pm" => status::parse_postmortem(rest),
        "list" | "ls" => no_args("list", rest, Command::List),
        "show" | "info" => no_args("show", rest, Command::Show),
        "help" | "?" | "-h" | "--help" => parse_help(rest),
        _ => Err(CommandError {
            message: format!("Unknown subcommand `{first}`."),
            spec: None,
        }),
    }
}

/// `type <key>`: one type's key.
fn parse_type(rest: &str) -> Result<Command, CommandError> {
    let key = rest.trim().to_ascii_lowercase();
    if key.is_empty() {
        return Err(CommandError::new("Name the type.", "type"));
    }
    declare::type_key(&key)
        .map(Command::SetType)
        .map_err(|e| CommandError::new(e.message, "type"))
}

/// `help [subcommand]`: the topic must be one of [`SPECS`].
fn parse_help(rest: &str) -> Result<Command, CommandError> {
    let topic = rest.trim().to_ascii_lowercase();
    if !topic.is_empty() && !SPECS.iter().any(|s| s.name == topic) {
        return Err(CommandError::new(
            format!("There is no subcommand `{topic}`."),
            "help",
        ));
    }
    Ok(Command::Help((!topic.is_empty()).then_some(topic)))
}

#[cfg(test)]
mod tests;
