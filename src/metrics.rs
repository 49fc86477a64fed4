//! Prometheus metrics: counters and histograms updated as things happen, gauges read
//! from the database when `/metrics` is scraped.

use std::time::Duration;

use prometheus::core::Collector;
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
    /// Where the rate limiter decided: in the shared buckets, alone (they failed), or
    /// in this process's own (one instance).
    pub slack_rate_decisions: IntCounterVec,
    /// Age of the oldest job that is due and not yet done.
    jobs_oldest_due: Gauge,
    /// Calls to PagerDuty, Opsgenie and Statuspage, by provider and outcome.
    provider_calls: IntCounterVec,
    /// What the jobs worker could not write to the jobs table, by operation.
    worker_store_errors: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let r = &registry;
        Metrics {
            http_requests: register(r, int_counters(&HTTP_REQUESTS)),
            command_seconds: register(r, command_histogram()),
            jobs_run: register(r, int_counters(&JOBS_RUN)),
            jobs_state: register(r, int_gauges(&JOBS_STATE)),
            incidents_open: register(r, int_gauges(&INCIDENTS_OPEN)),
            watcher_runs: register(r, int_counters(&WATCHER_RUNS)),
            watcher_errors: register(r, int_counters(&WATCHER_ERRORS)),
            findings: register(r, int_gauges(&FINDINGS)),
            slack_errors: register(r, int_counters(&SLACK_ERRORS)),
            slack_throttled: register(r, int_counters(&SLACK_THROTTLED)),
            slack_rate_decisions: register(r, int_counters(&SLACK_RATE_DECISIONS)),
            slack_throttle_seconds: register(
                r,
                CounterVec::new(opts(&SLACK_THROTTLE_SECONDS), SLACK_THROTTLE_SECONDS.labels)
                    .expect("valid metric"),
            ),
            jobs_oldest_due: register(
                r,
                Gauge::new(JOBS_OLDEST_DUE.name, JOBS_OLDEST_DUE.help).expect("valid metric"),
            ),
            provider_calls: register(r, int_counters(&PROVIDER_CALLS)),
            worker_store_errors: register(r, int_counters(&WORKER_STORE_ERRORS)),
            registry,
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

    /// One call to an outside service (`pagerduty`, `opsgenie`, `statuspage`) and how
    /// it ended (`ok`, `retry`, `refused`).
    pub fn provider_call(&self, provider: &str, outcome: &str) {
        self.provider_calls
            .with_label_values(&[provider, outcome])
            .inc();
    }

    /// Requests served and jobs run so far: a number that stays the same while the
    /// process is quiet.
    pub fn activity(&self) -> u64 {
        use prometheus::core::Collector;
        let families = self
            .http_requests
            .collect()
            .into_iter()
            .chain(self.jobs_run.collect());
        families
            .flat_map(|f| f.get_metric().to_vec())
            .map(|m| m.get_counter().get_value() as u64)
            .sum()
    }

    /// The jobs worker could not record `op` (`fail`, `retry`, `heartbeat`...) in the
    /// jobs table.
    pub fn worker_store_error(&self, op: &str) {
        self.worker_store_errors.with_label_values(&[op]).inc();
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
            // Every configured severity, those with none open at 0.
            for (s, n) in open {
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

/// A metric as `/metrics` shows it: name, help and label names.
struct Def {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
}

const HTTP_REQUESTS: Def = Def {
    name: "warroom_http_requests_total",
    help: "HTTP requests by endpoint and outcome",
    labels: &["endpoint", "outcome"],
};
const COMMAND_SECONDS: Def = Def {
    name: "warroom_command_duration_seconds",
    help: "Time to handle a slash command, until the answer",
    labels: &["subcommand"],
};
const JOBS_RUN: Def = Def {
    name: "warroom_jobs_total",
    help: "Jobs run, by kind and outcome (done, retry, failed)",
    labels: &["kind", "outcome"],
};
const JOBS_STATE: Def = Def {
    name: "warroom_jobs",
    help: "Jobs in the queue by state",
    labels: &["state"],
};
const INCIDENTS_OPEN: Def = Def {
    name: "warroom_incidents_open",
    help: "Open incidents by severity",
    labels: &["severity"],
};
const WATCHER_RUNS: Def = Def {
    name: "warroom_watcher_runs_total",
    help: "Watcher runs",
    labels: &["watcher"],
};
const WATCHER_ERRORS: Def = Def {
    name: "warroom_watcher_errors_total",
    help: "Watcher runs or checks that failed",
    labels: &["watcher"],
};
const FINDINGS: Def = Def {
    name: "warroom_findings",
    help: "Current findings by watcher and level",
    labels: &["watcher", "level"],
};
const SLACK_ERRORS: Def = Def {
    name: "warroom_slack_errors_total",
    help: "Slack Web API calls that failed, by method and error (Slack's code, ratelimited, unavailable)",
    labels: &["method", "error"],
};
const SLACK_THROTTLED: Def = Def {
    name: "warroom_slack_throttled_total",
    help: "Slack calls held back by warroom's rate limiter (Slack's tiers), by method and how: sleep (a short wait in place) or later (the job was put back until its slot)",
    labels: &["method", "how"],
};
const SLACK_RATE_DECISIONS: Def = Def {
    name: "warroom_slack_rate_decisions_total",
    help: "Slack calls' rate decisions, by where they were made: shared (the replicas' buckets in PostgreSQL), alone (those failed: this replica's own share) or local (one instance)",
    labels: &["where"],
};
const SLACK_THROTTLE_SECONDS: Def = Def {
    name: "warroom_slack_throttle_seconds_total",
    help: "Seconds Slack calls were held back by the rate limiter, by method",
    labels: &["method"],
};
const JOBS_OLDEST_DUE: Def = Def {
    name: "warroom_jobs_oldest_due_seconds",
    help: "How long the oldest due job has been waiting to run (0 when none is due)",
    labels: &[],
};

const PROVIDER_CALLS: Def = Def {
    name: "warroom_provider_calls_total",
    help: "HTTP calls to PagerDuty, Opsgenie and Statuspage, by provider and outcome (ok, retry: unreachable, 408/420/429/5xx or an unreadable answer; refused: any other answer, 4xx or a redirect)",
    labels: &["provider", "outcome"],
};

const WORKER_STORE_ERRORS: Def = Def {
    name: "warroom_worker_store_errors_total",
    help: "Writes and reads of the jobs table the worker could not make (the job is claimed again when its lease ends), by operation",
    labels: &["op"],
};

/// Adds a metric to the registry (each name once: they are all fixed here).
fn register<C: Collector + Clone + 'static>(registry: &Registry, metric: C) -> C {
    registry
        .register(Box::new(metric.clone()))
        .expect("metric registered once");
    metric
}

fn opts(def: &Def) -> Opts {
    Opts::new(def.name, def.help)
}

fn int_counters(def: &Def) -> IntCounterVec {
    IntCounterVec::new(opts(def), def.labels).expect("valid metric")
}

fn int_gauges(def: &Def) -> IntGaugeVec {
    IntGaugeVec::new(opts(def), def.labels).expect("valid metric")
}

/// Slash-command handling time, in buckets from a millisecond to Slack's 3 s.
fn command_histogram() -> HistogramVec {
    HistogramVec::new(
        HistogramOpts::new(COMMAND_SECONDS.name, COMMAND_SECONDS.help).buckets(vec![
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        ]),
        COMMAND_SECONDS.labels,
    )
    .expect("valid metric")
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workers_store_errors_are_counted_by_operation() {
        let m = Metrics::new();
        m.worker_store_error("fail");
        m.worker_store_error("fail");
        m.worker_store_error("heartbeat");
        let text = m.render_counters();
        assert!(
            text.contains("warroom_worker_store_errors_total{op=\"fail\"} 2"),
            "{text}"
        );
        assert!(text.contains("warroom_worker_store_errors_total{op=\"heartbeat\"} 1"));
    }
}
