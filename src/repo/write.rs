//! Writing records: one transaction per write, the version and timestamps kept, every
//! change recorded in the feed, and nothing written when anything fails.
//!
//! Write transactions are serialised (a lock in each process, and on PostgreSQL an
//! advisory lock across processes), so that changes are numbered in the order they
//! commit: a reader of the feed that stored the number of the last change it saw can
//! never miss an earlier change committing later.

use std::{collections::BTreeMap, sync::Arc};

use chrono::{DateTime, SubsecRound, Utc};
use entity::{HasRecord, change, translation};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel, Iterable, ModelTrait,
    QueryFilter, QuerySelect, Set, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    Value,
    sea_query::{Expr, ExprTrait, Query, value::sea_value_to_json_value},
};
use serde_json::{Map, json};
use tokio::sync::OwnedMutexGuard;

use crate::{
    auth::Principal,
    error::{Error, Result},
    repo::{
        col,
        node::{NodeModel, NodeType, column as node_column},
    },
    sync::hub::{CHANNEL, SyncState},
    sync::idempotency::Claim,
};

use super::stage::{self, Entry, Stage};

/// The texts of a record: field, then language, then text.
pub type TextMap = BTreeMap<String, BTreeMap<String, String>>;

/// A node table that can be written.
pub trait NodeEntity:
    EntityTrait<
        Model: NodeModel + IntoActiveModel<Self::ActiveModel>,
        ActiveModel: ActiveModelBehavior + Send,
    >
{
}

impl<E> NodeEntity for E where
    E: EntityTrait<
            Model: NodeModel + IntoActiveModel<E::ActiveModel>,
            ActiveModel: ActiveModelBehavior + Send,
        >
{
}

/// What a write did to a record.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The record was created.
    Created,
    /// The record was changed (its version grew by one).
    Updated,
    /// The record already held exactly these values: nothing was written.
    Unchanged,
    /// The record was deleted (a tombstone remains in the change feed).
    Deleted,
}

/// An open write transaction.
pub struct Writer {
    txn: DatabaseTransaction,
    /// Who writes.
    pub principal: Principal,
    /// The time every change of this transaction carries.
    pub now: DateTime<Utc>,
    sync: SyncState,
    wrote: bool,
    /// The idempotency key of the request, marked committed with the writes.
    claim: Option<Arc<Claim>>,
    /// The records held back to be written together, while a batch stages them.
    stage: Option<Stage>,
    _lock: OwnedMutexGuard<()>,
}

/// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`), waiting up to the busy timeout while another process writes: a deferred
/// transaction that read first could not upgrade to a write once another had written.
pub async fn begin_immediate(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    Ok(db.begin_with_options(options).await?)
}

