//! Idempotency keys scoped per organisation rather than per API key: a retry through
//! another key of the same organisation is the same request.

use sea_orm_migration::prelude::*;

use crate::common::{drop_unique, unique};

/// The key's scope before and after.
const PER_KEY: &[&str] = &["api_key_id", "key"];
const PER_ORGANISATION: &[&str] = &["organisation_id", "key"];

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000008_idempotency_per_organisation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("idempotency_key")
                    .add_column(ColumnDef::new("organisation_id").big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE idempotency_key SET organisation_id = (SELECT organisation_id FROM \
                 api_key WHERE api_key.id = idempotency_key.api_key_id)",
            )
            .await?;
        manager
            .drop_index(drop_unique("idempotency_key", PER_KEY))
            .await?;
        manager
            .create_index(unique("idempotency_key", PER_ORGANISATION))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(drop_unique("idempotency_key", PER_ORGANISATION))
            .await?;
        manager
            .create_index(unique("idempotency_key", PER_KEY))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("idempotency_key")
                    .drop_column("organisation_id")
                    .to_owned(),
            )
            .await
    }
}
