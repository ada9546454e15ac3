//! Sources as records of their own: the `source` table (a press release, a UN document, a
//! resolution, a web page), the `citation` edges from a record of any type to the sources
//! that state it, and people's given and family names (for citations).

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, drop_unique, edge_columns, edge_indexes, fk, index, record_columns,
    record_indexes, table, unique,
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000009_sources"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("source");
        t.col(string_len("kind", 16))
            .col(string_len_null("symbol", 64))
            .col(big_integer_null("publisher_id"))
            .col(date_null("published_on"))
            .col(integer_null("year"))
            .col(integer_null("month"))
            .col(text_null("url"))
            .col(string_len_null("languages", 64))
            .col(date_null("consulted_on"))
            .foreign_key(&mut fk("source", "publisher_id", "organisation"));
        record_columns(&mut t, "source");
        manager.create_table(t).await?;
        let mut idx = vec![
            index("source", &["kind", "id"]),
            index("source", &["publisher_id"]),
            index("source", &["published_on", "id"]),
            index("source", &["year", "id"]),
            index("source", &["url"]),
        ];
        idx.extend(record_indexes("source"));
        create_indexes(manager, idx).await?;
        // Unique among live records, as the other tables' (migration 6).
        manager
            .drop_index(drop_unique("source", &["partner_id", "external_id"]))
            .await?;
        for columns in [&["symbol"][..], &["partner_id", "external_id"]] {
            let mut idx = unique("source", columns);
            idx.and_where(Expr::col(Alias::new("deleted_at")).is_null());
            manager.create_index(idx).await?;
        }

        let mut t = table("citation");
        t.col(big_integer("source_id"))
            .col(string_len("node_type", 16))
            .col(big_integer("node_id"))
            .foreign_key(&mut fk("citation", "source_id", "source"));
        edge_columns(&mut t, "citation");
        manager.create_table(t).await?;
        create_indexes(
            manager,
            [
                vec![
                    unique("citation", &["node_type", "node_id", "source_id"]),
                    index("citation", &["source_id", "node_type", "node_id"]),
                ],
                edge_indexes("citation"),
            ]
            .concat(),
        )
        .await?;

        for column in ["given_name", "family_name"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("person")
                        .add_column(ColumnDef::new(column).string_len(255).null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["given_name", "family_name"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("person")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for name in ["citation", "source"] {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
