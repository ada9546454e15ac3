//! Keyset pagination in SQL, for root lists and for lists hanging off many parents at once.
//!
//! A root page is one `SELECT ... WHERE <filter> AND <keyset> ORDER BY <key>, id LIMIT n+1`.
//! A linked page (the workshops of 100 dialogues, say) is one statement for all parents:
//! a window function numbers each parent's rows, and only the first n+1 of each are read:
//!
//! ```sql
//! SELECT * FROM (
//!   SELECT child.*, <parent> AS __parent, <edge columns> AS __e_*,
//!          ROW_NUMBER() OVER (PARTITION BY <parent> ORDER BY <key>, child.id) AS __rn
//!   FROM child [JOIN edge ON edge.child = child.id]
//!   WHERE <parent> IN (<parents>) AND <filter> AND <keyset>
//! ) AS __page WHERE __rn <= n+1 ORDER BY __parent, __rn
//! ```
//!
//! The parent ids travel as one bound value (a PostgreSQL array, a JSON array on SQLite),
//! so the SQL text, and the prepared statement, is the same whatever the number of parents.

use std::{collections::HashMap, marker::PhantomData, sync::Arc};

use chrono::{DateTime, NaiveDate, Utc};
use entity::HasRecord;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, IdenStatic,
    Iterable, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Value,
    sea_query::{
        Alias, ArrayType, Asterisk, Condition, Expr, ExprTrait, JoinType, NullOrdering, Order,
        Query, SelectStatement, UnionType, WindowStatement,
    },
};

use crate::{
    error::{Error, Result},
    repo::{
        col,
        cursor::{Cursor, SortType, SortValue, Window},
        edges::{EdgeTable, column as edge_column},
        loader::{BatchLoad, Batched},
        node::column as node_column,
    },
};

/// The sort order of a list: one column and a direction, ties broken by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderSpec {
    /// The sort column.
    pub column: &'static str,
    /// How its values travel in cursors.
    pub ty: SortType,
    /// Largest first.
    pub desc: bool,
}

impl OrderSpec {
    /// The order by id, smallest first: the default of every list.
    pub const BY_ID: OrderSpec = OrderSpec {
        column: node_column::ID,
        ty: SortType::Int,
        desc: false,
    };

    /// The order a client asked for.
    pub fn new(field: impl SortField, direction: OrderDirection) -> OrderSpec {
        OrderSpec {
            column: field.column(),
            ty: field.sort_type(),
            desc: direction == OrderDirection::Desc,
        }
    }

    /// The name cursors carry, such as `start_date.desc`.
    pub fn key(&self) -> String {
        format!("{}.{}", self.column, if self.desc { "desc" } else { "asc" })
    }
}

/// What a list asks for: a condition, an order and a window.
#[derive(Clone, Debug)]
pub struct ListQuery {
    /// The filter, on the listed table.
    pub cond: Condition,
    /// The order.
    pub order: OrderSpec,
    /// Which part of the ordered list.
    pub window: Window,
}

/// One row of a page: where its node sits in the batch, its edge data and its cursor.
#[derive(Clone, Debug)]
pub struct PageRow<X> {
    /// The index of the row's node in [`Page::models`].
    pub at: usize,
    /// The edge's own columns (role, level, ...).
    pub edge: X,
    /// Where the row sits in the list.
    pub cursor: Cursor,
}

/// One page of a list.
#[derive(Clone, Debug)]
pub struct Page<M, X> {
    /// The nodes of the batch the page was loaded in (shared by all pages of a batch, so
    /// that their nodes are siblings).
    pub models: Arc<[M]>,
    /// The page's rows, in list order.
    pub rows: Vec<PageRow<X>>,
    /// Whether rows exist before the page (see `PageInfo`).
    pub has_previous: bool,
    /// Whether rows exist after the page.
    pub has_next: bool,
}

