//! Every query about sources.

use chrono::Utc;
use entity::{citation, source};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::{
    error::Result,
    repo::{edges, node::NodeType, page::from_any_type},
};

from_any_type!(edges::CITATION, "sources", fn cited_by {
    OF_DIALOGUE: dialogue => Dialogue,
    OF_WORKSHOP: workshop => Workshop,
    OF_REPORT: report => Report,
    OF_TOOL: tool => Tool,
    OF_ORGANISATION: organisation => Organisation,
    OF_PERSON: person => Person,
    OF_THEME: theme => Theme,
    OF_SOURCE: source => Source,
});

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
