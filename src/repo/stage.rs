//! Set-based writes: the records of a batch are checked one by one, in order, as if each
//! were written before the next, but written together, a few statements per table.
//!
//! While a [`Stage`] is open on a [`Writer`], `create` and `update` hold their records back,
//! and the store's reads answer from what the batch read in advance ([`prefetch`]) or
//! read once. A read that a held-back record could change (its key, its id, the hierarchy
//! of its table) fails with [`Error::Restage`]: the batch writes what it holds, forgets
//! what it read of those records (what it read of the others stays true), and checks the
//! record again. Values that the database keeps unique are left to it: when it refuses
//! a batch's rows, nothing of them stays, and the batch checks and writes those records
//! one by one, which names the one at fault.

use std::{
    any::Any,
    collections::{HashMap, HashSet},
};

use entity::{HasRecord, translation};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Value,
    sea_query::{Alias, Condition, Expr, ExprTrait, OnConflict, Query},
};

use crate::{
    error::{Error, Result},
    repo::{
        col,
        edge_stage::EdgeStage,
        edges::Source,
        node::{NodeType, column as node_column},
        write::{
            ChangeRecord, NodeEntity, TextMap, Writer, conflict_on_unique, record_many, texts_of,
        },
    },
    search::keys::Key as SearchKey,
};

/// The most values bound in one statement (SQLite takes 32,766, PostgreSQL 65,535).
pub const MAX_PARAMS: usize = 30_000;

/// The values the database keeps unique among live records (the partial unique indexes
/// of the migration `m20261129_000006_unique_among_live_records`): while a batch stages
/// its records, these are checked by the database when the batch writes them.
pub const ENFORCED: &[(&str, &str)] = &[
    (table!(dialogue), column_name!(dialogue.slug)),
    (table!(organisation), column_name!(organisation.slug)),
    (table!(report), column_name!(report.symbol)),
    (table!(theme), column_name!(theme.code)),
];

