//! The seven node tables: organisation, person, theme, dialogue, workshop, report, tool.

use crate::common::*;
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000001_create_node_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("organisation");
        t.col(string_len("slug", 128))
            .col(string_len("kind", 32))
            .col(big_integer_null("parent_id"))
            .col(string_len_null("country", 2))
            .col(integer_null("founded_year"))
            .col(integer_null("member_state_count"))
            .col(integer_null("country_presence_count"))
            .col(text_null("website"))
            .col(text_null("email"))
            .col(text_null("phone"))
            .foreign_key(&mut fk("organisation", "parent_id", "organisation"));
        record_columns(&mut t, "organisation");
        manager.create_table(t).await?;
        let mut idx = vec![
            unique("organisation", &["slug"]),
            index("organisation", &["kind", "id"]),
            index("organisation", &["parent_id"]),
            index("organisation", &["country", "id"]),
            index("organisation", &["founded_year", "id"]),
            index("organisation", &["member_state_count", "id"]),
        ];
        idx.extend(record_indexes("organisation"));
        create_indexes(manager, idx).await?;

        let mut t = table("person");
        t.col(string_len("name", 255))
            .col(text_null("email"))
            .col(text_null("phone"));
        record_columns(&mut t, "person");
        manager.create_table(t).await?;
        let mut idx = vec![index("person", &["name", "id"])];
        idx.extend(record_indexes("person"));
        create_indexes(manager, idx).await?;

        let mut t = table("theme");
        t.col(string_len("code", 64))
            .col(string_len("scheme", 16))
            .col(big_integer_null("broader_id"))
            .foreign_key(&mut fk("theme", "broader_id", "theme"));
        record_columns(&mut t, "theme");
        manager.create_table(t).await?;
        let mut idx = vec![
            unique("theme", &["code"]),
            index("theme", &["scheme", "id"]),
            index("theme", &["broader_id"]),
        ];
        idx.extend(record_indexes("theme"));
        create_indexes(manager, idx).await?;

        let mut t = table("dialogue");
        t.col(string_len("slug", 128))
            .col(big_integer_null("series_id"))
            .col(date_null("start_date"))
            .col(date_null("end_date"))
            .col(integer_null("year"))
            .col(integer_null("month"))
            .col(string_len_null("city", 255))
            .col(string_len_null("country", 2))
            .col(text_null("website"))
            .col(text_null("webcast_url"))
            .foreign_key(&mut fk("dialogue", "series_id", "dialogue"));
        record_columns(&mut t, "dialogue");
        manager.create_table(t).await?;
        let mut idx = vec![
            unique("dialogue", &["slug"]),
            index("dialogue", &["series_id"]),
            index("dialogue", &["start_date", "id"]),
            index("dialogue", &["end_date", "id"]),
            index("dialogue", &["year", "id"]),
            index("dialogue", &["month", "id"]),
            index("dialogue", &["country", "id"]),
            index("dialogue", &["city", "id"]),
        ];
        idx.extend(record_indexes("dialogue"));
        create_indexes(manager, idx).await?;

        let mut t = table("workshop");
        t.col(big_integer("dialogue_id"))
            .col(integer_null("position"))
            .col(date_null("start_date"))
            .col(date_null("end_date"))
            .col(integer_null("year"))
            .col(string_len_null("city", 255))
            .col(string_len_null("country", 2))
            .foreign_key(&mut fk("workshop", "dialogue_id", "dialogue"));
        record_columns(&mut t, "workshop");
        manager.create_table(t).await?;
        let mut idx = vec![
            index("workshop", &["dialogue_id", "position"]),
            index("workshop", &["start_date", "id"]),
            index("workshop", &["end_date", "id"]),
            index("workshop", &["city", "id"]),
            index("workshop", &["year", "id"]),
            index("workshop", &["country", "id"]),
        ];
        idx.extend(record_indexes("workshop"));
        create_indexes(manager, idx).await?;

        let mut t = table("report");
        t.col(string_len_null("symbol", 64))
            .col(string_len("kind", 24))
            .col(date_null("published_on"))
            .col(integer_null("year"))
            .col(integer_null("month"))
            .col(text_null("url"));
        record_columns(&mut t, "report");
        manager.create_table(t).await?;
        let mut idx = vec![
            unique("report", &["symbol"]),
            index("report", &["kind", "id"]),
            index("report", &["published_on", "id"]),
            index("report", &["year", "id"]),
            index("report", &["month", "id"]),
        ];
        idx.extend(record_indexes("report"));
        create_indexes(manager, idx).await?;

        let mut t = table("tool");
        t.col(string_len("kind", 16))
            .col(integer_null("year"))
            .col(text_null("url"));
        record_columns(&mut t, "tool");
        manager.create_table(t).await?;
        let mut idx = vec![
            index("tool", &["kind", "id"]),
            index("tool", &["year", "id"]),
        ];
        idx.extend(record_indexes("tool"));
        create_indexes(manager, idx).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "tool",
            "report",
            "workshop",
            "dialogue",
            "theme",
            "person",
            "organisation",
        ] {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
