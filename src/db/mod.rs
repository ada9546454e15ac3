//! Connecting to the database (SQLite or PostgreSQL), migrating it, and counting the SQL
//! statements it runs.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use prometheus_client::metrics::counter::Counter;
use sea_orm::{ConnectOptions, Database as SeaDatabase, DatabaseConnection, DbBackend};

use crate::error::Result;

pub mod cancel;
pub mod replicas;

/// A connection pool and the counts of SQL statements it has run: for requests (`conn`),
/// and in the background (`background()`: the change feed's poller), counted apart so
/// that a request's statements can be counted exactly.
#[derive(Clone, Debug)]
pub struct Database {
    /// The pool; cheap to clone.
    pub conn: DatabaseConnection,
    statements: Counter,
    background: DatabaseConnection,
    background_statements: Counter,
    /// Set by [`Database::cancel_statements`]: SQLite statements stop at their next step.
    cancelled: Arc<AtomicBool>,
    /// How many SQLite statements stopped so.
    interrupted: Arc<AtomicU64>,
    /// Statements stopped because their request ended before them (`cancel`).
    stopped: Counter,
    /// The `application_name` of this pool's PostgreSQL sessions, and where to reach
    /// PostgreSQL to cancel their statements.
    sessions: Option<Sessions>,
}

/// What it takes to cancel the statements of a pool's PostgreSQL sessions.
#[derive(Clone, Debug)]
struct Sessions {
    application_name: String,
    url: String,
}

/// How many SQLite virtual-machine steps run between two looks at `cancelled` and at the
/// request's end (a step that calls a function on a long text can take a millisecond).
const SQLITE_STEPS_PER_CHECK: i32 = 1_000;

/// How to open a database.
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// `sqlite://FILE?mode=rwc`, `sqlite::memory:` or `postgres://...`.
    pub url: String,
    /// Largest pool; an in-memory SQLite database is forced to one connection, because each
    /// connection to `sqlite::memory:` is a database of its own.
    pub max_connections: u32,
    /// PostgreSQL schema to use (tests give each run a fresh one).
    pub schema: Option<String>,
    /// Longest wait for a connection from the pool.
    pub acquire_timeout: Duration,
    /// Longest time a statement may run on PostgreSQL (`statement_timeout`).
    pub statement_timeout: Option<Duration>,
    /// Read a SQLite file through a memory map of up to 1 GiB (`mmap_size`): for a
    /// server, whose reads come back to the same pages, this spares a copy of each page
    /// into each connection's cache and the system call that reads it. The mapped pages
    /// the process touches count in its resident memory (they are the file's, shared with
    /// the page cache), so one-shot commands that read the whole file once go without.
    pub memory_map: bool,
    /// Open no connection until one is needed (a replica may be down when the server
    /// starts).
    pub lazy: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            url: String::new(),
            max_connections: 10,
            schema: None,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: None,
            memory_map: false,
            lazy: false,
        }
    }
}

impl DbOptions {
    /// The options that `settings` give.
    pub fn from_settings(settings: &crate::config::Settings) -> DbOptions {
        DbOptions {
            url: settings.database_url.clone(),
            max_connections: settings.db_max_connections,
            schema: None,
            acquire_timeout: Duration::from_millis(settings.db_acquire_timeout_ms),
            statement_timeout: Some(Duration::from_millis(settings.statement_timeout_ms))
                .filter(|d| !d.is_zero()),
            memory_map: false,
            lazy: false,
        }
    }
}

