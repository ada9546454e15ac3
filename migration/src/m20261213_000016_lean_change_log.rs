//! The feed's `change` table, written for every record a partner writes, loses what only
//! slowed those writes:
//! - the foreign keys of `actor_id` and `api_key_id`: PostgreSQL checked both for each
//!   change, a lookup and a row lock per row (inserting the 500 changes of a sync batch
//!   took 8-12 ms with the checks, 3 ms without). The server writes them from the
//!   request's own key and organisation, just read; neither table ever loses a row (keys
//!   are revoked, organisations marked deleted), so the checks could never fail;
//! - the indexes of those two columns, which no query reads (the feed reads by sequence,
//!   type and record).
//!
//! On SQLite the foreign keys stay: dropping one there means copying the table, and its
//! check is a lookup in the same process.

use sea_orm_migration::prelude::*;

use crate::common::{fk, index, on_postgres};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261213_000016_lean_change_log"
    }
}

/// The columns that lose their foreign key and index, with the table they point at.
const WHO: &[(&str, &str)] = &[("actor_id", "organisation"), ("api_key_id", "api_key")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let constraints: Vec<String> = WHO
            .iter()
            .map(|(column, _)| {
                format!("ALTER TABLE \"change\" DROP CONSTRAINT IF EXISTS \"fk_change_{column}\"")
            })
            .collect();
        on_postgres(manager, constraints).await?;
        for (column, _) in WHO {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("idx_change_{column}"))
                        .table("change")
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (column, _) in WHO {
            manager.create_index(index("change", &[column])).await?;
        }
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            for (column, target) in WHO {
                manager
                    .create_foreign_key(fk("change", column, target))
                    .await?;
            }
        }
        Ok(())
    }
}
