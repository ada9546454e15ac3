//! Idempotent retries: the stored outcome of each write sent with an `Idempotency-Key`.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entity::idempotency_key as row;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set, sea_query::Expr,
};

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicI64, Ordering},
};

use crate::error::{Error, Result};

/// How long a key is remembered: a retry with the same key within this time gets the
/// stored response; after it, the key may be used afresh.
pub const KEEP: Duration = Duration::hours(24);

/// What to do with a request that carries an idempotency key.
#[derive(Debug, PartialEq, Eq)]
pub enum Begin {
    /// Run it under the claim of the row with this id, taken at this time; then `finish`
    /// the row.
    Run(i64, DateTime<Utc>),
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
/// The claim holds the time it was taken: a retry that takes an abandoned key over takes
/// a new time, and the first request, if it was alive after all, can no longer mark the
/// key, so that its writes roll back.
#[derive(Debug)]
pub struct Claim {
    id: i64,
    taken: DateTime<Utc>,
    committed: AtomicBool,
}

impl Claim {
    /// The claim of the key row `id`, taken at `taken`.
    pub fn new(id: i64, taken: DateTime<Utc>) -> Arc<Claim> {
        Arc::new(Claim {
            id,
            taken,
            committed: AtomicBool::new(false),
        })
    }

    /// The key row's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Whether a write of the request committed.
    pub fn committed(&self) -> bool {
        self.committed.load(Ordering::SeqCst)
    }

    /// Marks the key committed, inside the transaction that writes.
    pub async fn mark(&self, txn: &DatabaseTransaction) -> Result<()> {
        let marked = row::Entity::update_many()
            .col_expr(row::Column::State, Expr::value("committed"))
            .filter(row::Column::Id.eq(self.id))
            .filter(row::Column::CreatedAt.eq(self.taken))
            .filter(row::Column::State.is_in(["running", "committed"]))
            .exec(txn)
            .await?;
        if marked.rows_affected == 0 {
            return Err(Error::Conflict(
                "a retry took this Idempotency-Key over: this request writes nothing".into(),
            ));
        }
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

/// Who claims a key: an organisation (keys are unique per organisation) through one of
/// its API keys, and how long a request may run (`request_timeout_ms`): a claim still
/// running after that was abandoned (its process died), as no request runs longer.
#[derive(Clone, Copy, Debug)]
pub struct Claimant {
    /// The organisation.
    pub organisation: i64,
    /// The API key.
    pub api_key: i64,
    /// The longest a request runs.
    pub abandoned_after: Duration,
}

/// Claims `key` for a request of `who` whose body hashes to `hash`.
pub async fn begin(db: &DatabaseConnection, who: Claimant, key: &str, hash: &str) -> Result<Begin> {
    // To the microsecond, as PostgreSQL keeps it: the claim compares it with the stored one.
    let now = Utc::now().trunc_subsecs(6);
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
        api_key_id: Set(who.api_key),
        organisation_id: Set(Some(who.organisation)),
        key: Set(key.to_string()),
        request_hash: Set(hash.to_string()),
        state: Set("running".into()),
        created_at: Set(now),
        expires_at: Set(now + KEEP),
        ..Default::default()
    };
    match fresh.insert(db).await {
        Ok(r) => return Ok(Begin::Run(r.id, r.created_at)),
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) => {}
        Err(e) => return Err(e.into()),
    }
    let Some(existing) = row::Entity::find()
        .filter(row::Column::OrganisationId.eq(who.organisation))
        .filter(row::Column::Key.eq(key))
        .one(db)
        .await?
    else {
        // Expired and removed between the two statements: claim it again.
        return Box::pin(begin(db, who, key, hash)).await;
    };
    if existing.expires_at < now {
        // Expired but not swept yet: forget it and claim the key afresh.
        row::Entity::delete_many()
            .filter(row::Column::Id.eq(existing.id))
            .filter(row::Column::ExpiresAt.lt(now))
            .exec(db)
            .await?;
        return Box::pin(begin(db, who, key, hash)).await;
    }
    if existing.request_hash != hash {
        return Ok(Begin::Mismatch);
    }
    match (existing.state.as_str(), existing.status, existing.response) {
        ("done", Some(status), Some(body)) => Ok(Begin::Replay {
            status: status as u16,
            body,
        }),
        ("committed", _, _) if now - existing.created_at > who.abandoned_after => Ok(Begin::Lost),
        ("running", _, _) if now - existing.created_at > who.abandoned_after => {
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
        Begin::Run(id, now)
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
