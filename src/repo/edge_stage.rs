//! The edges of a batch written together: read in advance, checked one by one in order,
//! held back, then written in a few statements per table (see [`super::stage`], which does
//! the same for records).
//!
//! Before the edges of a batch are checked, the batch reads the records they name and
//! every edge stored at those records ([`prefetch`]). While it checks them, adding or
//! removing an edge, and the new version of its source record, are held ([`EdgeStage`]),
//! and the next edges are checked against what was read and what is held, as if each
//! edge were written before the next. [`flush`] then writes the held edges: one insert and
//! one delete per edge table, one update of versions per source table and number of
//! edges, one insert of changes for the feed.
//!
//! Affiliations (dated edges, with a position in several languages) are held too: an
//! affiliation is known by its start date, and adding one that is there holds the change
//! of its end date and position. Their positions are written with them, a statement or two
//! per batch.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use sea_orm::{
    ConnectionTrait,
    sea_query::{Condition, Expr, ExprTrait, Query},
};

use crate::{
    error::{Error, Result},
    repo::{
        col,
        edges::{self, ALL, EdgeRow, EdgeTable, Source, column},
        node::column as node_column,
        stage::{MAX_PARAMS, Named},
        text,
        write::{Outcome, TextMap, Writer, record_many, texts_of},
    },
};

/// Edges found among those a batch knows: their places, and the partners that made them.
pub type Found = Vec<(usize, Option<i64>)>;

/// An edge stored or held.
struct Known {
    /// Its id; none while it is held.
    id: Option<i64>,
    /// For a held edge, its place among the held additions.
    held: Option<usize>,
    /// The partner that made it.
    partner: Option<i64>,
    from: i64,
    to: i64,
    role: Option<String>,
    /// The source record's table, for edges from records of any type.
    node_type: Option<String>,
    /// False once removed.
    live: bool,
    /// For a dated edge: its dates and position.
    dated: Option<Dated>,
}

/// What a dated edge (an affiliation) carries besides its ends.
struct Dated {
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    position: TextMap,
}

/// An edge to add.
struct Held {
    table: &'static EdgeTable,
    row: EdgeRow,
    /// The partner that makes it.
    partner: Option<i64>,
    /// For a dated edge, its position.
    position: TextMap,
}

/// A stored dated edge's new end date and position.
struct Update {
    table: &'static EdgeTable,
    id: i64,
    end: Option<NaiveDate>,
    position: TextMap,
}

/// The edges of one table that the batch knows.
#[derive(Default)]
struct TableEdges {
    rows: Vec<Known>,
    /// The rows at each record (as source, and as target for symmetric kinds).
    by_node: HashMap<i64, Vec<usize>>,
    /// The records whose edges were all read.
    covered: HashSet<i64>,
}

/// A held change of an edge's source record: a new version, and its change in the feed.
struct Touch {
    table: &'static EdgeTable,
    row: EdgeRow,
    source: Source,
    version: i64,
    added: bool,
}

/// The edges a batch read and holds.
#[derive(Default)]
pub struct EdgeStage {
    known: HashMap<&'static str, TableEdges>,
    /// Edges to add, in order (`None`: removed again before being written).
    adds: Vec<Option<Held>>,
    /// Stored edges to remove, by table and id.
    removes: Vec<(&'static EdgeTable, i64)>,
    /// Stored dated edges to change, in order.
    updates: Vec<Update>,
    touches: Vec<Touch>,
}

impl EdgeStage {
    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.adds.is_empty()
            && self.removes.is_empty()
            && self.updates.is_empty()
            && self.touches.is_empty()
    }

    /// The edges of `t` that are the edge `row` (in either direction, for symmetric
    /// kinds): their places and the partners that made them, when the edges at its source
    /// were read. `None` when they were not (the database knows).
    pub fn find(&self, t: &EdgeTable, row: &EdgeRow) -> Option<Found> {
        let known = self.known.get(t.name)?;
        if !known.covered.contains(&row.from) {
            return None;
        }
        let one_way = |k: &Known, from: i64, to: i64| {
            k.from == from
                && k.to == to
                && (t.role_column().is_none() || row.role.is_none() || k.role == row.role)
                && (!t.typed_source() || k.node_type.as_deref() == Some(row.from_type))
                // An affiliation is known by its start date; one without is another.
                && k.dated.as_ref().is_none_or(|d| d.start == row.start_date)
        };
        let places = known.by_node.get(&row.from).map_or(&[][..], Vec::as_slice);
        Some(
            places
                .iter()
                .map(|&p| (p, &known.rows[p]))
                .filter(|(_, k)| {
                    k.live
                        && (one_way(k, row.from, row.to)
                            || (t.symmetric && one_way(k, row.to, row.from)))
                })
                .map(|(p, k)| (p, k.partner))
                .collect(),
        )
    }

