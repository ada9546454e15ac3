//! Rows read by position for the read planner (`crate::plan`): only the columns a query
//! selects, decoded by their place in the statement into [`Cell`]s, not by name into whole
//! models. The statements are those of `page` (one per level, whatever the number of
//! parents), with a select list of the planner's choosing.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::translation;
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    IdenStatic, Iterable, QueryResult, TryGetable,
    sea_query::{
        Alias, CaseStatement, Condition, Expr, ExprTrait, Func, JoinType, Order, Query,
        QueryStatementBuilder, SelectStatement, Value, Values,
    },
    sqlx,
};

use crate::{
    error::{Error, Result},
    repo::{
        col,
        cursor::SortValue,
        node::column as node_column,
        page::{
            Link, ListQuery, Via, in_ids, keyset, linked_from, not_deleted, page_of_each,
            read_order,
        },
        text::{TextRow, column as text_column},
    },
};

/// How a column's values are decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellType {
    /// An integer of any width.
    Int,
    /// A small integer (`INTEGER` on PostgreSQL, read as `i32`).
    Int32,
    /// A floating-point number.
    Float,
    /// True or false.
    Bool,
    /// Text.
    Text,
    /// A calendar date.
    Date,
    /// An instant.
    Time,
}

/// One value read by position.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// SQL `NULL`.
    Null,
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Text.
    Text(String),
    /// A calendar date.
    Date(NaiveDate),
    /// An instant.
    Time(DateTime<Utc>),
}

impl Cell {
    /// The value as a cursor carries it.
    pub fn sort_value(&self) -> SortValue {
        match self {
            Cell::Int(i) => SortValue::Int(*i),
            Cell::Text(s) => SortValue::Text(s.clone()),
            Cell::Date(d) => SortValue::date(*d),
            Cell::Time(t) => SortValue::time(*t),
            Cell::Null | Cell::Float(_) | Cell::Bool(_) => SortValue::Null,
        }
    }
}

/// A column of a node table, with how it is decoded.
#[derive(Clone, Copy, Debug)]
pub struct ColumnRead {
    /// The column's name.
    pub name: &'static str,
    /// How it is decoded.
    pub ty: CellType,
}

/// The readable columns of the table of `E`, by name.
pub fn columns_of<E: EntityTrait>() -> HashMap<&'static str, ColumnRead> {
    E::Column::iter()
        .filter_map(|c| {
            let ty = match c.def().get_column_type() {
                ColumnType::BigInteger | ColumnType::BigUnsigned => CellType::Int,
                ColumnType::Integer
                | ColumnType::SmallInteger
                | ColumnType::TinyInteger
                | ColumnType::Unsigned
                | ColumnType::SmallUnsigned
                | ColumnType::TinyUnsigned => CellType::Int32,
                ColumnType::Float | ColumnType::Double => CellType::Float,
                ColumnType::Boolean => CellType::Bool,
                ColumnType::Date => CellType::Date,
                ColumnType::TimestampWithTimeZone
                | ColumnType::Timestamp
                | ColumnType::DateTime => CellType::Time,
                ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => CellType::Text,
                ColumnType::Enum { .. } => CellType::Text,
                _ => return None,
            };
            let name = c.as_str();
            Some((name, ColumnRead { name, ty }))
        })
        .collect()
}

/// One row: the node's id, its parent's (for linked rows), the selected columns in order,
/// and the edge's own columns.
#[derive(Clone, Debug)]
pub struct Row {
    /// The node's id.
    pub id: i64,
    /// The parent's id (0 for root rows).
    pub parent: i64,
    /// The selected columns, in the order asked for.
    pub cells: Vec<Cell>,
    /// The edge's columns, in the order asked for.
    pub edge: Vec<Cell>,
    /// The texts chosen, in the order asked for (`None`: the record has no such text).
    pub texts: Vec<Option<TextCell>>,
}

/// A text chosen along the language fallback chain.
#[derive(Clone, Debug, PartialEq)]
pub struct TextCell {
    /// The text.
    pub value: String,
    /// Its language.
    pub lang: String,
    /// Where it was taken from.
    pub source: Option<String>,
}

