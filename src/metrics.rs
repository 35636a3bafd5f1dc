//! Prometheus metrics (`GET /metrics`, text format): request latency by operation, database
//! statements and pool use, job runs, outbox depth and delivery failures. A base module: every
//! layer records into the one registry in the application state.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Distinct operation names kept as labels; later ones count as `other`, so clients cannot grow
/// the label set without bound.
const MAX_OPERATIONS: usize = 200;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The GraphQL operation name, `anonymous`, or `other` beyond the first 200 names.
    pub operation: String,
    /// `ok` or `error` (an answer carrying errors).
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub job: String,
    /// `succeeded` or `failed`.
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub status: &'static str,
}

fn latency() -> Histogram {
    // 1 ms to ~65 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Histogram, fn() -> Histogram>,
    pub db_statements: Histogram,
    pub db_failed: Counter,
    pub db_pool_connections: Gauge,
    pub db_pool_idle: Gauge,
    pub jobs: Family<JobLabels, Histogram, fn() -> Histogram>,
    pub outbox: Family<StatusLabels, Gauge>,
    pub delivery_failures: Counter,
    /// Statements since start (also in `db_statements`; readable without encoding, for tests).
    statements: AtomicU64,
    operations: Mutex<Vec<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("tessera");
        let requests = Family::new_with_constructor(latency as fn() -> Histogram);
        registry.register(
            "graphql_request_duration_seconds",
            "Time to answer a GraphQL request, by operation name and outcome",
            requests.clone(),
        );
        let db_statements = Histogram::new(exponential_buckets(0.0001, 2.0, 18));
        registry.register(
            "db_statement_duration_seconds",
            "Time per database statement",
            db_statements.clone(),
        );
        let db_failed = Counter::default();
        registry.register(
            "db_statement_failures",
            "Database statements that returned an error",
            db_failed.clone(),
        );
        let db_pool_connections = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Open connections in the database pool",
            db_pool_connections.clone(),
        );
        let db_pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Idle connections in the database pool",
            db_pool_idle.clone(),
        );
        let jobs = Family::new_with_constructor(latency as fn() -> Histogram);
        registry.register(
            "job_run_duration_seconds",
            "Time per job run, by job and result",
            jobs.clone(),
        );
        let outbox = Family::default();
        registry.register(
            "outbox_messages",
            "Outbox messages waiting or stopped, by status",
            outbox.clone(),
        );
        let delivery_failures = Counter::default();
        registry.register(
            "mail_delivery_failures",
            "Delivery attempts that failed (retried or given up)",
            delivery_failures.clone(),
        );
        Self {
            registry,
            requests,
            db_statements,
            db_failed,
            db_pool_connections,
            db_pool_idle,
            jobs,
            outbox,
            delivery_failures,
            statements: AtomicU64::new(0),
            operations: Mutex::new(Vec::new()),
        }
    }
}

impl Metrics {
    /// Records one database statement.
    pub fn statement(&self, seconds: f64, failed: bool) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.db_statements.observe(seconds);
        if failed {
            self.db_failed.inc();
        }
    }

    /// Statements run since start.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Records one GraphQL request.
    pub fn request(&self, operation: Option<&str>, ok: bool, seconds: f64) {
        let labels = RequestLabels {
            operation: self.operation_label(operation),
            outcome: if ok { "ok" } else { "error" },
        };
        self.requests.get_or_create(&labels).observe(seconds);
    }

    fn operation_label(&self, operation: Option<&str>) -> String {
        let Some(name) = operation.filter(|n| {
            !n.is_empty()
                && n.len() <= 64
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }) else {
            return "anonymous".into();
        };
        let Ok(mut known) = self.operations.lock() else {
            return "other".into();
        };
        if known.iter().any(|k| k == name) {
            return name.to_string();
        }
        if known.len() < MAX_OPERATIONS {
            known.push(name.to_string());
            return name.to_string();
        }
        "other".into()
    }

    /// Records one job run.
    pub fn job(&self, job: &str, succeeded: bool, seconds: f64) {
        let labels = JobLabels {
            job: job.to_string(),
            result: if succeeded { "succeeded" } else { "failed" },
        };
        self.jobs.get_or_create(&labels).observe(seconds);
    }

    /// The text exposition of every metric.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_bounded_and_sane() {
        let m = Metrics::default();
        for i in 0..MAX_OPERATIONS + 10 {
            m.request(Some(&format!("Op{i}")), true, 0.01);
        }
        m.request(Some("has space"), false, 0.5);
        m.request(None, true, 0.002);
        let text = m.encode().unwrap();
        assert!(text.contains("operation=\"Op0\""));
        assert!(text.contains("operation=\"other\""));
        assert!(text.contains("operation=\"anonymous\",outcome=\"error\""));
        assert!(!text.contains(&format!("Op{}", MAX_OPERATIONS + 5)));
        m.statement(0.001, false);
        m.statement(0.002, true);
        assert_eq!(m.statements(), 2);
        assert!(text.contains("tessera_graphql_request_duration_seconds"));
    }
}
