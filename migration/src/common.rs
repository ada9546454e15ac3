//! Pieces that several migrations share: the record columns of node tables, edge columns,
//! and index helpers.

use sea_orm_migration::{prelude::*, schema::*};

/// A new table with a 64-bit auto-incremented `id` primary key.
pub fn table(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .if_not_exists()
        .col(big_pk_auto("id"))
        .to_owned()
}

/// A foreign key from `table.column` to `target.id`.
pub fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

/// Adds the columns every node table carries: original language, provenance, version,
/// timestamps and the deletion mark.
pub fn record_columns(t: &mut TableCreateStatement, name: &'static str) {
    t.col(string_len("original_lang", 8))
        .col(text_null("source_url"))
        .col(text_null("source_document"))
        .col(big_integer_null("partner_id"))
        .col(string_len_null("external_id", 255))
        .col(big_integer("version").default(1))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .col(timestamp_with_time_zone_null("deleted_at"))
        .foreign_key(&mut fk(name, "partner_id", "organisation"));
}

/// Adds the columns every edge table carries: who supplied it and when (index the
/// supplier with [`edge_indexes`]).
pub fn edge_columns(t: &mut TableCreateStatement, name: &'static str) {
    t.col(big_integer_null("partner_id"))
        .col(timestamp_with_time_zone("created_at"))
        .foreign_key(&mut fk(name, "partner_id", "organisation"));
}

/// The index of the supplier column of an edge table.
pub fn edge_indexes(name: &'static str) -> Vec<IndexCreateStatement> {
    vec![index(name, &["partner_id"])]
}

/// `CREATE INDEX idx_<table>_<columns> ON table (columns...)`.
pub fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(format!("idx_{table}_{}", columns.join("_")))
        .table(table)
        .if_not_exists();
    for c in columns {
        idx.col(*c);
    }
    idx.to_owned()
}

/// `CREATE UNIQUE INDEX uq_<table>_<columns> ON table (columns...)`.
pub fn unique(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut idx = index(table, columns);
    idx.name(format!("uq_{table}_{}", columns.join("_")))
        .unique();
    idx
}

/// `DROP INDEX uq_<table>_<columns>`: the index [`unique`] made.
pub fn drop_unique(table: &'static str, columns: &[&'static str]) -> IndexDropStatement {
    Index::drop()
        .name(format!("uq_{table}_{}", columns.join("_")))
        .table(table)
        .to_owned()
}

/// The indexes of the record columns: provenance lookups and the timestamp sort keys.
pub fn record_indexes(name: &'static str) -> Vec<IndexCreateStatement> {
    vec![
        unique(name, &["partner_id", "external_id"]),
        index(name, &["external_id"]),
        index(name, &["original_lang", "id"]),
        index(name, &["created_at", "id"]),
        index(name, &["updated_at", "id"]),
    ]
}

/// Creates each index in turn.
pub async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    for idx in indexes {
        manager.create_index(idx).await?;
    }
    Ok(())
}

/// Runs `statements` in turn on PostgreSQL; on SQLite, nothing. They may take as long as
/// they need: the server's `statement_timeout`, meant for requests, is lifted for the rest
/// of the migration's transaction (rewriting the search index of a large graph takes
/// minutes).
pub async fn on_postgres<S: AsRef<str>>(
    manager: &SchemaManager<'_>,
    statements: impl IntoIterator<Item = S>,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm_migration::sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    db.execute_unprepared("SET LOCAL statement_timeout = 0")
        .await?;
    for sql in statements {
        db.execute_unprepared(sql.as_ref()).await?;
    }
    Ok(())
}