/// A translatable field to read with each row, in the language chosen along the fallback
/// chain (`graphql::i18n`): the languages of `wanted` in order (the `lang` argument, or
/// the request's languages, then English), then the record's original language, then
/// the first language by code. It is chosen in the statement itself, one index lookup
/// per row.
#[derive(Clone, Debug, PartialEq)]
pub struct TextRead {
    /// The field (`title`, `name`, ...).
    pub field: &'static str,
    /// The languages wanted, best first, ending with English.
    pub wanted: Vec<String>,
}

/// Where a statement's rows keep what the text lookups need: the record's id and its
/// original language.
struct Owner {
    id: Expr,
    original: Expr,
}

/// Joins each text of `texts` to the rows of `select`, with its value, language and
/// source in the select list. The text chosen is the first that exists of: the wanted
/// languages in order, the original language, the first language by code. One index
/// lookup per row: for the few rows of a root page or a lookup by id; lists under many
/// parents read their texts in one statement of their own ([`texts`]).
///
/// PostgreSQL: a `LEFT JOIN LATERAL` of the best text (a plain join on a correlated
/// subquery makes it hash the whole translation table). SQLite has no LATERAL, and cannot
/// order a correlated subquery by an outer column: a join on the id of the first text
/// found by three lookups (wanted, original, any).
fn join_texts(
    select: &mut SelectStatement,
    backend: DbBackend,
    owner_type: &'static str,
    owner: &Owner,
    texts: &[TextRead],
) {
    let x = || Alias::new("__x");
    let lang = || Expr::col((x(), translation::Column::Lang));
    let of_field = |field: &'static str| {
        let mut q = Query::select();
        q.from_as(translation::Entity, x())
            .and_where(Expr::col((x(), translation::Column::OwnerType)).eq(owner_type))
            .and_where(Expr::col((x(), translation::Column::OwnerId)).eq(owner.id.clone()))
            .and_where(Expr::col((x(), translation::Column::Field)).eq(field))
            .limit(1);
        q
    };
    let sub = |q: SelectStatement| Expr::SubQuery(None, Box::new(q.into_sub_query_statement()));
    for (i, text) in texts.iter().enumerate() {
        let alias = Alias::new(format!("__t{i}"));
        // CASE takes the first arm that matches: the wanted languages in order.
        let mut rank = CaseStatement::new();
        for (at, wanted) in text.wanted.iter().enumerate() {
            rank = rank.case(lang().eq(wanted.as_str()), Expr::val(at as i64));
        }
        let last = text.wanted.len() as i64;
        if backend == DbBackend::Postgres {
            rank = rank
                .case(lang().eq(owner.original.clone()), Expr::val(last))
                .finally(Expr::val(last + 1));
            let mut best = of_field(text.field);
            best.columns([
                (x(), translation::Column::Value),
                (x(), translation::Column::Lang),
                (x(), translation::Column::SourceUrl),
            ])
            .order_by_expr(rank.into(), Order::Asc)
            .order_by((x(), translation::Column::Lang), Order::Asc);
            select.join_lateral(JoinType::LeftJoin, best, alias.clone(), Expr::cust("TRUE"));
        } else {
            let mut wanted = of_field(text.field);
            wanted
                .column((x(), translation::Column::Id))
                .and_where(lang().is_in(text.wanted.iter().map(String::as_str)))
                .order_by_expr(rank.into(), Order::Asc);
            let mut original = of_field(text.field);
            original
                .column((x(), translation::Column::Id))
                .and_where(lang().eq(owner.original.clone()));
            let mut any = of_field(text.field);
            any.column((x(), translation::Column::Id))
                .order_by((x(), translation::Column::Lang), Order::Asc);
            let chosen = Func::coalesce([sub(wanted), sub(original), sub(any)]);
            select.join_as(
                JoinType::LeftJoin,
                translation::Entity,
                alias.clone(),
                Expr::col((alias.clone(), translation::Column::Id)).eq(chosen),
            );
        }
        select
            .expr(Expr::col((alias.clone(), translation::Column::Value)))
            .expr(Expr::col((alias.clone(), translation::Column::Lang)))
            .expr(Expr::col((alias, translation::Column::SourceUrl)));
    }
}

