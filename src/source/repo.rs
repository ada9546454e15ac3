//! Every query about sources.

use chrono::Utc;
use entity::{citation, source};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::{
    error::Result,
    repo::{
        edges,
        node::NodeType,
        page::{EdgeWalk, Link},
    },
};

macro_rules! cited_by {
    ($($name:ident: $table:ident),* $(,)?) => {$(
        #[doc = concat!("The sources a ", stringify!($table), " cites.")]
        pub static $name: Link = Link {
            name: concat!(stringify!($table), ".sources"),
            via: crate::repo::page::Via::Edge(EdgeWalk::forward(&edges::CITATION).of_type(table!($table))),
        };
    )*};
}

cited_by!(
    OF_DIALOGUE: dialogue,
    OF_WORKSHOP: workshop,
    OF_REPORT: report,
    OF_TOOL: tool,
    OF_ORGANISATION: organisation,
    OF_PERSON: person,
    OF_THEME: theme,
    OF_SOURCE: source,
);

/// The sources a node of type `kind` cites.
pub fn cited_by(kind: NodeType) -> &'static Link {
    match kind {
        NodeType::Dialogue => &OF_DIALOGUE,
        NodeType::Workshop => &OF_WORKSHOP,
        NodeType::Report => &OF_REPORT,
        NodeType::Tool => &OF_TOOL,
        NodeType::Organisation => &OF_ORGANISATION,
        NodeType::Person => &OF_PERSON,
        NodeType::Theme => &OF_THEME,
        NodeType::Source => &OF_SOURCE,
    }
}

/// The id of the live source with this document symbol, else with this web address.
pub async fn by_symbol_or_url(db: &impl ConnectionTrait, key: &str) -> Result<Option<i64>> {
    let live = || source::Entity::find().filter(source::Column::DeletedAt.is_null());
    if let Some(s) = live()
        .filter(source::Column::Symbol.eq(key))
        .one(db)
        .await?
    {
        return Ok(Some(s.id));
    }
    Ok(live()
        .filter(source::Column::Url.eq(key))
        .one(db)
        .await?
        .map(|s| s.id))
}

/// Records that the node `id` of type `kind` cites the source `source` (an edge of the
/// seed, made by no partner).
pub async fn cite(db: &impl ConnectionTrait, kind: NodeType, id: i64, source: i64) -> Result<()> {
    citation::ActiveModel {
        source_id: Set(source),
        node_type: Set(kind.table().to_string()),
        node_id: Set(id),
        partner_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