impl<M, X> Default for Page<M, X> {
    fn default() -> Self {
        Page {
            models: Arc::from(Vec::new()),
            rows: Vec::new(),
            has_previous: false,
            has_next: false,
        }
    }
}

impl FromQueryResult for Plain {
    fn from_query_result(_: &sea_orm::QueryResult, _: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Plain)
    }
}

/// How the rows of a child table hang off their parents.
#[derive(Debug)]
pub enum Via {
    /// The child row holds its parent's id in this column (`workshop.dialogue_id`).
    Column(&'static str),
    /// A table of edges joins parents to children.
    Edge(EdgeWalk),
}

/// An edge table (declared once, in `repo::edges`) walked from one of its ends.
#[derive(Debug)]
pub struct EdgeWalk {
    edge: &'static EdgeTable,
    /// From the edge's sources to its targets; else back from targets to sources.
    forward: bool,
    /// For an edge whose sources can be of any type (theme tags): the type walked.
    node_type: Option<&'static str>,
}

impl EdgeWalk {
    /// From the sources of `edge` to their targets.
    pub const fn forward(edge: &'static EdgeTable) -> EdgeWalk {
        EdgeWalk {
            edge,
            forward: true,
            node_type: None,
        }
    }

    /// From the targets of `edge` back to their sources.
    pub const fn back(edge: &'static EdgeTable) -> EdgeWalk {
        EdgeWalk {
            forward: false,
            ..EdgeWalk::forward(edge)
        }
    }

    /// Only the edges whose source is of `node_type` (for an edge with typed sources).
    pub const fn of_type(self, node_type: &'static str) -> EdgeWalk {
        EdgeWalk {
            node_type: Some(node_type),
            ..self
        }
    }

    pub(super) fn table(&self) -> &'static str {
        self.edge.name
    }

    /// The edge table's column holding the parent's id.
    pub(super) fn parent(&self) -> &'static str {
        if self.forward {
            self.edge.from
        } else {
            self.edge.to
        }
    }

    /// The edge table's column holding the child's id.
    fn child(&self) -> &'static str {
        if self.forward {
            self.edge.to
        } else {
            self.edge.from
        }
    }

    /// The edge's own columns, returned with each child as `__e_<column>`: its role or
    /// level, or for a dated edge its id (for its texts) and period.
    fn extras(&self) -> &'static [&'static str] {
        let edge: &'static EdgeTable = self.edge;
        if edge.dated {
            &[
                edge_column::ID,
                edge_column::START_DATE,
                edge_column::END_DATE,
            ]
        } else {
            match &edge.role {
                Some(role) => std::slice::from_ref(&role.column),
                None => &[],
            }
        }
    }
}

/// A relation from parents to the rows of a child table.
#[derive(Debug)]
pub struct Link {
    /// A unique name, such as `dialogue.workshops`.
    pub name: &'static str,
    /// How children find their parents.
    pub via: Via,
}

/// Declares the links from a record of each node type through an edge table whose source
/// may be of any type (theme tags, citations): one static per type, named
/// `<table>.<what>`, and the function `$lookup(kind)` that picks a type's.
macro_rules! from_any_type {
    ($edge:path, $what:literal, fn $lookup:ident {
        $($name:ident: $table:ident => $kind:ident),* $(,)?
    }) => {
        $(
            #[doc = concat!("The ", $what, " of a ", stringify!($table), ".")]
            pub static $name: $crate::repo::page::Link = $crate::repo::page::Link {
                name: concat!(stringify!($table), ".", $what),
                via: $crate::repo::page::Via::Edge(
                    $crate::repo::page::EdgeWalk::forward(&$edge).of_type($crate::table!($table)),
                ),
            };
        )*

        #[doc = concat!("The ", $what, " of a node of type `kind`.")]
        pub fn $lookup(kind: $crate::repo::node::NodeType) -> &'static $crate::repo::page::Link {
            use $crate::repo::node::NodeType;
            match kind {
                $(NodeType::$kind => &$name,)*
            }
        }
    };
}

