//! PostgreSQL keeps the search entries of texts once per statement, not once per row: a
//! write of many texts (a batch of records) deletes and inserts their entries in one
//! statement each, from the statement's transition tables. SQLite's triggers stay per row
//! (SQLite has no other kind).

use sea_orm_migration::prelude::*;

use crate::{
    common::on_postgres,
    m20261208_000011_search_entries::{OWNERS, text_entry_id, text_exact, tsv},
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261209_000012_search_entries_by_statement"
    }
}

/// The entries of the texts in the transition table `new_rows`, with the search vector
/// `tsv` makes of a text's row (`t`) and its entry's id.
pub(crate) fn insert_entries(tsv: fn(&str, &str) -> String) -> String {
    let id = text_entry_id("t", "least");
    format!(
        "INSERT INTO search_entry (id, owner_type, owner_id, lang, text_id, exact, tsv) \
         SELECT {}, t.owner_type, t.owner_id, t.lang, t.id, {}, {} FROM new_rows t \
         WHERE t.owner_type IN {OWNERS};",
        id,
        text_exact("t"),
        tsv("t", &id)
    )
}

/// Removes the entries of the texts in the transition table `old_rows`.
pub(crate) const DELETE_ENTRIES: &str =
    "DELETE FROM search_entry WHERE text_id IN (SELECT id FROM old_rows);";

pub(crate) fn function(name: &str, body: &str) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN {body} RETURN NULL; END $$"
    )
}

fn postgres_up() -> Vec<String> {
    vec![
        function(
            "agora_search_texts_inserted",
            &insert_entries(|t, _| tsv(t)),
        ),
        function(
            "agora_search_texts_updated",
            &format!("{DELETE_ENTRIES} {}", insert_entries(|t, _| tsv(t))),
        ),
        function("agora_search_texts_deleted", DELETE_ENTRIES),
        "DROP TRIGGER IF EXISTS translation_search ON translation".into(),
        "CREATE TRIGGER translation_search_inserted AFTER INSERT ON translation \
         REFERENCING NEW TABLE AS new_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION agora_search_texts_inserted()"
            .into(),
        "CREATE TRIGGER translation_search_updated AFTER UPDATE ON translation \
         REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION agora_search_texts_updated()"
            .into(),
        "CREATE TRIGGER translation_search_deleted AFTER DELETE ON translation \
         REFERENCING OLD TABLE AS old_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION agora_search_texts_deleted()"
            .into(),
    ]
}

/// Back to migration 11's trigger, once per row (its function is still there).
const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS translation_search_inserted ON translation",
    "DROP TRIGGER IF EXISTS translation_search_updated ON translation",
    "DROP TRIGGER IF EXISTS translation_search_deleted ON translation",
    "DROP FUNCTION IF EXISTS agora_search_texts_inserted()",
    "DROP FUNCTION IF EXISTS agora_search_texts_updated()",
    "DROP FUNCTION IF EXISTS agora_search_texts_deleted()",
    "CREATE TRIGGER translation_search AFTER INSERT OR UPDATE OR DELETE ON translation \
     FOR EACH ROW EXECUTE FUNCTION agora_search_text()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, postgres_up()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, POSTGRES_DOWN).await
    }
}
