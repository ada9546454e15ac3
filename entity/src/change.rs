//! One committed change: the change feed, the history of records and the audit trail.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change")]
pub struct Model {
    /// The position in the feed: strictly increasing in commit order.
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub occurred_at: DateTimeUtc,
    /// `create`, `update`, `delete`, `link` or `unlink`.
    pub op: String,
    /// The record changed (for edges, the edge's source).
    pub node_type: String,
    pub node_id: i64,
    pub external_id: Option<String>,
    /// The partner the record belongs to.
    pub partner_id: Option<i64>,
    /// The record's version after the change.
    pub version: i64,
    /// For edge changes: the kind of edge, its target and its role.
    pub edge_kind: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<i64>,
    pub role: Option<String>,
    /// Who made the change: the API key and its organisation (null for the server itself).
    pub api_key_id: Option<i64>,
    pub actor_id: Option<i64>,
    /// The record before and after, as JSON.
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
