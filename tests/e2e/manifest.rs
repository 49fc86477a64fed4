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
            "- users:read.email",
            "- usergroups:read",
            "- bookmarks:read",
            "- bookmarks:write",
            "- canvases:write",
            "- files:write",
        ] {
            assert!(m.contains(needed), "manifest lacks {needed}");
        }
    }
}

/// The Dockerfile's dependency-caching step builds with stub sources; Cargo refuses to
/// build when a declared target has no file, so its stubs must cover every `[[bench]]`.
#[test]
fn the_dockerfile_stubs_every_declared_target() {
    let cargo = read("Cargo.toml");
    let docker = read("Dockerfile");
    let start = docker
        .find("RUN mkdir -p src benches")
        .expect("the stub step");
    let end = start + docker[start..].find("&& cargo build").expect("its build");
    let script = docker[start + 4..end].replace("\\\n", " ");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), &cargo).unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script.trim())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = cargo.lines();
    let mut benches = 0;
    while let Some(l) = lines.next() {
        if l.trim() == "[[bench]]" {
            let name = lines
                .next()
                .and_then(|n| n.strip_prefix("name = "))
                .expect("name first")
                .trim_matches('"');
            assert!(
                dir.path()
                    .join("benches")
                    .join(format!("{name}.rs"))
                    .exists(),
                "no stub for bench {name}"
            );
            benches += 1;
        }
    }
    assert!(benches >= 3);
    assert!(dir.path().join("src/main.rs").exists() && dir.path().join("src/lib.rs").exists());
}
