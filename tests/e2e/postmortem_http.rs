//! Postmortems end to end: drafted on resolution, published as a channel canvas (or,
//! where canvases are unavailable, uploaded as a Markdown file with the external upload
//! flow), versioned, and served as pages behind the configured access control.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use crate::common::fake_slack::FakeSlack;
use crate::common::{TestApp, TestDb, on_both_databases, spawn_with_clock};
use chrono::{TimeZone, Utc};
use warroom::clock::ManualClock;

const WAIT: Duration = Duration::from_secs(15);
const SLO: &str =
    "[[slos]]\nname = \"api-availability\"\nservice = \"api\"\ntarget = 99.9\nwindow = \"30d\"\n";

/// The seed's walkthrough, played through warroom: declared 14:00, identified 14:07,
/// mitigated 14:18, resolved 14:50, 12% of API requests failing.
async fn seed_incident(t: &TestApp, clock: &ManualClock) -> String {
    t.say("UALICE", "CGENERAL", "declare sev2 API error rate at 12%")
        .await;
    let ch = t.wait_ready(1).await.id;
    t.say("UALICE", &ch, "service api").await;
    t.say("UALICE", &ch, "impact 12% of API requests fail")
        .await;
    t.say("UALICE", &ch, "role sme <@UBOB|bob>").await;
    clock.advance(chrono::Duration::minutes(7));
    t.say("UALICE", &ch, "status identified").await;
    t.say(
        "UBOB",
        &ch,
        "note --cause Migration added a NOT NULL column without a default",
    )
    .await;
    t.say(
        "UALICE",
        &ch,
        "note --factor No canary for database migrations",
    )
    .await;
    // Slack escapes <, > and & in what people type.
    t.say(
        "UDAVE",
        &ch,
        "note Bob should have tested it &lt;script&gt;alert(1)&lt;/script&gt;",
    )
    .await;
    clock.advance(chrono::Duration::minutes(11));
    t.say("UALICE", &ch, "status monitoring").await;
    t.say("UALICE", &ch, "update Error rate back to 0.3%").await;
    t.say(
        "UALICE",
        &ch,
        "action Add migration tests to CI <@UBOB|bob> due 2026-12-15 p1",
    )
    .await;
    clock.advance(chrono::Duration::minutes(32));
    t.say(
        "UALICE",
        &ch,
        "resolve Rolled back the deploy and the migration",
    )
    .await;
    ch
}

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

