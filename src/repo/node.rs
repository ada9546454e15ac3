//! Lookups that work on any node table.

use sea_orm::{
    ConnectionTrait, DatabaseConnection,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::{error::Result, graphql::filter::col};

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
    for table in crate::graphql::id::NodeType::ALL.map(|t| t.table()) {
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