/// The value at `at`, decoded without sqlx's type check of every cell: each column's
/// type is known from the entity (and the oracle tests hold the planner to it).
fn get<T>(row: &QueryResult, at: usize) -> Result<T>
where
    T: TryGetable
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>,
{
    use sqlx::Row as _;
    let read = if let Some(r) = row.try_as_pg_row() {
        r.try_get_unchecked::<T, _>(at)
    } else if let Some(r) = row.try_as_sqlite_row() {
        r.try_get_unchecked::<T, _>(at)
    } else {
        return Ok(row.try_get_by_index(at)?);
    };
    read.map_err(|e| Error::internal(format!("could not read column {at}: {e}")))
}

fn decode(row: &QueryResult, at: usize, ty: CellType) -> Result<Cell> {
    Ok(match ty {
        CellType::Int => get::<Option<i64>>(row, at)?.map(Cell::Int),
        CellType::Int32 => get::<Option<i32>>(row, at)?.map(|i| Cell::Int(i.into())),
        CellType::Float => get::<Option<f64>>(row, at)?.map(Cell::Float),
        CellType::Bool => get::<Option<bool>>(row, at)?.map(Cell::Bool),
        CellType::Text => get::<Option<String>>(row, at)?.map(Cell::Text),
        CellType::Date => get::<Option<NaiveDate>>(row, at)?.map(Cell::Date),
        CellType::Time => get::<Option<DateTime<Utc>>>(row, at)?.map(Cell::Time),
    }
    .unwrap_or(Cell::Null))
}

