//! Every query about themes.

use entity::theme;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    error::Result,
    repo::{
        edges,
        page::{EdgeWalk, Link, Via, from_any_type},
    },
};

/// The narrower themes of a theme.
pub static NARROWER: Link = Link {
    name: "theme.narrower",
    via: Via::Column(column_name!(theme.broader_id)),
};

from_any_type!(edges::THEME_TAG, "themes", fn tags_of {
    DIALOGUE_TAGS: dialogue => Dialogue,
    WORKSHOP_TAGS: workshop => Workshop,
    REPORT_TAGS: report => Report,
    TOOL_TAGS: tool => Tool,
    ORGANISATION_TAGS: organisation => Organisation,
    PERSON_TAGS: person => Person,
    THEME_TAGS: theme => Theme,
    SOURCE_TAGS: source => Source,
});

/// The live theme with this code.
pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<theme::Model>> {
    Ok(theme::Entity::find()
        .filter(theme::Column::Code.eq(code))
        .filter(theme::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// The themes that cite a source.
pub static OF_SOURCE: Link = Link {
    name: "source.themes",
    via: Via::Edge(EdgeWalk::back(&edges::CITATION).of_type(table!(theme))),
};
