//! The one error type of Agora, with a stable machine-readable code per variant.

use std::sync::Arc;

use async_graphql::ErrorExtensions;

/// Every failure a request can meet. Clients read `extensions.code`, never the message.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The request names something that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request's arguments are malformed or out of range.
    #[error("{0}")]
    BadUserInput(String),
    /// The request needs an API key.
    #[error("{0}")]
    Unauthenticated(String),
    /// The API key lacks the right.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with the stored state.
    #[error("{0}")]
    Conflict(String),
    /// One field of the input is invalid (`extensions.field` names it).
    #[error("{field}: {message}")]
    InvalidField {
        /// The field, as the client wrote it (`title`, `records[3].startDate`...).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The stored version is not the one expected (`extensions.currentVersion` says which
    /// it is).
    #[error("the record is at version {current}, not at version {expected}")]
    VersionConflict {
        /// The version the client expected.
        expected: i64,
        /// The version stored.
        current: i64,
    },
    /// The client asks too often.
    #[error("{0}")]
    RateLimited(String),
    /// The operation is too large, too deep or too costly to run.
    #[error("{0}")]
    QueryTooComplex(String),
    /// The query is not valid GraphQL syntax.
    #[error("{0}")]
    ParseFailed(String),
    /// The database is unreachable, or too slow: the request may succeed if retried
    /// later (HTTP 503 with `Retry-After`).
    #[error("{0}")]
    Unavailable(String),
    /// The request names a persisted query by its hash, and the server does not know it:
    /// the client should send the query with its hash.
    #[error("PersistedQueryNotFound")]
    PersistedQueryNotFound,
    /// A database failure. Its detail is logged, never sent to the client.
    #[error("internal error")]
    Database(Arc<sea_orm::DbErr>),
    /// Any other failure on the server's side. Its detail is logged, never sent.
    #[error("internal error")]
    Internal(Arc<str>),
    /// Inside a batch (never sent): a record's checks read what a record held back by
    /// the batch changes, so the batch writes what it holds and checks the record again.
    #[error("internal error")]
    Restage,
}

impl Error {
    /// The stable code clients see in `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "NOT_FOUND",
            Error::BadUserInput(_) => "BAD_USER_INPUT",
            Error::Unauthenticated(_) => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::Conflict(_) | Error::VersionConflict { .. } => "CONFLICT",
            Error::InvalidField { .. } => "BAD_USER_INPUT",
            Error::RateLimited(_) => "RATE_LIMITED",
            Error::QueryTooComplex(_) => "QUERY_TOO_COMPLEX",
            Error::ParseFailed(_) => "GRAPHQL_PARSE_FAILED",
            Error::Unavailable(_) => "SERVICE_UNAVAILABLE",
            Error::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Error::Database(_) | Error::Internal(_) | Error::Restage => "INTERNAL",
        }
    }

    /// Shorthand for a `BAD_USER_INPUT` error.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Error::BadUserInput(message.into())
    }

    /// Shorthand for an invalid field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidField {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Shorthand for an `INTERNAL` error whose detail is only logged.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Error::Internal(detail.to_string().into())
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        if too_large(&err) {
            tracing::warn!(error = %err, "the database refused a statement as too large");
            return Error::QueryTooComplex(
                "this request is larger than the database can take: split it, or use \
                 wider conditions"
                    .into(),
            );
        }
        if unavailable(&err) {
            tracing::warn!(error = %err, "the database is unavailable");
            return Error::Unavailable(
                "the database is unavailable or too slow at the moment; retry later".into(),
            );
        }
        Error::Database(Arc::new(err))
    }
}

/// Whether a database error refuses a statement for its size (the request's filters
/// nest too deep, or hold too much): PostgreSQL's class 54 (`program_limit_exceeded`,
/// `statement_too_complex`: a stack too deep, too many arguments), SQLite's
/// `SQLITE_TOOBIG` and its limits on expression depth, terms, variables and patterns.
fn too_large(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx::Error as Sqlx};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    let Sqlx::Database(db) = e.as_ref() else {
        return false;
    };
    match db.code().as_deref() {
        Some(code) if code.len() == 5 => code.starts_with("54"),
        Some("18") => true,
        Some("1") => [
            "Expression tree is too large",
            "too many terms",
            "too many SQL variables",
            "parser stack overflow",
            "pattern too complex",
        ]
        .iter()
        .any(|m| db.message().contains(m)),
        _ => false,
    }
}

/// Whether a database error says that the database is gone or too slow (rather than
/// that the statement is wrong): no connection to be had, a connection lost, or a
/// statement cancelled by `statement_timeout`.
fn unavailable(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx::Error as Sqlx};
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(e) | DbErr::Exec(e) | DbErr::Query(e) => e,
        _ => return false,
    };
    let RuntimeErr::SqlxError(e) = runtime else {
        return false;
    };
    match e.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Protocol(_) => true,
        // PostgreSQL: query_canceled (statement_timeout), admin_shutdown, crash_shutdown,
        // cannot_connect_now, serialization_failure (also how a hot standby cancels a
        // query that conflicts with the recovery it replays). SQLite: busy (another
        // process holds the lock past the busy timeout, in its extended forms), locked,
        // interrupted (a shutdown's cancel).
        Sqlx::Database(db) => matches!(
            db.code().as_deref(),
            Some(
                "57014"
                    | "57P01"
                    | "57P02"
                    | "57P03"
                    | "40001"
                    | "5"
                    | "261"
                    | "517"
                    | "773"
                    | "6"
                    | "262"
                    | "9"
            )
        ),
        _ => false,
    }
}

impl ErrorExtensions for Error {
    fn extend(&self) -> async_graphql::Error {
        match self {
            Error::Database(detail) => tracing::error!(error = %detail, "database error"),
            Error::Internal(detail) => tracing::error!(error = %detail, "internal error"),
            _ => {}
        }
        async_graphql::Error::new(self.to_string()).extend_with(|_, e| {
            e.set("code", self.code());
            match self {
                Error::InvalidField { field, .. } => e.set("field", field.as_str()),
                Error::VersionConflict { current, .. } => e.set("currentVersion", *current),
                _ => {}
            }
        })
    }
}

impl Error {
    /// The error as a GraphQL error without a path or a location (for failures before
    /// execution).
    pub fn into_server_error(self) -> async_graphql::ServerError {
        let mut error = self
            .extend()
            .into_server_error(async_graphql::Pos::default());
        error.locations.clear();
        error
    }
}

impl From<Error> for async_graphql::Error {
    fn from(err: Error) -> Self {
        err.extend()
    }
}

/// The result type of resolvers and repository functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Keeps echoed user input short in error messages.
pub fn truncate(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database};

    use super::Error;

    /// A statement SQLite refuses for its size is `QUERY_TOO_COMPLEX`, not `INTERNAL`.
    #[tokio::test]
    async fn a_statement_too_large_for_the_database_is_too_complex() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let fine = format!("SELECT 1 WHERE {}", ["1 = 1"; 10].join(" AND "));
        db.execute_unprepared(&fine).await.unwrap();
        let deep = format!("SELECT 1 WHERE {}", vec!["1 = 1"; 2000].join(" AND "));
        let err = Error::from(db.execute_unprepared(&deep).await.unwrap_err());
        assert_eq!(err.code(), "QUERY_TOO_COMPLEX", "{err}");
    }
}