/// Decodes rows laid out as `id, [parent,] columns..., edge columns...`.
fn decode_rows(
    rows: Vec<QueryResult>,
    linked: bool,
    columns: &[ColumnRead],
    edge: &[CellType],
    texts: usize,
) -> Result<Vec<Row>> {
    let first = if linked { 2 } else { 1 };
    rows.iter()
        .map(|r| {
            let id = get::<i64>(r, 0)?;
            let parent = if linked { get::<i64>(r, 1)? } else { 0 };
            let cells = columns
                .iter()
                .enumerate()
                .map(|(i, c)| decode(r, first + i, c.ty))
                .collect::<Result<Vec<_>>>()?;
            let at = first + columns.len();
            let edge = edge
                .iter()
                .enumerate()
                .map(|(i, ty)| decode(r, at + i, *ty))
                .collect::<Result<Vec<_>>>()?;
            let at = at + edge.len();
            let texts = (0..texts)
                .map(|i| {
                    let value: Option<String> = get(r, at + 3 * i)?;
                    let lang: Option<String> = get(r, at + 3 * i + 1)?;
                    let source: Option<String> = get(r, at + 3 * i + 2)?;
                    Ok(value.zip(lang).map(|(value, lang)| TextCell {
                        value,
                        lang,
                        source,
                    }))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Row {
                id,
                parent,
                cells,
                edge,
                texts,
            })
        })
        .collect()
}

/// The rows of `select`, a statement of a small read (a page, a node, a lookup).
///
/// On PostgreSQL its limits are written into the SQL as numbers, not sent as parameters.
/// PostgreSQL plans a prepared statement anew at each execution while its generic plan
/// (one for any values) looks costlier than a plan for the values at hand, and `LIMIT $n`
/// makes it look so: the planner then assumes a tenth of the rows. With the number in the
/// SQL, the generic plan is as good, PostgreSQL keeps it, and a small read is no longer
/// planned each time at a cost greater than its execution's. The limit's parameter stays
/// bound, unused (its type travels with it). A statement per page size: at most
/// `max_page_size + 1` of them.
async fn planned(db: &DatabaseConnection, select: &SelectStatement) -> Result<Vec<QueryResult>> {
    let backend = db.get_database_backend();
    let mut statement = backend.build(select);
    if backend == DbBackend::Postgres {
        statement.sql = limits_written(&statement.sql, statement.values.as_ref());
    }
    Ok(db.query_all_raw(statement).await?)
}

/// `sql` with each `LIMIT $n` whose parameter is a whole number written `LIMIT <number>`.
fn limits_written(sql: &str, values: Option<&Values>) -> String {
    const LIMIT: &str = " LIMIT $";
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(LIMIT) {
        let (head, tail) = rest.split_at(at + LIMIT.len());
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        let value = tail[..digits]
            .parse::<usize>()
            .ok()
            .and_then(|n| values?.0.get(n.checked_sub(1)?));
        out.push_str(&head[..head.len() - 1]);
        match value {
            Some(Value::BigUnsigned(Some(n))) => out.push_str(&n.to_string()),
            Some(Value::BigInt(Some(n))) => out.push_str(&n.to_string()),
            _ => {
                out.push('$');
                out.push_str(&tail[..digits]);
            }
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

fn select_columns(q: &mut SelectStatement, table: &'static str, columns: &[ColumnRead]) {
    for c in columns {
        q.expr(col(table, c.name));
    }
}

/// One page of the live rows of `table` matching `q`, in read order (at most limit + 1),
/// with `texts` (the column `original_lang` must be among `columns` when there are some).
pub async fn root_rows(
    db: &DatabaseConnection,
    table: &'static str,
    columns: &[ColumnRead],
    texts: &[TextRead],
    q: &ListQuery,
) -> Result<Vec<Row>> {
    let (dir, nulls, id_dir) = read_order(&q.order, &q.window);
    let mut select = Query::select();
    select.expr_as(col(table, node_column::ID), "__id");
    for (i, c) in columns.iter().enumerate() {
        select.expr_as(col(table, c.name), Alias::new(format!("__c{i}")));
    }
    select
        .from(table)
        .and_where(not_deleted(table))
        .cond_where(q.cond.clone())
        .cond_where(keyset(table, &q.order, &q.window)?);
    if q.order.column != node_column::ID {
        select.order_by_expr_with_nulls(col(table, q.order.column), dir.clone(), nulls);
    }
    select
        .order_by_expr(col(table, node_column::ID), id_dir.clone())
        .limit(q.window.limit + 1);
    if texts.is_empty() {
        return decode_rows(planned(db, &select).await?, false, columns, &[], 0);
    }
    // The page first, then one text lookup per row of the page (not per candidate row).
    let page = Alias::new("__page");
    let mut outer = Query::select();
    outer.column((page.clone(), Alias::new("__id")));
    for i in 0..columns.len() {
        outer.column((page.clone(), Alias::new(format!("__c{i}"))));
    }
    outer.from_subquery(select, page.clone());
    join_texts(
        &mut outer,
        db.get_database_backend(),
        table,
        &page_owner(columns)?,
        texts,
    );
    if q.order.column != node_column::ID {
        let sort = columns
            .iter()
            .position(|c| c.name == q.order.column)
            .ok_or_else(|| crate::error::Error::internal("the sort column is not read"))?;
        outer.order_by_expr_with_nulls(
            Expr::col((page.clone(), Alias::new(format!("__c{sort}")))),
            dir,
            nulls,
        );
    }
    outer.order_by_expr(Expr::col((page, Alias::new("__id"))), id_dir);
    decode_rows(planned(db, &outer).await?, false, columns, &[], texts.len())
}

/// The owner of the texts of a page's rows (`__page.__id`, `__page.__c<original_lang>`).
fn page_owner(columns: &[ColumnRead]) -> Result<Owner> {
    let original = columns
        .iter()
        .position(|c| c.name == node_column::ORIGINAL_LANG)
        .ok_or_else(|| crate::error::Error::internal("texts are read without original_lang"))?;
    Ok(Owner {
        id: Expr::col((Alias::new("__page"), Alias::new("__id"))),
        original: Expr::col((Alias::new("__page"), Alias::new(format!("__c{original}")))),
    })
}

/// The live rows of `table` with these ids, in no particular order, with `texts`.
pub async fn rows_by_id(
    db: &DatabaseConnection,
    table: &'static str,
    columns: &[ColumnRead],
    texts: &[TextRead],
    ids: &[i64],
) -> Result<Vec<Row>> {
    let by_id = in_ids(db.get_database_backend(), col(table, node_column::ID), ids);
    rows_where(db, table, columns, texts, by_id, None).await
}

/// The live row of `table` whose unique `column` holds `value` (a slug, a code), with
/// `texts`.
pub async fn row_by_key(
    db: &DatabaseConnection,
    table: &'static str,
    columns: &[ColumnRead],
    texts: &[TextRead],
    column: &'static str,
    value: &str,
) -> Result<Vec<Row>> {
    let by_key = col(table, column).eq(value);
    rows_where(db, table, columns, texts, by_key, Some(1)).await
}

/// The live rows of `table` under `cond` (at most `limit`), with `texts`.
async fn rows_where(
    db: &DatabaseConnection,
    table: &'static str,
    columns: &[ColumnRead],
    texts: &[TextRead],
    cond: Expr,
    limit: Option<u64>,
) -> Result<Vec<Row>> {
    let mut select = Query::select();
    select.expr(col(table, node_column::ID));
    select_columns(&mut select, table, columns);
    select.from(table);
    let owner = Owner {
        id: col(table, node_column::ID),
        original: col(table, node_column::ORIGINAL_LANG),
    };
    join_texts(&mut select, db.get_database_backend(), table, &owner, texts);
    select.and_where(not_deleted(table)).and_where(cond);
    if let Some(limit) = limit {
        select.limit(limit);
    }
    let rows = planned(db, &select).await?;
    decode_rows(rows, false, columns, &[], texts.len())
}

/// The pages of the live children of many parents at once, in one statement: for each
/// parent, at most limit + 1 rows in read order, grouped by parent. `edge` names the edge
/// table's own columns to read with each row.
#[allow(clippy::too_many_arguments)]
pub async fn linked_rows(
    db: &DatabaseConnection,
    link: &Link,
    child: &'static str,
    columns: &[ColumnRead],
    edge: &[ColumnRead],
    parents: &[i64],
    q: &ListQuery,
    edge_cond: &Condition,
) -> Result<Vec<Row>> {
    let mut inner = Query::select();
    let parent = linked_from(&mut inner, child, &link.via);
    inner
        .expr_as(col(child, node_column::ID), "__id")
        .expr_as(parent.clone(), "__parent");
    for (i, c) in columns.iter().enumerate() {
        inner.expr_as(col(child, c.name), Alias::new(format!("__c{i}")));
    }
    let edge_table = match &link.via {
        Via::Edge(e) => Some(e.table()),
        Via::Column(_) => None,
    };
    for (i, c) in edge.iter().enumerate() {
        let table = edge_table.unwrap_or(child);
        inner.expr_as(col(table, c.name), Alias::new(format!("__e{i}")));
    }
    page_of_each(db, &mut inner, link, child, parent, parents, q, edge_cond)?;
    let mut outer = Query::select();
    outer
        .column(("__page", "__id"))
        .column(("__page", "__parent"));
    for i in 0..columns.len() {
        outer.column((Alias::new("__page"), Alias::new(format!("__c{i}"))));
    }
    for i in 0..edge.len() {
        outer.column((Alias::new("__page"), Alias::new(format!("__e{i}"))));
    }
    outer.from_subquery(inner, "__page");
    outer.and_where(Expr::col(("__page", "__rn")).lte(q.window.limit as i64 + 1));
    let edge_types: Vec<CellType> = edge.iter().map(|c| c.ty).collect();
    if db.get_database_backend() == DbBackend::Sqlite {
        // Put in read order here, not by SQLite: sorting the aggregate's rows again costs
        // SQLite more than sorting the decoded rows costs Rust.
        outer.column(("__page", "__rn"));
        let names: Vec<String> = ["__id".to_string(), "__parent".to_string()]
            .into_iter()
            .chain((0..columns.len()).map(|i| format!("__c{i}")))
            .chain((0..edge.len()).map(|i| format!("__e{i}")))
            .chain(["__rn".to_string()])
            .collect();
        let mut rows = json_rows(db, &outer, &names)
            .await?
            .into_iter()
            .map(|mut r| {
                let rn = r.pop().and_then(|n| n.as_i64());
                let rn =
                    rn.ok_or_else(|| Error::internal("an aggregated row without its number"))?;
                Ok((json_row(r, columns, &edge_types)?, rn))
            })
            .collect::<Result<Vec<_>>>()?;
        rows.sort_unstable_by_key(|(row, rn)| (row.parent, *rn));
        return Ok(rows.into_iter().map(|(row, _)| row).collect());
    }
    outer
        .order_by(("__page", "__parent"), Order::Asc)
        .order_by(("__page", "__rn"), Order::Asc);
    decode_rows(db.query_all(&outer).await?, true, columns, &edge_types, 0)
}

/// The rows of `select`, whose columns are named `names`, read as one JSON array of
/// arrays, in no particular order (SQLite only). sqlx hands each SQLite row from the
/// connection's thread to the reader's task on a channel: thousands of rows cost thousands
/// of thread wake-ups, one aggregate costs one.
async fn json_rows(
    db: &DatabaseConnection,
    select: &SelectStatement,
    names: &[String],
) -> Result<Vec<Vec<serde_json::Value>>> {
    let (sql, values) = select.build(sea_orm::sea_query::SqliteQueryBuilder);
    let columns: Vec<String> = names
        .iter()
        .map(|n| format!("\"__rows\".\"{n}\""))
        .collect();
    let wrapped = format!(
        "SELECT json_group_array(json_array({})) FROM ({sql}) AS \"__rows\"",
        columns.join(", ")
    );
    let statement = sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, wrapped, values);
    let Some(row) = db.query_one_raw(statement).await? else {
        return Ok(Vec::new());
    };
    let text: String = get(&row, 0)?;
    serde_json::from_str(&text).map_err(|e| Error::internal(format!("aggregated rows: {e}")))
}

/// A row read from JSON: `id, parent, columns..., edge columns...`.
fn json_row(
    values: Vec<serde_json::Value>,
    columns: &[ColumnRead],
    edge: &[CellType],
) -> Result<Row> {
    let bad = || Error::internal("an aggregated row of the wrong shape");
    let mut values = values.into_iter();
    let int = |v: Option<serde_json::Value>| v.and_then(|v| v.as_i64()).ok_or_else(bad);
    let id = int(values.next())?;
    let parent = int(values.next())?;
    let cells = columns
        .iter()
        .map(|c| json_cell(values.next().ok_or_else(bad)?, c.ty))
        .collect::<Result<Vec<_>>>()?;
    let edge = edge
        .iter()
        .map(|ty| json_cell(values.next().ok_or_else(bad)?, *ty))
        .collect::<Result<Vec<_>>>()?;
    Ok(Row {
        id,
        parent,
        cells,
        edge,
        texts: Vec::new(),
    })
}

/// A cell from its JSON value, as SQLite stores it (dates and times as text).
fn json_cell(value: serde_json::Value, ty: CellType) -> Result<Cell> {
    use serde_json::Value as J;
    let bad = || Error::internal(format!("an aggregated {ty:?} cell of the wrong type"));
    Ok(match (value, ty) {
        (J::Null, _) => Cell::Null,
        (J::Number(n), CellType::Int | CellType::Int32) => Cell::Int(n.as_i64().ok_or_else(bad)?),
        (J::Number(n), CellType::Float) => Cell::Float(n.as_f64().ok_or_else(bad)?),
        (J::Number(n), CellType::Bool) => Cell::Bool(n.as_i64().ok_or_else(bad)? != 0),
        (J::String(s), CellType::Text) => Cell::Text(s),
        (J::String(s), CellType::Date) => {
            Cell::Date(NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| bad())?)
        }
        (J::String(s), CellType::Time) => Cell::Time(
            DateTime::parse_from_rfc3339(&s)
                .map_err(|_| bad())?
                .with_timezone(&Utc),
        ),
        _ => return Err(bad()),
    })
}

/// The texts of `fields` (all fields: `None`) of the records `ids` of type `owner`, in
/// every language, by record: one statement for the rows of a whole level.
pub async fn texts(
    db: &DatabaseConnection,
    owner: &'static str,
    ids: &[i64],
    fields: Option<&[&'static str]>,
) -> Result<HashMap<i64, Vec<TextRow>>> {
    let t = translation::Entity;
    let mut select = Query::select();
    select
        .columns([
            translation::Column::OwnerId,
            translation::Column::Field,
            translation::Column::Lang,
            translation::Column::Value,
            translation::Column::SourceUrl,
        ])
        .from(t)
        .and_where(translation::Column::OwnerType.eq(owner))
        .and_where(in_ids(
            db.get_database_backend(),
            col!(translation.owner_id),
            ids,
        ));
    if let Some(fields) = fields {
        select.and_where(translation::Column::Field.is_in(fields.iter().copied()));
    }
    let mut by_owner: HashMap<i64, Vec<TextRow>> = HashMap::new();
    if db.get_database_backend() == DbBackend::Sqlite {
        let bad = || Error::internal("an aggregated text of the wrong shape");
        let names = [
            text_column::OWNER_ID,
            text_column::FIELD,
            text_column::LANG,
            text_column::VALUE,
            text_column::SOURCE_URL,
        ]
        .map(String::from);
        for r in json_rows(db, &select, &names).await? {
            let [owner_id, field, lang, value, source] =
                <[serde_json::Value; 5]>::try_from(r).map_err(|_| bad())?;
            let text = |v: serde_json::Value| match v {
                serde_json::Value::String(s) => Ok(s),
                _ => Err(bad()),
            };
            by_owner
                .entry(owner_id.as_i64().ok_or_else(bad)?)
                .or_default()
                .push(TextRow {
                    field: text(field)?,
                    lang: text(lang)?,
                    value: text(value)?,
                    source: match source {
                        serde_json::Value::Null => None,
                        s => Some(text(s)?),
                    },
                });
        }
        return Ok(by_owner);
    }
    for r in db.query_all(&select).await? {
        let owner_id: i64 = get(&r, 0)?;
        by_owner.entry(owner_id).or_default().push(TextRow {
            field: get(&r, 1)?,
            lang: get(&r, 2)?,
            value: get(&r, 3)?,
            source: get(&r, 4)?,
        });
    }
    Ok(by_owner)
}

/// How many live rows of `table` match `cond`.
pub async fn count(db: &DatabaseConnection, table: &'static str, cond: Condition) -> Result<i64> {
    let mut select = Query::select();
    select
        .expr(Expr::col(sea_orm::sea_query::Asterisk).count())
        .from(table)
        .and_where(not_deleted(table))
        .cond_where(cond);
    let Some(row) = db.query_one(&select).await? else {
        return Ok(0);
    };
    Ok(row.try_get_by_index::<i64>(0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_written_as_numbers_and_other_parameters_kept() {
        let values = Values(vec![
            Value::String(Some("en".into())),
            Value::BigUnsigned(Some(21)),
            Value::BigInt(Some(1)),
        ]);
        let sql = r#"SELECT a FROM (SELECT a FROM t WHERE b = $1 LIMIT $2) AS p LEFT JOIN LATERAL (SELECT c LIMIT $3) AS x ON TRUE"#;
        assert_eq!(
            limits_written(sql, Some(&values)),
            r#"SELECT a FROM (SELECT a FROM t WHERE b = $1 LIMIT 21) AS p LEFT JOIN LATERAL (SELECT c LIMIT 1) AS x ON TRUE"#
        );
        // A limit that is not a whole number, or names no value, stays a parameter.
        let odd = "SELECT a LIMIT $1 OFFSET 0 LIMIT $9";
        let text = Values(vec![Value::String(Some("x".into()))]);
        assert_eq!(limits_written(odd, Some(&text)), odd);
        assert_eq!(limits_written(odd, None), odd);
    }
}
