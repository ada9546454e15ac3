//! API keys in the database: create, list, revoke, and find the key of a request.

use chrono::{Duration, Utc};
use entity::api_key;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};

use crate::{
    auth::{Principal, Scopes, hash_key, new_key},
    error::{Error, Result},
};

/// A key as listed (never with its secret).
#[derive(Clone, Debug)]
pub struct KeyInfo {
    /// The key's row.
    pub key: api_key::Model,
    /// The slug of its organisation.
    pub organisation: String,
}

/// Creates a key for the organisation `slug`; returns the key's id and its secret, which
/// is shown once and never stored.
pub async fn create(
    db: &DatabaseConnection,
    slug: &str,
    scopes: Scopes,
    label: Option<String>,
) -> Result<(i64, String)> {
    let org = crate::organisation::repo::by_slug(db, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no organisation has the slug `{slug}`")))?;
    let (secret, hash) = new_key()?;
    let key = api_key::ActiveModel {
        organisation_id: Set(org.id),
        hash: Set(hash),
        scopes: Set(scopes.to_text()),
        label: Set(label),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((key.id, secret))
}

/// Every key, newest first, with its organisation's slug.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<KeyInfo>> {
    let keys = api_key::Entity::find()
        .order_by_desc(api_key::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let organisation = entity::organisation::Entity::find_by_id(key.organisation_id)
            .one(db)
            .await?
            .map(|o| o.slug)
            .unwrap_or_default();
        out.push(KeyInfo { key, organisation });
    }
    Ok(out)
}

/// Whether the key `id` is still active (not revoked).
pub async fn is_active(db: &DatabaseConnection, id: i64) -> Result<bool> {
    Ok(api_key::Entity::find()
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

/// Revokes a key: requests stop being accepted at once, and open WebSocket connections
/// that presented it are closed within [`crate::sync::ws::RECHECK`].
pub async fn revoke(db: &DatabaseConnection, id: i64) -> Result<()> {
    let result = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(Error::NotFound(format!("no active key has the id {id}")));
    }
    Ok(())
}

/// How often a key's last-used time is written: at most once a minute, so that a busy
/// partner does not turn every read into a write.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// The caller of a request that presents `secret`; `UNAUTHENTICATED` when no active key
/// matches.
pub async fn authenticate(db: &DatabaseConnection, secret: &str) -> Result<Principal> {
    let key = api_key::Entity::find()
        .filter(api_key::Column::Hash.eq(hash_key(secret)))
        .filter(api_key::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| {
            Error::Unauthenticated("the API key is not valid (or was revoked)".into())
        })?;
    let now = Utc::now();
    if key.last_used_at.is_none_or(|at| now - at > TOUCH_EVERY) {
        // Best effort: a busy database (SQLite during a long write) must not refuse a read.
        let touched = api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(key.id))
            .exec(db)
            .await;
        if let Err(e) = touched {
            tracing::warn!(error = %e, key = key.id, "could not note when an API key was used");
        }
    }
    Ok(Principal::Partner {
        key_id: key.id,
        organisation_id: key.organisation_id,
        scopes: Scopes::parse(&key.scopes)?,
    })
}
