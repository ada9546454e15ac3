//! The outcome of a write sent with an `Idempotency-Key`, kept to answer its retries.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The API key that sent the first request.
    pub api_key_id: i64,
    /// The organisation of that key: keys are unique per organisation.
    pub organisation_id: Option<i64>,
    pub key: String,
    /// Hex SHA-256 of the request body.
    pub request_hash: String,
    /// `running`, `committed` (its writes are) or `done` (its response is stored).
    pub state: String,
    /// The HTTP status of the stored response.
    pub status: Option<i32>,
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