pub(crate) use from_any_type;

fn table_of<E: EntityTrait>() -> &'static str {
    E::default().table_name()
}

pub(super) fn not_deleted(table: &'static str) -> Expr {
    col(table, node_column::DELETED_AT).is_null()
}

/// `expr IN (ids)`, with all ids in one bound value.
pub fn in_ids(backend: DbBackend, expr: Expr, ids: &[i64]) -> Expr {
    if let [id] = ids {
        // One id (a node, a lookup, one parent): a plain equality, which PostgreSQL plans
        // once for any value; a list of unknown length makes it plan each time.
        return expr.eq(*id);
    }
    match backend {
        DbBackend::Postgres => {
            let values = ids.iter().map(|i| Value::BigInt(Some(*i))).collect();
            Expr::cust_with_exprs(
                "$1 = ANY($2)",
                [
                    expr,
                    Expr::val(Value::Array(ArrayType::BigInt, Some(Box::new(values)))),
                ],
            )
        }
        _ => {
            let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
            // SQLite templates number nothing: each `?` takes the next expression.
            Expr::cust_with_exprs(
                "? IN (SELECT value FROM json_each(?))",
                [expr, Expr::val(json)],
            )
        }
    }
}

/// The typed SQL value of a cursor's sort value.
fn sql_value(ty: SortType, value: &SortValue) -> Result<Value> {
    let bad = || Error::bad_input("the cursor holds a value of the wrong type");
    Ok(match (ty, value) {
        (_, SortValue::Null) => Value::String(None),
        (SortType::Int, SortValue::Int(i)) => Value::BigInt(Some(*i)),
        (SortType::Text, SortValue::Text(s)) => Value::String(Some(s.clone())),
        (SortType::Date, SortValue::Text(s)) => Value::ChronoDate(Some(
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?,
        )),
        (SortType::Time, SortValue::Text(s)) => Value::ChronoDateTimeUtc(Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|_| bad())?
                .with_timezone(&Utc),
        )),
        _ => return Err(bad()),
    })
}

/// A row's value of the sort column, as a cursor holds it.
fn sort_value<E: EntityTrait>(model: &E::Model, column: &str) -> Result<SortValue> {
    let Some(c) = E::Column::iter().find(|c| c.as_str() == column) else {
        return Err(Error::internal(format!("no sort column {column}")));
    };
    Ok(match model.get(c) {
        Value::BigInt(Some(i)) => SortValue::Int(i),
        Value::Int(Some(i)) => SortValue::Int(i.into()),
        Value::String(Some(s)) => SortValue::Text(s),
        Value::ChronoDate(Some(d)) => SortValue::date(d),
        Value::ChronoDateTimeUtc(Some(t)) => SortValue::time(t),
        _ => SortValue::Null,
    })
}

/// Rows strictly after `cursor` in the order (`desc`, nulls first or last) on `table`.
fn after(
    table: &'static str,
    order: &OrderSpec,
    desc: bool,
    nulls_first: bool,
    cursor: &Cursor,
) -> Result<Condition> {
    let key = || col(table, order.column);
    let id = || col(table, node_column::ID);
    let beyond = |a: Expr, b: Value| if desc { a.lt(b) } else { a.gt(b) };
    let id_beyond = beyond(id(), Value::BigInt(Some(cursor.id)));
    if order.column == node_column::ID {
        // The key is the id, never null: one range, which an index serves whatever the
        // values (a generic plan does not fold the general form below into it).
        return Ok(Condition::all().add(id_beyond));
    }
    Ok(if cursor.value == SortValue::Null {
        let mut c = Condition::any().add(Condition::all().add(key().is_null()).add(id_beyond));
        if nulls_first {
            c = c.add(key().is_not_null());
        }
        c
    } else {
        let v = sql_value(order.ty, &cursor.value)?;
        let mut c = Condition::any()
            .add(beyond(key(), v.clone()))
            .add(Condition::all().add(key().eq(v)).add(id_beyond));
        if !nulls_first {
            c = c.add(key().is_null());
        }
        c
    })
}

