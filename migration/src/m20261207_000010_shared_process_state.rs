//! State that the processes of one deployment share: the processes that are running (so
//! that each takes its share of the rate limits) and the automatic persisted queries that
//! any of them registered.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{create_indexes, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000010_shared_process_state"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("server_process")
                    .if_not_exists()
                    .col(string_len("id", 128).primary_key())
                    .col(big_integer("seen_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("persisted_query")
                    .if_not_exists()
                    .col(string_len("hash", 64).primary_key())
                    .col(text("query"))
                    .col(big_integer("registered_at"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("server_process", &["seen_at"]),
                index("persisted_query", &["registered_at"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["persisted_query", "server_process"] {
            manager
                .drop_table(Table::drop().table(name).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
