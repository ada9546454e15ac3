//! The `Node` interface and the root fields that find any node.

use async_graphql::{Context, ID, Interface, Object};
use futures_util::future::join_all;

use crate::{
    dialogue::Dialogue,
    error::{Error, Result},
    graphql::{
        context::CtxExt,
        id::{NodeType, decode},
        list::by_id,
    },
    organisation::{Organisation, repo::by_slug},
    person::Person,
    repo::node::id_by_external_id,
    report::Report,
    source::Source,
    theme::Theme,
    tool::Tool,
    workshop::Workshop,
};

/// Anything in the knowledge graph with a global id (the Relay `Node` interface).
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The node's global id: opaque, stable, and unique across all types."
))]
pub enum Node {
    /// A dialogue.
    Dialogue(Dialogue),
    /// A workshop.
    Workshop(Workshop),
    /// A report.
    Report(Report),
    /// A tool.
    Tool(Tool),
    /// An organisation.
    Organisation(Organisation),
    /// A person.
    Person(Person),
    /// A theme.
    Theme(Theme),
    /// A source.
    Source(Source),
}

/// Loads the node `id` of type `kind`, in one statement with the nodes of that type whose
/// ids are in `siblings`.
pub async fn load(
    ctx: &Context<'_>,
    kind: NodeType,
    id: i64,
    siblings: Vec<i64>,
) -> Result<Option<Node>> {
    Ok(match kind {
        NodeType::Dialogue => by_id(ctx, id, siblings).await?.map(Node::Dialogue),
        NodeType::Workshop => by_id(ctx, id, siblings).await?.map(Node::Workshop),
        NodeType::Report => by_id(ctx, id, siblings).await?.map(Node::Report),
        NodeType::Tool => by_id(ctx, id, siblings).await?.map(Node::Tool),
        NodeType::Organisation => by_id(ctx, id, siblings).await?.map(Node::Organisation),
        NodeType::Person => by_id(ctx, id, siblings).await?.map(Node::Person),
        NodeType::Theme => by_id(ctx, id, siblings).await?.map(Node::Theme),
        NodeType::Source => by_id(ctx, id, siblings).await?.map(Node::Source),
    })
}

/// Root fields that find nodes of any type.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The node with this global id; null when there is none (or it was deleted).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as returned by any node's `id` field.")] id: ID,
    ) -> Result<Option<Node>> {
        let (kind, id) = decode(&id)?;
        load(ctx, kind, id, vec![id]).await
    }

    /// The nodes with these global ids, in the same order; null for each id without a node.
    /// Takes at most the page-size limit of ids (100 by default).
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, as returned by any node's `id` field.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        let max = ctx.settings().max_page_size as usize;
        if ids.len() > max {
            return Err(Error::bad_input(format!(
                "`ids` takes at most {max} ids, not {}",
                ids.len()
            )));
        }
        let keys = ids
            .iter()
            .map(|id| decode(id))
            .collect::<Result<Vec<_>>>()?;
        // The nodes of one type are loaded together.
        let of_type = |kind: NodeType| -> Vec<i64> {
            keys.iter().filter(|k| k.0 == kind).map(|k| k.1).collect()
        };
        join_all(
            keys.iter()
                .map(|&(kind, id)| load(ctx, kind, id, of_type(kind))),
        )
        .await
        .into_iter()
        .collect()
    }

    /// The record that a partner's system knows by its own id; null when there is none.
    async fn by_external_id(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "type", desc = "The type of the record.")] kind: NodeType,
        #[graphql(desc = "The slug of the partner organisation that supplied the record.")]
        partner: String,
        #[graphql(desc = "The record's id in the partner's own system.")] external_id: String,
    ) -> Result<Option<Node>> {
        let db = ctx.loaders().db();
        let Some(partner) = by_slug(db, &partner).await? else {
            return Ok(None);
        };
        match id_by_external_id(db, kind.table(), partner.id, &external_id).await? {
            Some(id) => load(ctx, kind, id, vec![id]).await,
            None => Ok(None),
        }
    }
}
