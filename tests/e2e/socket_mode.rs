//! Socket Mode: warroom opens the WebSocket that apps.connections.open hands out, and
//! the same commands, events and buttons work over it, each envelope acknowledged.

use crate::common;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Ws;

use crate::common::fake_slack::FakeSlack;

type Conn = (
    mpsc::UnboundedSender<String>,
    mpsc::UnboundedReceiver<String>,
);

/// A WebSocket server standing in for Slack's: each connection gets `hello`, then
/// whatever the test sends; what warroom sends back comes out of the receiver.
async fn ws_server() -> (String, mpsc::UnboundedReceiver<Conn>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/link/?ticket=test", listener.local_addr().unwrap());
    let (conns_tx, conns_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                continue;
            };
            let (mut sink, mut source) = ws.split();
            let (to_client, mut outbox) = mpsc::unbounded_channel::<String>();
            let (from_client, inbox) = mpsc::unbounded_channel::<String>();
            let hello = json!({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}, "debug_info": {"host": "fake", "approximate_connection_time": 3600}});
            let _ = sink.send(Ws::text(hello.to_string())).await;
            tokio::spawn(async move {
                while let Some(m) = outbox.recv().await {
                    if sink.send(Ws::text(m)).await.is_err() {
                        break;
                    }
                }
            });
            tokio::spawn(async move {
                while let Some(Ok(m)) = source.next().await {
                    if let Ws::Text(t) = m {
                        let _ = from_client.send(t.to_string());
                    }
                }
            });
            let _ = conns_tx.send((to_client, inbox));
        }
    });
    (url, conns_rx)
}

async fn ack_for(conn: &mut Conn, envelope_id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let m = tokio::time::timeout(left, conn.1.recv())
            .await
            .expect("ack in time")
            .expect("connection open");
        let v: Value = serde_json::from_str(&m).unwrap();
        if v["envelope_id"] == envelope_id {
            return v;
        }
    }
}

#[tokio::test]
async fn commands_events_and_buttons_over_socket_mode() {
    let db = common::sqlite();
    let fake = FakeSlack::start().await;
    let (url, mut conns) = ws_server().await;
    fake.world.lock().unwrap().ws_url = url;
    let t = common::spawn(
        &db,
        &fake,
        "[slack]\nmode = \"socket\"\napp_token = \"xapp-1-test\"",
    )
    .await;
    let mut conn = tokio::time::timeout(Duration::from_secs(10), conns.recv())
        .await
        .expect("warroom connects")
        .unwrap();
    assert!(fake.call_count("apps.connections.open") >= 1);

    // In Socket Mode the HTTP endpoints are not served (Slack sends nothing over HTTP).
    assert_eq!(t.get("/healthz").await.status(), 200);
    let r = t
        .signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            "text=list".into(),
        )
        .await;
    assert_eq!(r.status(), 404);

    let cmd = json!({"envelope_id": "env-cmd-1", "type": "slash_commands", "accepts_response_payload": true, "payload": {
        "token": "x", "team_id": "T0001", "team_domain": "t", "channel_id": "CGENERAL", "channel_name": "general",
        "user_id": "UALICE", "user_name": "alice", "command": "/incident", "text": "declare sev2 Socket mode works",
        "api_app_id": "A1", "response_url": fake.response_url("socket"), "trigger_id": "trig.1"}});
    conn.0.send(cmd.to_string()).unwrap();
    let ack = ack_for(&mut conn, "env-cmd-1").await;
    assert!(
        ack["payload"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Declared *INC-1*"),
        "{ack}"
    );
    let ch = t.wait_ready(1).await;

    // A bad command is answered in the ack too.
    let bad = json!({"envelope_id": "env-cmd-2", "type": "slash_commands", "accepts_response_payload": true, "payload": {
        "team_id": "T0001", "channel_id": ch.id, "user_id": "UALICE", "command": "/incident", "text": "sev 9",
        "response_url": fake.response_url("socket"), "trigger_id": "trig.2"}});
    conn.0.send(bad.to_string()).unwrap();
    let ack = ack_for(&mut conn, "env-cmd-2").await;
    assert!(
        ack["payload"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Unknown severity"),
        "{ack}"
    );

    // An event: a pinned message reaches the timeline.
    let ts = fake.user_says(&ch.id, "UBOB", "Socket pin works");
    let ev = json!({"envelope_id": "env-ev-1", "type": "events_api", "accepts_response_payload": false, "payload": {
        "token": "x", "team_id": "T0001", "api_app_id": "A1", "type": "event_callback", "event_id": "EvSOCK1", "event_time": 1700000000,
        "event": {"type": "pin_added", "user": "UALICE", "channel_id": ch.id, "item": {"type": "message", "channel": ch.id,
            "message": {"type": "message", "user": "UBOB", "text": "Socket pin works", "ts": ts}}, "event_ts": "1700000000.1"}}});
    conn.0.send(ev.to_string()).unwrap();
    ack_for(&mut conn, "env-ev-1").await;

    // A button: Bob takes command.
    let click = json!({"envelope_id": "env-int-1", "type": "interactive", "accepts_response_payload": true, "payload": {
        "type": "block_actions", "team": {"id": "T0001", "domain": "t"}, "user": {"id": "UBOB", "username": "bob", "team_id": "T0001"},
        "api_app_id": "A1", "token": "x", "trigger_id": "trig.3",
        "container": {"type": "message", "message_ts": "1", "channel_id": ch.id, "is_ephemeral": false},
        "channel": {"id": ch.id, "name": ch.name}, "response_url": fake.response_url("btn"),
        "actions": [{"type": "button", "action_id": "take_ic", "block_id": "b1", "value": "1", "action_ts": "1.1", "text": {"type": "plain_text", "text": "Take IC"}}]}});
    conn.0.send(click.to_string()).unwrap();
    ack_for(&mut conn, "env-int-1").await;
    fake.wait("IC changed over the socket", Duration::from_secs(10), |f| {
        f.messages(&ch.id)[0]
            .blocks
            .to_string()
            .contains("*Incident Commander*\\n<@UBOB>")
    })
    .await;

    let tl = t
        .app
        .app
        .inbound()
        .handle_command(
            &warroom::app::Actor {
                team_id: Some("T0001".into()),
                user_id: "UALICE".into(),
                channel_id: ch.id.clone(),
            },
            "timeline",
        )
        .await;
    let tl = format!("{tl:?}");
    assert!(tl.contains("Socket pin works"), "{tl}");
    t.stop().await;
}
