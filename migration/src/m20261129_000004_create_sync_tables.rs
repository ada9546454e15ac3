//! Partner sync: API keys, the change feed (which is also the audit log), and the
//! responses kept for idempotent retries.

use crate::common::*;
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000004_create_sync_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("api_key");
        t.col(big_integer("organisation_id"))
            .col(string_len("hash", 64))
            .col(string_len("scopes", 64))
            .col(string_len_null("label", 255))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone_null("last_used_at"))
            .col(timestamp_with_time_zone_null("revoked_at"))
            .foreign_key(&mut fk("api_key", "organisation_id", "organisation"));
        manager.create_table(t).await?;
        create_indexes(
            manager,
            vec![
                unique("api_key", &["hash"]),
                index("api_key", &["organisation_id"]),
            ],
        )
        .await?;

        // One row per change, numbered in commit order: the feed partners read, the history
        // of each record, and the audit trail (who, when, before and after).
        let mut t = Table::create()
            .table("change")
            .if_not_exists()
            .col(big_pk_auto("seq"))
            .to_owned();
        t.col(timestamp_with_time_zone("occurred_at"))
            .col(string_len("op", 16))
            .col(string_len("node_type", 16))
            .col(big_integer("node_id"))
            .col(string_len_null("external_id", 255))
            .col(big_integer_null("partner_id"))
            .col(big_integer("version"))
            .col(string_len_null("edge_kind", 32))
            .col(string_len_null("target_type", 16))
            .col(big_integer_null("target_id"))
            .col(string_len_null("role", 32))
            .col(big_integer_null("api_key_id"))
            .col(big_integer_null("actor_id"))
            .col(text_null("before"))
            .col(text_null("after"))
            .foreign_key(&mut fk("change", "api_key_id", "api_key"))
            .foreign_key(&mut fk("change", "actor_id", "organisation"));
        manager.create_table(t).await?;
        create_indexes(
            manager,
            vec![
                index("change", &["node_type", "node_id", "seq"]),
                index("change", &["node_type", "seq"]),
                index("change", &["target_type", "seq"]),
                index("change", &["api_key_id"]),
                index("change", &["actor_id"]),
            ],
        )
        .await?;

        let mut t = table("idempotency_key");
        t.col(big_integer("api_key_id"))
            .col(string_len("key", 255))
            .col(string_len("request_hash", 64))
            .col(string_len("state", 16))
            .col(integer_null("status"))
            .col(text_null("response"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("expires_at"))
            .foreign_key(&mut fk("idempotency_key", "api_key_id", "api_key"));
        manager.create_table(t).await?;
        create_indexes(
            manager,
            vec![
                unique("idempotency_key", &["api_key_id", "key"]),
                index("idempotency_key", &["expires_at"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idempotency_key", "change", "api_key"] {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
