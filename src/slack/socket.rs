//! Socket Mode: the same commands, events and interactions over a WebSocket that
//! warroom opens to Slack (for workspaces without a public URL). slack-morphism runs
//! the connection and acks each envelope after our callback returns, so callbacks
//! only do the fast part (a database transaction) and spawn the rest, as over HTTP.

use std::sync::Arc;

use serde_json::Value;
use slack_morphism::prelude::*;
use tokio::sync::watch;

use super::inbound::{CommandRequest, SlackInbound};
use crate::chat::ChatError;
use crate::config::Secret;

fn command_request(ev: &SlackCommandEvent) -> CommandRequest {
    CommandRequest {
        team_id: Some(ev.team_id.to_string()),
        channel_id: ev.channel_id.to_string(),
        user_id: ev.user_id.to_string(),
        command: ev.command.0.clone(),
        text: ev.text.clone().unwrap_or_default(),
        trigger_id: Some(ev.trigger_id.to_string()),
        response_url: Some(ev.response_url.0.to_string()),
        ssl_check: None,
    }
}

fn on_error(
    err: Box<dyn std::error::Error + Send + Sync>,
    _c: Arc<SlackHyperClient>,
    _s: SlackClientEventsUserState,
) -> http::StatusCode {
    tracing::warn!(error = %err, "Socket Mode envelope failed");
    // A 2xx here acks the envelope anyway: a command that failed was answered already.
    http::StatusCode::OK
}

/// Connects with the app-level token and serves until `stop` turns true.
pub async fn run(
    inbound: SlackInbound,
    app_token: &Secret,
    mut stop: watch::Receiver<bool>,
) -> Result<(), ChatError> {
    let client = inbound.slack.client();
    let env =
        Arc::new(SlackClientEventsListenerEnvironment::new(client).with_error_handler(on_error));
    let listener = SlackClientSocketModeListener::new(
        &SlackClientSocketModeConfig::new(),
        env,
        callbacks(&inbound),
    );
    let token = SlackApiToken::new(SlackApiTokenValue::new(app_token.expose().to_string()));
    listener.listen_for(&token).await.map_err(|e| {
        ChatError::Unavailable(format!(
            "Socket Mode connection: {}",
            e.to_string().lines().next().unwrap_or("")
        ))
    })?;
    listener.start().await;
    tracing::info!("Socket Mode connected");
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            break;
        }
    }
    listener.shutdown().await;
    Ok(())
}

/// Hands each kind of envelope (commands, interactions, events) to `inbound`.
fn callbacks(
    inbound: &SlackInbound,
) -> SlackSocketModeListenerCallbacks<SlackClientHyperHttpsConnector> {
    let mut callbacks = SlackSocketModeListenerCallbacks::<SlackClientHyperHttpsConnector>::new();
    let ib = inbound.clone();
    callbacks.command_callback = Box::new(
        move |ev: SlackCommandEvent, _c: Arc<SlackHyperClient>, _s: SlackClientEventsUserState| {
            on_command(ib.clone(), ev)
        },
    );
    let ib = inbound.clone();
    callbacks.interaction_callback = Box::new(
        move |ev: SlackInteractionEvent,
              _c: Arc<SlackHyperClient>,
              _s: SlackClientEventsUserState| { on_interaction(ib.clone(), ev) },
    );
    let ib = inbound.clone();
    callbacks.push_events_callback = Box::new(
        move |ev: SlackPushEventCallback,
              _c: Arc<SlackHyperClient>,
              _s: SlackClientEventsUserState| { on_push_event(ib.clone(), ev) },
    );
    callbacks
}

/// A slash command: answered with what the HTTP endpoint would answer.
async fn on_command(
    ib: SlackInbound,
    ev: SlackCommandEvent,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let answer = ib.command(command_request(&ev)).await;
    let response = match answer {
        Some(v) => serde_json::from_value::<SlackCommandEventResponse>(v)?,
        None => SlackCommandEventResponse::new(SlackMessageContent::new()),
    };
    Ok(response)
}

/// A button or a form: a refused form's inline errors go back to Slack.
async fn on_interaction(
    ib: SlackInbound,
    ev: SlackInteractionEvent,
) -> UserCallbackResult<SlackInteractionResponse> {
    let payload = serde_json::to_value(&ev)?;
    let answer = ib.interaction(&payload).await;
    Ok(match answer {
        Some(v) if v.get("response_action").and_then(Value::as_str) == Some("errors") => {
            view_errors(&v)
        }
        _ => SlackInteractionResponse::Empty,
    })
}

/// The `errors` answer to a view submission (input id -> message) in slack-morphism's terms.
fn view_errors(v: &Value) -> SlackInteractionResponse {
    let errors = v
        .get("errors")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    SlackInteractionResponse::ViewSubmission(SlackViewSubmissionResponse::Errors(
        SlackViewSubmissionErrorsResponse::new(errors),
    ))
}

/// An Events API event, as over HTTP.
async fn on_push_event(ib: SlackInbound, ev: SlackPushEventCallback) -> UserCallbackResult<()> {
    let mut body = serde_json::to_value(&ev)?;
    body["type"] = Value::String("event_callback".into());
    if let Err(e) = ib.event(&body).await {
        // Not acking makes Slack redeliver; the event ID keeps that harmless.
        return Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
    }
    Ok(())
}
