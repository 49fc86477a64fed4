//! Text a person typed is data, never markup. [`UserText`] holds it from the moment it
//! arrives (a slash command, a form, a pinned message) to the moment it is shown, and
//! its only ways out are [`UserText::mrkdwn`] (Slack) and [`UserText::plain`] (pages,
//! topics, plain-text fields), both of which go through [`sanitize`]:
//!
//! - Slack's special mentions (`<!channel>`, `<!here>`, `<!everyone>`,
//!   `<!subteam^S1|@team>`) become the plain words (`@channel`, `@team`): nobody is
//!   pinged by what someone else typed;
//! - a bare `&`, `<` or `>` is escaped as Slack's formatting rules require, so typed
//!   text cannot open a link or a mention of its own;
//! - what Slack itself produced stays: user mentions `<@U1>`, channel links `<#C1>`,
//!   web links `<https://…|label>` and the three escapes `&amp;` `&lt;` `&gt;`.
//!
//! [`sanitize`] is idempotent, so text can be stored sanitized and sanitized again on
//! the way out (rows written before this existed are cleaned then). It has no
//! `Display`: `format!("{}", title)` does not compile, which is the point.
//!
//! The parts: `user_text` ([`UserText`]), `escape` (control characters and Slack's three
//! escapes), `sanitize` (the one sanitizing path and the last guard before Slack) and
//! `pieces` (reading sanitized mrkdwn back as pieces or plain text).

mod escape;
mod pieces;
mod sanitize;
mod user_text;

pub use escape::{clean, escape, unescape};
pub use pieces::{Piece, for_each_piece, safe_prefix, to_plain};
pub use sanitize::{has_special_mention, neutralize_specials, sanitize};
pub use user_text::UserText;
