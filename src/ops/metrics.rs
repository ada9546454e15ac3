//! The server's metrics, served at `/metrics` in the Prometheus text format.

use std::{
    collections::{HashMap, HashSet},
    fmt::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use prometheus_client::{
    encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

use crate::{
    db::{Database, replicas::Replicas},
    http::server::ConnectionMetrics,
    ops::shared::Registration,
};

/// The most operation names tracked one by one, besides those of the trusted documents;
/// later names are counted as `other`, so that clients cannot grow the metrics without
/// bound.
const MAX_OPERATION_NAMES: usize = 200;

/// The most new operation names one client (an API key, else an address) may bring into
/// the metrics: no client can use up the names of the others.
const MAX_NAMES_PER_CLIENT: usize = 20;

/// The longest operation name tracked one by one.
const MAX_NAME_LENGTH: usize = 64;

/// A label value, escaped as the Prometheus text format asks (backslash, double quote and
/// line feed).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Label(String);

impl EncodeLabelValue for Label {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        for c in self.0.chars() {
            match c {
                '\\' => encoder.write_str("\\\\")?,
                '"' => encoder.write_str("\\\"")?,
                '\n' => encoder.write_str("\\n")?,
                c => encoder.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: Label,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: Label,
}

/// The operation names the metrics track one by one.
#[derive(Default)]
struct Names {
    /// The names of the trusted documents: always tracked.
    trusted: HashSet<String>,
    /// Names that clients brought, up to [`MAX_OPERATION_NAMES`].
    known: HashSet<String>,
    /// How many names each client brought.
    by_client: HashMap<String, usize>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EngineLabels {
    engine: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: Label,
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
    key_checks_deferred: Counter,
    connections: ConnectionMetrics,
    names: Mutex<Names>,
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
    /// The metrics of a server on `db`, whose trusted documents name the operations
    /// `trusted`.
    pub fn new(
        db: &Database,
        replicas: &Replicas,
        registration: &Registration,
        trusted: Vec<String>,
    ) -> Arc<Metrics> {
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
        registry.register(
            "sql_statements_stopped",
            "Statements stopped because their request ended before them (it timed out, or its client went away): SQLite statements interrupted, PostgreSQL connections closed while they ran one",
            db.stopped_statement_counter(),
        );
        registry.register(
            "processes",
            "Agora processes on this database, as this one last counted them (each enforces its share of the rate limits)",
            registration.processes.clone(),
        );
        registry.register(
            "db_reads",
            "Queries by the database that served them: `primary`, or a replica (`replica1`, ... in the order of replica_urls)",
            replicas.metrics.reads.clone(),
        );
        registry.register(
            "replica_up",
            "1 while a replica serves reads: it answers, is in recovery, and lags at most max_replica_lag_ms",
            replicas.metrics.up.clone(),
        );
        registry.register(
            "replica_lag_milliseconds",
            "How far a replica lags its primary, as last checked: the time since the primary first stood past the position the replica has replayed",
            replicas.metrics.lag.clone(),
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
        let key_checks_deferred = Counter::default();
        registry.register(
            "ws_key_checks_deferred",
            "Periodic checks of a WebSocket's API key that the database could not answer (the key kept its last known state)",
            key_checks_deferred.clone(),
        );
        let connections = ConnectionMetrics::default();
        registry.register(
            "connections_open",
            "HTTP connections open, WebSockets included",
            connections.open.clone(),
        );
        registry.register(
            "connections_refused",
            "Connections answered 503 because max_connections were open",
            connections.refused.clone(),
        );
        registry.register(
            "connections_timed_out",
            "Connections closed for a slow request head or a long idle keep-alive",
            connections.timed_out.clone(),
        );
        registry.register(
            "request_bodies_too_slow",
            "Requests answered 408 because their body came too slowly",
            connections.slow_bodies.clone(),
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
            key_checks_deferred,
            connections,
            names: Mutex::new(Names {
                trusted: trusted.into_iter().collect(),
                ..Names::default()
            }),
            db: db.clone(),
        })
    }

    /// The label of the operation `name` that `client` (`key:ID` or `address:ADDR`) ran:
    /// `anonymous` without a name; the name itself when it is a trusted document's, or is
    /// known already, or is a GraphQL name of at most [`MAX_NAME_LENGTH`] characters while
    /// fewer than [`MAX_OPERATION_NAMES`] are known and `client` brought fewer than
    /// [`MAX_NAMES_PER_CLIENT`]; else `other`.
    fn operation(&self, name: Option<&str>, client: &str) -> String {
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return "anonymous".into();
        };
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if names.trusted.contains(name) || names.known.contains(name) {
            return name.to_string();
        }
        let brought = names.by_client.get(client).copied().unwrap_or(0);
        if is_graphql_name(name)
            && name.len() <= MAX_NAME_LENGTH
            && names.known.len() < MAX_OPERATION_NAMES
            && brought < MAX_NAMES_PER_CLIENT
        {
            names.known.insert(name.to_string());
            names.by_client.insert(client.to_string(), brought + 1);
            return name.to_string();
        }
        "other".into()
    }

    /// Records a GraphQL request of `client` (`key:ID` or `address:ADDR`): its operation,
    /// outcome, time and the codes of its errors.
    pub fn request<'a>(
        &self,
        operation: Option<&str>,
        client: &str,
        outcome: Outcome,
        took: Duration,
        codes: impl Iterator<Item = &'a str>,
    ) {
        let operation = Label(self.operation(operation, client));
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
                    code: Label(code.to_string()),
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

    /// The counter of WebSocket key checks that the database could not answer.
    pub fn key_checks_deferred(&self) -> &Counter {
        &self.key_checks_deferred
    }

    /// The counters of HTTP connections.
    pub fn connections(&self) -> &ConnectionMetrics {
        &self.connections
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

/// Whether `name` is a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`).
fn is_graphql_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let mut text = String::new();
        let mut registry = Registry::default();
        let family = Family::<OperationLabels, Counter>::default();
        registry.register("x", "x", family.clone());
        family
            .get_or_create(&OperationLabels {
                operation: Label("a\"} 1\nforged{b=\"c\\".into()),
            })
            .inc();
        encode(&mut text, &registry).unwrap();
        assert!(
            text.contains(r#"x_total{operation="a\"} 1\nforged{b=\"c\\"} 1"#),
            "{text}"
        );
        assert!(!text.lines().any(|l| l.starts_with("forged")), "{text}");
    }

    #[test]
    fn graphql_names() {
        assert!(is_graphql_name("DialoguePage_2"));
        assert!(is_graphql_name("_x"));
        for bad in ["", "2x", "a-b", "a b", "x\"", "é"] {
            assert!(!is_graphql_name(bad), "{bad}");
        }
    }
}
