//! Reading the change feed: for live subscribers, for partners catching up, and as the
//! history of one record.

use std::{collections::HashMap, sync::Arc};

use entity::change;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Asterisk, Expr, ExprTrait, Order, Query, WindowStatement},
};

use crate::{error::Result, graphql::loader::BatchLoad, repo::page::in_ids};

/// The operations of record changes (the others are edge changes).
pub const RECORD_OPS: [&str; 3] = ["create", "update", "delete"];

/// The number of the last change, 0 when there is none.
pub async fn last_seq(db: &DatabaseConnection) -> Result<i64> {
    Ok(change::Entity::find()
        .select_only()
        .column_as(change::Column::Seq.max(), "max")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// The changes after `seq`, in order, at most `limit` of them, with or without the
/// records' values.
pub async fn read_after(
    db: &DatabaseConnection,
    seq: i64,
    limit: u64,
    snapshots: Snapshots,
) -> Result<Vec<change::Model>> {
    feed(db, seq, limit, None, snapshots).await
}

/// Fills in the records' values of a change read without them.
pub async fn read_snapshots(db: &DatabaseConnection, c: &mut change::Model) -> Result<()> {
    let values = change::Entity::find_by_id(c.seq)
        .select_only()
        .columns([change::Column::Before, change::Column::After])
        .into_tuple::<(Option<String>, Option<String>)>()
        .one(db)
        .await?;
    if let Some((before, after)) = values {
        (c.before, c.after) = (before, after);
    }
    Ok(())
}

/// Whether to read the records' values before and after each change (their largest
/// columns: two copies of the record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Snapshots {
    /// Read them.
    Read,
    /// Leave them out (`before` and `after` are `None`): a page of the feed then weighs
    /// the same whatever the size of its records.
    Skip,
}

/// Whether a column of `change` holds a record's values (before or after).
fn is_snapshot(c: &change::Column) -> bool {
    matches!(c, change::Column::Before | change::Column::After)
}

/// The changes after `seq` touching records of the given types (edge changes touch both
/// ends), in order, at most `limit`.
pub async fn feed(
    db: &DatabaseConnection,
    seq: i64,
    limit: u64,
    types: Option<&[&'static str]>,
    snapshots: Snapshots,
) -> Result<Vec<change::Model>> {
    use sea_orm::Iterable;
    let mut q = change::Entity::find().filter(change::Column::Seq.gt(seq));
    if snapshots == Snapshots::Skip {
        q = q
            .select_only()
            .columns(change::Column::iter().filter(|c| !is_snapshot(c)))
            .column_as(Expr::cust("NULL"), column_name!(change.before))
            .column_as(Expr::cust("NULL"), column_name!(change.after));
    }
    if let Some(types) = types {
        q = q.filter(
            Condition::any()
                .add(change::Column::NodeType.is_in(types.iter().copied()))
                .add(change::Column::TargetType.is_in(types.iter().copied())),
        );
    }
    Ok(q.order_by_asc(change::Column::Seq)
        .limit(limit)
        .all(db)
        .await?)
}

/// Batched load of the history (revisions, newest first, `limit + 1` of them so that the
/// caller knows whether more exist) of records of one type.
#[derive(Clone, Copy)]
pub struct History {
    /// The records' type.
    pub owner: &'static str,
    /// At most this many revisions per record.
    pub limit: u64,
    /// Only revisions before this change number.
    pub before: Option<i64>,
    /// Whether to read the records' values.
    pub snapshots: Snapshots,
}

impl BatchLoad for History {
    type Key = i64;
    type Value = Arc<Vec<change::Model>>;

    fn group(&self) -> String {
        format!(
            "{}|{}|{:?}|{:?}",
            self.owner, self.limit, self.before, self.snapshots
        )
    }

    async fn load(
        &self,
        db: &DatabaseConnection,
        ids: Vec<i64>,
    ) -> Result<HashMap<i64, Self::Value>> {
        // The newest `limit + 1` revisions of each record, numbered per record in SQL.
        use sea_orm::{IdenStatic, Iterable};
        let mut inner = Query::select();
        match self.snapshots {
            Snapshots::Read => {
                inner.expr(Expr::col((table!(change), Asterisk)));
            }
            Snapshots::Skip => {
                for c in change::Column::iter().filter(|c| !is_snapshot(c)) {
                    inner.expr(Expr::col((table!(change), c.as_str())));
                }
                for c in [change::Column::Before, change::Column::After] {
                    inner.expr_as(Expr::cust("NULL"), c.as_str());
                }
            }
        }
        inner
            .expr_window_as(
                Expr::cust("ROW_NUMBER()"),
                WindowStatement::partition_by((table!(change), column_name!(change.node_id)))
                    .order_by((table!(change), column_name!(change.seq)), Order::Desc)
                    .to_owned(),
                "__rn",
            )
            .from(table!(change))
            .and_where(col!(change.node_type).eq(self.owner))
            .and_where(col!(change.op).is_in(RECORD_OPS))
            .and_where(in_ids(
                db.get_database_backend(),
                col!(change.node_id),
                &ids,
            ));
        if let Some(before) = self.before {
            inner.and_where(col!(change.seq).lt(before));
        }
        let outer = Query::select()
            .column(Asterisk)
            .from_subquery(inner, "__history")
            .and_where(Expr::col("__rn").lte(self.limit as i64 + 1))
            .order_by(column_name!(change.node_id), Order::Asc)
            .order_by("__rn", Order::Asc)
            .to_owned();
        let mut by_record: HashMap<i64, Vec<change::Model>> = HashMap::new();
        for row in db.query_all(&outer).await? {
            let c = change::Model::from_query_result(&row, "")?;
            by_record.entry(c.node_id).or_default().push(c);
        }
        Ok(by_record
            .into_iter()
            .map(|(k, v)| (k, Arc::new(v)))
            .collect())
    }
}

/// How many changes follow `seq` (of the given types).
pub async fn count_after(
    db: &DatabaseConnection,
    seq: i64,
    types: Option<&[&'static str]>,
) -> Result<i64> {
    let mut q = change::Entity::find().filter(change::Column::Seq.gt(seq));
    if let Some(types) = types {
        q = q.filter(
            Condition::any()
                .add(change::Column::NodeType.is_in(types.iter().copied()))
                .add(change::Column::TargetType.is_in(types.iter().copied())),
        );
    }
    Ok(q.count(db).await? as i64)
}

/// How many revisions a record has.
pub async fn count_history(db: &DatabaseConnection, owner: &str, id: i64) -> Result<i64> {
    Ok(change::Entity::find()
        .filter(change::Column::NodeType.eq(owner))
        .filter(change::Column::NodeId.eq(id))
        .filter(change::Column::Op.is_in(RECORD_OPS))
        .count(db)
        .await? as i64)
}
