//! The server's metrics, served at `/metrics` in the Prometheus text format.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

use crate::db::Database;

/// The most operation names tracked one by one; later names are counted as `other`, so
/// that clients cannot grow the metrics without bound.
const MAX_OPERATION_NAMES: usize = 200;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EngineLabels {
    engine: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The counters and gauges of one process.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<OperationLabels, Histogram, fn() -> Histogram>,
    errors: Family<CodeLabels, Counter>,
    engines: Family<EngineLabels, Counter>,
    revalidations_skipped: Counter,
    pool_in_use: Gauge,
    pool_idle: Gauge,
    subscriptions: Gauge,
    names: Mutex<HashSet<String>>,
    db: Database,
}

/// How a GraphQL request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It ran without errors.
    Ok,
    /// It ran, or was refused, with errors.
    Error,
}

impl Metrics {
    /// The metrics of a server on `db`.
    pub fn new(db: &Database) -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("agora");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "graphql_requests",
            "GraphQL operations by operation name and outcome",
            requests.clone(),
        );
        let latency = Family::<OperationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "graphql_request_duration_seconds",
            "Time to answer a GraphQL operation, by operation name",
            latency.clone(),
        );
        let errors = Family::<CodeLabels, Counter>::default();
        registry.register(
            "graphql_errors",
            "GraphQL errors by extensions.code",
            errors.clone(),
        );
        let engines = Family::<EngineLabels, Counter>::default();
        registry.register(
            "graphql_engine",
            "GraphQL operations answered by the read planner (`planner`) or async-graphql's executor (`executor`)",
            engines.clone(),
        );
        let revalidations_skipped = Counter::default();
        registry.register(
            "graphql_validation_skipped",
            "Planned operations run without async-graphql, their document validated before",
            revalidations_skipped.clone(),
        );
        registry.register(
            "sql_statements",
            "SQL statements run for requests",
            db.statement_counter(),
        );
        registry.register(
            "sql_background_statements",
            "SQL statements run in the background (the change feed's poller)",
            db.background_statement_counter(),
        );
        let pool_in_use = Gauge::default();
        registry.register(
            "db_pool_in_use",
            "Database connections in use",
            pool_in_use.clone(),
        );
        let pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle",
            "Idle database connections",
            pool_idle.clone(),
        );
        let subscriptions = Gauge::default();
        registry.register(
            "active_subscriptions",
            "Subscriptions running over WebSockets",
            subscriptions.clone(),
        );
        Arc::new(Metrics {
            registry,
            requests,
            latency,
            errors,
            engines,
            revalidations_skipped,
            pool_in_use,
            pool_idle,
            subscriptions,
            names: Mutex::new(HashSet::new()),
            db: db.clone(),
        })
    }

    /// The label of an operation name: the name itself while fewer than
    /// [`MAX_OPERATION_NAMES`] are known, else `other`; `anonymous` without a name.
    fn operation(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return "anonymous".into();
        };
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if names.contains(name) {
            return name.to_string();
        }
        if names.len() < MAX_OPERATION_NAMES && name.len() <= 64 {
            names.insert(name.to_string());
            return name.to_string();
        }
        "other".into()
    }

    /// Records a GraphQL request: its operation, outcome, time and the codes of its errors.
    pub fn request<'a>(
        &self,
        operation: Option<&str>,
        outcome: Outcome,
        took: Duration,
        codes: impl Iterator<Item = &'a str>,
    ) {
        let operation = self.operation(operation);
        let outcome = match outcome {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
        };
        self.requests
            .get_or_create(&RequestLabels {
                operation: operation.clone(),
                outcome,
            })
            .inc();
        self.latency
            .get_or_create(&OperationLabels { operation })
            .observe(took.as_secs_f64());
        for code in codes {
            self.errors
                .get_or_create(&CodeLabels {
                    code: code.to_string(),
                })
                .inc();
        }
    }

    /// Records which engine answered an operation: the planner or the executor.
    pub fn engine(&self, planned: bool) {
        let engine = if planned { "planner" } else { "executor" };
        self.engines.get_or_create(&EngineLabels { engine }).inc();
    }

    /// Counts a planned operation that ran without async-graphql (validated before).
    pub fn validation_skipped(&self) {
        self.revalidations_skipped.inc();
    }

    /// The gauge of running subscriptions.
    pub fn subscriptions(&self) -> &Gauge {
        &self.subscriptions
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        let (size, idle) = self.db.pool_state();
        self.pool_in_use
            .set(i64::from(size).saturating_sub(i64::try_from(idle).unwrap_or(0)));
        self.pool_idle.set(i64::try_from(idle).unwrap_or(0));
        let mut text = String::new();
        if let Err(e) = encode(&mut text, &self.registry) {
            tracing::error!(error = %e, "could not encode the metrics");
        }
        text
    }
}
