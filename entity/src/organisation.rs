//! A partner organisation; organisations nest through parent_id (translatable: name, acronym, summary).

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub kind: OrganisationKind,
    pub parent_id: Option<i64>,
    pub country: Option<String>,
    pub founded_year: Option<i32>,
    pub member_state_count: Option<i32>,
    pub country_presence_count: Option<i32>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub original_lang: String,
    pub source_url: Option<String>,
    pub source_document: Option<String>,
    pub partner_id: Option<i64>,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
