//! The translation table: every translatable text of every record, one row per language.

use crate::common::*;
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000003_create_translation_table"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("translation");
        t.col(string_len("owner_type", 16))
            .col(big_integer("owner_id"))
            .col(string_len("field", 32))
            .col(string_len("lang", 8))
            .col(text("value"))
            .col(text("folded"));
        manager.create_table(t).await?;
        // The unique key also serves loading all texts of a set of owners.
        create_indexes(
            manager,
            vec![
                unique("translation", &["owner_type", "owner_id", "field", "lang"]),
                index("translation", &["owner_type", "field", "lang"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("translation").to_owned())
            .await
    }
}
