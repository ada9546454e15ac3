//! Idempotent retries: the stored outcome of each write sent with an `Idempotency-Key`.

use chrono::{DateTime, Duration, Utc};
use entity::idempotency_key as row;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set, sea_query::Expr,
};

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicI64, Ordering},
};

use crate::error::Result;

/// How long a key is remembered: a retry with the same key within this time gets the
/// stored response; after it, the key may be used afresh.
pub const KEEP: Duration = Duration::hours(24);

/// How long a first request may run before a retry may take its key over (when the
/// process that ran it died without an answer).
pub const ABANDONED_AFTER: Duration = Duration::minutes(5);

/// What to do with a request that carries an idempotency key.
#[derive(Debug, PartialEq, Eq)]
pub enum Begin {
    /// Run it; then `finish` the row with this id.
    Run(i64),
    /// A request with the same key and body was answered: send this again.
    Replay { status: u16, body: String },
    /// The key was used with another body.
    Mismatch,
    /// A request with the same key is still running.
    Running,
    /// A request with the same key committed its writes, but its process ended before it
    /// could store the response.
    Lost,
}

/// The claim of an idempotency key on a request's writes: the key is marked committed in
/// the same transaction as the writes, so that a committed request is never run twice.
#[derive(Debug)]
pub struct Claim {
    id: i64,
    committed: AtomicBool,
}

impl Claim {
    /// The claim of the key row `id`.
    pub fn new(id: i64) -> Arc<Claim> {
        Arc::new(Claim {
            id,
            committed: AtomicBool::new(false),
        })
    }

    /// Whether a write of the request committed.
    pub fn committed(&self) -> bool {
        self.committed.load(Ordering::SeqCst)
    }

    /// Marks the key committed, inside the transaction that writes.
    pub async fn mark(&self, txn: &DatabaseTransaction) -> Result<()> {
        row::Entity::update_many()
            .col_expr(row::Column::State, Expr::value("committed"))
            .filter(row::Column::Id.eq(self.id))
            .filter(row::Column::State.eq("running"))
            .exec(txn)
            .await?;
        Ok(())
    }

    /// Notes that the transaction that marked the key committed.
    pub fn note_committed(&self) {
        self.committed.store(true, Ordering::SeqCst);
    }
}

/// How often expired keys are removed (by the next request that carries a key).
const SWEEP_EVERY: i64 = 60;

/// When expired keys were last removed, in seconds since the epoch.
static SWEPT_AT: AtomicI64 = AtomicI64::new(0);

/// Claims `key` for a request of `api_key` whose body hashes to `hash`.
pub async fn begin(db: &DatabaseConnection, api_key: i64, key: &str, hash: &str) -> Result<Begin> {
    let now = Utc::now();
    let swept = SWEPT_AT.load(Ordering::Relaxed);
    if now.timestamp() - swept >= SWEEP_EVERY
        && SWEPT_AT
            .compare_exchange(swept, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        row::Entity::delete_many()
            .filter(row::Column::ExpiresAt.lt(now))
            .exec(db)
            .await?;
    }
    let fresh = row::ActiveModel {
        api_key_id: Set(api_key),
        key: Set(key.to_string()),
        request_hash: Set(hash.to_string()),
        state: Set("running".into()),
        created_at: Set(now),
        expires_at: Set(now + KEEP),
        ..Default::default()
    };
    match fresh.insert(db).await {
        Ok(r) => return Ok(Begin::Run(r.id)),
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) => {}
        Err(e) => return Err(e.into()),
    }
    let Some(existing) = row::Entity::find()
        .filter(row::Column::ApiKeyId.eq(api_key))
        .filter(row::Column::Key.eq(key))
        .one(db)
        .await?
    else {
        // Expired and removed between the two statements: claim it again.
        return Box::pin(begin(db, api_key, key, hash)).await;
    };
    if existing.expires_at < now {
        // Expired but not swept yet: forget it and claim the key afresh.
        row::Entity::delete_many()
            .filter(row::Column::Id.eq(existing.id))
            .filter(row::Column::ExpiresAt.lt(now))
            .exec(db)
            .await?;
        return Box::pin(begin(db, api_key, key, hash)).await;
    }
    if existing.request_hash != hash {
        return Ok(Begin::Mismatch);
    }
    match (existing.state.as_str(), existing.status, existing.response) {
        ("done", Some(status), Some(body)) => Ok(Begin::Replay {
            status: status as u16,
            body,
        }),
        ("committed", _, _) if now - existing.created_at > ABANDONED_AFTER => Ok(Begin::Lost),
        ("running", _, _) if now - existing.created_at > ABANDONED_AFTER => {
            take_over(db, existing.id, existing.created_at, now).await
        }
        _ => Ok(Begin::Running),
    }
}

/// Takes over a key whose first request was abandoned (only if nobody else just did).
async fn take_over(
    db: &DatabaseConnection,
    id: i64,
    seen: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Begin> {
    let taken = row::Entity::update_many()
        .col_expr(row::Column::CreatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::CreatedAt.eq(seen))
        .exec(db)
        .await?;
    Ok(if taken.rows_affected == 1 {
        Begin::Run(id)
    } else {
        Begin::Running
    })
}

/// Stores the response of a request run under a key.
pub async fn finish(db: &DatabaseConnection, id: i64, status: u16, body: &str) -> Result<()> {
    row::Entity::update_many()
        .col_expr(row::Column::State, Expr::value("done"))
        .col_expr(row::Column::Status, Expr::value(status as i32))
        .col_expr(row::Column::Response, Expr::value(body))
        .filter(row::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets a key whose request failed for a passing reason (the database was away, say),
/// so that a retry runs again.
pub async fn release(db: &DatabaseConnection, id: i64) -> Result<()> {
    row::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}
