//! One text of one translatable field of one record, in one language.
//!
//! `folded` is the text lower-cased with diacritics removed, written by the server on every
//! write, so that case- and accent-insensitive matching works alike on SQLite and PostgreSQL;
//! `stems` is what full-text search indexes: triggers copy each text of a record, with its
//! stems, into the search index (`search_entry`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "translation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The owner's type: a node type (`dialogue`, ...) or `affiliation`.
    pub owner_type: String,
    pub owner_id: i64,
    pub field: String,
    /// An ISO 639-1 language code.
    pub lang: String,
    pub value: String,
    pub folded: String,
    /// The folded words stemmed in the text's language, for full-text search (written by
    /// the server; see `search::analysis`).
    pub stems: Option<String>,
    /// The web address the text was taken from, when one is recorded.
    pub source_url: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