impl Writer {
    /// Begins a write transaction for `principal` (after waiting for the write locks).
    pub async fn begin(
        db: &DatabaseConnection,
        sync: &SyncState,
        principal: Principal,
    ) -> Result<Writer> {
        let lock = sync.write_lock.clone().lock_owned().await;
        let txn = begin_immediate(db).await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(7340033)")
                .await?;
        }
        Ok(Writer {
            txn,
            principal,
            // As the databases keep it (PostgreSQL to the microsecond), so that what a write
            // returns is what a read finds.
            now: Utc::now().trunc_subsecs(6),
            sync: sync.clone(),
            wrote: false,
            claim: None,
            stage: None,
            _lock: lock,
        })
    }

    /// Ties the writes to the idempotency key of the request.
    pub fn with_claim(mut self, claim: Option<Arc<Claim>>) -> Writer {
        self.claim = claim;
        self
    }

    /// The transaction.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// From now on, records written are held back until [`stage::flush`] writes them
    /// together (see [`stage`]).
    pub fn start_staging(&mut self) {
        self.stage.get_or_insert_with(Stage::default);
    }

    /// From now on, records are written at once (what is held must be flushed first).
    pub fn stop_staging(&mut self) -> Result<()> {
        match self.stage.take() {
            Some(s) if !s.is_empty() => Err(Error::internal("held records were not written")),
            _ => Ok(()),
        }
    }

    /// The stage, while records are held back.
    pub fn stage_mut(&mut self) -> Option<&mut Stage> {
        self.stage.as_mut()
    }

    /// The stage, while records are held back.
    pub fn stage(&self) -> Option<&Stage> {
        self.stage.as_ref()
    }

    /// Commits, and tells subscribers (here and in other processes) about the changes.
    pub async fn commit(self) -> Result<()> {
        if self.wrote && self.txn.get_database_backend() == DbBackend::Postgres {
            self.txn
                .execute_unprepared(&format!("NOTIFY {CHANNEL}"))
                .await?;
        }
        if let (true, Some(claim)) = (self.wrote, &self.claim) {
            claim.mark(&self.txn).await?;
        }
        let (wrote, claim) = (self.wrote, self.claim.clone());
        let hub = self.sync.hub.clone();
        self.txn.commit().await?;
        if wrote {
            if let Some(claim) = claim {
                claim.note_committed();
            }
            hub.wake();
        }
        Ok(())
    }

    /// Undoes everything this transaction wrote.
    pub async fn rollback(self) {
        if let Err(e) = self.txn.rollback().await {
            tracing::warn!(error = %e, "rolling back a write failed");
        }
    }

    /// Starts a savepoint: what follows can be undone alone (PostgreSQL refuses any
    /// statement after a failed one in a transaction, so each record of a batch runs in one).
    pub async fn savepoint(&self) -> Result<bool> {
        self.txn
            .execute_unprepared("SAVEPOINT agora_record")
            .await?;
        Ok(self.wrote)
    }

    /// Keeps what was written since the savepoint.
    pub async fn release(&self) -> Result<()> {
        self.txn
            .execute_unprepared("RELEASE SAVEPOINT agora_record")
            .await?;
        Ok(())
    }

    /// Undoes what was written since the savepoint (`wrote` is what `savepoint` returned).
    pub async fn rollback_to(&mut self, wrote: bool) -> Result<()> {
        self.txn
            .execute_unprepared("ROLLBACK TO SAVEPOINT agora_record")
            .await?;
        self.txn
            .execute_unprepared("RELEASE SAVEPOINT agora_record")
            .await?;
        self.wrote = wrote;
        Ok(())
    }
}

/// A unique constraint of the database said no: a conflict with another record.
pub fn conflict_on_unique(err: sea_orm::DbErr) -> Error {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            Error::Conflict("another record already has one of these unique values".into())
        }
        _ => err.into(),
    }
}

fn column<E: EntityTrait>(name: &str) -> Result<E::Column> {
    E::Column::iter()
        .find(|c| sea_orm::IdenStatic::as_str(c) == name)
        .ok_or_else(|| Error::internal(format!("no column {name}")))
}

fn set<E: EntityTrait>(model: &mut E::Model, name: &str, value: Value) -> Result<()> {
    model
        .try_set(column::<E>(name)?, value)
        .map_err(Error::from)
}

/// The record's values as JSON (all columns but the id, version and timestamps, and the
/// texts): what the history shows, and what decides whether a write changes anything.
pub fn snapshot<E: EntityTrait>(model: &E::Model, texts: &TextMap) -> serde_json::Value {
    let mut columns = Map::new();
    for c in E::Column::iter() {
        let name = sea_orm::IdenStatic::as_str(&c);
        if [
            node_column::ID,
            node_column::VERSION,
            node_column::CREATED_AT,
            node_column::UPDATED_AT,
        ]
        .contains(&name)
        {
            continue;
        }
        columns.insert(name.to_string(), sea_value_to_json_value(&model.get(c)));
    }
    json!({ "columns": columns, "texts": texts })
}

