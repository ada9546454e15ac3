//! Relay connections: `edges { cursor node ... }`, `nodes`, `pageInfo` and `totalCount`.
//!
//! One generic [`Connection`] serves every list. Its GraphQL name is the node type's name,
//! then the edge kind's name, then `Connection` (`DialogueConnection`,
//! `OrganisationParticipationConnection`, ...), and edges carry the edge kind's own fields
//! (such as `role`) beside `cursor` and `node`.

use std::{borrow::Cow, sync::Arc};

use async_graphql::{Context, Object, ObjectType, OutputType, SimpleObject, TypeName};
use futures_util::future::BoxFuture;

pub use crate::repo::page::{EdgeRow, Plain};
use crate::{
    error::Result,
    graphql::{context::CtxExt, cursor::Cursor, facet::Extras, loader::Loaders},
};

/// The extra fields an edge of some kind carries (a role, a level, ...).
pub trait EdgeData: EdgeRow + ObjectType {
    /// Inserted into the type names: `Organisation` + `Participation` + `Edge`.
    const NAME: &'static str;

    /// The edge's own fields as the read planner serves them (columns of the edge
    /// table); `None` when it does not.
    fn planned() -> Option<Vec<crate::plan::catalogue::EdgeColumn>> {
        None
    }
}

impl EdgeData for Plain {
    const NAME: &'static str = "";

    fn planned() -> Option<Vec<crate::plan::catalogue::EdgeColumn>> {
        Some(Vec::new())
    }
}

/// One edge of a connection.
pub struct Edge<N, X> {
    /// Where this edge sits in the list.
    pub cursor: Cursor,
    /// The node at the end of the edge.
    pub node: N,
    /// The edge's own fields.
    pub data: X,
}

/// An edge of a list: a node, its cursor, and what the link itself says (a role, a level...).
#[Object(name_type)]
impl<N: OutputType, X: EdgeData> Edge<N, X> {
    /// An opaque cursor: pass it as `after` (or `before`) to continue from this edge.
    async fn cursor(&self) -> String {
        self.cursor.encode()
    }

    /// The node at the end of this edge.
    async fn node(&self) -> &N {
        &self.node
    }

    #[graphql(flatten)]
    async fn data(&self) -> &X {
        &self.data
    }
}

impl<N: OutputType, X: EdgeData> TypeName for Edge<N, X> {
    fn type_name() -> Cow<'static, str> {
        format!("{}{}Edge", N::type_name(), X::NAME).into()
    }
}

/// Counts the whole list, when (and only when) a client asks for `totalCount`.
pub type Counter = Arc<dyn for<'a> Fn(&'a Loaders) -> BoxFuture<'a, Result<i64>> + Send + Sync>;

/// A page of a list.
pub struct Connection<N: Extras, X> {
    /// The page's edges, in order.
    pub edges: Vec<Edge<N, X>>,
    /// Whether edges exist before this page (see `PageInfo.hasPreviousPage`).
    pub has_previous_page: bool,
    /// Whether edges exist after this page (see `PageInfo.hasNextPage`).
    pub has_next_page: bool,
    /// Counts the whole list.
    pub counter: Counter,
    /// The fields beside the edges that the node type offers (its facets).
    pub extra: N::Extra,
}

/// Where a page sits in its list (the Relay `PageInfo`).
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether more edges follow this page. Exact when paging forward (`first`); when
    /// paging backward (`last`), true when a `before` cursor was given.
    pub has_next_page: bool,
    /// Whether edges come before this page. Exact when paging backward (`last`); when
    /// paging forward (`first`), true when an `after` cursor was given.
    pub has_previous_page: bool,
    /// The cursor of the page's first edge, if the page has edges.
    pub start_cursor: Option<String>,
    /// The cursor of the page's last edge, if the page has edges.
    pub end_cursor: Option<String>,
}

/// A page of a list (a Relay connection): its edges or nodes, where it sits in the list,
/// and how long the whole list is. Page with `first`/`after` forward or `last`/`before`
/// backward; cursors are opaque.
#[Object(name_type)]
impl<N: OutputType + Extras, X: EdgeData> Connection<N, X> {
    /// The edges of this page, in order.
    async fn edges(&self) -> &[Edge<N, X>] {
        &self.edges
    }

    /// The nodes of this page, in order: a shortcut for `edges { node }`.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    /// Where this page sits in the whole list.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            start_cursor: self.edges.first().map(|e| e.cursor.encode()),
            end_cursor: self.edges.last().map(|e| e.cursor.encode()),
        }
    }

    /// How many nodes the whole list holds under the given filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        (self.counter)(ctx.loaders()).await
    }

    #[graphql(flatten)]
    async fn extra(&self) -> &N::Extra {
        &self.extra
    }
}

impl<N: OutputType + Extras, X: EdgeData> TypeName for Connection<N, X> {
    fn type_name() -> Cow<'static, str> {
        format!("{}{}Connection", N::type_name(), X::NAME).into()
    }
}
