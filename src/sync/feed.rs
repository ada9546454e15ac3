//! The change feed (`changes`), the history of a record, and the `Change` they show.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::change;

use crate::{
    auth::Principal,
    error::{Error, Result},
    graphql::{
        connection::{Connection, Counter, Edge, Plain},
        context::CtxExt,
        cursor::{Cursor, SortValue},
        id::{NodeType, encode},
        list::by_id,
        loader::Batched,
        node::{Node, load},
    },
    organisation::Organisation,
    sync::changes,
    sync::edges::EdgeKind,
};

/// The order name of change cursors.
const ORDER: &str = "seq.asc";

/// What a change did.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChangeOp {
    /// A record was created.
    Create,
    /// A record was changed.
    Update,
    /// A record was deleted (a tombstone: type, id, external id and last version remain).
    Delete,
    /// An edge was added from the record.
    Link,
    /// An edge was removed from the record.
    Unlink,
}

fn kind_of(table: &str) -> Result<NodeType> {
    NodeType::ALL
        .into_iter()
        .find(|t| t.table() == table)
        .ok_or_else(|| Error::internal(format!("unknown node type {table}")))
}

/// The edge an edge change added or removed.
#[derive(SimpleObject, Clone, Debug)]
pub struct EdgeChange {
    /// The kind of edge.
    pub kind: EdgeKind,
    /// The target record's global id (the source is the change's record).
    pub target: ID,
    /// The target record's type.
    pub target_type: NodeType,
    /// The edge's role or level, in upper case as in the enums, if it has one.
    pub role: Option<String>,
}

/// Who made a change.
pub struct Actor {
    key: Option<i64>,
    partner: Option<i64>,
}

/// Who made a change: an API key and its organisation (both null for the server itself,
/// such as the seed).
#[Object]
impl Actor {
    /// The id of the API key used (as `agora keys list` shows it).
    async fn key(&self) -> Option<i64> {
        self.key
    }

    /// The organisation of the key.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        match self.partner {
            Some(id) => by_id(ctx, id, [id]).await,
            None => Ok(None),
        }
    }
}

/// One committed change, from the change feed.
#[derive(Clone)]
pub struct Change(pub Batched<change::Model>);

/// One committed change of a record or of an edge from it.
#[Object]
impl Change {
    /// The change's position in the feed: strictly increasing in commit order.
    async fn sequence(&self) -> String {
        self.0.seq.to_string()
    }

    /// The change's cursor: pass it as `after` to `changes` or `recordChanged` to go on
    /// from here.
    async fn cursor(&self) -> String {
        cursor(&self.0).encode()
    }

    /// What the change did.
    async fn op(&self) -> ChangeOp {
        match self.0.op.as_str() {
            "create" => ChangeOp::Create,
            "delete" => ChangeOp::Delete,
            "link" => ChangeOp::Link,
            "unlink" => ChangeOp::Unlink,
            _ => ChangeOp::Update,
        }
    }

    /// The record's type.
    #[graphql(name = "type")]
    async fn kind(&self) -> Result<NodeType> {
        kind_of(&self.0.node_type)
    }

    /// The record's global id.
    async fn id(&self) -> Result<ID> {
        Ok(encode(kind_of(&self.0.node_type)?, self.0.node_id))
    }

    /// The record's id in its partner's system.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// The partner the record belongs to.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.partner_id else {
            return Ok(None);
        };
        let siblings = self.0.siblings().iter().filter_map(|c| c.partner_id);
        by_id(ctx, id, siblings).await
    }

    /// The record's version after the change.
    async fn version(&self) -> i64 {
        self.0.version
    }

    /// When the change was committed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// The record as it is now; null when it has since been deleted.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        let kind = kind_of(&self.0.node_type)?;
        let siblings = self
            .0
            .siblings()
            .iter()
            .filter(|c| c.node_type == self.0.node_type)
            .map(|c| c.node_id)
            .collect();
        load(ctx, kind, self.0.node_id, siblings).await
    }

    /// For `LINK` and `UNLINK`: the edge.
    async fn edge(&self) -> Result<Option<EdgeChange>> {
        let (Some(kind), Some(target_type), Some(target)) = (
            self.0.edge_kind.as_deref(),
            self.0.target_type.as_deref(),
            self.0.target_id,
        ) else {
            return Ok(None);
        };
        let target_type = kind_of(target_type)?;
        Ok(EdgeKind::of_table(kind).map(|kind| EdgeChange {
            kind,
            target: encode(target_type, target),
            target_type,
            role: self.0.role.as_ref().map(|r| r.to_uppercase()),
        }))
    }

    /// Who made the change.
    async fn by(&self) -> Actor {
        Actor {
            key: self.0.api_key_id,
            partner: self.0.actor_id,
        }
    }

    /// For record changes: the values before, as JSON with `columns` and `texts` by field
    /// and language. Null on creation; for an update or a deletion, only the columns and
    /// texts the change changed (`null` where there was none). Changes recorded by
    /// earlier versions of Agora hold the whole record on both sides.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0
            .before
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .map(Json)
    }

    /// For record changes: the values after, as JSON (see `before`): the whole record on
    /// creation; for an update or a deletion, only what the change changed.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0
            .after
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .map(Json)
    }

    /// For record changes: the columns and texts that differ between `before` and `after`.
    async fn changed_fields(&self) -> Vec<String> {
        let parse = |t: &Option<String>| -> serde_json::Value {
            t.as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default()
        };
        let (before, after) = (parse(&self.0.before), parse(&self.0.after));
        let mut fields = Vec::new();
        for part in ["columns", "texts"] {
            let empty = serde_json::Map::new();
            let b = before[part].as_object().unwrap_or(&empty);
            let a = after[part].as_object().unwrap_or(&empty);
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            let null = serde_json::Value::Null;
            let value = |m: &serde_json::Map<String, serde_json::Value>, k: &str| {
                m.get(k).unwrap_or(&null).clone()
            };
            fields.extend(
                keys.into_iter()
                    .filter(|k| value(b, k) != value(a, k))
                    .cloned(),
            );
        }
        fields
    }
}

