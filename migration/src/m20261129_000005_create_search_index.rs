//! Full-text search over every translatable text.
//!
//! Each translation gets a `stems` column (its words stemmed in the text's language and
//! folded, by the server, so that both databases find the same records). SQLite indexes
//! `folded`, `stems` and `lang` in an FTS5 table kept current by triggers. PostgreSQL keeps
//! a `tsvector` of the stems (weight A) and the folded words (weight D), set by a trigger,
//! under a GIN index. Texts written before this migration get their stems (and so their
//! vector) when the server starts (`repo::search::backfill`).

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000005_create_search_index"
    }
}

pub(crate) const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE translation_fts USING fts5(folded, stems, lang, content='translation', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER translation_fts_insert AFTER INSERT ON translation BEGIN
       INSERT INTO translation_fts(rowid, folded, stems, lang) VALUES (new.id, new.folded, new.stems, new.lang);
     END",
    "CREATE TRIGGER translation_fts_delete AFTER DELETE ON translation BEGIN
       INSERT INTO translation_fts(translation_fts, rowid, folded, stems, lang) VALUES ('delete', old.id, old.folded, old.stems, old.lang);
     END",
    "CREATE TRIGGER translation_fts_update AFTER UPDATE ON translation BEGIN
       INSERT INTO translation_fts(translation_fts, rowid, folded, stems, lang) VALUES ('delete', old.id, old.folded, old.stems, old.lang);
       INSERT INTO translation_fts(rowid, folded, stems, lang) VALUES (new.id, new.folded, new.stems, new.lang);
     END",
    "INSERT INTO translation_fts(translation_fts) VALUES ('rebuild')",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS translation_fts_update",
    "DROP TRIGGER IF EXISTS translation_fts_delete",
    "DROP TRIGGER IF EXISTS translation_fts_insert",
    "DROP TABLE IF EXISTS translation_fts",
];

pub(crate) const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE translation ADD COLUMN tsv tsvector",
    "CREATE OR REPLACE FUNCTION agora_translation_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       NEW.tsv := setweight(to_tsvector('simple', coalesce(NEW.stems, '')), 'A')
               || setweight(to_tsvector('simple', NEW.folded), 'D');
       RETURN NEW;
     END
     $$",
    "CREATE TRIGGER translation_tsv BEFORE INSERT OR UPDATE ON translation FOR EACH ROW EXECUTE FUNCTION agora_translation_tsv()",
    "CREATE INDEX idx_translation_tsv ON translation USING gin (tsv)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS translation_tsv ON translation",
    "DROP FUNCTION IF EXISTS agora_translation_tsv()",
    "ALTER TABLE translation DROP COLUMN IF EXISTS tsv",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("translation")
                    .add_column(ColumnDef::new("stems").text().null())
                    .to_owned(),
            )
            .await?;
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_UP,
            _ => SQLITE_UP,
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_DOWN,
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("translation")
                    .drop_column("stems")
                    .to_owned(),
            )
            .await
    }
}