/// A record by the key a partner's system gives it: table, partner, external id.
pub type RecordKey = (&'static str, Option<i64>, String);

/// A record to write: its row, its texts, its search keys and its change in the feed.
pub struct Entry {
    /// The record's position in its batch.
    pub index: usize,
    /// Its type.
    pub kind: NodeType,
    /// Its id; none for a record to create.
    pub id: Option<i64>,
    /// Its partner and external id (what a created record is found by once written).
    pub partner_id: Option<i64>,
    /// Its external id.
    pub external_id: Option<String>,
    /// Every column of the row (but the id of a record to create), by name.
    pub columns: Vec<(&'static str, Value)>,
    /// Its texts, as they were and as they are.
    pub texts: (TextMap, TextMap),
    /// Its search keys, when they change.
    pub keys: Option<Vec<SearchKey>>,
    /// `create`, `update` or `delete`.
    pub op: &'static str,
    /// Its version afterwards.
    pub version: i64,
    /// What the history keeps: the values before (none for a creation) and after.
    pub before: Option<serde_json::Value>,
    /// The values after.
    pub after: serde_json::Value,
}

impl Entry {
    /// The columns an update changes, its version and time among them. On SQLite only
    /// these are written over the stored row, so that it leaves the indexes of the others
    /// alone (PostgreSQL writes every index of a row that moves, whatever changed).
    fn changed(&self) -> Vec<&str> {
        let mut names = vec![node_column::VERSION, node_column::UPDATED_AT];
        if let Some(columns) = self.after["columns"].as_object() {
            names.extend(columns.keys().map(String::as_str));
        }
        names
    }
}

/// The records of a batch held back, and what the batch read.
#[derive(Default)]
pub struct Stage {
    entries: Vec<Entry>,
    /// The keys the held records had or will have.
    keys: HashSet<RecordKey>,
    /// The held records that exist already, by table and id.
    ids: HashSet<(&'static str, i64)>,
    /// The tables in which a held record changes.
    updated: HashSet<&'static str>,
    /// The tables of the held records.
    tables: HashSet<&'static str>,
    /// Records found by key (`None`: no live record has the key).
    found: HashMap<RecordKey, Option<i64>>,
    /// Rows and texts read in advance, by table and id (each an `(E::Model, TextMap)`).
    rows: HashMap<(&'static str, i64), Box<dyn Any + Send + Sync>>,
    /// Whether a record is live.
    live: HashMap<(&'static str, i64), bool>,
    /// The partner, external id and version of records read.
    sources: HashMap<(&'static str, i64), Source>,
    /// Partners by slug.
    slugs: HashMap<String, Option<i64>>,
    /// The position in the batch of the record being checked.
    pub index: usize,
    /// The edges the batch read and holds.
    pub edges: EdgeStage,
}

impl Stage {
    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.edges.is_empty()
    }

    /// Holds a record back.
    pub fn hold(&mut self, mut entry: Entry, was: Option<RecordKey>) {
        let table = entry.kind.table();
        entry.index = self.index;
        self.tables.insert(table);
        if let Some(id) = entry.id {
            self.ids.insert((table, id));
            self.updated.insert(table);
        }
        if let Some(e) = &entry.external_id {
            self.keys.insert((table, entry.partner_id, e.clone()));
        }
        self.keys.extend(was);
        self.entries.push(entry);
    }

    /// Takes the held records to write them, and forgets what was read of them (their keys,
    /// rows, liveness and versions, and partners' slugs when an organisation is held):
    /// what was read of the other records stays true once they are written.
    fn take_held(&mut self) -> Vec<Entry> {
        for key in self.keys.drain() {
            self.found.remove(&key);
        }
        for id in self.ids.drain() {
            self.rows.remove(&id);
            self.live.remove(&id);
            self.sources.remove(&id);
        }
        if self.tables.contains(table!(organisation)) {
            self.slugs.clear();
        }
        self.tables.clear();
        self.updated.clear();
        std::mem::take(&mut self.entries)
    }

    /// Fails with `Restage` when a held record has the key `key`; else what was read of it.
    pub fn found(&self, key: &RecordKey) -> Result<Option<Option<i64>>> {
        if self.keys.contains(key) {
            return Err(Error::Restage);
        }
        Ok(self.found.get(key).copied())
    }

    /// Notes what was read of a key.
    pub fn note_found(&mut self, key: RecordKey, id: Option<i64>) {
        self.found.insert(key, id);
    }

    /// Fails with `Restage` when the record `id` of `table` is held.
    pub fn check_free(&self, table: &'static str, id: i64) -> Result<()> {
        if self.ids.contains(&(table, id)) {
            return Err(Error::Restage);
        }
        Ok(())
    }

    /// Fails with `Restage` when a held record of `table` changes (a walk up its
    /// hierarchy would read rows that are about to change).
    pub fn check_table_free(&self, table: &'static str) -> Result<()> {
        if self.updated.contains(table) {
            return Err(Error::Restage);
        }
        Ok(())
    }

    /// Fails with `Restage` when a record of `table` is held (a check of a value that
    /// must be unique, which the database does not enforce, would miss it).
    pub fn check_none_held(&self, table: &'static str) -> Result<()> {
        if self.tables.contains(table) {
            return Err(Error::Restage);
        }
        Ok(())
    }

    /// The row and texts of the record `id` of `E`, if read in advance: taken, as a
    /// record is checked once (a later read of it reads the database).
    pub fn take_row<E: NodeEntity>(&mut self, id: i64) -> Result<Option<(E::Model, TextMap)>> {
        let table = E::default().table_name();
        self.check_free(table, id)?;
        Ok(self
            .rows
            .remove(&(table, id))
            .and_then(|r| r.downcast::<(E::Model, TextMap)>().ok())
            .map(|r| *r))
    }

    /// Whether the record is live, if known.
    pub fn live(&self, table: &'static str, id: i64) -> Result<Option<bool>> {
        self.check_free(table, id)?;
        Ok(self.live.get(&(table, id)).copied())
    }

    /// Notes whether a record is live.
    pub fn note_live(&mut self, table: &'static str, id: i64, live: bool) {
        self.live.insert((table, id), live);
    }

    /// The partner, external id and version of a record, if read.
    pub fn source(&self, table: &'static str, id: i64) -> Result<Option<Source>> {
        self.check_free(table, id)?;
        Ok(self.sources.get(&(table, id)).cloned())
    }

    /// Notes the partner, external id and version of a record.
    pub fn note_source(&mut self, table: &'static str, id: i64, s: &Source) {
        self.sources.insert((table, id), s.clone());
    }

    /// A partner by slug, if read.
    pub fn slug(&self, slug: &str) -> Option<Option<i64>> {
        self.slugs.get(slug).copied()
    }

    /// Notes a partner by slug.
    pub fn note_slug(&mut self, slug: &str, id: Option<i64>) {
        self.slugs.insert(slug.to_string(), id);
    }
}

/// Which records of a table a batch names.
pub enum Named<'a> {
    /// By id.
    Ids(&'a [i64]),
    /// By the external ids a partner gives them.
    External(Option<i64>, &'a [String]),
}

impl Named<'_> {
    /// The conditions that find them among the rows of `table`: one per 15,000 records.
    pub fn conditions(&self, table: &'static str) -> Vec<Condition> {
        match self {
            Named::Ids(ids) => ids
                .chunks(MAX_PARAMS / 2)
                .map(|c| Condition::all().add(col(table, node_column::ID).is_in(c.iter().copied())))
                .collect(),
            Named::External(partner, externals) => externals
                .chunks(MAX_PARAMS / 2)
                .map(|c| {
                    Condition::all()
                        .add(col(table, node_column::EXTERNAL_ID).is_in(c.iter().cloned()))
                        .add(match partner {
                            Some(p) => col(table, node_column::PARTNER_ID).eq(*p),
                            None => col(table, node_column::PARTNER_ID).is_null(),
                        })
                })
                .collect(),
        }
    }
}

/// Reads in advance the live records of `E` that a batch names, with their texts,
/// locked until the transaction ends: two statements per 15,000 records. What it did not
/// find is noted too: no live record has the external id, or the id.
pub async fn prefetch<E: NodeEntity>(w: &mut Writer, named: Named<'_>) -> Result<()>
where
    E::Model: Sync,
{
    let table = E::default().table_name();
    let Some(stage) = w.stage_mut() else {
        return Ok(());
    };
    match &named {
        Named::Ids(ids) => {
            for id in *ids {
                stage.note_live(table, *id, false);
            }
        }
        Named::External(partner, externals) => {
            for e in *externals {
                stage.note_found((table, *partner, e.clone()), None);
            }
        }
    }
    for cond in named.conditions(table) {
        let rows = E::find()
            .filter(cond)
            .filter(col(table, node_column::DELETED_AT).is_null())
            .lock_exclusive()
            .all(w.txn())
            .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.record().id).collect();
        let mut texts = texts_of(w.txn(), table, &ids).await?;
        let Some(stage) = w.stage_mut() else {
            return Ok(());
        };
        for row in rows {
            let rec = row.record();
            let id = rec.id;
            if let Some(e) = rec.external_id {
                stage.note_found((table, rec.partner_id, e.to_string()), Some(id));
            }
            stage.note_live(table, id, true);
            let t = texts.remove(&id).unwrap_or_default();
            stage.rows.insert((table, id), Box::new((row, t)));
        }
    }
    Ok(())
}

/// What writing the held records did.
pub enum Flushed {
    /// They were written; the ids of those created, by position in the batch and type.
    Written(Vec<(usize, NodeType, i64)>),
    /// The database refused them for a unique value: nothing of them was written. The
    /// positions in the batch of the records, to check and write one by one.
    Refused(Vec<usize>),
}

/// Writes the records held by the writer's stage, and empties it.
pub async fn flush(w: &mut Writer) -> Result<Flushed> {
    let mut entries = match w.stage_mut() {
        Some(stage) if !stage.entries.is_empty() => stage.take_held(),
        _ => return Ok(Flushed::Written(Vec::new())),
    };
    // Where each record is in the batch, and its type when it is created.
    let held: Vec<(usize, Option<NodeType>)> = entries
        .iter()
        .map(|e| (e.index, e.id.is_none().then_some(e.kind)))
        .collect();
    w.txn().execute_unprepared("SAVEPOINT agora_stage").await?;
    match write(w, &mut entries).await {
        Ok(ids) => {
            w.txn()
                .execute_unprepared("RELEASE SAVEPOINT agora_stage")
                .await?;
            Ok(Flushed::Written(
                held.into_iter()
                    .zip(ids)
                    .filter_map(|((index, created), id)| created.map(|kind| (index, kind, id)))
                    .collect(),
            ))
        }
        Err(Error::Conflict(_)) => {
            w.txn()
                .execute_unprepared("ROLLBACK TO SAVEPOINT agora_stage")
                .await?;
            w.txn()
                .execute_unprepared("RELEASE SAVEPOINT agora_stage")
                .await?;
            Ok(Flushed::Refused(
                held.into_iter().map(|(index, _)| index).collect(),
            ))
        }
        Err(e) => Err(e),
    }
}

/// Writes records: their rows (a statement per table and run of creations or updates, on
/// SQLite of updates of the same columns, as the bound on parameters allows), texts,
/// search keys and changes; their values are moved into the statements. Returns each
/// record's id. A unique value the database refuses is `Conflict`.
pub async fn write(w: &mut Writer, entries: &mut [Entry]) -> Result<Vec<i64>> {
    let mut ids: Vec<i64> = entries.iter().map(|e| e.id.unwrap_or(0)).collect();
    let every_column = w.txn().get_database_backend() == DbBackend::Postgres;
    let mut start = 0;
    while start < entries.len() {
        let (table, creating) = (entries[start].kind.table(), entries[start].id.is_none());
        let mut end = start + 1;
        while end < entries.len()
            && entries[end].kind.table() == table
            && entries[end].id.is_none() == creating
            && (every_column || entries[end].changed() == entries[start].changed())
        {
            end += 1;
        }
        let per = (MAX_PARAMS / entries[start].columns.len().max(1)).max(1);
        let mut at = start;
        while at < end {
            // A creation without an external id is found again by its place alone.
            let to = if creating && entries[at].external_id.is_none() {
                at + 1
            } else {
                (at + per).min(end)
            };
            write_rows(
                w,
                table,
                every_column,
                &mut entries[at..to],
                &mut ids[at..to],
            )
            .await?;
            at = to;
        }
        start = end;
    }
    write_texts(w, entries, &ids).await?;
    let mut keys: HashMap<NodeType, Vec<(i64, Vec<SearchKey>)>> = HashMap::new();
    for (e, id) in entries.iter_mut().zip(&ids) {
        if let Some(k) = e.keys.take() {
            keys.entry(e.kind).or_default().push((*id, k));
        }
    }
    for (kind, records) in keys {
        crate::search::repo::write_keys(w.txn(), kind, &records).await?;
    }
    let changes = entries
        .iter_mut()
        .zip(&ids)
        .map(|(e, id)| ChangeRecord {
            op: e.op,
            kind: e.kind.table(),
            id: *id,
            external_id: e.external_id.as_deref(),
            partner_id: e.partner_id,
            version: e.version,
            edge: None,
            before: e.before.take(),
            after: Some(e.after.take()),
        })
        .collect();
    record_many(w, changes).await?;
    Ok(ids)
}

/// Writes rows of one table: inserted (ids returned, matched by partner and external id),
/// or written over the rows of their ids (every column, or the columns they change, the
/// same for each).
async fn write_rows(
    w: &Writer,
    table: &'static str,
    every_column: bool,
    entries: &mut [Entry],
    ids: &mut [i64],
) -> Result<()> {
    let creating = entries[0].id.is_none();
    let columns: Vec<&'static str> = entries[0].columns.iter().map(|(n, _)| *n).collect();
    // Computed before the values move into the statement.
    let changed: Vec<Alias> = match every_column {
        true => columns.iter().map(|n| Alias::new(*n)).collect(),
        false => entries[0].changed().into_iter().map(Alias::new).collect(),
    };
    let mut q = Query::insert();
    q.into_table(Alias::new(table));
    let mut names: Vec<Alias> = Vec::new();
    if !creating {
        names.push(Alias::new(node_column::ID));
    }
    names.extend(columns.iter().map(|n| Alias::new(*n)));
    let width = names.len();
    q.columns(names);
    for e in entries.iter_mut() {
        let mut values: Vec<Expr> = Vec::with_capacity(width);
        if let Some(id) = e.id {
            values.push(id.into());
        }
        values.extend(
            std::mem::take(&mut e.columns)
                .into_iter()
                .map(|(_, v)| Expr::val(v)),
        );
        q.values(values)
            .map_err(|e| Error::internal(format!("a staged row: {e}")))?;
    }
    if creating {
        q.returning(Query::returning().columns([
            Alias::new(node_column::ID),
            Alias::new(node_column::PARTNER_ID),
            Alias::new(node_column::EXTERNAL_ID),
        ]));
        let rows = w.txn().query_all(&q).await.map_err(conflict_on_unique)?;
        if entries.len() == 1 && rows.len() == 1 {
            ids[0] = rows[0].try_get("", node_column::ID)?;
            return Ok(());
        }
        let mut by_key: HashMap<(Option<i64>, String), i64> = HashMap::new();
        for r in rows {
            let external: Option<String> = r.try_get("", node_column::EXTERNAL_ID)?;
            if let Some(e) = external {
                by_key.insert(
                    (r.try_get("", node_column::PARTNER_ID)?, e),
                    r.try_get("", node_column::ID)?,
                );
            }
        }
        for (e, id) in entries.iter().zip(ids.iter_mut()) {
            let key = (e.partner_id, e.external_id.clone().unwrap_or_default());
            *id = *by_key
                .get(&key)
                .ok_or_else(|| Error::internal("a created row was not returned"))?;
        }
    } else {
        q.on_conflict(
            OnConflict::column(Alias::new(node_column::ID))
                .update_columns(changed)
                .to_owned(),
        );
        w.txn().execute(&q).await.map_err(conflict_on_unique)?;
    }
    Ok(())
}

/// Writes the texts that differ from what the records held, and removes those gone.
async fn write_texts(w: &Writer, entries: &[Entry], ids: &[i64]) -> Result<()> {
    let mut upserts = Vec::new();
    let mut gone = Vec::new();
    for (e, id) in entries.iter().zip(ids) {
        let (before, after) = &e.texts;
        let owner = e.kind.table();
        for (field, langs) in after {
            let old = before.get(field);
            for (lang, text) in langs {
                if old.and_then(|o| o.get(lang)) != Some(text) {
                    upserts.push(super::text::row(owner, *id, field, lang, text, None));
                }
            }
        }
        for (field, langs) in before {
            for lang in langs.keys() {
                if after.get(field).is_none_or(|a| !a.contains_key(lang)) {
                    gone.push(
                        Condition::all()
                            .add(translation::Column::OwnerType.eq(owner))
                            .add(translation::Column::OwnerId.eq(*id))
                            .add(translation::Column::Field.eq(field.as_str()))
                            .add(translation::Column::Lang.eq(lang.as_str())),
                    );
                }
            }
        }
    }
    super::text::write_rows(w.txn(), upserts).await?;
    let mut gone = gone.into_iter().peekable();
    while gone.peek().is_some() {
        let any = gone
            .by_ref()
            .take(MAX_PARAMS / 4)
            .fold(Condition::any(), Condition::add);
        translation::Entity::delete_many()
            .filter(any)
            .exec(w.txn())
            .await?;
    }
    Ok(())
}
