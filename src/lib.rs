//! warroom: a Slack ChatOps bot for incident response.
//!
//! Layers, from the inside out: [`domain`] (pure rules), [`app`] (use cases over the
//! ports), [`store`] (the database, SQLite or PostgreSQL, and the durable jobs queue), [`chat`]
//! (the way out to people: Slack or the local shell), [`scheduler`] (the jobs worker
//! and what runs later), [`providers`] (HTTP to PagerDuty, Opsgenie, Statuspage, Jira
//! and GitHub), [`tickets`] (follow-through in the team's tracker, pure),
//! [`web`] (HTTP endpoints), [`startup`] (wiring).

pub mod alerts;
pub mod app;
pub mod at_rest;
pub mod chat;
pub mod clock;
pub mod config;
pub mod domain;
pub mod html;
pub mod insights;
pub mod metrics;
pub mod pace;
pub mod paging;
pub mod postmortem;
pub mod providers;
pub mod public;
pub mod scheduler;
pub mod shell;
pub mod slack;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tickets;
pub mod watch;
pub mod web;
