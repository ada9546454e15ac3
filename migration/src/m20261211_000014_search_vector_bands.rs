//! PostgreSQL's search vectors without weights, and with the band of their entry.
//!
//! Until now an entry's `tsvector` held its stems with weight A and its folded words with
//! weight D, and a query asked for `'migrat':A`. A weight in a query makes PostgreSQL
//! check each match's vector again in the table (the index does not hold weights): 53 ms
//! for the 34,526 entries of "migration" at scale 10, against 35 ms without. Now:
//! - stems are plain lexemes (with their positions, for phrases);
//! - each folded word is the lexeme `0` + word (no position: only prefixes read them),
//!   which no stem of a word of letters equals (a stem begins with `0` only when its
//!   word does);
//! - the vector also holds the lexeme `~<band>` of its entry's band: the entry's weight
//!   (`id >> 40`) in steps of 32 (`id >> 45`). A search reads the best entries band by
//!   band (`'migrat' & '~97'`), so that PostgreSQL visits in the table only the matches
//!   of the bands a page needs, not every match of a common word.
//!
//! `agora_search_tsv(stems, folded, id)` makes the vector; the triggers of texts and the
//! server (for names, places and identifiers) call it. The vectors already written are
//! rewritten from themselves. SQLite's index (FTS5, read in rowid order) is unchanged.

use sea_orm_migration::prelude::*;

use crate::{
    common::on_postgres,
    m20261208_000011_search_entries::tsv as weighted_tsv,
    m20261209_000012_search_entries_by_statement::{DELETE_ENTRIES, function, insert_entries},
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261211_000014_search_vector_bands"
    }
}

/// The search vector of a text's row `t` whose entry's id is `id`.
fn banded_tsv(t: &str, id: &str) -> String {
    format!("agora_search_tsv({t}.stems, {t}.folded, {id})")
}

/// The text triggers' functions, writing vectors with `tsv`.
fn trigger_functions(tsv: fn(&str, &str) -> String) -> [String; 2] {
    [
        function("agora_search_texts_inserted", &insert_entries(tsv)),
        function(
            "agora_search_texts_updated",
            &format!("{DELETE_ENTRIES} {}", insert_entries(tsv)),
        ),
    ]
}

/// Rewrites every vector that holds words (names that are only matched whole have an
/// empty one) with `expression`, the GIN index dropped meanwhile: built again once, it
/// costs a fraction of a million updates of it.
pub fn rewrite(expression: &str) -> [String; 3] {
    [
        "DROP INDEX IF EXISTS idx_search_entry_tsv".into(),
        format!("UPDATE search_entry SET tsv = {expression} WHERE tsv <> ''::tsvector"),
        "CREATE INDEX idx_search_entry_tsv ON search_entry USING gin (tsv)".into(),
    ]
}

/// The lexeme `~<band>` of the entry `id`.
pub const BAND: &str = "'~' || (id >> 45)";

/// `agora_search_tsv(stems, folded, id)`: the search vector of an entry, its stems and
/// folded words followed by the lexemes `marks` (SQL expressions of `id`).
pub fn tsv_function(marks: &[&str]) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION agora_search_tsv(stems text, folded text, id bigint) \
         RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ \
           SELECT to_tsvector('simple', coalesce(stems, '')) \
             || array_to_tsvector(ARRAY(SELECT '0' || lexeme \
                  FROM unnest(to_tsvector('simple', coalesce(folded, ''))))) \
             || array_to_tsvector(ARRAY[{}]) \
         $$",
        marks.join(", ")
    )
}

fn postgres_up() -> Vec<String> {
    let mut up = vec![tsv_function(&[BAND])];
    up.extend(trigger_functions(banded_tsv));
    // Stems had weight A, folded words weight D.
    up.extend(rewrite(&format!(
        "setweight(ts_filter(tsv, '{{a}}'), 'D') \
         || array_to_tsvector(ARRAY(SELECT '0' || lexeme FROM unnest(ts_filter(tsv, '{{d}}')))) \
         || array_to_tsvector(ARRAY[{BAND}])"
    )));
    up
}

fn postgres_down() -> Vec<String> {
    let mut down: Vec<String> = trigger_functions(|t, _| weighted_tsv(t)).into();
    // Stems are the lexemes with positions; folded words, those without that begin with 0
    // (given positions again, after the stems', as they had).
    down.extend(rewrite(
        "setweight(ts_delete(tsv, ARRAY(SELECT lexeme FROM unnest(tsv) \
              WHERE positions IS NULL)), 'A') \
         || setweight(to_tsvector('simple', array_to_string(ARRAY(SELECT substr(lexeme, 2) \
              FROM unnest(tsv) WHERE positions IS NULL AND lexeme LIKE '0%'), ' ')), 'D')",
    ));
    down.push("DROP FUNCTION IF EXISTS agora_search_tsv(text, text, bigint)".into());
    down
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, postgres_up()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, postgres_down()).await
    }
}
