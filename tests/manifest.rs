//! The Slack app manifests name everything warroom uses: its endpoints, events and the
//! scopes behind the Web API methods it calls.

fn read(name: &str) -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + name).unwrap()
}

#[test]
fn manifests_cover_endpoints_events_and_scopes() {
    let http = read("slack-app-manifest.yml");
    let socket = read("slack-app-manifest.socket.yml");
    for path in ["/slack/commands", "/slack/events", "/slack/interactions"] {
        assert!(http.contains(&format!("https://BOT_HOST{path}")), "{path}");
        assert!(!socket.contains(path), "Socket Mode needs no URLs: {path}");
    }
    assert!(http.contains("socket_mode_enabled: false"));
    assert!(socket.contains("socket_mode_enabled: true"));
    for m in [&http, &socket] {
        for needed in [
            "command: /incident",
            "should_escape: true",
            "- pin_added",
            "- reaction_added",
            "is_enabled: true",
            "- commands",
            "- chat:write",
            "- channels:manage",
            "- channels:read",
            "- channels:history",
            "- groups:write",
            "- groups:history",
            "- pins:write",
            "- pins:read",
            "- reactions:read",
            "- users:read",
            "- canvases:write",
            "- files:write",
        ] {
            assert!(m.contains(needed), "manifest lacks {needed}");
        }
    }
}
