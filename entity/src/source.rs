//! A source of the knowledge: a press release, a UN document, a resolution or a web page,
//! which records cite (translatable: title).

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "source")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: SourceKind,
    pub symbol: Option<String>,
    pub publisher_id: Option<i64>,
    pub published_on: Option<Date>,
    pub year: Option<i32>,
    pub month: Option<i32>,
    pub url: Option<String>,
    pub languages: Option<String>,
    pub consulted_on: Option<Date>,
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