    /// Holds the addition of the edge `row` of `t`, made by `partner`, with its position
    /// if it is dated.
    pub fn hold_add(
        &mut self,
        t: &'static EdgeTable,
        row: &EdgeRow,
        partner: Option<i64>,
        position: &TextMap,
    ) {
        let held = self.adds.len();
        self.adds.push(Some(Held {
            table: t,
            row: row.clone(),
            partner,
            position: position.clone(),
        }));
        let known = self.known.entry(t.name).or_default();
        known.push(
            t,
            Known {
                id: None,
                held: Some(held),
                partner,
                from: row.from,
                to: row.to,
                role: row.role.clone(),
                node_type: t.typed_source().then(|| row.from_type.to_string()),
                live: true,
                dated: t.dated.then(|| Dated {
                    start: row.start_date,
                    end: row.end_date,
                    position: position.clone(),
                }),
            },
        );
    }

    /// Sets the end date and position of the dated edge of `t` at `place` (found by
    /// [`Self::find`]) to those of `row` and `position`, unless they are so already:
    /// `Updated` (held) or `Unchanged`.
    pub fn hold_update(
        &mut self,
        t: &'static EdgeTable,
        place: usize,
        row: &EdgeRow,
        position: &TextMap,
    ) -> Outcome {
        let Some(k) = self
            .known
            .get_mut(t.name)
            .and_then(|known| known.rows.get_mut(place))
        else {
            return Outcome::Unchanged;
        };
        let Some(dated) = k.dated.as_mut() else {
            return Outcome::Unchanged;
        };
        if dated.end == row.end_date && dated.position == *position {
            return Outcome::Unchanged;
        }
        dated.end = row.end_date;
        dated.position = position.clone();
        match (k.id, k.held) {
            (Some(id), _) => self.updates.push(Update {
                table: t,
                id,
                end: row.end_date,
                position: position.clone(),
            }),
            (None, Some(held)) => {
                if let Some(Some(h)) = self.adds.get_mut(held) {
                    h.row.end_date = row.end_date;
                    h.position = position.clone();
                }
            }
            (None, None) => {}
        }
        Outcome::Updated
    }

    /// Holds the removal of the edges of `t` at `places` (found by [`Self::find`]).
    pub fn hold_remove(&mut self, t: &'static EdgeTable, places: &[usize]) {
        let Some(known) = self.known.get_mut(t.name) else {
            return;
        };
        for &p in places {
            let k = &mut known.rows[p];
            k.live = false;
            match (k.id, k.held) {
                (Some(id), _) => self.removes.push((t, id)),
                (None, Some(held)) => self.adds[held] = None,
                (None, None) => {}
            }
        }
    }

    /// Holds the new version of an edge's source record and its change in the feed.
    pub fn hold_touch(
        &mut self,
        t: &'static EdgeTable,
        row: &EdgeRow,
        source: &Source,
        version: i64,
        added: bool,
    ) {
        self.touches.push(Touch {
            table: t,
            row: row.clone(),
            source: source.clone(),
            version,
            added,
        });
    }
}

impl TableEdges {
    fn push(&mut self, t: &EdgeTable, k: Known) {
        let place = self.rows.len();
        self.by_node.entry(k.from).or_default().push(place);
        if t.symmetric && k.to != k.from {
            self.by_node.entry(k.to).or_default().push(place);
        }
        self.rows.push(k);
    }
}