/// The keyset condition of a window, and the order to read rows in (`true`: reversed).
pub(super) fn keyset(table: &'static str, order: &OrderSpec, window: &Window) -> Result<Condition> {
    let mut c = Condition::all();
    // In the list's own order nulls come last; "before X" is "after X" in the reverse order.
    if let Some(a) = &window.after {
        c = c.add(after(table, order, order.desc, false, a)?);
    }
    if let Some(b) = &window.before {
        c = c.add(after(table, order, !order.desc, true, b)?);
    }
    Ok(c)
}

/// The direction and null placement rows are read in: reversed when paging backward.
pub(super) fn read_order(order: &OrderSpec, window: &Window) -> (Order, NullOrdering, Order) {
    let desc = order.desc != window.backward;
    let dir = if desc { Order::Desc } else { Order::Asc };
    let nulls = if window.backward {
        NullOrdering::First
    } else {
        NullOrdering::Last
    };
    (dir.clone(), nulls, dir)
}

/// The rows of one list in list order, with their cursors, and whether rows exist before
/// and after them.
struct Finished<M, X> {
    rows: Vec<(M, X, Cursor)>,
    has_previous: bool,
    has_next: bool,
}

/// Turns rows read in read order (at most limit + 1) into one list in list order.
fn finish<E: EntityTrait, X>(
    mut read: Vec<(E::Model, X)>,
    order: &OrderSpec,
    window: &Window,
) -> Result<Finished<E::Model, X>>
where
    E::Model: HasRecord,
{
    let more = read.len() as u64 > window.limit;
    read.truncate(window.limit as usize);
    if window.backward {
        read.reverse();
    }
    let key = order.key();
    let rows = read
        .into_iter()
        .map(|(model, edge)| {
            let cursor = Cursor {
                order: key.clone(),
                value: sort_value::<E>(&model, order.column)?,
                id: model.record().id,
            };
            Ok((model, edge, cursor))
        })
        .collect::<Result<Vec<_>>>()?;
    let (has_previous, has_next) = window.flags(more);
    Ok(Finished {
        rows,
        has_previous,
        has_next,
    })
}

/// Moves the nodes of several lists into one shared batch, and makes a page of each.
fn into_pages<M, X: EdgeRow, K: Eq + std::hash::Hash>(
    lists: Vec<(K, Finished<M, X>)>,
) -> HashMap<K, Page<M, X>> {
    let mut models = Vec::new();
    let mut pages: Vec<(K, Vec<PageRow<X>>, bool, bool)> = Vec::with_capacity(lists.len());
    for (key, list) in lists {
        let rows = list
            .rows
            .into_iter()
            .map(|(model, edge, cursor)| {
                models.push(model);
                PageRow {
                    at: models.len() - 1,
                    edge,
                    cursor,
                }
            })
            .collect();
        pages.push((key, rows, list.has_previous, list.has_next));
    }
    let mut edges: Vec<&mut X> = pages
        .iter_mut()
        .flat_map(|p| p.1.iter_mut().map(|r| &mut r.edge))
        .collect();
    X::batch(&mut edges);
    let models: Arc<[M]> = Arc::from(models);
    pages
        .into_iter()
        .map(|(key, rows, has_previous, has_next)| {
            let page = Page {
                models: models.clone(),
                rows,
                has_previous,
                has_next,
            };
            (key, page)
        })
        .collect()
}