/// The snapshots (see [`snapshot`]) of the records `ids` of `kind`, as stored: what the
/// feed shows as a record's values when it is created outside the API (the seed, imports).
pub async fn snapshots(
    db: &impl ConnectionTrait,
    kind: NodeType,
    ids: &[i64],
) -> Result<BTreeMap<i64, serde_json::Value>> {
    use entity::*;
    match kind {
        NodeType::Dialogue => snapshots_of::<dialogue::Entity>(db, ids).await,
        NodeType::Workshop => snapshots_of::<workshop::Entity>(db, ids).await,
        NodeType::Report => snapshots_of::<report::Entity>(db, ids).await,
        NodeType::Tool => snapshots_of::<tool::Entity>(db, ids).await,
        NodeType::Organisation => snapshots_of::<organisation::Entity>(db, ids).await,
        NodeType::Person => snapshots_of::<person::Entity>(db, ids).await,
        NodeType::Theme => snapshots_of::<theme::Entity>(db, ids).await,
        NodeType::Source => snapshots_of::<source::Entity>(db, ids).await,
    }
}

async fn snapshots_of<E: NodeEntity>(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<BTreeMap<i64, serde_json::Value>> {
    let table = E::default().table_name();
    let mut out = BTreeMap::new();
    for ids in ids.chunks(10_000) {
        let rows = E::find()
            .filter(col(table, node_column::ID).is_in(ids.iter().copied()))
            .all(db)
            .await?;
        let mut texts = texts_of(db, table, ids).await?;
        for row in rows {
            let id = row.record().id;
            let t = texts.remove(&id).unwrap_or_default();
            out.insert(id, snapshot::<E>(&row, &t));
        }
    }
    Ok(out)
}

/// What an update changed, from two snapshots of the record: the columns, and the texts by
/// field and language, whose values differ, as they were and as they are (`null` on the
/// side that has none).
pub fn difference(
    was: &serde_json::Value,
    now: &serde_json::Value,
) -> (serde_json::Value, serde_json::Value) {
    let mut parts = (Map::new(), Map::new());
    for (part, depth) in [("columns", 1), ("texts", 2)] {
        let empty = Map::new();
        let (b, a) = differing(
            was[part].as_object().unwrap_or(&empty),
            now[part].as_object().unwrap_or(&empty),
            depth,
        );
        parts.0.insert(part.into(), b.into());
        parts.1.insert(part.into(), a.into());
    }
    (parts.0.into(), parts.1.into())
}

/// The entries of `b` and `a` that differ, `depth` levels of objects deep.
fn differing(
    b: &Map<String, serde_json::Value>,
    a: &Map<String, serde_json::Value>,
    depth: u8,
) -> (
    Map<String, serde_json::Value>,
    Map<String, serde_json::Value>,
) {
    let null = serde_json::Value::Null;
    let empty = Map::new();
    let mut out = (Map::new(), Map::new());
    let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    for key in keys {
        let (x, y) = (b.get(key).unwrap_or(&null), a.get(key).unwrap_or(&null));
        if x == y {
            continue;
        }
        if depth > 1 {
            let inner = differing(
                x.as_object().unwrap_or(&empty),
                y.as_object().unwrap_or(&empty),
                depth - 1,
            );
            out.0.insert(key.clone(), inner.0.into());
            out.1.insert(key.clone(), inner.1.into());
        } else {
            out.0.insert(key.clone(), x.clone());
            out.1.insert(key.clone(), y.clone());
        }
    }
    out
}

/// The live row `id` of `E` and its texts, locked until the transaction ends.
pub async fn load<E: NodeEntity>(w: &mut Writer, id: i64) -> Result<Option<(E::Model, TextMap)>> {
    let table = E::default().table_name();
    if let Some(stage) = w.stage_mut()
        && let Some(found) = stage.take_row::<E>(id)?
    {
        return Ok(Some(found));
    }
    let Some(model) = E::find()
        .filter(col(table, node_column::ID).eq(id))
        .filter(col(table, node_column::DELETED_AT).is_null())
        .lock_exclusive()
        .one(w.txn())
        .await?
    else {
        return Ok(None);
    };
    let texts = load_texts(w.txn(), table, id).await?;
    Ok(Some((model, texts)))
}

/// The texts of the records `ids` of the table `owner`, by record.
pub async fn texts_of(
    db: &impl ConnectionTrait,
    owner: &str,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, TextMap>> {
    let found = translation::Entity::find()
        .filter(translation::Column::OwnerType.eq(owner))
        .filter(translation::Column::OwnerId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let mut texts = std::collections::HashMap::<i64, TextMap>::new();
    for t in found {
        texts
            .entry(t.owner_id)
            .or_default()
            .entry(t.field)
            .or_default()
            .insert(t.lang, t.value);
    }
    Ok(texts)
}

/// The texts of one record.
pub async fn load_texts(db: &impl ConnectionTrait, owner: &str, id: i64) -> Result<TextMap> {
    Ok(texts_of(db, owner, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default())
}

/// The id of the live record of `table` that `partner` knows as `external_id`.
pub async fn id_by_external(
    w: &mut Writer,
    table: &'static str,
    partner: Option<i64>,
    external_id: &str,
) -> Result<Option<i64>> {
    let key = (table, partner, external_id.to_string());
    if let Some(stage) = w.stage()
        && let Some(found) = stage.found(&key)?
    {
        return Ok(found);
    }
    let mut q = Query::select();
    q.expr_as(col(table, node_column::ID), node_column::ID)
        .from(table)
        .and_where(col(table, node_column::EXTERNAL_ID).eq(external_id))
        .and_where(col(table, node_column::DELETED_AT).is_null());
    match partner {
        Some(p) => q.and_where(col(table, node_column::PARTNER_ID).eq(p)),
        None => q.and_where(col(table, node_column::PARTNER_ID).is_null()),
    };
    let found = match w.txn().query_one(&q).await? {
        Some(row) => Some(row.try_get("", node_column::ID)?),
        None => None,
    };
    if let Some(stage) = w.stage_mut() {
        stage.note_found(key, found);
    }
    Ok(found)
}

/// The id of the live organisation with the slug `slug`.
pub async fn partner_by_slug(w: &mut Writer, slug: &str) -> Result<Option<i64>> {
    if let Some(stage) = w.stage() {
        // A held organisation may be the one with this slug.
        stage.check_none_held(table!(organisation))?;
        if let Some(found) = stage.slug(slug) {
            return Ok(found);
        }
    }
    let found = entity::organisation::Entity::find()
        .filter(entity::organisation::Column::Slug.eq(slug))
        .filter(entity::organisation::Column::DeletedAt.is_null())
        .one(w.txn())
        .await?
        .map(|o| o.id);
    if let Some(stage) = w.stage_mut() {
        stage.note_slug(slug, found);
    }
    Ok(found)
}

/// Whether a live row of `table` has `column = value` (other than the row `except`).
pub async fn taken(
    w: &Writer,
    table: &'static str,
    column: &'static str,
    value: &str,
    except: Option<i64>,
) -> Result<bool> {
    if let Some(stage) = w.stage() {
        if stage::ENFORCED.contains(&(table, column)) {
            // The database refuses the batch if the value is taken (see `stage`).
            return Ok(false);
        }
        stage.check_none_held(table)?;
    }
    let mut q = Query::select();
    q.expr(Expr::val(1))
        .from(table)
        .and_where(col(table, column).eq(value))
        .and_where(col(table, node_column::DELETED_AT).is_null())
        .limit(1);
    if let Some(id) = except {
        q.and_where(col(table, node_column::ID).ne(id));
    }
    Ok(w.txn().query_one(&q).await?.is_some())
}

/// Whether `id` is `start` or one of its ancestors along `parent` (a column of `table`
/// naming a record of the same table): whether making `start` the parent of `id` would
/// close a cycle. Walks at most `MAX_DEPTH` steps, and a longer chain counts as a cycle.
pub async fn is_ancestor(
    w: &Writer,
    table: &'static str,
    parent: &'static str,
    start: i64,
    id: i64,
) -> Result<bool> {
    const MAX_DEPTH: usize = 256;
    if let Some(stage) = w.stage() {
        stage.check_table_free(table)?;
    }
    let mut at = start;
    for _ in 0..MAX_DEPTH {
        if at == id {
            return Ok(true);
        }
        let mut q = Query::select();
        q.column(sea_orm::sea_query::Alias::new(parent))
            .from(table)
            .and_where(col(table, node_column::ID).eq(at));
        let next = match w.txn().query_one(&q).await? {
            Some(row) => row.try_get_by_index::<Option<i64>>(0)?,
            None => None,
        };
        match next {
            Some(up) => at = up,
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// A change to record in the feed.
pub struct ChangeRecord<'a> {
    /// `create`, `update`, `delete`, `link` or `unlink`.
    pub op: &'static str,
    /// The record (for edges, the edge's source).
    pub kind: &'static str,
    /// Its id.
    pub id: i64,
    /// Its external id.
    pub external_id: Option<&'a str>,
    /// Its partner.
    pub partner_id: Option<i64>,
    /// Its version after the change.
    pub version: i64,
    /// For edges: kind, target type, target id, role.
    pub edge: Option<(&'static str, &'static str, i64, Option<String>)>,
    /// The values before and after.
    pub before: Option<serde_json::Value>,
    /// The values after.
    pub after: Option<serde_json::Value>,
}

impl ChangeRecord<'_> {
    /// The creation of the record `id` of type `kind`, at version 1, with no external id
    /// or partner.
    pub fn created(kind: &'static str, id: i64) -> Self {
        ChangeRecord {
            op: "create",
            kind,
            id,
            external_id: None,
            partner_id: None,
            version: 1,
            edge: None,
            before: None,
            after: None,
        }
    }
}

fn change_row(w: &Writer, c: ChangeRecord<'_>) -> change::ActiveModel {
    let (edge_kind, target_type, target_id, role) = match c.edge {
        Some((k, t, id, role)) => (Some(k.to_string()), Some(t.to_string()), Some(id), role),
        None => (None, None, None, None),
    };
    change::ActiveModel {
        occurred_at: Set(w.now),
        op: Set(c.op.to_string()),
        node_type: Set(c.kind.to_string()),
        node_id: Set(c.id),
        external_id: Set(c.external_id.map(str::to_string)),
        partner_id: Set(c.partner_id),
        version: Set(c.version),
        edge_kind: Set(edge_kind),
        target_type: Set(target_type),
        target_id: Set(target_id),
        role: Set(role),
        api_key_id: Set(w.principal.key()),
        actor_id: Set(w.principal.organisation()),
        before: Set(c.before.map(|v| v.to_string())),
        after: Set(c.after.map(|v| v.to_string())),
        ..Default::default()
    }
}

/// Appends a change to the feed; returns its number.
pub async fn record(w: &mut Writer, c: ChangeRecord<'_>) -> Result<i64> {
    let row = change_row(w, c).insert(w.txn()).await?;
    w.wrote = true;
    Ok(row.seq)
}

/// Appends changes to the feed, in order, in one statement.
pub async fn record_many(w: &mut Writer, changes: Vec<ChangeRecord<'_>>) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut rows: Vec<change::ActiveModel> =
        changes.into_iter().map(|c| change_row(w, c)).collect();
    while !rows.is_empty() {
        // A statement per 1,000 changes, within the databases' bound on parameters.
        let rest = rows.split_off(rows.len().min(1_000));
        let chunk = std::mem::replace(&mut rows, rest);
        change::Entity::insert_many(chunk)
            .exec_without_returning(w.txn())
            .await?;
    }
    w.wrote = true;
    Ok(())
}

/// Creates a record of type `kind` from `model` (its id is ignored; version, timestamps
/// and deletion mark are set here) and its texts. While a batch stages its records, the
/// record is held back, and its id is 0 until it is written.
pub async fn create<E: NodeEntity>(
    w: &mut Writer,
    kind: NodeType,
    mut model: E::Model,
    texts: &TextMap,
) -> Result<E::Model> {
    set::<E>(&mut model, node_column::VERSION, 1_i64.into())?;
    set::<E>(&mut model, node_column::CREATED_AT, w.now.into())?;
    set::<E>(&mut model, node_column::UPDATED_AT, w.now.into())?;
    set::<E>(
        &mut model,
        node_column::DELETED_AT,
        Value::ChronoDateTimeUtc(None),
    )?;
    let after = snapshot::<E>(&model, texts);
    let rec = model.record();
    let entry = Entry {
        index: 0,
        kind,
        id: None,
        partner_id: rec.partner_id,
        external_id: rec.external_id.map(str::to_string),
        columns: columns::<E>(&model),
        texts: (TextMap::new(), texts.clone()),
        keys: Some(keys_of(kind, &after)),
        op: "create",
        version: 1,
        before: None,
        after,
    };
    let id = write_or_hold(w, entry, None).await?;
    set::<E>(&mut model, node_column::ID, id.unwrap_or(0).into())?;
    Ok(model)
}

/// Writes `after` over `before` (the same record): nothing when their values are equal
/// (`Unchanged`), else a new version. While a batch stages its records, the record is
/// held back.
pub async fn update<E: NodeEntity>(
    w: &mut Writer,
    kind: NodeType,
    before: (E::Model, TextMap),
    after: (E::Model, TextMap),
) -> Result<(Outcome, E::Model)> {
    let (old, old_texts) = before;
    let (mut new, new_texts) = after;
    let (was, now) = (
        snapshot::<E>(&old, &old_texts),
        snapshot::<E>(&new, &new_texts),
    );
    if was == now {
        return Ok((Outcome::Unchanged, old));
    }
    let version = old.record().version + 1;
    set::<E>(&mut new, node_column::VERSION, version.into())?;
    set::<E>(&mut new, node_column::UPDATED_AT, w.now.into())?;
    let (rec, old_rec) = (new.record(), old.record());
    let op = if rec.deleted_at.is_some() {
        "delete"
    } else {
        "update"
    };
    // Keys come from the columns alone.
    let keys = (was["columns"] != now["columns"])
        .then(|| keys_of(kind, &now))
        .filter(|k| *k != keys_of(kind, &was));
    // The history keeps what changed, not two copies of the record.
    let (before, after) = difference(&was, &now);
    let entry = Entry {
        index: 0,
        kind,
        id: Some(rec.id),
        partner_id: rec.partner_id,
        external_id: rec.external_id.map(str::to_string),
        columns: columns::<E>(&new),
        texts: (old_texts, new_texts),
        keys,
        op,
        version,
        before: Some(before),
        after,
    };
    let was_key = old_rec
        .external_id
        .map(|e| (kind.table(), old_rec.partner_id, e.to_string()));
    write_or_hold(w, entry, was_key).await?;
    Ok((
        if op == "delete" {
            Outcome::Deleted
        } else {
            Outcome::Updated
        },
        new,
    ))
}

/// Holds a record back while a batch stages its records (`None`), else writes it at once
/// and returns its id.
async fn write_or_hold(
    w: &mut Writer,
    mut entry: Entry,
    was: Option<stage::RecordKey>,
) -> Result<Option<i64>> {
    if let Some(stage) = w.stage_mut() {
        stage.hold(entry, was);
        return Ok(None);
    }
    let ids = stage::write(w, std::slice::from_mut(&mut entry)).await?;
    Ok(ids.first().copied())
}

/// The columns of a row by name, but its id.
fn columns<E: NodeEntity>(model: &E::Model) -> Vec<(&'static str, Value)> {
    E::Column::iter()
        .map(|c| (sea_orm::IdenStatic::as_str(&c), model.get(c)))
        .filter(|(name, _)| *name != node_column::ID)
        .collect()
}

/// The search keys of a record (its name, places, identifiers) from its snapshot.
fn keys_of(kind: NodeType, snapshot: &serde_json::Value) -> Vec<crate::search::keys::Key> {
    snapshot["columns"]
        .as_object()
        .map(|columns| crate::search::keys::keys(kind, columns))
        .unwrap_or_default()
}

/// Marks a record deleted (a tombstone: its row and texts stay, reads no longer see it,
/// and the feed says it went).
pub async fn delete<E: NodeEntity>(
    w: &mut Writer,
    kind: NodeType,
    before: (E::Model, TextMap),
) -> Result<E::Model> {
    let mut gone = before.0.clone();
    set::<E>(
        &mut gone,
        node_column::DELETED_AT,
        Value::ChronoDateTimeUtc(Some(w.now)),
    )?;
    let texts = before.1.clone();
    let (_, model) = update::<E>(w, kind, before, (gone, texts)).await?;
    Ok(model)
}

/// Checks an optimistic-concurrency expectation.
pub fn expect_version(current: i64, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(expected) if expected != current => Err(Error::VersionConflict { expected, current }),
        _ => Ok(()),
    }
}

/// Whether the row `id` of `table` is live.
pub async fn exists(w: &mut Writer, table: &'static str, id: i64) -> Result<bool> {
    if let Some(stage) = w.stage()
        && let Some(live) = stage.live(table, id)?
    {
        return Ok(live);
    }
    let q = Query::select()
        .expr(Expr::val(1))
        .from(table)
        .and_where(col(table, node_column::ID).eq(id))
        .and_where(col(table, node_column::DELETED_AT).is_null())
        .to_owned();
    let live = w.txn().query_one(&q).await?.is_some();
    if let Some(stage) = w.stage_mut() {
        stage.note_live(table, id, live);
    }
    Ok(live)
}

/// Sets the text of one field in one language (`None` removes it).
pub fn set_text(texts: &mut TextMap, field: &str, lang: &str, text: Option<&str>) {
    match text {
        Some(t) => {
            texts
                .entry(field.to_string())
                .or_default()
                .insert(lang.to_string(), t.to_string());
        }
        None => {
            if let Some(langs) = texts.get_mut(field) {
                langs.remove(lang);
                if langs.is_empty() {
                    texts.remove(field);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_keeps_only_what_it_changed() {
        let was = json!({
            "columns": { "slug": "a", "year": 2018, "url": null },
            "texts": { "title": { "en": "Old", "fr": "Ancien" }, "summary": { "en": "Same" } }
        });
        let now = json!({
            "columns": { "slug": "a", "year": 2019, "url": "https://x" },
            "texts": { "title": { "en": "New", "fr": "Ancien" }, "summary": { "en": "Same" }, "note": { "es": "Nota" } }
        });
        let (b, a) = difference(&was, &now);
        assert_eq!(
            b,
            json!({ "columns": { "year": 2018, "url": null }, "texts": { "title": { "en": "Old" }, "note": { "es": null } } })
        );
        assert_eq!(
            a,
            json!({ "columns": { "year": 2019, "url": "https://x" }, "texts": { "title": { "en": "New" }, "note": { "es": "Nota" } } })
        );
        // Nothing changed, nothing kept.
        let (b, a) = difference(&was, &was);
        assert_eq!(b, json!({ "columns": {}, "texts": {} }));
        assert_eq!(a, b);
    }
}
