//! The configuration's unit tests: defaults, pool sizes, and every bad value naming
//! its key.

use super::env::check_env_names;
use super::sections::cpus;
use super::*;

#[test]
fn defaults_load_and_validate() {
    let c = Config::from_toml("").unwrap();
    assert_eq!(c.slack.api_url, "https://slack.com/api");
    assert_eq!(c.http.listen.to_string(), "127.0.0.1:3000");
    assert_eq!(c.default_severity().key(), "sev3");
    let keys: Vec<&str> = c.severities().all().map(|s| s.key()).collect();
    assert_eq!(keys, ["sev1", "sev2", "sev3", "sev4"], "the seed's table");
    assert!(!c.has_slack());
    assert_eq!(c.slack.command, "/incident");
}

#[test]
fn pools_are_sized_from_the_cpu_unless_set() {
    let cpus = cpus();
    let c = Config::from_toml("").unwrap();
    assert_eq!(c.database.request_connections(), 2 * cpus + 1);
    assert_eq!(c.jobs.worker_connections(), (cpus + 2).min(18));
    let c = Config::from_toml(
        "[database]\nmax_connections = 12\n[jobs]\nconnections = 9\nconcurrency = 4",
    )
    .unwrap();
    assert_eq!(c.database.request_connections(), 12);
    assert_eq!(
        c.jobs.worker_connections(),
        6,
        "never more than a connection per job, claim and beat"
    );
}

#[test]
fn bad_values_name_the_key() {
    let cases = [
        ("[http]\nlisten = \"nope\"", "http.listen"),
        (
            "[incidents]\ndefault_severity = \"sev9\"",
            "incidents.default_severity",
        ),
        ("[jobs]\nlease = \"soon\"", "lease"),
        ("[display]\ntimezone = \"Mars/Olympus\"", "display.timezone"),
        ("[slack]\nmode = \"carrier-pigeon\"", "mode"),
        (
            "[slack]\nannouncements_channel = \"#incidents\"",
            "slack.announcements_channel",
        ),
        ("[slack]\nbot_token = \"xoxb-1\"", "slack.signing_secret"),
        (
            "[slack]\nmode = \"socket\"\nbot_token = \"xoxb-1\"",
            "slack.app_token",
        ),
        ("[database]\nurl = \"mysql://x\"", "database.url"),
        (
            "[database]\nmax_connections = 0",
            "database.max_connections",
        ),
        ("[jobs]\nconnections = 1", "jobs.connections"),
        (
            "[incidents.responders]\nsev7 = [\"U1\"]",
            "incidents.responders.sev7",
        ),
        ("[slack]\nnot_a_key = 1", "not_a_key"),
        (
            "[slack.rate_limits]\nscale = 0.0",
            "slack.rate_limits.scale",
        ),
        ("[slack.rate_limits]\nenabled = \"yes\"", "enabled"),
        ("[digest]\nschedule = \"at nine\"", "digest.schedule"),
        ("[digest]\nschedule = \"0 25 * * MON\"", "digest.schedule"),
        (
            "[postmortem]\nrequired_for = [\"sev9\"]",
            "postmortem.required_for[0]",
        ),
        ("[reminders]\nsev1 = \"quickly\"", "sev1"),
        (
            "[reminders]\nescalation_contacts = [\"@oncall\"]",
            "reminders.escalation_contacts",
        ),
        (
            "[[slos]]\nname = \"a\"\nservice = \"api\"\ntarget = 100.5\nwindow = \"30d\"",
            "slos[0].target",
        ),
        (
            "[[slos]]\nname = \"a\"\nservice = \"api\"\ntarget = 99.9\nwindow = \"0\"",
            "slos[0].window",
        ),
        (
            "[[slos]]\nname = \"a\"\nservice = \"\"\ntarget = 99.9\nwindow = \"30d\"",
            "slos[0].service",
        ),
        (
            "[[slos]]\nname = \"a\"\nservice = \"api\"\ntarget = 99.9\nwindow = \"30d\"\nerror_ratio = \"rate(x[5m])\"",
            "slos[0].error_ratio",
        ),
        (
            "[[auto_declare]]\nwatcher = \"certs\"\nseverity = \"sev7\"",
            "auto_declare[0].severity",
        ),
        (
            "[[auto_declare]]\nwatcher = \"certs\"\nat_most = 1.0\nseverity = \"sev1\"",
            "auto_declare[0].fact",
        ),
        (
            "[watch.certs]\ntargets = [\"bad host name:x\"]",
            "watch.certs.targets[0]",
        ),
        (
            "[watch.certs]\nschedule = \"sometimes\"",
            "watch.certs.schedule",
        ),
        (
            "[watch.certs]\nwarning_days = [30, -1]",
            "watch.certs.warning_days",
        ),
        (
            "[watch.disk]\nwarning_percent = 120",
            "watch.disk.warning_percent",
        ),
        (
            "[watch.disk]\nclear_percent = 90",
            "watch.disk.clear_percent",
        ),
        (
            "[watch.disk.prometheus]\nurl = \"prometheus:9090\"",
            "watch.disk.prometheus.url",
        ),
        (
            "[[watch.budgets.budgets]]\nname = \"b\"\namount = 10\nsource = \"excel\"",
            "watch.budgets.budgets[0].source",
        ),
        (
            "[[watch.budgets.budgets]]\nname = \"b\"\namount = 10\nsource = \"focus\"",
            "watch.budgets.budgets[0].file",
        ),
        (
            "[watch.budgets]\nschedule = \"often\"",
            "watch.budgets.schedule",
        ),
        (
            "[reminders.overrides]\n\"sev1.done\" = \"5m\"",
            "reminders.overrides.\"sev1.done\"",
        ),
    ];
    for (toml, key) in cases {
        let err = Config::from_toml(toml).unwrap_err().to_string();
        assert!(err.contains(key), "{toml}: {err}");
    }
}