fn cursor(c: &change::Model) -> Cursor {
    Cursor {
        order: ORDER.into(),
        value: SortValue::Int(c.seq),
        id: c.seq,
    }
}

/// The change number a feed cursor stands for.
pub fn feed_position(cursor: &str) -> Result<i64> {
    match Cursor::decode(cursor, ORDER)?.value {
        SortValue::Int(seq) => Ok(seq),
        _ => Err(Error::bad_input("not a cursor of the change feed")),
    }
}

/// A page of changes, as a connection.
fn page(
    rows: Vec<change::Model>,
    limit: usize,
    had_cursor: bool,
    counter: Counter,
) -> Connection<Change, Plain> {
    let more = rows.len() > limit;
    let rows: Arc<[change::Model]> = rows.into_iter().take(limit).collect();
    let edges = Batched::each(rows)
        .map(|row| Edge {
            cursor: cursor(&row),
            node: Change(row),
            data: Plain,
        })
        .collect();
    Connection {
        edges,
        has_previous_page: had_cursor,
        has_next_page: more,
        counter,
        extra: Plain,
    }
}

/// The page size of the feed, checked.
fn limit(ctx: &Context<'_>, first: Option<i32>) -> Result<usize> {
    let max = ctx.settings().max_page_size as i32;
    match first.unwrap_or(ctx.settings().default_page_size as i32) {
        n if (0..=max).contains(&n) => Ok(n as usize),
        n => Err(Error::bad_input(format!(
            "`first` must be between 0 and {max}, not {n}"
        ))),
    }
}

/// Whether a selection of a change asks for the records' values: `asked(field)` says
/// whether the change's field `field` is selected.
pub fn snapshots_asked(asked: impl Fn(&str) -> bool) -> changes::Snapshots {
    if ["before", "after", "changedFields"]
        .iter()
        .any(|f| asked(f))
    {
        changes::Snapshots::Read
    } else {
        changes::Snapshots::Skip
    }
}

/// Whether a page of changes (`nodes` or `edges { node }`) asks for the records' values.
fn snapshots_in_page(ctx: &Context<'_>) -> changes::Snapshots {
    let look = ctx.look_ahead();
    snapshots_asked(|field| {
        look.field("nodes").field(field).exists()
            || look.field("edges").field("node").field(field).exists()
    })
}

/// Root fields of the change feed.
#[derive(Default)]
pub struct FeedQuery;

/// Root fields of the change feed.
#[Object]
impl FeedQuery {
    /// Every committed change after the cursor `after`, in commit order: creations,
    /// updates, deletions (tombstones) and edge changes. Store `pageInfo.endCursor` and
    /// pass it back as `after` to resume exactly where you stopped: no change is missed or
    /// repeated, even when writes commit concurrently. Needs an API key.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the changes after this cursor (from the start when absent).")]
        after: Option<String>,
        #[graphql(
            desc = "Return at most this many changes (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Only changes of records of these types (edge changes count for both ends)."
        )]
        types: Option<Vec<NodeType>>,
    ) -> Result<Connection<Change, Plain>> {
        ctx.data_opt::<Principal>()
            .unwrap_or(&Principal::Anonymous)
            .require_read()?;
        let limit = limit(ctx, first)?;
        let seq = match &after {
            Some(c) => feed_position(c)?,
            None => 0,
        };
        let tables: Option<Vec<&'static str>> =
            types.map(|t| t.iter().map(|k| k.table()).collect());
        // The records' values before and after are read only when asked for.
        let snapshots = snapshots_in_page(ctx);
        let rows = changes::feed(
            ctx.loaders().db(),
            seq,
            limit as u64 + 1,
            tables.as_deref(),
            snapshots,
        )
        .await?;
        let counter: Counter = Arc::new(move |loaders| {
            let tables = tables.clone();
            Box::pin(
                async move { changes::count_after(loaders.db(), seq, tables.as_deref()).await },
            )
        });
        Ok(page(rows, limit, after.is_some(), counter))
    }
}

/// The history of a record: its revisions, newest first (needs an API key).
pub async fn history(
    ctx: &Context<'_>,
    owner: &'static str,
    id: i64,
    siblings: impl IntoIterator<Item = i64>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<Change, Plain>> {
    ctx.data_opt::<Principal>()
        .unwrap_or(&Principal::Anonymous)
        .require_read()?;
    let limit = limit(ctx, first)?;
    let before = match &after {
        Some(c) => match Cursor::decode(c, ORDER)?.value {
            SortValue::Int(seq) => Some(seq),
            _ => return Err(Error::bad_input("not a cursor of a history")),
        },
        None => None,
    };
    let loader = changes::History {
        owner,
        limit: limit as u64,
        before,
        snapshots: snapshots_in_page(ctx),
    };
    let rows = ctx
        .loaders()
        .load(loader, id, siblings)
        .await?
        .unwrap_or_default();
    let counter: Counter = Arc::new(move |loaders| {
        Box::pin(async move { changes::count_history(loaders.db(), owner, id).await })
    });
    Ok(page(rows.to_vec(), limit, after.is_some(), counter))
}
