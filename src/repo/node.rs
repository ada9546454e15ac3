//! Lookups that work on any node table.

use sea_orm::{
    ConnectionTrait, DatabaseConnection,
    sea_query::{Expr, ExprTrait, Query},
};

use async_graphql::Enum;
use entity::HasRecord;

use crate::{error::Result, repo::col};

/// The columns every node table has, by name; each is checked against every node table
/// of the entity crate when Agora compiles.
pub mod column {
    /// The row's id.
    pub const ID: &str =
        column_name!(id in dialogue, workshop, report, tool, organisation, person, theme, source);
    /// When it was deleted (a tombstone), or null.
    pub const DELETED_AT: &str = column_name!(deleted_at in dialogue, workshop, report, tool, organisation, person, theme, source);
    /// The partner organisation that supplied it.
    pub const PARTNER_ID: &str = column_name!(partner_id in dialogue, workshop, report, tool, organisation, person, theme, source);
    /// Its id in the partner's own system.
    pub const EXTERNAL_ID: &str = column_name!(external_id in dialogue, workshop, report, tool, organisation, person, theme, source);
    /// The web address of the source it was taken from.
    pub const SOURCE_URL: &str = column_name!(source_url in dialogue, workshop, report, tool, organisation, person, theme, source);
    /// The title of the source document it was taken from.
    pub const SOURCE_DOCUMENT: &str = column_name!(source_document in dialogue, workshop, report, tool, organisation, person, theme, source);
    /// The language it was first written in.
    pub const ORIGINAL_LANG: &str = column_name!(original_lang in dialogue, workshop, report, tool, organisation, person, theme, source);
    /// When it was created.
    pub const CREATED_AT: &str = column_name!(created_at in dialogue, workshop, report, tool, organisation, person, theme, source);
    /// When it last changed.
    pub const UPDATED_AT: &str = column_name!(updated_at in dialogue, workshop, report, tool, organisation, person, theme, source);
    /// Its version, for optimistic concurrency.
    pub const VERSION: &str = column_name!(version in dialogue, workshop, report, tool, organisation, person, theme, source);
    /// The year of a dated record (dialogues, workshops, reports, tools).
    pub const YEAR: &str = column_name!(year in dialogue, workshop, report, tool, source);
    /// The month of a dated record, if known.
    pub const MONTH: &str = column_name!(month in dialogue, report, source);
}

/// The types of node in the knowledge graph.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum NodeType {
    /// A policy forum or an edition of a meeting series.
    Dialogue,
    /// A session of a dialogue.
    Workshop,
    /// A document: a UN report, background paper or outcome document.
    Report,
    /// A cooperation framework, guideline, indicator set, platform or training.
    Tool,
    /// A partner organisation.
    Organisation,
    /// A speaker, author, office holder or contact.
    Person,
    /// A term of a controlled vocabulary or a free theme.
    Theme,
    /// A source of the knowledge: a press release, a UN document, a resolution, a web page.
    Source,
}

impl NodeType {
    /// Every node type.
    pub const ALL: [NodeType; 8] = [
        NodeType::Dialogue,
        NodeType::Workshop,
        NodeType::Report,
        NodeType::Tool,
        NodeType::Organisation,
        NodeType::Person,
        NodeType::Theme,
        NodeType::Source,
    ];

    /// The GraphQL type name, which is also the prefix inside global ids.
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Dialogue => "Dialogue",
            NodeType::Workshop => "Workshop",
            NodeType::Report => "Report",
            NodeType::Tool => "Tool",
            NodeType::Organisation => "Organisation",
            NodeType::Person => "Person",
            NodeType::Theme => "Theme",
            NodeType::Source => "Source",
        }
    }

    /// The table of this type, which is also its `owner_type` in translations and tags.
    pub fn table(self) -> &'static str {
        match self {
            NodeType::Dialogue => table!(dialogue),
            NodeType::Workshop => table!(workshop),
            NodeType::Report => table!(report),
            NodeType::Tool => table!(tool),
            NodeType::Organisation => table!(organisation),
            NodeType::Person => table!(person),
            NodeType::Theme => table!(theme),
            NodeType::Source => table!(source),
        }
    }

    pub fn from_name(name: &str) -> Option<NodeType> {
        NodeType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// The row type of a node table.
pub trait NodeModel: HasRecord + Clone + Default + Send + Sync + 'static {
    /// The node type of the table.
    const KIND: NodeType;
}

macro_rules! node_models {
    ($($table:ident: $kind:ident),*) => {$(
        impl NodeModel for entity::$table::Model {
            const KIND: NodeType = NodeType::$kind;
        }
    )*};
}

node_models!(
    dialogue: Dialogue,
    workshop: Workshop,
    report: Report,
    tool: Tool,
    organisation: Organisation,
    person: Person,
    theme: Theme,
    source: Source
);

/// The id of the live row of `table` that partner `partner_id` knows as `external_id`.
pub async fn id_by_external_id(
    db: &DatabaseConnection,
    table: &'static str,
    partner_id: i64,
    external_id: &str,
) -> Result<Option<i64>> {
    let q = Query::select()
        .expr_as(col(table, column::ID), column::ID)
        .from(table)
        .and_where(col(table, column::PARTNER_ID).eq(partner_id))
        .and_where(col(table, column::EXTERNAL_ID).eq(external_id))
        .and_where(col(table, column::DELETED_AT).is_null())
        .to_owned();
    let row = db.query_one(&q).await?;
    Ok(match row {
        Some(row) => Some(row.try_get("", column::ID)?),
        None => None,
    })
}

/// Whether the database holds no node of any type yet.
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool> {
    for table in NodeType::ALL.map(|t| t.table()) {
        let q = Query::select()
            .expr(Expr::val(1))
            .from(table)
            .limit(1)
            .to_owned();
        if db.query_one(&q).await?.is_some() {
            return Ok(false);
        }
    }
    Ok(true)
}
