//! Lookups that work on any node table.

use sea_orm::{
    ConnectionTrait, DatabaseConnection,
    sea_query::{Expr, ExprTrait, Query},
};

use async_graphql::Enum;
use entity::HasRecord;

use crate::{error::Result, repo::col};

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
}

impl NodeType {
    /// Every node type.
    pub const ALL: [NodeType; 7] = [
        NodeType::Dialogue,
        NodeType::Workshop,
        NodeType::Report,
        NodeType::Tool,
        NodeType::Organisation,
        NodeType::Person,
        NodeType::Theme,
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
        }
    }

    /// The table of this type, which is also its `owner_type` in translations and tags.
    pub fn table(self) -> &'static str {
        match self {
            NodeType::Dialogue => "dialogue",
            NodeType::Workshop => "workshop",
            NodeType::Report => "report",
            NodeType::Tool => "tool",
            NodeType::Organisation => "organisation",
            NodeType::Person => "person",
            NodeType::Theme => "theme",
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
    theme: Theme
);

/// The id of the live row of `table` that partner `partner_id` knows as `external_id`.
pub async fn id_by_external_id(
    db: &DatabaseConnection,
    table: &'static str,
    partner_id: i64,
    external_id: &str,
) -> Result<Option<i64>> {
    let q = Query::select()
        .expr_as(col(table, "id"), "id")
        .from(table)
        .and_where(col(table, "partner_id").eq(partner_id))
        .and_where(col(table, "external_id").eq(external_id))
        .and_where(col(table, "deleted_at").is_null())
        .to_owned();
    let row = db.query_one(&q).await?;
    Ok(match row {
        Some(row) => Some(row.try_get("", "id")?),
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
