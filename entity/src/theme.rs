//! A term of a controlled vocabulary or a free theme, with broader/narrower links (translatable: title, description).

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "theme")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub scheme: ThemeScheme,
    pub broader_id: Option<i64>,
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