#[test]
fn single_underscore_environment_names_are_refused() {
    let ok = [
        "WARROOM_SLACK__BOT_TOKEN",
        "PATH",
        "WARROOMX",
        // What Kubernetes sets for a Service named warroom.
        "WARROOM_PORT",
        "WARROOM_PORT_3000_TCP_ADDR",
        "WARROOM_SERVICE_HOST",
        "WARROOM_SERVICE_PORT_HTTP",
    ]
    .map(String::from);
    assert!(check_env_names(ok.into_iter()).is_ok());
    let err = check_env_names(["WARROOM_SLACK_BOT_TOKEN".to_string()].into_iter())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("WARROOM_SLACK_BOT_TOKEN") && err.contains("WARROOM_SLACK__BOT_TOKEN"),
        "{err}"
    );
}

#[test]
fn secrets_never_print() {
    let c =
        Config::from_toml("[slack]\nbot_token = \"xoxb-secret-value\"\nsigning_secret = \"shh\"")
            .unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("xoxb-secret-value"));
    assert!(!dbg.contains("shh"));
    assert!(dbg.contains("Secret(***)"));
}

#[test]
fn responders_by_severity() {
    let c = Config::from_toml("[incidents.responders]\nsev1 = [\"U1\", \"U2\"]\nsev2 = [\"U3\"]")
        .unwrap();
    assert_eq!(
        c.responders(crate::domain::severity::sev(1)),
        vec!["U1", "U2"]
    );
    assert_eq!(c.responders(crate::domain::severity::sev(2)), vec!["U3"]);
    assert!(c.responders(crate::domain::severity::sev(4)).is_empty());
}