/// Reads every edge of `t` at the records `ids` (as source, and as target for symmetric
/// kinds), so that the batch checks edges at them without asking the database: a
/// statement per `t` and 15,000 records.
pub async fn prefetch(w: &mut Writer, t: &'static EdgeTable, ids: &[i64]) -> Result<()> {
    let mut read = Vec::new();
    for chunk in ids.chunks(MAX_PARAMS / 2) {
        let mut q = Query::select();
        q.expr_as(col(t.name, column::ID), column::ID)
            .expr_as(col(t.name, column::PARTNER_ID), column::PARTNER_ID)
            .expr_as(col(t.name, t.from), "edge_from")
            .expr_as(col(t.name, t.to), "edge_to")
            .from(t.name);
        if let Some(role) = t.role_column() {
            q.expr_as(col(t.name, role), "edge_role");
        }
        if t.typed_source() {
            q.expr_as(col(t.name, column::NODE_TYPE), "edge_node_type");
        }
        if t.dated {
            q.expr_as(col(t.name, column::START_DATE), column::START_DATE)
                .expr_as(col(t.name, column::END_DATE), column::END_DATE);
        }
        let mut at = Condition::any().add(col(t.name, t.from).is_in(chunk.iter().copied()));
        if t.symmetric {
            at = at.add(col(t.name, t.to).is_in(chunk.iter().copied()));
        }
        q.cond_where(at);
        for r in w.txn().query_all(&q).await? {
            read.push(Known {
                id: Some(r.try_get("", column::ID)?),
                held: None,
                partner: r.try_get("", column::PARTNER_ID)?,
                from: r.try_get("", "edge_from")?,
                to: r.try_get("", "edge_to")?,
                role: match t.role_column() {
                    Some(_) => r.try_get("", "edge_role")?,
                    None => None,
                },
                node_type: match t.typed_source() {
                    true => r.try_get("", "edge_node_type")?,
                    false => None,
                },
                live: true,
                dated: match t.dated {
                    true => Some(Dated {
                        start: r.try_get("", column::START_DATE)?,
                        end: r.try_get("", column::END_DATE)?,
                        position: TextMap::new(),
                    }),
                    false => None,
                },
            });
        }
    }
    if t.dated {
        let ids: Vec<i64> = read.iter().filter_map(|k| k.id).collect();
        let mut positions = HashMap::new();
        for chunk in ids.chunks(MAX_PARAMS / 2) {
            positions.extend(texts_of(w.txn(), t.name, chunk).await?);
        }
        for k in &mut read {
            if let (Some(d), Some(id)) = (k.dated.as_mut(), k.id) {
                d.position = positions.remove(&id).unwrap_or_default();
            }
        }
    }
    let Some(stage) = w.stage_mut() else {
        return Ok(());
    };
    let known = stage.edges.known.entry(t.name).or_default();
    // A record read before keeps what was read then (and what the batch holds since).
    let fresh: HashSet<i64> = ids
        .iter()
        .copied()
        .filter(|id| !known.covered.contains(id))
        .collect();
    for k in read {
        let at_fresh = fresh.contains(&k.from) || (t.symmetric && fresh.contains(&k.to));
        let stale =
            known.covered.contains(&k.from) || (t.symmetric && known.covered.contains(&k.to));
        if at_fresh && !stale {
            known.push(t, k);
        }
    }
    known.covered.extend(fresh);
    Ok(())
}

/// Reads in advance whether the records of `table` that edges name are live, and their
/// partner, external id and version (what an edge's checks read of its ends): a statement
/// per 15,000 records.
pub async fn prefetch_records(w: &mut Writer, table: &'static str, named: Named<'_>) -> Result<()> {
    let mut read = Vec::new();
    for cond in named.conditions(table) {
        let q = Query::select()
            .columns([
                (table, node_column::ID),
                (table, node_column::PARTNER_ID),
                (table, node_column::EXTERNAL_ID),
                (table, node_column::VERSION),
            ])
            .from(table)
            .cond_where(cond)
            .and_where(col(table, node_column::DELETED_AT).is_null())
            .to_owned();
        for r in w.txn().query_all(&q).await? {
            read.push((r.try_get("", node_column::ID)?, Source::read(&r)?));
        }
    }
    let Some(stage) = w.stage_mut() else {
        return Ok(());
    };
    match named {
        Named::Ids(ids) => {
            for id in ids {
                stage.note_live(table, *id, false);
            }
        }
        Named::External(partner, externals) => {
            for e in externals {
                stage.note_found((table, partner, e.clone()), None);
            }
            for (id, source) in &read {
                if let Some(e) = &source.external_id {
                    stage.note_found((table, partner, e.clone()), Some(*id));
                }
            }
        }
    }
    for (id, source) in read {
        stage.note_live(table, id, true);
        stage.note_source(table, id, &source);
    }
    Ok(())
}

