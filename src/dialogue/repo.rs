//! Every query about dialogues.

use entity::dialogue;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    error::Result,
    repo::page::{EdgeTable, Link, Via},
};

/// The editions of a dialogue series.
pub static EDITIONS: Link = Link {
    name: "dialogue.editions",
    via: Via::Column("series_id"),
};

/// The dialogues an organisation takes part in.
pub static OF_ORGANISATION: Link = Link {
    name: "organisation.dialogues",
    via: Via::Edge(EdgeTable {
        table: "dialogue_participant",
        parent: "organisation_id",
        child: "dialogue_id",
        extras: &["role"],
        only: None,
        symmetric: false,
    }),
};

/// The dialogues a person speaks at (or is the contact for).
pub static OF_PERSON: Link = Link {
    name: "person.dialogues",
    via: Via::Edge(EdgeTable {
        table: "dialogue_person",
        parent: "person_id",
        child: "dialogue_id",
        extras: &["role"],
        only: None,
        symmetric: false,
    }),
};

/// The dialogues that reference a report.
pub static OF_REPORT: Link = Link {
    name: "report.dialogues",
    via: Via::Edge(EdgeTable {
        table: "dialogue_report",
        parent: "report_id",
        child: "dialogue_id",
        extras: &["role"],
        only: None,
        symmetric: false,
    }),
};

/// The dialogues tagged with a theme.
pub static OF_THEME: Link = Link {
    name: "theme.dialogues",
    via: Via::Edge(EdgeTable {
        table: "theme_tag",
        parent: "theme_id",
        child: "node_id",
        extras: &[],
        only: Some(("node_type", "dialogue")),
        symmetric: false,
    }),
};

/// The live dialogue with this slug.
pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<dialogue::Model>> {
    Ok(dialogue::Entity::find()
        .filter(dialogue::Column::Slug.eq(slug))
        .filter(dialogue::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}