#[test]
fn paging_targets_name_what_is_wrong() {
    let pd = "[paging.pagerduty]\napi_token = \"t\"\nfrom = \"bot@example.com\"\nservice_id = \"PSV1\"\n";
    let ok = format!(
        "{pd}[paging]\nescalation_target = \"database\"\n[[paging.targets]]\nname = \"database\"\nservices = [\"postgres\"]\npagerduty_escalation_policy = \"PEDB001\"\n"
    );
    let c = Config::from_toml(&ok).unwrap();
    assert!(c.paging.pagerduty.can_page_directly());
    assert_eq!(c.paging.targets[0].services, ["postgres"]);
    let target = "[[paging.targets]]\nname = \"db\"\n";
    let cases = [
        (
            format!("{target}pagerduty_escalation_policy = \"PE1\"\n"),
            "paging.targets[0].pagerduty_escalation_policy",
            "api_token",
        ),
        (
            format!("{pd}{target}pagerduty_schedule = \"P S\"\n"),
            "paging.targets[0].pagerduty_schedule",
            "PagerDuty ID",
        ),
        (
            format!("{pd}{target}"),
            "paging.targets[0].name",
            "pages nobody",
        ),
        (
            format!("{target}opsgenie_team = \"dba\"\n"),
            "paging.targets[0].opsgenie_team",
            "opsgenie.api_key",
        ),
        (
            format!(
                "{pd}{target}pagerduty_escalation_policy = \"PE1\"\n{target}pagerduty_escalation_policy = \"PE2\"\n"
            ),
            "paging.targets[1].name",
            "named twice",
        ),
        (
            format!("{pd}[paging]\nescalation_target = \"nobody\"\n"),
            "paging.escalation_target",
            "nobody",
        ),
        (
            "[paging.pagerduty]\nfrom = \"not an email\"\n".to_string(),
            "paging.pagerduty.from",
            "email",
        ),
        (
            "[paging]\nack_poll = \"1ms\"\n".to_string(),
            "paging.ack_poll",
            "out of range",
        ),
        (
            "[paging.pagerduty]\napi_url = \"ftp://x\"\n".to_string(),
            "paging.pagerduty.api_url",
            "http(s)",
        ),
    ];
    for (toml, key, why) in cases {
        let e = Config::from_toml(&toml).expect_err(&toml).to_string();
        assert!(e.contains(key) && e.contains(why), "{toml}: {e}");
    }
}

#[test]
fn status_settings_name_what_is_wrong() {
    let c = Config::from_toml(
        "[status]\npage_name = \"Acme\"\n[[status.components]]\nname = \"API\"\nservices = [\"api\"]\nstatuspage_id = \"k7f2m9x1q4ab\"\n",
    )
    .unwrap();
    assert_eq!(c.status.components[0].services, ["api"]);
    let comp = "[[status.components]]\nname = \"API\"\n";
    let cases = [
        (
            format!("{comp}{comp}"),
            "status.components[1].name",
            "named twice",
        ),
        (
            "[status]\nevery = \"10s\"\n".to_string(),
            "status.every",
            "out of range",
        ),
        (
            "[status.statuspage]\napi_key = \"k\"\n".to_string(),
            "status.statuspage.page_id",
            "needed",
        ),
        (
            "[status]\nlisten = \"127.0.0.1:3000\"\n".to_string(),
            "status.listen",
            "differ",
        ),
        (
            format!("{comp}statuspage_id = \"../x\"\n"),
            "status.components[0].statuspage_id",
            "Statuspage ID",
        ),
    ];
    for (toml, key, why) in cases {
        let e = Config::from_toml(&toml).expect_err(&toml).to_string();
        assert!(e.contains(key) && e.contains(why), "{toml}: {e}");
    }
}

