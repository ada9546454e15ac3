//! Connecting to the database (SQLite or PostgreSQL), migrating it, and counting the SQL
//! statements it runs.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database as SeaDatabase, DatabaseConnection, DbBackend};

use crate::error::Result;

/// A connection pool and the count of SQL statements it has run.
#[derive(Clone, Debug)]
pub struct Database {
    /// The pool; cheap to clone.
    pub conn: DatabaseConnection,
    statements: Arc<AtomicU64>,
}

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
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
        if in_memory {
            // The one connection is the database: it must never be closed for idling.
            opts.idle_timeout(None::<Duration>)
                .max_lifetime(None::<Duration>);
        }
        if let Some(schema) = &options.schema {
            opts.set_schema_search_path(schema.clone());
        }
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
        let mut conn = SeaDatabase::connect(opts).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            tracing::trace!(target: "agora::sql", elapsed = ?info.elapsed, failed = info.failed, "{}", info.statement);
        });
        Ok(Database { conn, statements })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.conn, None).await?;
        Ok(())
    }

    /// How many SQL statements this pool has run since it opened.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Which SQL dialect the pool speaks.
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }
}
