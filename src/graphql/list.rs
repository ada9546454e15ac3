//! Building connections (root lists and lists that hang off a parent) and following
//! to-one links, for any node type, in batches of siblings.

use std::sync::Arc;

use async_graphql::{Context, InputType, OutputType};
use entity::HasRecord;
use sea_orm::{EntityTrait, FromQueryResult, sea_query::Condition};

pub use crate::repo::node::NodeModel;
use crate::{
    config::Settings,
    error::Result,
    graphql::{
        connection::{Connection, Counter, Edge, EdgeData, Plain},
        context::CtxExt,
        cursor::PageArgs,
        facet::{Extras, RecordSet},
        filter::{OrderBy, SortField},
        loader::Batched,
    },
    repo::facet::Records,
    repo::page::{
        ById, Link, LinkedCounts, LinkedPages, ListQuery, OrderSpec, Page, linked_ids, root_count,
        root_page,
    },
};

/// A node type that can be listed: its table, filter and sort fields (and its facets).
pub trait Listable: OutputType + Extras + Sized + Send + Sync + 'static {
    /// The table.
    type Entity: EntityTrait<Model: NodeModel>;
    /// The filter input.
    type Filter: InputType + Send + Sync;
    /// The sort fields.
    type Field: SortField + InputType;
    /// The GraphQL object of a row.
    fn wrap(row: Batched<<Self::Entity as EntityTrait>::Model>) -> Self;

    /// The SQL condition of a filter.
    fn condition(filter: &Self::Filter) -> Result<Condition>;
}

/// The arguments of a connection field beside the paging ones.
pub struct ListArgs<N: Listable> {
    /// The client's filter.
    pub filter: Option<N::Filter>,
    /// The client's order.
    pub order: Option<OrderBy<N::Field>>,
}

/// The ids of a row and its siblings.
pub fn sibling_ids<M: HasRecord>(row: &Batched<M>) -> impl Iterator<Item = i64> + '_ {
    row.siblings().iter().map(|m| m.record().id)
}

/// The query of a list from its arguments.
pub fn list_query<N: Listable>(
    settings: &Settings,
    page: PageArgs,
    args: &ListArgs<N>,
) -> Result<ListQuery> {
    let order = args
        .order
        .map(|o| OrderSpec::new(o.field, o.direction))
        .unwrap_or(OrderSpec::BY_ID);
    let window = page.window(
        &order.key(),
        settings.default_page_size,
        settings.max_page_size,
    )?;
    let cond = match &args.filter {
        Some(f) => {
            let cond = N::condition(f)?;
            crate::graphql::filter::check_size(&cond)?;
            cond
        }
        None => Condition::all(),
    };
    Ok(ListQuery {
        cond,
        order,
        window,
    })
}

fn connection<N: Listable, X: EdgeData + Clone>(
    page: &Page<<N::Entity as EntityTrait>::Model, X>,
    counter: Counter,
    records: Records,
) -> Connection<N, X> {
    let table = <<N::Entity as EntityTrait>::Model as NodeModel>::KIND.table();
    let set = RecordSet {
        table,
        records: Arc::new(records),
    };
    Connection {
        edges: page
            .rows
            .iter()
            .map(|r| Edge {
                cursor: r.cursor.clone(),
                node: N::wrap(Batched::new(page.models.clone(), r.at)),
                data: r.edge.clone(),
            })
            .collect(),
        has_previous_page: page.has_previous,
        has_next_page: page.has_next,
        counter,
        extra: N::extra(set),
    }
}

/// A root list (`dialogues`, `organisations`, ...).
pub async fn root<N: Listable>(
    ctx: &Context<'_>,
    page: PageArgs,
    args: ListArgs<N>,
) -> Result<Connection<N, Plain>> {
    let q = list_query(ctx.settings(), page, &args)?;
    let rows = root_page::<N::Entity>(ctx.loaders().db(), &q).await?;
    let records = Records::Live(q.cond.clone());
    let cond = q.cond;
    let counter: Counter = Arc::new(move |loaders| {
        let cond = cond.clone();
        Box::pin(async move { root_count::<N::Entity>(loaders.db(), cond).await })
    });
    Ok(connection(&rows, counter, records))
}

/// A list hanging off `parent` (`dialogue.workshops`, ...), loaded in one statement with
/// the same list of all the parent's siblings. `edge_cond` filters the edge table.
pub async fn linked<N, X, P>(
    ctx: &Context<'_>,
    link: &'static Link,
    parent: &Batched<P>,
    page: PageArgs,
    args: ListArgs<N>,
    edge_cond: Condition,
) -> Result<Connection<N, X>>
where
    N: Listable,
    X: EdgeData + FromQueryResult + Clone,
    P: NodeModel,
{
    let q = list_query(ctx.settings(), page, &args)?;
    let cond = q.cond.clone();
    let loader = LinkedPages::<N::Entity, X>::new(link, q, edge_cond.clone());
    let id = parent.record().id;
    let rows = ctx
        .loaders()
        .load(loader, id, sibling_ids(parent))
        .await?
        .unwrap_or_default();
    let ids = linked_ids::<N::Entity>(link, id, cond.clone(), edge_cond.clone());
    let records = Records::Ids(Box::new(ids));
    let parent = parent.clone();
    let counter: Counter = Arc::new(move |loaders| {
        let loader = LinkedCounts::<N::Entity>::new(link, cond.clone(), edge_cond.clone());
        let parent = parent.clone();
        Box::pin(async move {
            let count = loaders.load(loader, id, sibling_ids(&parent)).await?;
            Ok(count.unwrap_or(0))
        })
    });
    Ok(connection(&rows, counter, records))
}

/// The node a row points to through `fk` (`workshop.dialogue`, `organisation.parent`,
/// ...), loaded in one statement with those its siblings point to.
pub async fn one<N, P>(
    ctx: &Context<'_>,
    row: &Batched<P>,
    fk: impl Fn(&P) -> Option<i64>,
) -> Result<Option<N>>
where
    N: Listable,
{
    let Some(id) = fk(row) else { return Ok(None) };
    let siblings = row.siblings().iter().filter_map(&fk);
    let found = ctx
        .loaders()
        .load(ById::<N::Entity>::new(), id, siblings)
        .await?;
    Ok(found.map(N::wrap))
}

/// The node with this id, loaded in one statement with the ids of `siblings`.
pub async fn by_id<N: Listable>(
    ctx: &Context<'_>,
    id: i64,
    siblings: impl IntoIterator<Item = i64>,
) -> Result<Option<N>> {
    let found = ctx
        .loaders()
        .load(ById::<N::Entity>::new(), id, siblings)
        .await?;
    Ok(found.map(N::wrap))
}
