//! Facets: counts of a list's records grouped by one of their fields, in one SQL
//! statement per facet, under the list's own filter.

use sea_orm::{
    ConnectionTrait, DatabaseConnection,
    sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, SelectStatement},
};

use crate::{
    error::{Error, Result},
    repo::{col, edges::EdgeTable, node::column as node_column},
};

/// What a facet groups the records of a table by.
#[derive(Clone, Copy, Debug)]
pub enum Dimension {
    /// A column of the record's own table (`year`, `country`, `kind`).
    Column(&'static str),
    /// The languages the record has texts in.
    Language,
    /// The codes of the themes the record is tagged with.
    Theme,
    /// The role of the edges from the record (`dialogue_participant.role`).
    Role(&'static EdgeTable),
    /// A column of the records at the other end of the edges (the `kind` of the
    /// organisations taking part).
    Through(&'static EdgeTable, &'static str),
}

/// One group of a facet: a value (`None` for records without one) and how many records
/// have it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// The value, as text (enum values in their stored form).
    pub value: Option<String>,
    /// How many records of the list have it.
    pub count: i64,
}

fn as_text(e: Expr) -> Expr {
    e.cast_as(Alias::new("TEXT"))
}

/// The statement of a facet: each value and the number of distinct records that have
/// it, most frequent first. `ids` selects the ids of the list's records, all pages.
fn statement(table: &'static str, ids: &SelectStatement, d: Dimension) -> Result<SelectStatement> {
    let mut q = Query::select();
    // Whether a record may be counted twice in a group without DISTINCT. A table's rows
    // are its records; a record has a theme once (theme_tag is unique by record and
    // theme, and live themes by code). A record has many texts in a language, and may
    // have many edges with one role or to records of one kind.
    let distinct = !matches!(d, Dimension::Column(_) | Dimension::Theme);
    let (value, record) = match d {
        Dimension::Column(c) => {
            q.from(table)
                .and_where(col(table, node_column::ID).in_subquery(ids.clone()));
            (col(table, c), col(table, node_column::ID))
        }
        Dimension::Language => {
            q.from(table!(translation))
                .and_where(col!(translation.owner_type).eq(table))
                .and_where(col!(translation.owner_id).in_subquery(ids.clone()));
            (col!(translation.lang), col!(translation.owner_id))
        }
        Dimension::Theme => {
            q.from(table!(theme_tag))
                .inner_join(
                    table!(theme),
                    col!(theme.id).equals((table!(theme_tag), column_name!(theme_tag.theme_id))),
                )
                .and_where(col!(theme_tag.node_type).eq(table))
                .and_where(col!(theme_tag.node_id).in_subquery(ids.clone()))
                .and_where(col!(theme.deleted_at).is_null());
            (col!(theme.code), col!(theme_tag.node_id))
        }
        Dimension::Role(edge) => {
            let role = edge.role_column().ok_or_else(|| {
                Error::internal(format!("a role facet of {}, which has no role", edge.name))
            })?;
            q.from(edge.name)
                .and_where(col(edge.name, edge.from).in_subquery(ids.clone()));
            (col(edge.name, role), col(edge.name, edge.from))
        }
        Dimension::Through(edge, column) => {
            let target = edge.target.table();
            q.from(edge.name)
                .inner_join(
                    target,
                    col(target, node_column::ID).equals((edge.name, edge.to)),
                )
                .and_where(col(edge.name, edge.from).in_subquery(ids.clone()))
                .and_where(col(target, node_column::DELETED_AT).is_null());
            (col(target, column), col(edge.name, edge.from))
        }
    };
    // Output names that no table has, so that ORDER BY cannot mistake them.
    q.expr_as(as_text(value.clone()), "facet_value")
        .expr_as(
            match distinct {
                true => Func::count_distinct(record),
                false => Func::count(record),
            },
            "facet_n",
        )
        .add_group_by([value])
        .order_by_expr(Expr::col("facet_n"), Order::Desc)
        .order_by_expr(Expr::col("facet_value"), Order::Asc);
    Ok(q)
}

/// The buckets of a facet over the records `ids` of `table`.
pub async fn buckets(
    db: &DatabaseConnection,
    table: &'static str,
    ids: &SelectStatement,
    d: Dimension,
) -> Result<Vec<Bucket>> {
    let rows = db.query_all(&statement(table, ids, d)?).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(Bucket {
            value: row.try_get("", "facet_value")?,
            count: row.try_get("", "facet_n")?,
        });
    }
    Ok(out)
}

/// How many of the records `ids` of `table` fall in each year, in year order (years
/// without records left out).
pub async fn per_year(
    db: &DatabaseConnection,
    table: &'static str,
    ids: &SelectStatement,
) -> Result<Vec<(i32, i64)>> {
    let year = node_column::YEAR;
    let q = Query::select()
        .expr_as(col(table, year), "facet_year")
        .expr_as(Func::count(col(table, node_column::ID)), "facet_n")
        .from(table)
        .and_where(col(table, node_column::ID).in_subquery(ids.clone()))
        .and_where(col(table, year).is_not_null())
        .group_by_col((table, year))
        .order_by((table, year), Order::Asc)
        .to_owned();
    let mut out = Vec::new();
    for row in db.query_all(&q).await? {
        out.push((row.try_get("", "facet_year")?, row.try_get("", "facet_n")?));
    }
    Ok(out)
}