/// Writes the edges the writer's stage holds, and forgets the edges it read.
pub async fn flush(w: &mut Writer) -> Result<()> {
    let Some(stage) = w.stage_mut() else {
        return Ok(());
    };
    let EdgeStage {
        adds,
        removes,
        updates,
        touches,
        ..
    } = std::mem::take(&mut stage.edges);
    for t in ALL {
        let ids: Vec<i64> = removes
            .iter()
            .filter(|(table, _)| std::ptr::eq(*table, t))
            .map(|(_, id)| *id)
            .collect();
        for chunk in ids.chunks(MAX_PARAMS) {
            if t.dated {
                edges::delete_positions(w, t, chunk).await?;
            }
            let delete = Query::delete()
                .from_table(t.name)
                .and_where(Expr::col(column::ID).is_in(chunk.iter().copied()))
                .to_owned();
            w.txn().execute(&delete).await?;
        }
        let rows: Vec<&Held> = adds
            .iter()
            .flatten()
            .filter(|h| std::ptr::eq(h.table, t))
            .collect();
        insert(w, t, &rows).await?;
        if t.dated {
            let gone: HashSet<i64> = ids.into_iter().collect();
            let changed: Vec<&Update> = updates
                .iter()
                .filter(|u| std::ptr::eq(u.table, t) && !gone.contains(&u.id))
                .collect();
            set_last_dated(w, t, &changed).await?;
        }
    }
    let now = w.now;
    // Each source record's version grows by the number of its edges changed.
    let mut grown: HashMap<(&'static str, i64), i64> = HashMap::new();
    for t in &touches {
        *grown.entry((t.row.from_type, t.row.from)).or_default() += 1;
    }
    let mut groups: HashMap<(&'static str, i64), Vec<i64>> = HashMap::new();
    for ((table, id), by) in grown {
        groups.entry((table, by)).or_default().push(id);
    }
    for ((table, by), mut ids) in groups {
        ids.sort_unstable();
        for chunk in ids.chunks(MAX_PARAMS) {
            let update = Query::update()
                .table(table)
                .value(
                    node_column::VERSION,
                    Expr::col(node_column::VERSION).add(by),
                )
                .value(node_column::UPDATED_AT, now)
                .and_where(Expr::col(node_column::ID).is_in(chunk.iter().copied()))
                .to_owned();
            w.txn().execute(&update).await?;
        }
    }
    let changes = touches
        .iter()
        .map(|t| edges::change(t.table, &t.row, &t.source, t.version, t.added))
        .collect();
    record_many(w, changes).await
}

/// Inserts edges of `t`, a statement per 30,000 values; for dated edges, their ids come
/// back, by which their positions are written.
async fn insert(w: &Writer, t: &EdgeTable, rows: &[&Held]) -> Result<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    // The columns are the same for every edge of a table (a role is required where there is one).
    let (columns, _) = edges::stored(t, &first.row, first.partner, w.now);
    let mut positions = Vec::new();
    for chunk in rows.chunks(MAX_PARAMS / columns.len()) {
        let mut q = Query::insert();
        q.into_table(t.name).columns(columns.clone());
        for h in chunk {
            q.values(edges::stored(t, &h.row, h.partner, w.now).1)
                .map_err(|e| Error::internal(format!("a held edge: {e}")))?;
        }
        if !t.dated {
            w.txn().execute(&q).await?;
            continue;
        }
        // A dated edge is one of its batch by its ends and start date.
        q.returning(Query::returning().columns([column::ID, t.from, t.to, column::START_DATE]));
        let mut ids: HashMap<(i64, i64, Option<NaiveDate>), i64> = HashMap::new();
        for r in w.txn().query_all(&q).await? {
            ids.insert(
                (
                    r.try_get("", t.from)?,
                    r.try_get("", t.to)?,
                    r.try_get("", column::START_DATE)?,
                ),
                r.try_get("", column::ID)?,
            );
        }
        for h in chunk {
            let id = ids
                .get(&(h.row.from, h.row.to, h.row.start_date))
                .ok_or_else(|| Error::internal("a held edge was not returned"))?;
            positions.extend(edges::position_rows(t, *id, &h.position));
        }
    }
    text::write_rows(w.txn(), positions).await
}

/// Sets the end dates and positions of stored dated edges of `t`: the last change of
/// each counts.
async fn set_last_dated(w: &Writer, t: &EdgeTable, changed: &[&Update]) -> Result<()> {
    let mut last: HashMap<i64, &Update> = HashMap::new();
    for u in changed {
        last.insert(u.id, u);
    }
    let changes: Vec<_> = last.values().map(|u| (u.id, u.end, &u.position)).collect();
    edges::set_dated(w, t, &changes).await
}
