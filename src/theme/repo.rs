//! Every query about themes.

use entity::theme;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    error::Result,
    graphql::id::NodeType,
    repo::{
        edges,
        page::{EdgeWalk, Link, Via},
    },
};

/// The narrower themes of a theme.
pub static NARROWER: Link = Link {
    name: "theme.narrower",
    via: Via::Column(column_name!(theme.broader_id)),
};

macro_rules! tags {
    ($($name:ident: $table:ident),* $(,)?) => {$(
        #[doc = concat!("The themes a ", stringify!($table), " is tagged with.")]
        pub static $name: Link = Link {
            name: concat!(stringify!($table), ".themes"),
            via: Via::Edge(EdgeWalk::forward(&edges::THEME_TAG).of_type(table!($table))),
        };
    )*};
}

tags!(
    DIALOGUE_TAGS: dialogue,
    WORKSHOP_TAGS: workshop,
    REPORT_TAGS: report,
    TOOL_TAGS: tool,
    ORGANISATION_TAGS: organisation,
    PERSON_TAGS: person,
    THEME_TAGS: theme,
    SOURCE_TAGS: source,
);

/// The themes of a node of type `kind`.
pub fn tags_of(kind: NodeType) -> &'static Link {
    match kind {
        NodeType::Dialogue => &DIALOGUE_TAGS,
        NodeType::Workshop => &WORKSHOP_TAGS,
        NodeType::Report => &REPORT_TAGS,
        NodeType::Tool => &TOOL_TAGS,
        NodeType::Organisation => &ORGANISATION_TAGS,
        NodeType::Person => &PERSON_TAGS,
        NodeType::Theme => &THEME_TAGS,
        NodeType::Source => &SOURCE_TAGS,
    }
}

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
