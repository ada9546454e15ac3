//! Edge: a person speaks at (or is the contact for) a dialogue.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dialogue_person")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dialogue_id: i64,
    pub person_id: i64,
    pub role: PersonRole,
    pub partner_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
