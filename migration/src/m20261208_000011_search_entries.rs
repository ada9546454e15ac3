//! A search index whose own order is relevance, so that a page of results reads only the
//! entries it shows.
//!
//! `search_entry` holds one entry per text of a record (kept by triggers on `translation`)
//! and one per name, place or identifier of a record that is not a text (a person's name,
//! a city, a country's names, a UN symbol, a slug, an external id: written by the server,
//! `search::keys`). An entry's id is its static weight followed by a unique number
//! (`weight << 40 | n`): the weight ranks the field (names and titles 3, places and venues
//! 2, other texts 1) and then shortness (a short title that holds the word is about it).
//! Reading the full-text index in descending id order therefore meets the best entries
//! first, and a page stops after its last result instead of ranking every match.
//!
//! SQLite indexes `folded` and `stems` in a contentless FTS5 table whose rowid is the
//! entry's id; PostgreSQL keeps a `tsvector` (stems weight A, folded words weight D) under a
//! GIN index beside the primary key. `exact` is the folded whole value of names, titles and
//! identifiers, for exact matches and symbol prefixes.
//!
//! This replaces the index of migration 5 (`translation_fts`, `translation.tsv`), whose
//! entries are copied over. The keys of existing records are written by the server at its
//! next start: the migration leaves a marker entry (id 0) that says they are due.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000011_search_entries"
    }
}

/// The node tables, whose texts are searched (texts of edges are not).
pub(crate) const OWNERS: &str =
    "('dialogue', 'workshop', 'report', 'tool', 'organisation', 'person', 'theme', 'source')";

/// The id of a text's entry, from the text's row (`t`): weight, then the text's id.
pub(crate) fn text_entry_id(t: &str, least: &str) -> String {
    format!(
        "(((CASE {t}.field WHEN 'title' THEN 3 WHEN 'name' THEN 3 WHEN 'acronym' THEN 3 \
         WHEN 'venue' THEN 2 ELSE 1 END) * 1024 + 1023 - {least}(length({t}.value), 1023)) \
         * 1099511627776 + {t}.id)"
    )
}

/// The exact form of a text's entry: the folded text of names and titles of at most 200
/// characters.
pub(crate) fn text_exact(t: &str) -> String {
    format!(
        "(CASE WHEN {t}.field IN ('title', 'name', 'acronym') AND length({t}.folded) <= 200 \
         THEN {t}.folded END)"
    )
}

fn sqlite_up() -> Vec<String> {
    let id = |t: &str| text_entry_id(t, "min");
    let insert = |t: &str| {
        format!(
            "INSERT INTO search_entry (id, owner_type, owner_id, lang, text_id, exact) \
             SELECT {id}, {t}.owner_type, {t}.owner_id, {t}.lang, {t}.id, {exact} \
             WHERE {t}.owner_type IN {OWNERS};
             INSERT INTO search_fts (rowid, folded, stems) \
             SELECT {id}, {t}.folded, coalesce({t}.stems, '') WHERE {t}.owner_type IN {OWNERS};",
            id = id(t),
            exact = text_exact(t),
        )
    };
    let delete = "DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_entry WHERE text_id = old.id);
         DELETE FROM search_entry WHERE text_id = old.id;";
    vec![
        "CREATE TABLE search_entry (
           id INTEGER PRIMARY KEY,
           owner_type TEXT NOT NULL,
           owner_id INTEGER NOT NULL,
           lang TEXT NOT NULL,
           text_id INTEGER,
           exact TEXT
         )"
        .into(),
        "CREATE INDEX idx_search_entry_owner ON search_entry (owner_type, owner_id)".into(),
        "CREATE INDEX idx_search_entry_text ON search_entry (text_id)".into(),
        "CREATE INDEX idx_search_entry_exact ON search_entry (exact, id)".into(),
        "CREATE VIRTUAL TABLE search_fts USING fts5(folded, stems, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')".into(),
        "CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'row')".into(),
        format!(
            "CREATE TRIGGER translation_search_insert AFTER INSERT ON translation BEGIN {} END",
            insert("new")
        ),
        format!("CREATE TRIGGER translation_search_delete AFTER DELETE ON translation BEGIN {delete} END"),
        format!(
            "CREATE TRIGGER translation_search_update AFTER UPDATE ON translation BEGIN {delete} {} END",
            insert("new")
        ),
        format!(
            "INSERT INTO search_entry (id, owner_type, owner_id, lang, text_id, exact) \
             SELECT {}, t.owner_type, t.owner_id, t.lang, t.id, {} FROM translation t \
             WHERE t.owner_type IN {OWNERS}",
            id("t"),
            text_exact("t")
        ),
        "INSERT INTO search_fts (rowid, folded, stems) \
         SELECT e.id, t.folded, coalesce(t.stems, '') FROM search_entry e \
         JOIN translation t ON t.id = e.text_id"
            .into(),
        "INSERT INTO search_entry (id, owner_type, owner_id, lang) VALUES (0, '', 0, '')".into(),
        "DROP TRIGGER IF EXISTS translation_fts_update".into(),
        "DROP TRIGGER IF EXISTS translation_fts_delete".into(),
        "DROP TRIGGER IF EXISTS translation_fts_insert".into(),
        "DROP TABLE IF EXISTS translation_fts".into(),
    ]
}

