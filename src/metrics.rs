//! Prometheus metrics: counters and histograms updated as things happen, gauges read
//! from the database when `/metrics` is scraped.

use std::time::Duration;

use prometheus::{
    CounterVec, Encoder, Gauge, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::domain::Severity;
use crate::store::jobs::QueueState;

pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub command_seconds: HistogramVec,
    pub jobs_run: IntCounterVec,
    jobs_state: IntGaugeVec,
    incidents_open: IntGaugeVec,
    pub watcher_runs: IntCounterVec,
    pub watcher_errors: IntCounterVec,
    pub findings: IntGaugeVec,
    /// Calls Slack refused or could not answer, by method and error.
    pub slack_errors: IntCounterVec,
    /// Calls the rate limiter held back, by method and how (sleep, later).
    pub slack_throttled: IntCounterVec,
    /// Time the rate limiter held calls back, by method.
    pub slack_throttle_seconds: CounterVec,
    /// Age of the oldest job that is due and not yet done.
    jobs_oldest_due: Gauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new(
                "warroom_http_requests_total",
                "HTTP requests by endpoint and outcome",
            ),
            &["endpoint", "outcome"],
        )
        .expect("valid metric");
        let command_seconds = HistogramVec::new(
            HistogramOpts::new(
                "warroom_command_duration_seconds",
                "Time to handle a slash command, until the answer",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["subcommand"],
        )
        .expect("valid metric");
        let jobs_run = IntCounterVec::new(
            Opts::new(
                "warroom_jobs_total",
                "Jobs run, by kind and outcome (done, retry, failed)",
            ),
            &["kind", "outcome"],
        )
        .expect("valid metric");
        let jobs_state = IntGaugeVec::new(
            Opts::new("warroom_jobs", "Jobs in the queue by state"),
            &["state"],
        )
        .expect("valid metric");
        let incidents_open = IntGaugeVec::new(
            Opts::new("warroom_incidents_open", "Open incidents by severity"),
            &["severity"],
        )
        .expect("valid metric");
        let watcher_runs = IntCounterVec::new(
            Opts::new("warroom_watcher_runs_total", "Watcher runs"),
            &["watcher"],
        )
        .expect("valid metric");
        let watcher_errors = IntCounterVec::new(
            Opts::new(
                "warroom_watcher_errors_total",
                "Watcher runs or checks that failed",
            ),
            &["watcher"],
        )
        .expect("valid metric");
        let findings = IntGaugeVec::new(
            Opts::new("warroom_findings", "Current findings by watcher and level"),
            &["watcher", "level"],
        )
        .expect("valid metric");
        let slack_errors = IntCounterVec::new(
            Opts::new(
                "warroom_slack_errors_total",
                "Slack Web API calls that failed, by method and error (Slack's code, ratelimited, unavailable)",
            ),
            &["method", "error"],
        )
        .expect("valid metric");
        let slack_throttled = IntCounterVec::new(
            Opts::new(
                "warroom_slack_throttled_total",
                "Slack calls held back by warroom's rate limiter (Slack's tiers), by method and how: sleep (a short wait in place) or later (the job was put back until its slot)",
            ),
            &["method", "how"],
        )
        .expect("valid metric");
        let slack_throttle_seconds = CounterVec::new(
            Opts::new(
                "warroom_slack_throttle_seconds_total",
                "Seconds Slack calls were held back by the rate limiter, by method",
            ),
            &["method"],
        )
        .expect("valid metric");
        let jobs_oldest_due = Gauge::new(
            "warroom_jobs_oldest_due_seconds",
            "How long the oldest due job has been waiting to run (0 when none is due)",
        )
        .expect("valid metric");
        for c in [
            Box::new(slack_throttled.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(slack_throttle_seconds.clone()),
            Box::new(jobs_oldest_due.clone()),
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(command_seconds.clone()),
            Box::new(jobs_run.clone()),
            Box::new(jobs_state.clone()),
            Box::new(incidents_open.clone()),
            Box::new(watcher_runs.clone()),
            Box::new(watcher_errors.clone()),
            Box::new(findings.clone()),
            Box::new(slack_errors.clone()),
        ] {
            registry.register(c).expect("metric registered once");
        }
        Metrics {
            registry,
            http_requests,
            command_seconds,
            jobs_run,
            jobs_state,
            incidents_open,
            watcher_runs,
            watcher_errors,
            findings,
            slack_errors,
            slack_throttled,
            slack_throttle_seconds,
            jobs_oldest_due,
        }
    }

    pub fn observe_command(&self, subcommand: &str, took: Duration) {
        self.command_seconds
            .with_label_values(&[subcommand])
            .observe(took.as_secs_f64());
    }

    pub fn request(&self, endpoint: &str, outcome: &str) {
        self.http_requests
            .with_label_values(&[endpoint, outcome])
            .inc();
    }

    /// Sets the gauges read from the database (None: it did not answer in time, they
    /// keep their last values) and renders everything in the text format.
    pub fn render(&self, queue: Option<QueueState>, open: Option<Vec<(Severity, i64)>>) -> String {
        if let Some(q) = queue {
            self.jobs_state
                .with_label_values(&["pending"])
                .set(q.pending);
            self.jobs_state.with_label_values(&["failed"]).set(q.failed);
            self.jobs_state.with_label_values(&["due"]).set(q.due);
            self.jobs_oldest_due.set(q.oldest_due_seconds);
        }
        if let Some(open) = open {
            for s in Severity::ALL {
                let n = open
                    .iter()
                    .find(|(sev, _)| *sev == s)
                    .map(|(_, n)| *n)
                    .unwrap_or(0);
                self.incidents_open
                    .with_label_values(&[&s.to_string()])
                    .set(n);
            }
        }
        self.render_counters()
    }

    /// Everything as it stands, without reading the database.
    pub fn render_counters(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
