//! One entry of the search index: a text of a record (kept by triggers on `translation`)
//! or a name, place or identifier of a record that is not a text (written by the server).
//!
//! The id is the entry's static weight followed by a unique number, so that the index's
//! own order is relevance (see the migration `m20261208_000011_search_entries`). The
//! full-text part lives beside it: an FTS5 table on SQLite, a `tsv` column (left out of
//! the entity) on PostgreSQL.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// The record's table.
    pub owner_type: String,
    pub owner_id: i64,
    /// The language of the entry, or `""` for one that any language may find (a name).
    pub lang: String,
    /// The text (`translation.id`) the entry indexes; none for a record's own keys.
    pub text_id: Option<i64>,
    /// The folded whole value of names, titles and identifiers, for exact matches.
    pub exact: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
