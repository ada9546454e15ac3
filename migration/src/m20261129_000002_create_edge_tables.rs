//! The edge tables: participation, people, report references, publication, authorship,
//! tool development and presentation, partnerships, affiliations and theme tags.

use crate::common::*;
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000002_create_edge_tables"
    }
}

/// An edge table from `source` to `target` (both `<name>_id` columns referencing their
/// tables), with an optional enum column, unique on (source, target, extra).
struct Edge {
    name: &'static str,
    source: (&'static str, &'static str),
    target: (&'static str, &'static str),
    extra: Option<(&'static str, u32)>,
}

const EDGES: &[Edge] = &[
    Edge {
        name: "dialogue_participant",
        source: ("dialogue_id", "dialogue"),
        target: ("organisation_id", "organisation"),
        extra: Some(("role", 16)),
    },
    Edge {
        name: "workshop_participant",
        source: ("workshop_id", "workshop"),
        target: ("organisation_id", "organisation"),
        extra: Some(("role", 16)),
    },
    Edge {
        name: "dialogue_person",
        source: ("dialogue_id", "dialogue"),
        target: ("person_id", "person"),
        extra: Some(("role", 16)),
    },
    Edge {
        name: "workshop_person",
        source: ("workshop_id", "workshop"),
        target: ("person_id", "person"),
        extra: Some(("role", 16)),
    },
    Edge {
        name: "dialogue_report",
        source: ("dialogue_id", "dialogue"),
        target: ("report_id", "report"),
        extra: Some(("role", 16)),
    },
    Edge {
        name: "workshop_report",
        source: ("workshop_id", "workshop"),
        target: ("report_id", "report"),
        extra: Some(("role", 16)),
    },
    Edge {
        name: "report_publisher",
        source: ("report_id", "report"),
        target: ("organisation_id", "organisation"),
        extra: None,
    },
    Edge {
        name: "report_author",
        source: ("report_id", "report"),
        target: ("person_id", "person"),
        extra: None,
    },
    Edge {
        name: "tool_developer",
        source: ("tool_id", "tool"),
        target: ("organisation_id", "organisation"),
        extra: Some(("role", 16)),
    },
    Edge {
        name: "workshop_tool",
        source: ("workshop_id", "workshop"),
        target: ("tool_id", "tool"),
        extra: None,
    },
    Edge {
        name: "partnership",
        source: ("organisation_id", "organisation"),
        target: ("peer_id", "organisation"),
        extra: Some(("level", 16)),
    },
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for e in EDGES {
            let mut t = table(e.name);
            t.col(big_integer(e.source.0))
                .col(big_integer(e.target.0))
                .foreign_key(&mut fk(e.name, e.source.0, e.source.1))
                .foreign_key(&mut fk(e.name, e.target.0, e.target.1));
            let mut key = vec![e.source.0, e.target.0];
            if let Some((col, len)) = e.extra {
                t.col(string_len(col, len));
                key.push(col);
            }
            edge_columns(&mut t, e.name);
            manager.create_table(t).await?;
            // The unique key serves lookups from the source; the second index, from the target.
            create_indexes(
                manager,
                vec![
                    unique(e.name, &key),
                    index(e.name, &[e.target.0, e.source.0]),
                ],
            )
            .await?;
        }

        let mut t = table("affiliation");
        t.col(big_integer("person_id"))
            .col(big_integer("organisation_id"))
            .col(date_null("start_date"))
            .col(date_null("end_date"))
            .foreign_key(&mut fk("affiliation", "person_id", "person"))
            .foreign_key(&mut fk("affiliation", "organisation_id", "organisation"));
        edge_columns(&mut t, "affiliation");
        manager.create_table(t).await?;
        create_indexes(
            manager,
            [
                vec![
                    index("affiliation", &["person_id", "organisation_id"]),
                    index("affiliation", &["organisation_id", "person_id"]),
                ],
                edge_indexes("affiliation"),
            ]
            .concat(),
        )
        .await?;

        let mut t = table("theme_tag");
        t.col(big_integer("theme_id"))
            .col(string_len("node_type", 16))
            .col(big_integer("node_id"))
            .foreign_key(&mut fk("theme_tag", "theme_id", "theme"));
        edge_columns(&mut t, "theme_tag");
        manager.create_table(t).await?;
        create_indexes(
            manager,
            [
                vec![
                    unique("theme_tag", &["node_type", "node_id", "theme_id"]),
                    index("theme_tag", &["theme_id", "node_type", "node_id"]),
                ],
                edge_indexes("theme_tag"),
            ]
            .concat(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut names: Vec<&str> = EDGES.iter().map(|e| e.name).collect();
        names.extend(["affiliation", "theme_tag"]);
        for name in names {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
