//! The SQL shapes of relation filters: sub-queries, never joins, so that no filter can
//! multiply the rows of a list.

use sea_orm::{
    ActiveEnum,
    sea_query::{
        BinOper, CommonTableExpression, Condition, Expr, ExprTrait, Query, UnionType, WithClause,
    },
};

use crate::repo::{col, edges::EdgeTable, node::column as node_column};

/// The row points (through `fk`) at a live row of `table` that meets `cond`:
/// `fk IN (SELECT id FROM table WHERE deleted_at IS NULL AND cond)`.
pub fn related(fk: Expr, table: &'static str, cond: Condition) -> Condition {
    let mut q = Query::select();
    q.expr(col(table, node_column::ID))
        .from(table)
        .and_where(col(table, node_column::DELETED_AT).is_null())
        .cond_where(cond);
    Condition::all().add(fk.in_subquery(q))
}

/// [`related`] as a lookup for each row: `(SELECT 1 FROM table WHERE table.id = fk AND
/// deleted_at IS NULL AND cond) IS NOT NULL`. For a query that reads few rows (a search
/// checking the entries it read), which then looks up those rows by `table`'s key instead
/// of reading every row of `table` first: a scalar sub-query is evaluated per row on both
/// databases, where PostgreSQL would turn `IN` or `EXISTS` into a hash of the whole table.
pub fn related_each(fk: Expr, table: &'static str, cond: Condition) -> Condition {
    let mut q = Query::select();
    q.expr(Expr::val(1))
        .from(table)
        .and_where(col(table, node_column::ID).eq(fk))
        .and_where(col(table, node_column::DELETED_AT).is_null())
        .cond_where(cond);
    Condition::all().add(Expr::SubQuery(None, Box::new(q.into())).is_not_null())
}

/// At least one live row of `table` that meets `cond` points (through its column `fk`) at
/// the row: `id IN (SELECT fk FROM table WHERE deleted_at IS NULL AND cond)`.
pub fn having(id: Expr, table: &'static str, fk: &'static str, cond: Condition) -> Condition {
    let mut q = Query::select();
    q.expr(col(table, fk))
        .from(table)
        .and_where(col(table, node_column::DELETED_AT).is_null())
        .cond_where(cond);
    Condition::all().add(id.in_subquery(q))
}

/// The row is linked through edge table `edge` to a live target that meets `cond`, by an
/// edge that meets `edge_cond`.
pub fn through(
    id: Expr,
    edge: &'static EdgeTable,
    edge_cond: Condition,
    cond: Condition,
) -> Condition {
    let mut q = Query::select();
    q.expr(col(edge.name, edge.from))
        .from(edge.name)
        .cond_where(edge_cond)
        .cond_where(related(col(edge.name, edge.to), edge.target.table(), cond));
    Condition::all().add(id.in_subquery(q))
}

/// `fk` points at a live row of `table` that meets `cond`, or at a row below one (through
/// the hierarchy column `up`, such as `theme.broader_id`, at any depth): a recursive query.
pub fn related_or_below(
    fk: Expr,
    table: &'static str,
    up: &'static str,
    cond: Condition,
) -> Condition {
    let mut top = Query::select()
        .expr(col(table, node_column::ID))
        .from(table)
        .and_where(col(table, node_column::DELETED_AT).is_null())
        .cond_where(cond)
        .to_owned();
    let below = Query::select()
        .expr(col(table, node_column::ID))
        .from(table)
        .inner_join("below", col(table, up).equals(("below", node_column::ID)))
        .and_where(col(table, node_column::DELETED_AT).is_null())
        .to_owned();
    let cte = CommonTableExpression::new()
        .query(top.union(UnionType::Distinct, below).to_owned())
        .column(node_column::ID)
        .table_name("below")
        .to_owned();
    let ids = Query::select()
        .column(node_column::ID)
        .from("below")
        .to_owned()
        .with(WithClause::new().recursive(true).cte(cte).to_owned());
    Condition::all().add(fk.binary(BinOper::In, Expr::SubQuery(None, Box::new(ids.into()))))
}

/// The row is linked through edge table `edge` to a live row of `table` that meets `cond`
/// or lies below one in its hierarchy (column `up`), by an edge that meets `edge_cond`.
pub fn through_or_below(
    id: Expr,
    edge: &'static EdgeTable,
    edge_cond: Condition,
    up: &'static str,
    cond: Condition,
) -> Condition {
    let mut q = Query::select();
    q.expr(col(edge.name, edge.from))
        .from(edge.name)
        .cond_where(edge_cond)
        .cond_where(related_or_below(
            col(edge.name, edge.to),
            edge.target.table(),
            up,
            cond,
        ));
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