#[test]
fn roles_are_described_and_added_within_bounds() {
    let cfg = Config::from_toml("").unwrap();
    let book = cfg.role_book();
    let ic = book.info(crate::domain::Role::Commander).unwrap();
    assert_eq!(
        (ic.name.as_str(), ic.short.as_str()),
        ("Incident Commander", "IC")
    );
    assert!(
        ic.description.starts_with("Coordinates response"),
        "the seed's words"
    );
    assert_eq!(ic.checklist.len(), 6);
    assert_eq!(book.keys(), "ic, ops, comms or sme");

    let added = "[roles.scribe]\nname = \"Scribe\"\nchecklist = [\"Pin decisions\"]\n\
                 [roles.liaison]\nname = \"Customer Liaison\"\nmultiple = true\n\
                 [roles.ic]\nname = \"Incident Lead\"\n";
    let cfg = Config::from_toml(added).unwrap();
    let book = cfg.role_book();
    assert_eq!(book.keys(), "ic, ops, comms, sme, liaison or scribe");
    let ic = book.info(crate::domain::Role::Commander).unwrap();
    assert_eq!(ic.name, "Incident Lead");
    assert_eq!(ic.checklist.len(), 6, "the rest of the seed's text stays");
    let liaison = crate::domain::Role::parse("liaison").unwrap();
    assert!(book.multiple(liaison));
    assert_eq!(book.short(liaison), "Customer Liaison");

    let long = "x".repeat(41);
    let many: String = (0..13)
        .map(|i| format!("[roles.r{i}]\nname = \"R{i}\"\n"))
        .collect();
    for (toml, key) in [
        ("[roles.commander]\nname = \"Boss\"", "roles.commander"),
        ("[roles.\"Bad Key\"]\nname = \"X\"", "roles.Bad Key"),
        ("[roles.oncall]\nname = \"X\"", "roles.oncall"),
        ("[roles.ic]\nmultiple = true", "roles.ic.multiple"),
        ("[roles.scribe]\nname = \"\"", "roles.scribe.name"),
        (
            &format!("[roles.scribe]\nname = \"{long}\""),
            "roles.scribe.name",
        ),
        (
            "[roles.scribe]\nname = \"S\"\nchecklist = [\"\"]",
            "roles.scribe.checklist[0]",
        ),
        ("[roles.scribe]\ncolour = \"red\"", "colour"),
        (&many, "at most 12"),
    ] {
        let err = Config::from_toml(toml).unwrap_err().to_string();
        assert!(err.contains(key), "{toml}: {err}");
    }
}

#[test]
fn incident_types_bring_defaults_within_bounds() {
    let toml = "[incident_types.security]\nname = \"Security\"\nseverity = \"sev1\"\n\
                private = true\nchannel_prefix = \"sec\"\npostmortem = true\n\
                [incident_types.drill]\nname = \"Drill\"\ncount_in_insights = false\n\
                postmortem = false\n";
    let cfg = Config::from_toml(toml).unwrap();
    let types = cfg.type_book();
    assert_eq!(types.keys(), "drill or security");
    let sec = types.get("security").unwrap();
    assert_eq!(sec.severity, Some(crate::domain::severity::sev(1)));
    assert_eq!(sec.channel_prefix.as_deref(), Some("sec"));
    assert!(sec.private && sec.counted);
    assert!(!types.counted(Some("drill")));
    // The type's postmortem rule wins over the severity's.
    assert!(!cfg.postmortem_owed(crate::domain::severity::sev(1), Some("drill")));
    assert!(cfg.postmortem_owed(crate::domain::severity::sev(4), Some("security")));
    assert!(cfg.postmortem_owed(crate::domain::severity::sev(2), None));
    assert!(!cfg.postmortem_owed(crate::domain::severity::sev(3), Some("gone")));

    let many: String = (0..21)
        .map(|i| format!("[incident_types.t{i}]\nname = \"T{i}\"\n"))
        .collect();
    for (toml, key) in [
        ("[incident_types.Sec]\nname = \"S\"", "incident_types.Sec"),
        (
            "[incident_types.sec]\nname = \"\"",
            "incident_types.sec.name",
        ),
        (
            "[incident_types.sec]\nname = \"S\"\nseverity = \"sev9\"",
            "incident_types.sec.severity",
        ),
        (
            "[incident_types.sec]\nname = \"S\"\nchannel_prefix = \"Sec!\"",
            "incident_types.sec.channel_prefix",
        ),
        (
            "[incident_types.sec]\nname = \"S\"\nresponders = [\"@bob\"]",
            "incident_types.sec.responders",
        ),
        ("[incident_types.sec]\nname = \"S\"\nfields = []", "fields"),
        (&many, "at most 20"),
    ] {
        let err = Config::from_toml(toml).unwrap_err().to_string();
        assert!(err.contains(key), "{toml}: {err}");
    }
}