/// Drops the new index; `down` then restores migration 5's.
const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS translation_search_update",
    "DROP TRIGGER IF EXISTS translation_search_delete",
    "DROP TRIGGER IF EXISTS translation_search_insert",
    "DROP TABLE IF EXISTS search_vocab",
    "DROP TABLE IF EXISTS search_fts",
    "DROP TABLE IF EXISTS search_entry",
];

/// The search vector of a row with `stems` and `folded` (`r`).
pub(crate) fn tsv(r: &str) -> String {
    format!(
        "setweight(to_tsvector('simple', coalesce({r}.stems, '')), 'A') \
         || setweight(to_tsvector('simple', {r}.folded), 'D')"
    )
}

fn postgres_up() -> Vec<String> {
    let id = |t: &str| text_entry_id(t, "least");
    vec![
        "CREATE TABLE search_entry (
           id BIGINT PRIMARY KEY,
           owner_type TEXT NOT NULL,
           owner_id BIGINT NOT NULL,
           lang TEXT NOT NULL,
           text_id BIGINT,
           exact TEXT COLLATE \"C\",
           tsv tsvector NOT NULL
         )"
        .into(),
        "CREATE INDEX idx_search_entry_owner ON search_entry (owner_type, owner_id)".into(),
        "CREATE INDEX idx_search_entry_text ON search_entry (text_id)".into(),
        "CREATE INDEX idx_search_entry_exact ON search_entry (exact, id)".into(),
        "CREATE INDEX idx_search_entry_tsv ON search_entry USING gin (tsv)".into(),
        format!(
            "CREATE OR REPLACE FUNCTION agora_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF TG_OP <> 'INSERT' THEN
                 DELETE FROM search_entry WHERE text_id = OLD.id;
               END IF;
               IF TG_OP <> 'DELETE' AND NEW.owner_type IN {OWNERS} THEN
                 INSERT INTO search_entry (id, owner_type, owner_id, lang, text_id, exact, tsv)
                 VALUES ({}, NEW.owner_type, NEW.owner_id, NEW.lang, NEW.id, {}, {});
               END IF;
               RETURN NULL;
             END
             $$",
            id("NEW"),
            text_exact("NEW"),
            tsv("NEW")
        ),
        "CREATE TRIGGER translation_search AFTER INSERT OR UPDATE OR DELETE ON translation \
         FOR EACH ROW EXECUTE FUNCTION agora_search_text()"
            .into(),
        format!(
            "INSERT INTO search_entry (id, owner_type, owner_id, lang, text_id, exact, tsv) \
             SELECT {}, t.owner_type, t.owner_id, t.lang, t.id, {}, {} FROM translation t \
             WHERE t.owner_type IN {OWNERS}",
            id("t"),
            text_exact("t"),
            tsv("t")
        ),
        "INSERT INTO search_entry (id, owner_type, owner_id, lang, tsv) VALUES (0, '', 0, '', '')"
            .into(),
        "DROP TRIGGER IF EXISTS translation_tsv ON translation".into(),
        "DROP FUNCTION IF EXISTS agora_translation_tsv()".into(),
        "ALTER TABLE translation DROP COLUMN IF EXISTS tsv".into(),
    ]
}

/// Drops the new index; `down` then restores migration 5's.
const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS translation_search ON translation",
    "DROP FUNCTION IF EXISTS agora_search_text()",
    "DROP TABLE IF EXISTS search_entry",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => postgres_up(),
            _ => sqlite_up(),
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use crate::m20261129_000005_create_search_index as old;
        let statements: Vec<&str> = match manager.get_database_backend() {
            // The old vector is computed by its trigger, once the texts are written again.
            DbBackend::Postgres => [
                POSTGRES_DOWN,
                old::POSTGRES_UP,
                &["UPDATE translation SET stems = stems"],
            ]
            .concat(),
            _ => [SQLITE_DOWN, old::SQLITE_UP].concat(),
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
