//! What a refusal from the chat service (a Slack error code) means for the person who
//! can fix it: one sentence each, shared by the adapters and the use cases that tell
//! people about failures.

/// What a Slack error code means for the person who can fix it.
pub fn advice(code: &str) -> &'static str {
    match code {
        "restricted_action" | "cannot_create_channel" => {
            "the workspace does not let warroom do this (an admin may restrict who creates channels or posts): ask a Slack admin to allow it"
        }
        "missing_scope" | "not_allowed_token_type" | "no_permission" | "access_denied" => {
            "warroom's Slack app lacks a permission: reinstall it from slack-app-manifest.yml"
        }
        "not_in_channel" | "channel_not_found" => {
            "warroom is not in that channel: invite @warroom to it"
        }
        "is_archived" => "the channel is archived: unarchive it",
        "msg_too_long" | "msg_blocks_too_long" | "invalid_blocks" => {
            "Slack refused the message's size or shape even as plain text"
        }
        "invalid_auth" | "token_revoked" | "account_inactive" | "not_authed" => {
            "warroom's bot token no longer works: install the app again and update WARROOM_SLACK__BOT_TOKEN"
        }
        "unreachable" => "Slack did not answer through every retry: it may be down",
        "ratelimited" => {
            "Slack's rate limit for this is used up for the moment (many incidents at once): wait a minute"
        }
        "unavailable" => "Slack did not answer in time: it may be slow or down",
        _ => "see Slack's documentation of this error",
    }
}