/// An organisation's own table: SEV0 above, P-style aliases, and every per-severity
/// rule read from its level.
const OWN_LEVELS: &str = r#"
[[severities]]
key = "sev0"
label = "Company down"
update_every = "10m"
respond_within = "2m"
page = true
postmortem = true
escalate_silent_commander = true
for_warnings = ["outage", "critical"]
pagerduty_severity = "critical"
opsgenie_priority = "P1"
statuspage_impact = "critical"
[[severities]]
key = "sev1"
default = true
status_page = true
update_every = "1h"
[[severities]]
key = "sev2"
"#;

#[test]
fn an_own_table_replaces_the_seeds_and_drives_each_rule() {
    let c = Config::from_toml(OWN_LEVELS).unwrap();
    let s = c.severities();
    assert_eq!(s.expected(), "sev0, sev1 or sev2");
    let (sev0, sev1, sev2) = (
        s.get("sev0").unwrap(),
        s.get("sev1").unwrap(),
        s.get("sev2").unwrap(),
    );
    assert_eq!(sev0.to_string(), "SEV0");
    assert!(sev0 < sev1, "the first is the most severe");
    assert_eq!(c.default_severity(), sev1);
    let cadence = c.cadence();
    use crate::domain::Status::Investigating;
    assert_eq!(
        cadence.interval(sev0, Investigating),
        Some(chrono::Duration::minutes(10))
    );
    assert_eq!(
        cadence.interval(sev2, Investigating),
        None,
        "none by default"
    );
    assert!(c.postmortem_required(sev0) && !c.postmortem_required(sev1));
    assert!(c.status_page_owed(sev1) && !c.status_page_owed(sev0));
    assert!(sev0.level().escalate_silent_commander && !sev1.level().escalate_silent_commander);
    assert_eq!(crate::paging::pd_severity(sev0), "critical");
    assert_eq!(crate::paging::opsgenie::priority(sev1), "P3", "the default");
    assert_eq!(c.severity_for_warning("outage"), sev0);
    assert_eq!(c.severity_for_warning("critical"), sev0);
    assert_eq!(c.severity_for_warning("warning"), sev1, "else the default");
    assert_eq!(
        crate::insights::compute::target_minutes(sev0, crate::insights::model::Phase::Acknowledge),
        Some(2.0)
    );
    // The older lists still win where set, and `[reminders] <key>` sets a cadence.
    let c = Config::from_toml_layers(&[
        OWN_LEVELS,
        "[postmortem]\nrequired_for = [\"sev2\"]\n[reminders]\nsev2 = \"45m\"",
    ])
    .unwrap();
    let sev2 = c.severities().get("sev2").unwrap();
    assert!(c.postmortem_required(sev2));
    assert_eq!(
        c.cadence().interval(sev2, Investigating),
        Some(chrono::Duration::minutes(45))
    );
}

