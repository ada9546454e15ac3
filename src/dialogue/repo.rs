//! Every query about dialogues.

use entity::dialogue;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    error::Result,
    repo::{
        edges,
        page::{EdgeWalk, Link, Via},
    },
};

/// The editions of a dialogue series.
pub static EDITIONS: Link = Link {
    name: "dialogue.editions",
    via: Via::Column(column_name!(dialogue.series_id)),
};

/// The dialogues an organisation takes part in.
pub static OF_ORGANISATION: Link = Link {
    name: "organisation.dialogues",
    via: Via::Edge(EdgeWalk::back(&edges::DIALOGUE_PARTICIPANT)),
};

/// The dialogues a person speaks at (or is the contact for).
pub static OF_PERSON: Link = Link {
    name: "person.dialogues",
    via: Via::Edge(EdgeWalk::back(&edges::DIALOGUE_PERSON)),
};

/// The dialogues that reference a report.
pub static OF_REPORT: Link = Link {
    name: "report.dialogues",
    via: Via::Edge(EdgeWalk::back(&edges::DIALOGUE_REPORT)),
};

/// The dialogues tagged with a theme.
pub static OF_THEME: Link = Link {
    name: "theme.dialogues",
    via: Via::Edge(EdgeWalk::back(&edges::THEME_TAG).of_type(table!(dialogue))),
};

/// The live dialogue with this slug.
pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<dialogue::Model>> {
    Ok(dialogue::Entity::find()
        .filter(dialogue::Column::Slug.eq(slug))
        .filter(dialogue::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// The dialogues that cite a source.
pub static OF_SOURCE: Link = Link {
    name: "source.dialogues",
    via: Via::Edge(EdgeWalk::back(&edges::CITATION).of_type(table!(dialogue))),
};
