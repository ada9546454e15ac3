//! The read planner: query operations run once per request, not once per field.
//!
//! async-graphql parses and validates every operation. For a query whose every field the
//! planner serves (see [`catalogue`]: node types' columns and texts, root lists, `node`,
//! lookups by a unique column, the lists under nodes, edges with their roles, page info
//! and counts), the work is:
//!
//! 1. **plan** ([`build`]): the selection collected once into levels, each one table with
//!    the columns, texts, edges and page arguments it needs;
//! 2. **fetch** ([`fetch`]): one statement per level (a root page or a node chooses its
//!    texts in it; a list under many parents reads them in one more), one for its counts,
//!    whatever the number of parents, rows decoded by position;
//! 3. **write** ([`write`]): the JSON of `data` written straight from the rows, in the
//!    selection's order.
//!
//! The plan runs where async-graphql would execute the operation (its `execute` hook, so
//! after parsing, validation and limits); any operation the planner does not serve, and
//! any planned one whose rows it cannot write (a missing required text, say), runs on
//! async-graphql's executor as before. A document async-graphql validated once runs on
//! the planner alone afterwards (`http::execute::run`). With `read_oracle` on (the
//! tests), both run and a disagreement fails the request.

pub mod build;
pub mod catalogue;
pub mod fetch;
pub mod write;

use std::sync::{Arc, LazyLock, Mutex};

use async_graphql::{
    Response, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute},
};
use sea_orm::DatabaseConnection;

use crate::{
    error::{Error, Result},
    plan::build::RootItem,
};

/// The declarations of every node type, read once per process.
pub static CATALOGUE: LazyLock<catalogue::Catalogue> = LazyLock::new(catalogue::Catalogue::new);

/// A planned query, handed to the executor with its request and run once it is
/// validated.
pub struct Planned {
    plan: build::Plan,
    db: DatabaseConnection,
    /// Also run async-graphql's executor (`read_oracle`).
    pub oracle: bool,
    written: Mutex<Option<Vec<u8>>>,
}

impl Planned {
    /// A plan to run on `db`.
    pub fn new(plan: build::Plan, db: DatabaseConnection, oracle: bool) -> Planned {
        Planned {
            plan,
            db,
            oracle,
            written: Mutex::new(None),
        }
    }

    /// The `data` the plan wrote, if it ran.
    pub fn take(&self) -> Option<Vec<u8>> {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Runs the plan without the executor (for a document validated before); returns
    /// whether it wrote the answer (else the executor must run the request), or the
    /// database's failure.
    pub async fn run_validated(&self) -> Result<bool> {
        match self.run().await {
            Ok(data) => {
                *self.written.lock().unwrap_or_else(|e| e.into_inner()) = Some(data);
                Ok(true)
            }
            Err(e) if database_failure(&e) => Err(e),
            Err(e) => {
                tracing::debug!(error = ?e, "a planned query runs on the executor");
                Ok(false)
            }
        }
    }

    async fn run(&self) -> Result<Vec<u8>> {
        let mut fetched = Vec::new();
        for (_, item) in &self.plan.root {
            if let RootItem::Level(level) = item {
                fetched.push(fetch::fetch(&self.db, level, &[]).await?);
            }
        }
        write::write(&self.plan, &fetched)
    }
}

/// The extension that runs planned queries in place of the executor.
pub struct Engine;

impl ExtensionFactory for Engine {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(EngineRun)
    }
}

struct EngineRun;

#[async_trait::async_trait]
impl Extension for EngineRun {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let Some(planned) = ctx.data_opt::<Arc<Planned>>() else {
            return next.run(ctx, operation_name).await;
        };
        match planned.run().await {
            Ok(data) => {
                *planned.written.lock().unwrap_or_else(|e| e.into_inner()) = Some(data);
                if planned.oracle {
                    next.run(ctx, operation_name).await
                } else {
                    Response::new(Value::Null)
                }
            }
            Err(e) if database_failure(&e) => Response::from_errors(vec![e.into_server_error()]),
            Err(e) => {
                // The executor answers instead, with its own errors if it meets the same.
                tracing::debug!(error = ?e, "a planned query runs on the executor");
                next.run(ctx, operation_name).await
            }
        }
    }
}

/// Whether `error` is the database's failure (unreachable, too slow, a statement
/// cancelled): the executor would only meet it again, at twice the load.
fn database_failure(error: &Error) -> bool {
    matches!(error, Error::Database(_) | Error::Unavailable(_))
}
