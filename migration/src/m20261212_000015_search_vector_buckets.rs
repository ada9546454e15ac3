//! PostgreSQL's search vectors also hold the bucket of their entry within its band.
//!
//! Migration 14 gave each vector the lexeme `~<band>` of its entry, so that a search reads
//! a common word's matches band by band. A band can still hold most of them: at scale 100,
//! 85,887 of the 343,299 entries of "migration" share the top band (generated titles of a
//! few lengths), and reading them all to keep the best twenty took 489 ms. Now each vector
//! also holds `~<band>.<bucket>`, where the bucket is the entry id's last six bits: a
//! sixty-fourth of its band, spread evenly over the band's entries. PostgreSQL ranks the
//! entries of a band by bucket, then by id (`search::repo::rank`), and a search reads the
//! top bucket first (`'migrat' & '~127.63'`): 1,300 matches rather than 85,887.
//!
//! `agora_search_tsv` adds the lexeme to the vectors it makes from now on (the triggers
//! of texts and the server call it); the vectors already written are rewritten. SQLite's
//! index is unchanged.

use sea_orm_migration::prelude::*;

use crate::{
    common::on_postgres,
    m20261211_000014_search_vector_bands::{BAND, rewrite, tsv_function},
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261212_000015_search_vector_buckets"
    }
}

/// The lexeme `~<band>.<bucket>` of the entry `id`.
const BUCKET: &str = "'~' || (id >> 45) || '.' || (id & 63)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut up = vec![tsv_function(&[BAND, BUCKET])];
        up.extend(rewrite(&format!(
            "tsv || array_to_tsvector(ARRAY[{BUCKET}])"
        )));
        on_postgres(manager, up).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut down = vec![tsv_function(&[BAND])];
        down.extend(rewrite(&format!("ts_delete(tsv, ARRAY[{BUCKET}])")));
        on_postgres(manager, down).await
    }
}