on_both_databases!(resolution_drafts_the_postmortem_into_a_canvas_and_later_versions_edit_it);
async fn resolution_drafts_the_postmortem_into_a_canvas_and_later_versions_edit_it(db: TestDb) {
    let fake = FakeSlack::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let t = spawn_with_clock(
        &db,
        &fake,
        &format!("{SLO}[http]\npublic_url = \"https://warroom.example.com\""),
        clock.clone(),
    )
    .await;
    let ch = seed_incident(&t, &clock).await;
    fake.wait("canvas created", WAIT, |f| {
        f.call_count("conversations.canvases.create") == 1
    })
    .await;
    let canvas = fake.calls("conversations.canvases.create").remove(0);
    assert_eq!(canvas["channel_id"], ch.as_str());
    let md = canvas["document_content"]["markdown"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(canvas["document_content"]["type"], "markdown");
    assert_eq!(
        canvas["title"], "Postmortem INC-1: API error rate at 12%",
        "no version in a title that later versions cannot change"
    );
    for want in [
        "# Incident Postmortem: INC-1: API error rate at 12%",
        "services: api",
        "Resolution: Rolled back the deploy and the migration",
        "- User impact: 18 min (declared 14:00 → mitigated 14:18 UTC)",
        "Error budget consumed: 2.2 min of the 43.2 min budget of `api-availability` (99.9% over 30 d): 5.0%",
        "| Identified | 14:07 | 7 min |",
        "| Resolved | 14:50 | 50 min |",
        "@bob — **Root cause**: Migration added a NOT NULL column",
        "## Contributing Factors\n\n- No canary for database migrations",
        "| Add migration tests to CI | @bob | P1 | 2026-12-15 | TODO |",
        "(“should have”): Bob should have tested it",
    ] {
        assert!(
            md.contains(want),
            "{}: draft lacks {want:?}:\n{md}",
            db.label()
        );
    }
    fake.wait("links posted", WAIT, |f| {
        f.messages(&ch).iter().any(|m| {
            m.text
                .contains("postmortem draft of *INC-1* is ready in this channel's canvas")
        }) && f.messages("CANNOUNCE").iter().any(|m| {
            m.text.contains("Postmortem draft for *INC-1")
                && m.text
                    .contains("https://warroom.example.com/incidents/INC-1/postmortem")
        })
    })
    .await;

    // More is learnt; `/incident postmortem` writes v2 and edits the same canvas.
    t.say("UCAROL", &ch, "note --lucky Low traffic at the time")
        .await;
    let s = t.say("UALICE", &ch, "postmortem").await;
    assert!(s.contains("Drafted v2"), "{s}");
    fake.wait("canvas edited", WAIT, |f| {
        f.call_count("canvases.edit") == 1
    })
    .await;
    let edit = fake.calls("canvases.edit").remove(0);
    assert_eq!(edit["canvas_id"], "F0CANVAS1");
    assert_eq!(edit["changes"][0]["operation"], "replace");
    assert!(
        edit["changes"][0]["document_content"]["markdown"]
            .as_str()
            .unwrap()
            .contains("Low traffic at the time")
    );
    // Nothing new: no new version, no new call.
    let s = t.say("UALICE", &ch, "postmortem").await;
    assert!(s.contains("Nothing new since draft v2"), "{s}");
    assert_eq!(fake.call_count("conversations.canvases.create"), 1);
    // Every stored version can be read back on the web, as it was written.
    let page = t
        .get("/incidents/INC-1/postmortem")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<a href=\"/incidents/INC-1/postmortem?version=1\">v1</a>")
            && page.contains("?version=2\">v2</a>"),
        "{page}"
    );
    let v1 = t
        .get("/incidents/INC-1/postmortem.md?version=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        v1.contains("Draft v1") && !v1.contains("Low traffic at the time"),
        "{v1}"
    );
    let latest = t
        .get("/incidents/INC-1/postmortem.md")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        latest.contains("Draft v2") && latest.contains("Low traffic at the time"),
        "{latest}"
    );
    let v1_page = t.get("/incidents/INC-1/postmortem?version=1").await;
    assert_eq!(v1_page.status(), 200);
    assert!(v1_page.text().await.unwrap().contains("Version 1, saved"));
    assert_eq!(
        t.get("/incidents/INC-1/postmortem?version=7")
            .await
            .status(),
        404
    );
    t.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn without_canvases_the_draft_is_uploaded_as_a_markdown_file() {
    let db = common::sqlite();
    let fake = FakeSlack::start().await;
    fake.refuse_always(
        "conversations.canvases.create",
        "team_tier_cannot_create_channel_canvases",
    );
    let clock = Arc::new(ManualClock::new(t0()));
    // The debrief's invitation is a file too: left out here, to count the draft's.
    let extra = format!("{SLO}\n[debrief]\nenabled = false\n");
    let t = spawn_with_clock(&db, &fake, &extra, clock.clone()).await;
    let ch = seed_incident(&t, &clock).await;
    fake.wait("file completed", WAIT, |f| {
        f.call_count("files.completeUploadExternal") == 1
    })
    .await;
    let get = fake.calls("files.getUploadURLExternal").remove(0);
    assert_eq!(get["filename"], "INC-1-postmortem-v1.md");
    let complete = fake.calls("files.completeUploadExternal").remove(0);
    assert_eq!(complete["channel_id"], ch.as_str());
    let id = complete["files"][0]["id"].as_str().unwrap().to_string();
    let bytes = fake
        .world
        .lock()
        .unwrap()
        .uploads
        .get(&id)
        .cloned()
        .expect("bytes uploaded");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("# Incident Postmortem: INC-1"), "{text}");
    assert_eq!(
        get["length"],
        text.len().to_string(),
        "declared length matches"
    );
    assert_eq!(
        fake.call_count("files.upload"),
        0,
        "the retired method is never used"
    );
    fake.wait("link", WAIT, |f| {
        f.messages(&ch).iter().any(|m| {
            m.text.contains("as a Markdown file>") && m.text.contains("https://fake.slack/files/")
        })
    })
    .await;
    t.stop().await;
}

