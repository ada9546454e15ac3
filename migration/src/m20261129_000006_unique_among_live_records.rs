//! Unique values are unique among live records: a deleted record (a tombstone) no longer
//! holds its slug, symbol, code or (partner, external id), so that a partner may create the
//! record again after deleting it.

use sea_orm_migration::prelude::*;

use crate::common::{drop_unique, unique};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000006_unique_among_live_records"
    }
}

/// The unique indexes of record tables: (table, columns).
const UNIQUE: &[(&str, &[&str])] = &[
    ("dialogue", &["slug"]),
    ("organisation", &["slug"]),
    ("report", &["symbol"]),
    ("theme", &["code"]),
    ("dialogue", &["partner_id", "external_id"]),
    ("workshop", &["partner_id", "external_id"]),
    ("report", &["partner_id", "external_id"]),
    ("tool", &["partner_id", "external_id"]),
    ("organisation", &["partner_id", "external_id"]),
    ("person", &["partner_id", "external_id"]),
    ("theme", &["partner_id", "external_id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in UNIQUE {
            manager.drop_index(drop_unique(table, columns)).await?;
            let mut idx = unique(table, columns);
            idx.and_where(Expr::col(Alias::new("deleted_at")).is_null());
            manager.create_index(idx).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in UNIQUE {
            manager.drop_index(drop_unique(table, columns)).await?;
            manager.create_index(unique(table, columns)).await?;
        }
        Ok(())
    }
}
