//! `[slack]` validated: the API's address, the slash command, the announcements
//! channel, the tokens each mode needs, and the rate tiers' scale.

use super::is_http_url;
use crate::config::{Config, ConfigError, SlackMode, invalid};

/// `[slack]`: the API's address, the command, the channel, the tokens the mode needs, and the rate tiers' scale.
pub(super) fn slack(c: &Config) -> Result<(), ConfigError> {
    address(c)?;
    channel(c)?;
    tokens(c)?;
    let scale = c.slack.rate_limits.scale;
    if !(scale.is_finite() && scale > 0.0 && scale <= 1000.0) {
        return Err(invalid(
            "slack.rate_limits.scale",
            format!("`{scale}` is out of range: expected more than 0, at most 1000"),
        ));
    }
    Ok(())
}

/// `slack.api_url` and `slack.command`: where warroom calls, and what people type.
fn address(c: &Config) -> Result<(), ConfigError> {
    if !is_http_url(c.slack.api_url.trim_end_matches('/')) {
        return Err(invalid(
            "slack.api_url",
            format!(
                "`{}` is not a URL: expected https://slack.com/api or another http(s) base URL",
                c.slack.api_url
            ),
        ));
    }
    if !c.slack.command.starts_with('/') || c.slack.command.len() < 2 || c.slack.command.len() > 32
    {
        return Err(invalid(
            "slack.command",
            format!(
                "`{}` is not a slash command: expected / and 1-31 characters, like /incident",
                c.slack.command
            ),
        ));
    }
    Ok(())
}

/// `slack.announcements_channel`: an ID, since names change and IDs do not.
fn channel(c: &Config) -> Result<(), ConfigError> {
    let ch = &c.slack.announcements_channel;
    if !ch.is_empty() && (ch.starts_with('#') || ch.contains(' ')) {
        return Err(invalid(
            "slack.announcements_channel",
            format!(
                "`{ch}` looks like a channel name: expected the channel ID (like C012ABCDEF), shown in the channel's details in Slack"
            ),
        ));
    }
    Ok(())
}

/// With a bot token set, the second secret its mode cannot run without.
fn tokens(c: &Config) -> Result<(), ConfigError> {
    if c.slack.mode == SlackMode::Socket
        && c.slack.bot_token.is_set()
        && !c.slack.app_token.is_set()
    {
        return Err(invalid(
            "slack.app_token",
            "Socket Mode needs the app-level token (xapp-...) with connections:write",
        ));
    }
    if c.slack.mode == SlackMode::Http
        && c.slack.bot_token.is_set()
        && !c.slack.signing_secret.is_set()
    {
        return Err(invalid(
            "slack.signing_secret",
            "HTTP mode needs the app's signing secret to verify requests from Slack",
        ));
    }
    Ok(())
}
