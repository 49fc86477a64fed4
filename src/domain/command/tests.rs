//! The dispatcher's tests (incident references, the small subcommands, usage and help,
//! odd input), and the `ok`/`err` helpers every group's tests use.

use super::*;
use crate::domain::severity::seed;

/// The command `s` parses to; panics with the error otherwise.
pub(super) fn ok(s: &str) -> Command {
    parse(s, seed())
        .unwrap_or_else(|e| panic!("{s}: {e:?}"))
        .command
}

/// The error `s` is refused with, its message lower-cased.
pub(super) fn err(s: &str) -> CommandError {
    let mut e = parse(s, seed()).expect_err(s);
    // Compare case-insensitively: messages start with a capital.
    e.message = e.message.to_lowercase();
    e
}

#[test]
fn incident_references() {
    let p = parse("INC-4 status identified", seed()).unwrap();
    assert_eq!(p.incident, Some(IncidentId(4)));
    assert_eq!(
        p.command,
        Command::Status {
            to: Status::Identified,
            at: None
        }
    );
    let p = parse("show INC-12", seed()).unwrap();
    assert_eq!(p.incident, Some(IncidentId(12)));
    assert_eq!(p.command, Command::Show);
    let p = parse("note INC-2 found it", seed()).unwrap();
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
        parse("frobnicate", seed())
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
    let e = parse("sev 9", seed()).unwrap_err();
    let r = e.render("/inc");
    let mut lines = r.lines();
    assert!(lines.next().unwrap().starts_with("Unknown severity"));
    assert_eq!(lines.next(), Some("Usage: `/inc sev &lt;severity&gt;`"));
}

#[test]
fn help_lists_every_spec() {
    let h = help("/incident", None, seed());
    for s in SPECS {
        assert!(
            h.contains(&escape(&s.usage.replace("{cmd}", "/incident"))),
            "{}",
            s.name
        );
    }
    let sev = help("/incident", Some("sev"), seed());
    assert!(sev.contains("/incident sev &lt;severity&gt;"), "{sev}");
    assert!(
        sev.contains("• `sev1` SEV1 — Critical") && sev.contains("(respond next business day)"),
        "{sev}"
    );
}

#[test]
fn nothing_typed_panics() {
    // A crude fuzz over odd inputs: each gets a command or a refusal that says what
    // was wrong and, where a subcommand was named, its usage; never a panic.
    let refused = [
        ("declare \u{0}", "The title is missing.", Some("declare")),
        (
            "role ic <@",
            "`<@` is not a user: mention them with @.",
            Some("role"),
        ),
        (
            "role ic <@|>",
            "`<@|>` is not a user: mention them with @.",
            Some("role"),
        ),
        (
            "action due due",
            "`due` is not a date: expected YYYY-MM-DD.",
            Some("action"),
        ),
        (
            "impact --since",
            "`` is not a time: expected HH:MM (UTC) or 2026-01-31T14:05Z.",
            Some("impact"),
        ),
        ("note --", "Unknown note flag `--`.", Some("note")),
        ("INC-1", "Say what to do: the subcommand is missing.", None),
        (
            "INC-1 INC-2",
            "Say what to do: the subcommand is missing.",
            None,
        ),
        (
            "sev -1",
            "Unknown severity `-1`: expected sev1, sev2, sev3 or sev4.",
            Some("sev"),
        ),
        ("status \t\n", "The new status is missing.", Some("status")),
        (
            "action done -3",
            "`-3` is not an action item number: see `actions`.",
            Some("action"),
        ),
        ("%%%", "Unknown subcommand `%%%`.", None),
        ("🔥 declare", "Unknown subcommand `🔥`.", None),
    ];
    for (s, message, spec) in refused {
        let e = parse(s, seed()).expect_err(s);
        assert_eq!(e.message, message, "{s:?}");
        assert_eq!(e.spec.map(|x| x.name), spec, "{s:?}");
    }
    let accepted = [
        (
            "action due",
            None,
            Command::Action {
                text: "due".into(),
                owner: None,
                due: None,
                priority: None,
            },
        ),
        (
            "declare sev1",
            None,
            Command::Declare {
                severity: Some(crate::domain::severity::sev(1)),
                title: None,
                private: false,
                kind: None,
                started: None,
            },
        ),
        (
            "impact 100%",
            None,
            Command::Impact {
                text: "100%".into(),
                percent: Some(100.0),
                since: None,
            },
        ),
        // Beyond f64: kept as words, not counted towards the error budget.
        (
            "impact 1e400%",
            None,
            Command::Impact {
                text: "1e400%".into(),
                percent: None,
                since: None,
            },
        ),
        (
            "declare 🔥",
            None,
            Command::Declare {
                severity: None,
                title: Some("🔥".into()),
                private: false,
                kind: None,
                started: None,
            },
        ),
        (
            "show INC-999999999999999",
            Some(IncidentId(999_999_999_999_999)),
            Command::Show,
        ),
    ];
    for (s, incident, command) in accepted {
        let p = parse(s, seed()).unwrap_or_else(|e| panic!("{s:?}: {e:?}"));
        assert_eq!((p.incident, p.command), (incident, command), "{s:?}");
    }
}