/// One page of the live rows of `E` matching `q`.
pub async fn root_page<E>(db: &DatabaseConnection, q: &ListQuery) -> Result<Page<E::Model, Plain>>
where
    E: EntityTrait,
    E::Model: HasRecord,
{
    let table = table_of::<E>();
    let (dir, nulls, id_dir) = read_order(&q.order, &q.window);
    let mut select = E::find()
        .filter(not_deleted(table))
        .filter(q.cond.clone())
        .filter(keyset(table, &q.order, &q.window)?);
    if q.order.column != node_column::ID {
        QueryTrait::query(&mut select).order_by_expr_with_nulls(
            col(table, q.order.column),
            dir,
            nulls,
        );
    }
    let models = select
        .order_by(col(table, node_column::ID), id_dir)
        .limit(q.window.limit + 1)
        .all(db)
        .await?;
    let list = finish::<E, Plain>(
        models.into_iter().map(|m| (m, Plain)).collect(),
        &q.order,
        &q.window,
    )?;
    Ok(into_pages(vec![((), list)]).remove(&()).unwrap_or_default())
}

/// How many live rows of `E` match `cond`.
pub async fn root_count<E: EntityTrait>(db: &DatabaseConnection, cond: Condition) -> Result<i64>
where
    E::Model: Sync,
{
    let table = table_of::<E>();
    let n = E::find()
        .filter(not_deleted(table))
        .filter(cond)
        .count(db)
        .await?;
    Ok(n as i64)
}

/// The ids of a linked list's records (all pages): the live children of `parent` through
/// `link` under `cond`, with `edge_cond` on the edge table.
pub fn linked_ids<E: EntityTrait>(
    link: &Link,
    parent: i64,
    cond: Condition,
    edge_cond: Condition,
) -> SelectStatement {
    let child = table_of::<E>();
    let mut q = Query::select();
    let parent_id = linked_from(&mut q, child, &link.via);
    q.distinct().column((child, node_column::ID)).cond_where(
        Condition::all()
            .add(parent_id.eq(parent))
            .add(not_deleted(child))
            .add(cond)
            .add(edge_cond),
    );
    q
}

/// The FROM and JOIN part of a linked query, and the expression of the parent's id.
pub(super) fn linked_from(select: &mut SelectStatement, child: &'static str, via: &Via) -> Expr {
    select.from(child);
    match via {
        Via::Column(column) => col(child, column),
        Via::Edge(e) => {
            let (table, parent, edge_child) = (e.table(), e.parent(), e.child());
            let on = col(table, edge_child).equals((child, node_column::ID));
            if e.edge.symmetric {
                // Each edge once in each direction, under the edge table's own name.
                let side = |parent: &'static str, child: &'static str| {
                    let mut q = Query::select();
                    q.expr_as(Expr::col(parent), e.parent())
                        .expr_as(Expr::col(child), e.child());
                    for x in e.extras() {
                        q.column(*x);
                    }
                    q.from(table);
                    q
                };
                let mut both = side(parent, edge_child);
                both.union(UnionType::All, side(edge_child, parent));
                select.join_subquery(JoinType::InnerJoin, both, table, on);
            } else {
                select.inner_join(table, on);
            }
            if let Some(node_type) = e.node_type {
                select.and_where(col(table, edge_column::NODE_TYPE).eq(node_type));
            }
            col(table, parent)
        }
    }
}

/// Numbers each parent's children in list order (`__rn`, by a window function), and keeps
/// the live children of `parents` under the list's filter, edge condition and keyset:
/// the heart of a linked page, whatever its select list.
#[allow(clippy::too_many_arguments)]
pub(super) fn page_of_each(
    db: &DatabaseConnection,
    inner: &mut SelectStatement,
    link: &Link,
    child: &'static str,
    parent: Expr,
    parents: &[i64],
    q: &ListQuery,
    edge_cond: &Condition,
) -> Result<()> {
    let (dir, nulls, id_dir) = read_order(&q.order, &q.window);
    let mut window = match &link.via {
        Via::Column(column) => WindowStatement::partition_by((child, *column)),
        Via::Edge(e) => WindowStatement::partition_by((e.table(), e.parent())),
    };
    if q.order.column != node_column::ID {
        window.order_by_expr_with_nulls(col(child, q.order.column), dir, nulls);
    }
    window.order_by_expr(col(child, node_column::ID), id_dir);
    inner
        .expr_window_as(Expr::cust("ROW_NUMBER()"), window, "__rn")
        .and_where(in_ids(db.get_database_backend(), parent, parents))
        .and_where(not_deleted(child))
        .cond_where(q.cond.clone())
        .cond_where(edge_cond.clone())
        .cond_where(keyset(child, &q.order, &q.window)?);
    Ok(())
}

