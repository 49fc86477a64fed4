//! The dispatcher's tests (incident references, the small subcommands, usage and help,
//! odd input), and the `ok`/`err` helpers every group's tests use.

use super::*;

/// The command `s` parses to; panics with the error otherwise.
pub(super) fn ok(s: &str) -> Command {
    parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}")).command
}

/// The error `s` is refused with, its message lower-cased.
pub(super) fn err(s: &str) -> CommandError {
    let mut e = parse(s).expect_err(s);
    // Compare case-insensitively: messages start with a capital.
    e.message = e.message.to_lowercase();
    e
}

#[test]
fn incident_references() {
    let p = parse("INC-4 status identified").unwrap();
    assert_eq!(p.incident, Some(IncidentId(4)));
    assert_eq!(p.command, Command::Status(Status::Identified));
    let p = parse("show INC-12").unwrap();
    assert_eq!(p.incident, Some(IncidentId(12)));
    assert_eq!(p.command, Command::Show);
    let p = parse("note INC-2 found it").unwrap();
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
        parse("frobnicate")
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
    let e = parse("sev 9").unwrap_err();
    let r = e.render("/inc");
    let mut lines = r.lines();
    assert!(lines.next().unwrap().starts_with("Unknown severity"));
    assert_eq!(lines.next(), Some("Usage: `/inc sev &lt;1-4&gt;`"));
}

#[test]
fn help_lists_every_spec() {
    let h = help("/incident", None);
    for s in SPECS {
        assert!(
            h.contains(&escape(&s.usage.replace("{cmd}", "/incident"))),
            "{}",
            s.name
        );
    }
    assert!(help("/incident", Some("sev")).contains("/incident sev &lt;1-4&gt;"));
}

#[test]
fn nothing_typed_panics() {
    // A crude fuzz over odd inputs: the parser must answer, never panic.
    let odd = [
        "declare \u{0}",
        "role ic <@",
        "role ic <@|>",
        "action due",
        "action due due",
        "impact --since",
        "note --",
        "INC-1",
        "INC-1 INC-2",
        "sev -1",
        "status \t\n",
        "action done -3",
        "declare sev1",
        "%%%",
        "impact 100%",
        "impact 1e400%",
        "🔥 declare",
        "declare 🔥",
        "show INC-999999999999999",
    ];
    for s in odd {
        let _ = parse(s);
    }
}
