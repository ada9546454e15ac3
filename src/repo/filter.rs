//! The SQL shapes of relation filters: sub-queries, never joins, so that no filter can
//! multiply the rows of a list.

use sea_orm::{
    ActiveEnum,
    sea_query::{Condition, Expr, ExprTrait, Query},
};

use crate::graphql::filter::col;

/// The row points (through `fk`) at a live row of `table` that meets `cond`:
/// `fk IN (SELECT id FROM table WHERE deleted_at IS NULL AND cond)`.
pub fn related(fk: Expr, table: &'static str, cond: Condition) -> Condition {
    let mut q = Query::select();
    q.expr(col(table, "id"))
        .from(table)
        .and_where(col(table, "deleted_at").is_null())
        .cond_where(cond);
    Condition::all().add(fk.in_subquery(q))
}

/// At least one live row of `table` that meets `cond` points (through its column `fk`) at
/// the row: `id IN (SELECT fk FROM table WHERE deleted_at IS NULL AND cond)`.
pub fn having(id: Expr, table: &'static str, fk: &'static str, cond: Condition) -> Condition {
    let mut q = Query::select();
    q.expr(col(table, fk))
        .from(table)
        .and_where(col(table, "deleted_at").is_null())
        .cond_where(cond);
    Condition::all().add(id.in_subquery(q))
}

/// The row is linked through edge table `edge` (from its column `from` to its column `to`)
/// to a live row of `table` that meets `cond`, by an edge that meets `edge_cond`.
pub fn through(
    id: Expr,
    edge: &'static str,
    from: &'static str,
    to: &'static str,
    edge_cond: Condition,
    table: &'static str,
    cond: Condition,
) -> Condition {
    let mut q = Query::select();
    q.expr(col(edge, from))
        .from(edge)
        .cond_where(edge_cond)
        .cond_where(related(col(edge, to), table, cond));
    Condition::all().add(id.in_subquery(q))
}

/// `column IN (values)` on an edge table (the `role` or `level` argument of a relation
/// field), or no condition when no values are given.
pub fn role_in<T: ActiveEnum>(
    edge: &'static str,
    column: &'static str,
    values: Option<Vec<T>>,
) -> Condition {
    match values {
        Some(values) => {
            Condition::all().add(col(edge, column).is_in(values.iter().map(T::to_value)))
        }
        None => Condition::all(),
    }
}