#[tokio::test]
async fn pages_list_show_and_render_the_postmortem() {
    let db = common::sqlite();
    let fake = FakeSlack::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let t = spawn_with_clock(&db, &fake, SLO, clock.clone()).await;
    seed_incident(&t, &clock).await;
    t.say("UALICE", "CGENERAL", "declare sev1 Login outage")
        .await;
    t.wait_ready(2).await;

    let get = |path: &'static str| t.get(path);
    let list = get("/incidents").await;
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(
        html.contains("<a href=\"/incidents/INC-1\">INC-1</a>") && html.contains("Login outage")
    );
    let only_resolved = get("/incidents?status=resolved")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        only_resolved.contains("API error rate at 12%") && !only_resolved.contains("Login outage")
    );
    let sev1 = get("/incidents?severity=sev1").await.text().await.unwrap();
    assert!(sev1.contains("Login outage") && !sev1.contains("API error rate"));
    let none = get("/incidents?since=2026-12-01")
        .await
        .text()
        .await
        .unwrap();
    assert!(none.contains("No incidents match."));
    let day = get("/incidents?since=2026-11-23&until=2026-11-23")
        .await
        .text()
        .await
        .unwrap();
    assert!(day.contains("INC-1") && day.contains("INC-2"));

    let show = get("/incidents/INC-1").await.text().await.unwrap();
    assert!(show.contains("<h1>INC-1: API error rate at 12%</h1>"));
    assert!(show.contains("Investigating → Identified") && show.contains("<svg"));
    assert!(
        !show.contains("<script>alert(1)</script>"),
        "user text is escaped"
    );
    assert!(show.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    let pm = get("/incidents/INC-1/postmortem").await;
    assert_eq!(pm.status(), 200);
    assert!(
        pm.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let pm = pm.text().await.unwrap();
    for want in [
        "<h1>Incident Postmortem: INC-1: API error rate at 12%</h1>",
        "<h2>Impact</h2>",
        "<h2>Action Items</h2>",
        "<table>",
        "data-status=\"identified\"",
        "data-status=\"monitoring\"",
        "@media print",
    ] {
        assert!(pm.contains(want), "postmortem page lacks {want}");
    }
    assert!(
        pm.find("<svg").unwrap() < pm.find("<h2>Impact</h2>").unwrap(),
        "the picture comes before the details"
    );
    assert!(!pm.contains("<script>"), "no script at all on the page");
    let md = get("/incidents/INC-1/postmortem.md")
        .await
        .text()
        .await
        .unwrap();
    assert!(md.starts_with("# Incident Postmortem: INC-1"));
    // Only the note that reads as blame is flagged: "without a default" holds no
    // "fault" (phrases are matched as whole words).
    assert!(
        md.contains("(“should have”): Bob should have tested it"),
        "{md}"
    );
    assert!(!md.contains("“fault”"), "{md}");
    assert_eq!(get("/incidents/INC-99").await.status(), 404);
    assert_eq!(get("/incidents/nonsense/postmortem").await.status(), 404);
    t.stop().await;
}

#[tokio::test]
async fn pages_need_the_token_or_the_trusted_header_when_configured() {
    let db = common::sqlite();
    let fake = FakeSlack::start().await;
    let t = common::spawn(
        &db,
        &fake,
        "[web]\ntoken = \"s3cret-token\"\ntrusted_user_header = \"X-Forwarded-User\"",
    )
    .await;
    let url = format!("{}/incidents", t.base);
    let r = t.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic realm=\"warroom\"")
    );
    assert_eq!(
        t.http
            .get(&url)
            .basic_auth("manager", Some("s3cret-token"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        t.http
            .get(&url)
            .basic_auth("manager", Some("wrong"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        t.http
            .get(&url)
            .bearer_auth("s3cret-token")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        t.http
            .get(&url)
            .header("X-Forwarded-User", "carol@example.com")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        t.http
            .get(&url)
            .header("X-Forwarded-User", "")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Health and metrics stay open for probes; Slack's endpoints have their own check.
    assert_eq!(t.get("/healthz").await.status(), 200);
    t.stop().await;
}

#[tokio::test]
async fn pages_without_access_control_are_served_only_on_loopback() {
    let db = common::sqlite();
    let fake = FakeSlack::start().await;
    // Reachable from the network and nothing configured: refused, not open.
    let t = common::spawn(&db, &fake, "[http]\nlisten = \"0.0.0.0:0\"").await;
    let r = t.get("/incidents").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("web.token"));
    assert_eq!(t.get("/healthz").await.status(), 200);
    t.stop().await;

    // On loopback: served, with headers that allow no script and no framing.
    let t = common::spawn(&db, &fake, "").await;
    let r = t.get("/incidents").await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    t.stop().await;
}

on_both_databases!(private_incidents_need_a_member_or_their_signed_link);
async fn private_incidents_need_a_member_or_their_signed_link(db: TestDb) {
    let fake = FakeSlack::start().await;
    let t = common::spawn(
        &db,
        &fake,
        "[web]\ntoken = \"shared-token\"\ntrusted_user_header = \"x-user\"\n[http]\npublic_url = \"https://warroom.example\"\n[slack]\nadmins = [\"UADMIN\"]",
    )
    .await;
    t.say(
        "UALICE",
        "CGENERAL",
        "declare sev2 --private Payroll data exposed",
    )
    .await;
    let ch = t.wait_ready(1).await.id;
    t.say(
        "UALICE",
        "CGENERAL",
        "declare sev3 --private Another secret",
    )
    .await;
    t.wait_ready(2).await;
    let get = |path: String, who: Option<&str>| {
        let mut r = t
            .http
            .get(format!("{}{path}", t.base))
            .bearer_auth("shared-token");
        if let Some(u) = who {
            r = r.header("x-user", u);
        }
        async move {
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap_or_default())
        }
    };
    // The shared token alone never shows it, nor lists it.
    let (s, body) = get("/incidents/INC-1".into(), None).await;
    assert_eq!(s, 403, "{body}");
    assert!(!body.contains("Payroll"));
    for page in [
        "/incidents/INC-1/postmortem",
        "/incidents/INC-1/postmortem.md",
    ] {
        assert_eq!(get(page.into(), None).await.0, 403, "{page}");
    }
    assert!(!get("/incidents".into(), None).await.1.contains("Payroll"));
    // A member named by the proxy, or an admin, may read it.
    assert_eq!(get("/incidents/INC-1".into(), Some("UALICE")).await.0, 200);
    assert_eq!(
        get("/incidents/INC-1".into(), Some("UMALLORY")).await.0,
        403
    );
    let (s, body) = get("/incidents".into(), Some("UADMIN")).await;
    assert!(s == 200 && body.contains("Payroll"), "admins see the list");
    // The link warroom gives in the private channel opens its pages, and only its.
    let shown = t.command("UALICE", &ch, "show").await.to_string();
    let key = shown
        .split("?key=")
        .nth(1)
        .and_then(|k| k.split(['|', '>', '"', '\\']).next())
        .unwrap_or_else(|| panic!("a signed link in {shown}"))
        .to_string();
    let (s, body) = get(format!("/incidents/INC-1?key={key}"), None).await;
    assert!(s == 200 && body.contains("Payroll data exposed"), "{s}");
    assert!(
        body.contains(&format!("/incidents/INC-1/postmortem?key={key}")),
        "links keep the key"
    );
    assert_eq!(
        get(format!("/incidents/INC-1/postmortem?key={key}"), None)
            .await
            .0,
        200
    );
    assert_eq!(
        get(format!("/incidents/INC-1/postmortem.md?key={key}"), None)
            .await
            .0,
        200
    );
    assert_eq!(
        get(format!("/incidents/INC-2?key={key}"), None).await.0,
        403,
        "one incident per link"
    );
    let forged = format!("9{key}");
    assert_eq!(
        get(format!("/incidents/INC-1?key={forged}"), None).await.0,
        403
    );
    t.stop().await;
    db.cleanup().await;
}
