//! Edge: an organisation develops a tool, with a role.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tool_developer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tool_id: i64,
    pub organisation_id: i64,
    pub role: DeveloperRole,
    pub partner_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