/// The pages of the live children of many parents at once: one statement.
pub async fn linked_pages<E, X>(
    db: &DatabaseConnection,
    link: &Link,
    parents: &[i64],
    q: &ListQuery,
    edge_cond: &Condition,
) -> Result<HashMap<i64, Page<E::Model, X>>>
where
    E: EntityTrait,
    E::Model: HasRecord,
    X: FromQueryResult + EdgeRow,
{
    let child = table_of::<E>();
    let mut inner = Query::select();
    let parent = linked_from(&mut inner, child, &link.via);
    inner
        .expr(Expr::col((child, Asterisk)))
        .expr_as(parent.clone(), "__parent");
    if let Via::Edge(e) = &link.via {
        for x in e.extras() {
            inner.expr_as(col(e.table(), x), Alias::new(format!("__e_{x}")));
        }
    }
    page_of_each(db, &mut inner, link, child, parent, parents, q, edge_cond)?;
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, "__page")
        .and_where(Expr::col("__rn").lte(q.window.limit as i64 + 1))
        .order_by("__parent", Order::Asc)
        .order_by("__rn", Order::Asc)
        .to_owned();
    let rows = db.query_all(&outer).await?;
    let mut read: HashMap<i64, Vec<(E::Model, X)>> = HashMap::new();
    for row in rows {
        let parent: i64 = row.try_get("", "__parent")?;
        let model = E::Model::from_query_result(&row, "")?;
        let edge = X::from_query_result(&row, "__e_")?;
        read.entry(parent).or_default().push((model, edge));
    }
    let mut lists = Vec::with_capacity(parents.len());
    for p in parents {
        lists.push((
            *p,
            finish::<E, X>(read.remove(p).unwrap_or_default(), &q.order, &q.window)?,
        ));
    }
    Ok(into_pages(lists))
}

/// How many live children of each parent match: one statement.
pub async fn linked_counts(
    db: &DatabaseConnection,
    link: &Link,
    child: &'static str,
    parents: &[i64],
    cond: &Condition,
    edge_cond: &Condition,
) -> Result<HashMap<i64, i64>> {
    let mut q = Query::select();
    let parent = linked_from(&mut q, child, &link.via);
    q.expr_as(parent.clone(), "__parent")
        .expr_as(Expr::col(Asterisk).count(), "__count")
        .and_where(in_ids(db.get_database_backend(), parent.clone(), parents))
        .and_where(not_deleted(child))
        .cond_where(cond.clone())
        .cond_where(edge_cond.clone())
        .add_group_by([parent]);
    let mut counts: HashMap<i64, i64> = parents.iter().map(|p| (*p, 0)).collect();
    for row in db.query_all(&q).await? {
        counts.insert(row.try_get("", "__parent")?, row.try_get("", "__count")?);
    }
    Ok(counts)
}

/// Batched load of live rows of `E` by id.
pub struct ById<E>(PhantomData<fn() -> E>);

impl<E> ById<E> {
    /// The loader.
    pub fn new() -> Self {
        ById(PhantomData)
    }
}

impl<E> Default for ById<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Clone for ById<E> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<E> BatchLoad for ById<E>
where
    E: EntityTrait,
    E::Model: HasRecord + Sync,
{
    type Key = i64;
    type Value = Batched<E::Model>;

    fn group(&self) -> String {
        String::new()
    }

    async fn load(
        &self,
        db: &DatabaseConnection,
        ids: Vec<i64>,
    ) -> Result<HashMap<i64, Self::Value>> {
        let table = table_of::<E>();
        let models = E::find()
            .filter(not_deleted(table))
            .filter(in_ids(
                db.get_database_backend(),
                col(table, node_column::ID),
                &ids,
            ))
            .all(db)
            .await?;
        // The rows found together are siblings.
        Ok(Batched::each(Arc::from(models))
            .map(|m| (m.record().id, m))
            .collect())
    }
}

