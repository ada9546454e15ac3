//! Edge: a dialogue references a report, with a role.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dialogue_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dialogue_id: i64,
    pub report_id: i64,
    pub role: ReportRole,
    pub partner_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