#[test]
fn bad_severities_fail_at_start_naming_the_key() {
    let cases = [
        (
            "[[severities]]\nkey = \"sev0\"\npagerduty_severity = \"urgent\"",
            "severities[0].pagerduty_severity",
        ),
        ("[[severities]]\nkey = \"Sev0\"", "severities[0]"),
        (
            "[[severities]]\nkey = \"p1\"\n[[severities]]\nkey = \"p1\"",
            "severities[1]",
        ),
        (
            "[[severities]]\nkey = \"p1\"\ncolour = \"red\"",
            "severities[0].colour",
        ),
        (
            "[[severities]]\nkey = \"p1\"\nemoji = \"<!here>\"",
            "severities[0].emoji",
        ),
        (
            "[[severities]]\nkey = \"p1\"\nname = \"<b>\"",
            "severities[0].name",
        ),
        (
            "[[severities]]\nkey = \"p1\"\nfor_warnings = [\"panic\"]",
            "severities[0].for_warnings",
        ),
        (
            "[[severities]]\nkey = \"p1\"\ndefault = true\n[[severities]]\nkey = \"p2\"\ndefault = true",
            "severities[1].default",
        ),
        (
            "[[severities]]\nkey = \"p1\"\n[[severities]]\nkey = \"p2\"\naliases = [\"p1\"]",
            "severities[1]",
        ),
        ("[reminders]\nsev9 = \"5m\"", "reminders.sev9"),
        (
            "[incidents.responders]\nsev9 = [\"U1\"]",
            "incidents.responders.sev9",
        ),
        (
            "[paging.pagerduty]\nseverities = [\"sev1\", \"p1\"]",
            "paging.pagerduty.severities[1]",
        ),
        ("[status]\nseverities = [\"sev7\"]", "status.severities[0]"),
        (
            "[incidents]\ndefault_severity = \"sev0\"",
            "incidents.default_severity",
        ),
    ];
    for (toml, key) in cases {
        let err = Config::from_toml(toml).unwrap_err().to_string();
        assert!(err.contains(&format!("`{key}`")), "{toml}: {err}");
    }
    // The seed's names in other sections are refused once the table has none.
    let err = Config::from_toml_layers(&[OWN_LEVELS, "[incidents.responders]\nsev3 = []"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected sev0, sev1 or sev2"), "{err}");
}

#[test]
fn dropped_keys_are_told_with_their_counts() {
    let c = Config::from_toml(OWN_LEVELS).unwrap();
    let said = c
        .dropped_keys(&crate::domain::keys::StoredKeys {
            severities: [("sev0".into(), 2), ("sev3".into(), 5), ("sev4".into(), 1)].to_vec(),
            kinds: [(String::new(), 8), ("drill".into(), 1)].to_vec(),
            fields: vec![],
        })
        .unwrap();
    assert!(
        said.contains("5 stored incidents have severity `sev3`"),
        "{said}"
    );
    assert!(
        said.contains("1 stored incident has severity `sev4`"),
        "{said}"
    );
    assert!(
        said.contains("1 stored incident has type `drill`"),
        "{said}"
    );
    assert!(!said.contains("sev0`"), "{said}");
    assert_eq!(
        c.dropped_keys(&crate::domain::keys::StoredKeys {
            severities: [("sev1".into(), 3)].to_vec(),
            kinds: [(String::new(), 3)].to_vec(),
            fields: vec![]
        }),
        None
    );
    assert!(
        c.dropped_keys(&crate::domain::keys::StoredKeys {
            severities: [("sev9".into(), 1)].to_vec(),
            kinds: [].to_vec(),
            fields: vec![]
        })
        .is_some()
    );
    // Keys merged into other levels with `aliases` read as those levels.
    let merged = Config::from_toml(
        "[[severities]]\nkey = \"high\"\naliases = [\"sev1\", \"sev2\"]\n[[severities]]\nkey = \"low\"\naliases = [\"sev3\", \"sev4\"]",
    )
    .unwrap();
    assert_eq!(
        merged.severities().stored("sev4").map(|s| s.key()),
        Some("low")
    );
    assert_eq!(
        merged.dropped_keys(&crate::domain::keys::StoredKeys {
            severities: [("sev2".into(), 1), ("sev4".into(), 2)].to_vec(),
            kinds: [].to_vec(),
            fields: vec![]
        }),
        None
    );
}

#[test]
fn bad_fields_fail_at_start_naming_the_key() {
    let f = |rest: &str| format!("[[fields]]\nkey = \"region\"\nlabel = \"Region\"\n{rest}");
    let cases = [
        (f("kind = \"colour\""), "fields[0].kind"),
        (f("kind = \"select\""), "fields[0].options"),
        (f("kind = \"text\"\noptions = [\"a\"]"), "fields[0].options"),
        (
            f("kind = \"select\"\noptions = [\"eu\", \"EU\"]"),
            "fields[0].options[1]",
        ),
        (
            f("kind = \"select\"\noptions = [\"<b>\"]"),
            "fields[0].options[0]",
        ),
        (f("kind = \"text\"\nask = \"later\""), "fields[0].ask"),
        (
            f("kind = \"text\"\ntypes = [\"security\"]"),
            "fields[0].types",
        ),
        (
            "[[fields]]\nkey = \"Region\"\nlabel = \"R\"\nkind = \"text\"".to_string(),
            "fields[0].key",
        ),
        (
            format!("{}\n{}", f("kind = \"text\""), f("kind = \"text\"")),
            "fields[1].key",
        ),
    ];
    for (toml, key) in cases {
        let err = Config::from_toml(&toml).unwrap_err().to_string();
        assert!(err.contains(&format!("`{key}`")), "{toml}: {err}");
    }
    let five: String = (0..5)
        .map(|i| {
            format!("[[fields]]\nkey = \"f{i}\"\nlabel = \"F\"\nkind = \"text\"\nheadline = true\n")
        })
        .collect();
    let err = Config::from_toml(&five).unwrap_err().to_string();
    assert!(err.contains("at most 4 fields"), "{err}");
    for (toml, key) in [
        (
            "[incident_types.security]\nname = \"S\"\nrequired_fields = [\"nope\"]",
            "incident_types.security.required_fields",
        ),
        (
            "[incident_types.security]\nname = \"S\"\nrequired_roles = [\"chef\"]",
            "incident_types.security.required_roles",
        ),
    ] {
        let err = Config::from_toml(toml).unwrap_err().to_string();
        assert!(err.contains(&format!("`{key}`")), "{toml}: {err}");
    }
    let ok = Config::from_toml(&f("kind = \"multi_select\"\noptions = [\"eu\", \"us\"]")).unwrap();
    assert_eq!(ok.field_book().keys(None), "region");
}

#[test]
fn tickets_settings_name_what_is_wrong() {
    let jira = "[tickets.jira]\nurl = \"https://acme.atlassian.net\"\nemail = \"bot@acme.com\"\napi_token = \"t\"\n";
    let github = "[tickets.github]\ntoken = \"ghp_x\"\n";
    let route = |r: &str| format!("{jira}{github}[[tickets.routes]]\n{r}\n");
    let ok = route(
        "tracker = \"jira\"\nproject = \"OPS\"\nseverities = [\"sev1\"]\nincident_ticket = true\njira_fields = { customfield_10042 = { value = \"SRE\" } }",
    );
    let c = Config::from_toml(&ok).unwrap();
    assert_eq!(
        c.tickets.routes[0].jira_fields["customfield_10042"]["value"],
        "SRE"
    );
    for (toml, key) in [
        (
            "[[tickets.routes]]\ntracker = \"jira\"\nproject = \"OPS\"".to_string(),
            "tickets.routes[0].tracker",
        ),
        (
            route("tracker = \"github\"\nproject = \"not a repo\""),
            "tickets.routes[0].project",
        ),
        (
            route("tracker = \"jira\"\nproject = \"ops-1\""),
            "tickets.routes[0].project",
        ),
        (
            route("tracker = \"jira\"\nproject = \"OPS\"\nseverities = [\"sev9\"]"),
            "tickets.routes[0].severities",
        ),
        (
            route("tracker = \"jira\"\nproject = \"OPS\"\ntypes = [\"nope\"]"),
            "tickets.routes[0].types",
        ),
        (
            route("tracker = \"github\"\nproject = \"a/b\"\njira_fields = { x = 1 }"),
            "tickets.routes[0].jira_fields",
        ),
        (
            route("tracker = \"github\"\nproject = \"a/b\"\nactions = false"),
            "tickets.routes[0].actions",
        ),
        (
            format!("{jira}[tickets.jira.transitions]\nclosed = \"Done\""),
            "tickets.jira.transitions.closed",
        ),
        (
            format!("{jira}[tickets.jira.priorities]\nP9 = \"High\""),
            "tickets.jira.priorities.P9",
        ),
        (
            "[tickets.jira]\nurl = \"https://acme.atlassian.net\"".to_string(),
            "tickets.jira.email",
        ),
        (
            "[tickets.jira]\nurl = \"ftp://x\"".to_string(),
            "tickets.jira.url",
        ),
        (
            "[tickets]\npoll = \"every now and then\"".to_string(),
            "tickets.poll",
        ),
        (
            "[tickets.github]\napi_url = \"github.com\"".to_string(),
            "tickets.github.api_url",
        ),
        (
            "[tickets.github]\nlogins = { U1 = \"bad login!\" }".to_string(),
            "tickets.github.logins.U1",
        ),
    ] {
        let e = Config::from_toml(&toml).expect_err(&toml).to_string();
        assert!(e.contains(key), "{toml}: {e}");
    }
}