/// Batched load of linked pages: one statement per distinct query shape.
pub struct LinkedPages<E, X> {
    link: &'static Link,
    query: Arc<ListQuery>,
    edge_cond: Condition,
    group: String,
    _marker: PhantomData<fn() -> (E, X)>,
}

impl<E, X> LinkedPages<E, X> {
    /// The pages of `link` under `query` (and `edge_cond` on the edge table).
    pub fn new(link: &'static Link, query: ListQuery, edge_cond: Condition) -> Self {
        let group = format!("{}|{:?}|{:?}", link.name, query, edge_cond);
        LinkedPages {
            link,
            query: Arc::new(query),
            edge_cond,
            group,
            _marker: PhantomData,
        }
    }
}

impl<E, X> BatchLoad for LinkedPages<E, X>
where
    E: EntityTrait,
    E::Model: HasRecord + Sync,
    X: FromQueryResult + EdgeRow + Clone,
{
    type Key = i64;
    type Value = Arc<Page<E::Model, X>>;

    fn group(&self) -> String {
        self.group.clone()
    }

    async fn load(
        &self,
        db: &DatabaseConnection,
        parents: Vec<i64>,
    ) -> Result<HashMap<i64, Self::Value>> {
        let pages =
            linked_pages::<E, X>(db, self.link, &parents, &self.query, &self.edge_cond).await?;
        Ok(pages.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

/// Batched counts of linked rows: one statement per distinct filter.
pub struct LinkedCounts<E> {
    link: &'static Link,
    cond: Condition,
    edge_cond: Condition,
    group: String,
    _marker: PhantomData<fn() -> E>,
}

impl<E> LinkedCounts<E> {
    /// The counts of `link` under `cond` (and `edge_cond` on the edge table).
    pub fn new(link: &'static Link, cond: Condition, edge_cond: Condition) -> Self {
        let group = format!("{}|{:?}|{:?}", link.name, cond, edge_cond);
        LinkedCounts {
            link,
            cond,
            edge_cond,
            group,
            _marker: PhantomData,
        }
    }
}

impl<E: EntityTrait> BatchLoad for LinkedCounts<E> {
    type Key = i64;
    type Value = i64;

    fn group(&self) -> String {
        self.group.clone()
    }

    async fn load(&self, db: &DatabaseConnection, parents: Vec<i64>) -> Result<HashMap<i64, i64>> {
        linked_counts(
            db,
            self.link,
            table_of::<E>(),
            &parents,
            &self.cond,
            &self.edge_cond,
        )
        .await
    }
}

/// Which way to sort.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum OrderDirection {
    /// Smallest first (oldest first, A to Z); unknown values come last.
    #[default]
    Asc,
    /// Largest first (newest first, Z to A); unknown values come last.
    Desc,
}

/// A field a list can be sorted by.
pub trait SortField: Copy {
    /// The column that holds the field.
    fn column(self) -> &'static str;
    /// How the field's values are written in cursors.
    fn sort_type(self) -> SortType;
}

/// What the row of an edge table says beyond its ends (a role, a level...), read with
/// each page of a linked list.
pub trait EdgeRow: FromQueryResult + Send + Sync + 'static {
    /// Called once on all the edges loaded in one batch, so that edges that load more
    /// (texts, say) know their siblings.
    fn batch(_edges: &mut [&mut Self]) {}
}

/// The data of a plain edge: nothing beyond its ends.
#[derive(async_graphql::SimpleObject, Clone, Copy, Debug, Default)]
#[graphql(fake)]
pub struct Plain;

impl EdgeRow for Plain {}
