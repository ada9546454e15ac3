//! Agora's schema migrations. The same statements run on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261129_000001_create_node_tables;
mod m20261129_000002_create_edge_tables;
mod m20261129_000003_create_translation_table;
mod m20261129_000004_create_sync_tables;
mod m20261129_000005_create_search_index;
mod m20261129_000006_unique_among_live_records;
mod m20261129_000007_text_sources;
mod m20261205_000008_idempotency_per_organisation;
mod m20261206_000009_sources;
mod m20261207_000010_shared_process_state;
mod m20261208_000011_search_entries;
mod m20261209_000012_search_entries_by_statement;
mod m20261210_000013_live_facet_indexes;
mod m20261211_000014_search_vector_bands;
mod m20261212_000015_search_vector_buckets;
mod m20261213_000016_lean_change_log;

/// Applies Agora's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_node_tables::Migration),
            Box::new(m20261129_000002_create_edge_tables::Migration),
            Box::new(m20261129_000003_create_translation_table::Migration),
            Box::new(m20261129_000004_create_sync_tables::Migration),
            Box::new(m20261129_000005_create_search_index::Migration),
            Box::new(m20261129_000006_unique_among_live_records::Migration),
            Box::new(m20261129_000007_text_sources::Migration),
            Box::new(m20261205_000008_idempotency_per_organisation::Migration),
            Box::new(m20261206_000009_sources::Migration),
            Box::new(m20261207_000010_shared_process_state::Migration),
            Box::new(m20261208_000011_search_entries::Migration),
            Box::new(m20261209_000012_search_entries_by_statement::Migration),
            Box::new(m20261210_000013_live_facet_indexes::Migration),
            Box::new(m20261211_000014_search_vector_bands::Migration),
            Box::new(m20261212_000015_search_vector_buckets::Migration),
            Box::new(m20261213_000016_lean_change_log::Migration),
        ]
    }
}