impl Database {
    /// Opens the pool. SQLite files are created when missing and use write-ahead logging.
    pub async fn connect(options: &DbOptions) -> Result<Database> {
        let mut opts = ConnectOptions::new(options.url.clone());
        let in_memory = options.url.contains(":memory:") || options.url.contains("mode=memory");
        opts.max_connections(if in_memory {
            1
        } else {
            options.max_connections
        })
        .min_connections(if in_memory { 1 } else { 0 })
        .acquire_timeout(options.acquire_timeout)
        // No ping before each statement: a statement on a broken connection fails and
        // is answered 503, and the pool replaces the connection; a ping would cost one
        // more round trip per statement.
        .test_before_acquire(false)
        .connect_lazy(options.lazy)
        .sqlx_logging(false);
        if in_memory {
            // The one connection is the database: it must never be closed for idling.
            opts.idle_timeout(None::<Duration>)
                .max_lifetime(None::<Duration>);
        }
        if let Some(schema) = &options.schema {
            opts.set_schema_search_path(schema.clone());
        }
        // Each pool names its sessions, so that a shutdown can cancel exactly its own
        // statements (`cancel_statements`).
        static POOLS: AtomicU64 = AtomicU64::new(0);
        let application_name = format!(
            "agora/{}/{}",
            std::process::id(),
            POOLS.fetch_add(1, Ordering::Relaxed)
        );
        let name = application_name.clone();
        let timeout = options.statement_timeout.map(|t| t.as_millis().to_string());
        // (One function: a second call would replace the first.) No JIT compilation: it
        // costs tens of milliseconds whenever a plan's estimated cost passes
        // `jit_above_cost`, as a search's checks of 2,000 entries do, and Agora's
        // statements are short.
        // A backend checks every 100 ms, while it runs a statement, that its client is
        // still there, so that closing a connection stops its statement (`cancel`). A
        // scan of a large table starts at its first page, not where another scan is,
        // so that the first rows of a statement without order (a search's sample for
        // its estimate) are the same each time.
        opts.map_sqlx_postgres_opts(move |o| {
            let o = o.application_name(&name).options([
                ("jit", "off"),
                ("client_connection_check_interval", "100"),
                ("synchronize_seqscans", "off"),
            ]);
            match &timeout {
                Some(millis) => o.options([("statement_timeout", millis.as_str())]),
                None => o,
            }
        });
        // A connection that comes back to the pool soon after a request ended before its
        // answer may still run that request's statement: one that cannot answer at once
        // is closed (`cancel`).
        let stopped = Counter::default();
        let closed = stopped.clone();
        opts.map_sqlx_postgres_pool_opts(move |pool| {
            let closed = closed.clone();
            pool.after_release(move |conn, _| {
                let closed = closed.clone();
                Box::pin(async move {
                    use sea_orm::sqlx::Connection;
                    if !cancel::abandoned_recently() {
                        return Ok(true);
                    }
                    let ready = tokio::time::timeout(cancel::READY_WITHIN, conn.ping()).await;
                    let keep = matches!(ready, Ok(Ok(())));
                    if !keep {
                        closed.inc();
                    }
                    Ok(keep)
                })
            })
        });
        let sessions = options.url.starts_with("postgres").then(|| Sessions {
            application_name,
            url: options.url.clone(),
        });
        let cancelled = Arc::new(AtomicBool::new(false));
        let interrupted = Arc::new(AtomicU64::new(0));
        let (flag, count, ended) = (cancelled.clone(), interrupted.clone(), stopped.clone());
        opts.map_sqlx_sqlite_pool_opts(move |pool| {
            let (flag, count, ended) = (flag.clone(), count.clone(), ended.clone());
            pool.after_connect(move |conn, _| {
                let (flag, count, ended) = (flag.clone(), count.clone(), ended.clone());
                Box::pin(async move {
                    conn.lock_handle().await?.set_progress_handler(
                        SQLITE_STEPS_PER_CHECK,
                        move || {
                            if flag.load(Ordering::Relaxed) {
                                count.fetch_add(1, Ordering::Relaxed);
                                false
                            } else if cancel::stopped() {
                                ended.inc();
                                false
                            } else {
                                true
                            }
                        },
                    );
                    Ok(())
                })
            })
        });
        let mmap_size = if options.memory_map {
            "1073741824"
        } else {
            "0"
        };
        opts.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                .pragma("mmap_size", mmap_size)
        });
        let mut conn = SeaDatabase::connect(opts).await?;
        // A clone of the pool's handle carries a metric callback of its own.
        let mut background = conn.clone();
        let statements = counted(&mut conn);
        let background_statements = counted(&mut background);
        Ok(Database {
            conn,
            statements,
            background,
            background_statements,
            cancelled,
            interrupted,
            stopped,
            sessions,
        })
    }

    /// How many SQLite statements [`Database::cancel_statements`] has stopped.
    pub fn interrupted_statements(&self) -> u64 {
        self.interrupted.load(Ordering::Relaxed)
    }

    /// Cancels the statements this pool is running, and every later one: for the end of
    /// a shutdown's drain. SQLite statements stop at their next step; on PostgreSQL the
    /// pool's own sessions are cancelled (`pg_cancel_backend`) over a connection of
    /// their own, as the pool's may all be busy. Returns how many statements PostgreSQL
    /// was asked to cancel.
    pub async fn cancel_statements(&self) -> Result<u64> {
        use sea_orm::sqlx::{Connection, Row, postgres::PgConnection};
        self.cancelled.store(true, Ordering::Relaxed);
        let Some(sessions) = &self.sessions else {
            return Ok(0);
        };
        let mut conn = PgConnection::connect(&sessions.url)
            .await
            .map_err(crate::error::Error::internal)?;
        let row = sea_orm::sqlx::query(
            "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = $1 AND state <> 'idle' AND pid <> pg_backend_pid()",
        )
        .bind(&sessions.application_name)
        .fetch_one(&mut conn)
        .await
        .map_err(crate::error::Error::internal)?;
        let _ = conn.close().await;
        let count: i64 = row.try_get(0).map_err(crate::error::Error::internal)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The same pool, for work no request asked for (the change feed's poller): its
    /// statements count in `background_statement_counter`, not in `statement_count`.
    pub fn background(&self) -> DatabaseConnection {
        self.background.clone()
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.conn, None).await?;
        Ok(())
    }

    /// How many SQL statements requests have run on this pool since it opened.
    pub fn statement_count(&self) -> u64 {
        self.statements.get()
    }

    /// The counter of requests' SQL statements (for the metrics).
    pub fn statement_counter(&self) -> Counter {
        self.statements.clone()
    }

    /// The counter of statements stopped because their request ended before them: SQLite
    /// statements interrupted, and PostgreSQL connections closed while they ran one (for
    /// the metrics).
    pub fn stopped_statement_counter(&self) -> Counter {
        self.stopped.clone()
    }

    /// The counter of background SQL statements (for the metrics).
    pub fn background_statement_counter(&self) -> Counter {
        self.background_statements.clone()
    }

    /// The pool's connections: how many are open, and how many of them are idle.
    pub fn pool_state(&self) -> (u32, usize) {
        match self.backend() {
            DbBackend::Postgres => {
                let pool = self.conn.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = self.conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        }
    }

    /// Whether the database answers a trivial statement within `within`.
    pub async fn ping(&self, within: Duration) -> bool {
        matches!(
            tokio::time::timeout(within, self.conn.ping()).await,
            Ok(Ok(()))
        )
    }

    /// Which SQL dialect the pool speaks.
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }
}

/// Counts the statements run through `conn` (and logs them at trace level).
fn counted(conn: &mut DatabaseConnection) -> Counter {
    let statements = Counter::default();
    let counter = statements.clone();
    conn.set_metric_callback(move |info| {
        counter.inc();
        tracing::trace!(target: "agora::sql", elapsed = ?info.elapsed, failed = info.failed, "{}", info.statement);
    });
    statements
}
