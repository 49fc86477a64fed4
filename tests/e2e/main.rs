//! The end-to-end tests, one binary (one link) with a module per area. Each runs the
//! real server against real databases (SQLite and PostgreSQL), a fake Slack built from
//! Slack's documented API, and the real tools a feature talks to (Prometheus, a TLS
//! server, moto, Chromium). `cargo test --test e2e storm` runs one area.

#[path = "../common/mod.rs"]
mod common;

mod alert_storm;
mod alerts;
mod budgets_watch;
mod certs_watch;
mod comms;
mod connections;
mod corrections;
mod db_outage;
mod debrief;
mod delivery;
mod disk_watch;
mod fields;
mod follow_ups;
mod hostile_input;
mod incident_http;
mod insights;
mod manifest;
mod overload;
mod pages_browser;
mod paging;
mod postmortem_confluence;
mod postmortem_golden;
mod postmortem_http;
mod postmortem_pr;
mod public_page;
mod reminders;
mod restart;
mod roles;
mod severities;
mod shell;
mod slack_refusals;
mod slo_watch;
mod socket_mode;
mod storm;
mod tags;
mod tickets_github;
mod tickets_jira;
mod types;
mod vocabulary;
mod warnings;
