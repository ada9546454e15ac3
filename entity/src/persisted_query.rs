//! An automatic persisted query that a client registered through any process.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persisted_query")]
pub struct Model {
    /// The SHA-256 of the query, in lower-case hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    pub query: String,
    /// When it was registered, in milliseconds since 1970.
    pub registered_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
