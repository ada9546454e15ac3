//! The bulk sync mutation: many records of mixed types, all or nothing.

use async_graphql::{Context, ID, InputObject, InputType, Object, OneofObject, SimpleObject};

use crate::{
    dialogue::{Dialogue, DialogueInput},
    error::{Error, Result},
    graphql::{
        id::{NodeType as IdType, decode, encode},
        write::{
            NodeRef, Writable, delete_in, partner_for, resolve, text_column, upsert_in, writer,
        },
    },
    organisation::{Organisation, OrganisationInput},
    person::{Person, PersonInput},
    repo::{
        edge_stage,
        edges::EdgeTable,
        node::{NodeType, column as node_column},
        stage::{self, Flushed, Named},
        write::{self as store, Outcome, Writer},
    },
    report::{Report, ReportInput},
    source::{Source, SourceInput},
    sync::edges::{EdgeInput, write_edge},
    theme::{Theme, ThemeInput},
    tool::{Tool, ToolInput},
    workshop::{Workshop, WorkshopInput},
};

/// The most records one `sync` call takes.
pub const MAX_RECORDS: usize = 5_000;

/// A record to create or update by the id a partner's system gives it.
#[derive(InputObject, Clone, Debug)]
#[graphql(concrete(name = "DialogueUpsert", params(DialogueInput)))]
#[graphql(concrete(name = "WorkshopUpsert", params(WorkshopInput)))]
#[graphql(concrete(name = "ReportUpsert", params(ReportInput)))]
#[graphql(concrete(name = "ToolUpsert", params(ToolInput)))]
#[graphql(concrete(name = "OrganisationUpsert", params(OrganisationInput)))]
#[graphql(concrete(name = "PersonUpsert", params(PersonInput)))]
#[graphql(concrete(name = "ThemeUpsert", params(ThemeInput)))]
#[graphql(concrete(name = "SourceUpsert", params(SourceInput)))]
pub struct Upsert<I: InputType> {
    /// The record's id in the partner's own system.
    pub external_id: String,
    /// Admins only: the slug of the partner whose id it is (the caller's by default).
    pub partner: Option<String>,
    /// The record's values; on update, fields left out keep theirs.
    pub input: I,
    /// Fail unless the record is at this version (a record that does not exist yet is at
    /// version 0).
    pub expected_version: Option<i64>,
}

/// A record to delete.
#[derive(InputObject, Clone, Debug)]
pub struct DeleteInput {
    /// The record (by global id, or by `externalId` with its `type`).
    pub record: NodeRef,
    /// Fail unless the record is at this version.
    pub expected_version: Option<i64>,
}

/// One record of a batch: exactly one of its fields.
#[derive(OneofObject, Clone, Debug)]
pub enum SyncRecord {
    /// Create or update a dialogue.
    Dialogue(Upsert<DialogueInput>),
    /// Create or update a workshop.
    Workshop(Upsert<WorkshopInput>),
    /// Create or update a report.
    Report(Upsert<ReportInput>),
    /// Create or update a tool.
    Tool(Upsert<ToolInput>),
    /// Create or update an organisation.
    Organisation(Upsert<OrganisationInput>),
    /// Create or update a person.
    Person(Upsert<PersonInput>),
    /// Create or update a theme.
    Theme(Upsert<ThemeInput>),
    /// Create or update a source.
    Source(Upsert<SourceInput>),
    /// Add an edge.
    AddEdge(EdgeInput),
    /// Remove an edge.
    RemoveEdge(EdgeInput),
    /// Delete a record.
    Delete(DeleteInput),
}

impl SyncRecord {
    /// Records are written and deleted first, in the order sent; then edges, in the order
    /// sent, so that an edge may refer to a record anywhere in the batch.
    fn pass(&self) -> u8 {
        match self {
            SyncRecord::AddEdge(_) | SyncRecord::RemoveEdge(_) => 1,
            _ => 0,
        }
    }

    /// What a record of the first pass names, to read it in advance: for an upsert, its
    /// type, external id and the partner it names (if any); for a deletion, its reference.
    fn ahead(&self) -> Ahead<'_> {
        fn key<N: Writable>(u: &Upsert<N::Input>) -> Ahead<'_> {
            let named = u.partner.as_deref();
            let named = named.or(N::record_input(&u.input).partner.as_deref());
            Ahead::External(N::KIND, &u.external_id, named)
        }
        match self {
            SyncRecord::Dialogue(u) => key::<Dialogue>(u),
            SyncRecord::Workshop(u) => key::<Workshop>(u),
            SyncRecord::Report(u) => key::<Report>(u),
            SyncRecord::Tool(u) => key::<Tool>(u),
            SyncRecord::Organisation(u) => key::<Organisation>(u),
            SyncRecord::Person(u) => key::<Person>(u),
            SyncRecord::Theme(u) => key::<Theme>(u),
            SyncRecord::Source(u) => key::<Source>(u),
            SyncRecord::Delete(d) => match (&d.record.id, &d.record.external_id, d.record.kind) {
                (Some(id), None, _) => match decode(id) {
                    Ok((kind, id)) => Ahead::Id(kind, id),
                    Err(_) => Ahead::Nothing,
                },
                (None, Some(external), Some(kind)) => {
                    Ahead::External(kind, external, d.record.partner.as_deref())
                }
                _ => Ahead::Nothing,
            },
            SyncRecord::AddEdge(_) | SyncRecord::RemoveEdge(_) => Ahead::Nothing,
        }
    }
}

/// What a record names, to read in advance.
enum Ahead<'a> {
    /// A record by type, external id, and the slug of the partner named (the caller's
    /// when none).
    External(NodeType, &'a str, Option<&'a str>),
    /// A record by type and id.
    Id(NodeType, i64),
    /// Nothing: a reference that fails on its own when its record is applied.
    Nothing,
}

/// Why one record of a batch failed.
#[derive(SimpleObject, Clone, Debug)]
pub struct RecordError {
    /// The error's code, as in `extensions.code` (`BAD_USER_INPUT`, `FORBIDDEN`,
    /// `CONFLICT`, ...).
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// For `CONFLICT` on versions: the record's stored version.
    pub current_version: Option<i64>,
}

/// What happened to one record of a batch.
#[derive(SimpleObject, Clone, Debug)]
pub struct SyncRecordResult {
    /// The record's position in the batch (from 0).
    pub index: i32,
    /// What was (or, when the batch was not applied, would have been) done.
    pub outcome: Option<Outcome>,
    /// The record's global id (for edges, the source record's).
    pub id: Option<ID>,
    /// The record's version afterwards.
    pub version: Option<i64>,
    /// Why the record failed, if it did.
    pub error: Option<RecordError>,
}

/// What a batch did.
#[derive(SimpleObject, Clone, Debug)]
pub struct SyncResult {
    /// True when every record succeeded and the batch was committed; false when any
    /// failed, in which case nothing at all was written.
    pub applied: bool,
    /// One result per record, in the order sent.
    pub results: Vec<SyncRecordResult>,
}

fn error_of(e: Error) -> RecordError {
    let field = match &e {
        Error::InvalidField { field, .. } => Some(field.clone()),
        _ => None,
    };
    let current_version = match &e {
        Error::VersionConflict { current, .. } => Some(*current),
        _ => None,
    };
    RecordError {
        code: e.code().to_string(),
        message: e.to_string(),
        field,
        current_version,
    }
}

async fn upsert<N: Writable>(w: &mut Writer, u: &Upsert<N::Input>) -> Result<(Outcome, ID, i64)> {
    let r = upsert_in::<N>(
        w,
        &u.external_id,
        u.partner.as_deref(),
        &u.input,
        u.expected_version,
    )
    .await?;
    let (id, version) = r.key();
    Ok((r.status(), id, version))
}

async fn apply(w: &mut Writer, record: &SyncRecord) -> Result<(Outcome, ID, i64)> {
    match record {
        SyncRecord::Dialogue(u) => upsert::<Dialogue>(w, u).await,
        SyncRecord::Workshop(u) => upsert::<Workshop>(w, u).await,
        SyncRecord::Report(u) => upsert::<Report>(w, u).await,
        SyncRecord::Tool(u) => upsert::<Tool>(w, u).await,
        SyncRecord::Organisation(u) => upsert::<Organisation>(w, u).await,
        SyncRecord::Person(u) => upsert::<Person>(w, u).await,
        SyncRecord::Theme(u) => upsert::<Theme>(w, u).await,
        SyncRecord::Source(u) => upsert::<Source>(w, u).await,
        SyncRecord::AddEdge(e) | SyncRecord::RemoveEdge(e) => {
            let r = write_edge(w, e, matches!(record, SyncRecord::AddEdge(_))).await?;
            Ok((r.outcome, r.from, r.from_version))
        }
        SyncRecord::Delete(d) => {
            let (kind, id) = resolve(w, "record", &d.record, None).await?;
            let (outcome, version) = match kind {
                crate::graphql::id::NodeType::Dialogue => {
                    key(delete_in::<Dialogue>(w, id, d.expected_version).await?)
                }
                crate::graphql::id::NodeType::Workshop => {
                    key(delete_in::<Workshop>(w, id, d.expected_version).await?)
                }
                crate::graphql::id::NodeType::Report => {
                    key(delete_in::<Report>(w, id, d.expected_version).await?)
                }
                crate::graphql::id::NodeType::Tool => {
                    key(delete_in::<Tool>(w, id, d.expected_version).await?)
                }
                crate::graphql::id::NodeType::Organisation => {
                    key(delete_in::<Organisation>(w, id, d.expected_version).await?)
                }
                crate::graphql::id::NodeType::Person => {
                    key(delete_in::<Person>(w, id, d.expected_version).await?)
                }
                crate::graphql::id::NodeType::Theme => {
                    key(delete_in::<Theme>(w, id, d.expected_version).await?)
                }
                crate::graphql::id::NodeType::Source => {
                    key(delete_in::<Source>(w, id, d.expected_version).await?)
                }
            };
            Ok((outcome, encode(kind, id), version))
        }
    }
}

fn key<N: Writable>(r: crate::graphql::write::WriteResult<N>) -> (Outcome, i64) {
    (r.status(), r.key().1)
}

/// Applies a batch in one transaction, as if each record were written before the next is
/// checked: records (upserts and deletions) in the order sent, then edges.
///
/// Upserts and deletions (a deletion marks its record deleted: an update) are checked
/// one by one but written together, a few statements per table ([`crate::repo::stage`]):
/// the records they name are read in advance, and written when a later record's checks
/// read what they change, and at the end. Edges are read in advance, checked and written
/// the same way ([`sync_edges`]). A record that fails its checks holds nothing back, so the
/// batch goes on past a failure and reports every failing record; records the database
/// refuses for a unique value are applied again one by one, each in a savepoint.
pub async fn sync(w: &mut Writer, records: &[SyncRecord]) -> Result<Vec<SyncRecordResult>> {
    if records.len() > MAX_RECORDS {
        return Err(Error::bad_input(format!(
            "a batch takes at most {MAX_RECORDS} records, not {}",
            records.len()
        )));
    }
    let mut results: Vec<Option<SyncRecordResult>> = vec![None; records.len()];
    let first: Vec<usize> = (0..records.len())
        .filter(|i| records[*i].pass() == 0)
        .collect();
    w.start_staging();
    // Whether the records from `pos` on were read in advance.
    let (mut pos, mut read_ahead) = (0, false);
    while pos < first.len() {
        let index = first[pos];
        if !read_ahead {
            prefetch(w, records, &first[pos..]).await?;
            read_ahead = true;
        }
        if let Some(stage) = w.stage_mut() {
            stage.index = index;
        }
        match apply(w, &records[index]).await {
            Err(Error::Restage) => {
                if !flush(w, records, &mut results).await? {
                    read_ahead = false;
                }
                continue;
            }
            outcome => results[index] = Some(result_of(index, outcome)?),
        }
        pos += 1;
    }
    flush(w, records, &mut results).await?;
    w.stop_staging()?;
    sync_edges(w, records, &mut results).await?;
    Ok(results.into_iter().flatten().collect())
}

/// Applies the edges of a batch, in the order sent, as if each were written before the
/// next is checked: read in advance, held, and written together
/// ([`crate::repo::edge_stage`]), affiliations among them.
async fn sync_edges(
    w: &mut Writer,
    records: &[SyncRecord],
    results: &mut [Option<SyncRecordResult>],
) -> Result<()> {
    let edges: Vec<(usize, &EdgeInput)> = records
        .iter()
        .enumerate()
        .filter_map(|(index, r)| match r {
            SyncRecord::AddEdge(e) | SyncRecord::RemoveEdge(e) => Some((index, e)),
            _ => None,
        })
        .collect();
    if edges.is_empty() {
        return Ok(());
    }
    w.start_staging();
    prefetch_edges(w, &edges).await?;
    for (index, _) in edges {
        let record = &records[index];
        let outcome = match apply(w, record).await {
            Err(Error::Restage) => {
                edge_stage::flush(w).await?;
                apply(w, record).await
            }
            outcome => outcome,
        };
        results[index] = Some(result_of(index, outcome)?);
    }
    edge_stage::flush(w).await?;
    w.stop_staging()
}

/// Reads in advance what the checks of `edges` read: the records they name (a statement
/// per type, and per type and partner for external ids) and the edges stored at their
/// sources (a statement per edge table).
async fn prefetch_edges(w: &mut Writer, edges: &[(usize, &EdgeInput)]) -> Result<()> {
    let mut by_id: Vec<(IdType, Vec<i64>)> = Vec::new();
    let mut by_external: Vec<(IdType, Option<i64>, Vec<String>)> = Vec::new();
    for (_, e) in edges {
        let t = e.kind.table();
        for (r, expected) in [(&e.from, t.source), (&e.to, Some(t.target))] {
            match (&r.id, &r.external_id) {
                (Some(id), None) => {
                    let Ok((kind, id)) = decode(id) else { continue };
                    match by_id.iter_mut().find(|g| g.0 == kind) {
                        Some(g) => g.1.push(id),
                        None => by_id.push((kind, vec![id])),
                    }
                }
                (None, Some(external)) => {
                    // A reference that is wrong fails on its own when its edge is applied.
                    let Some(kind) = expected.or(r.kind) else {
                        continue;
                    };
                    let partner = match &r.partner {
                        Some(slug) => match store::partner_by_slug(w, slug).await? {
                            Some(p) => Some(p),
                            None => continue,
                        },
                        None => w.principal.organisation(),
                    };
                    let Ok(external) =
                        text_column(node_column::EXTERNAL_ID, "externalId", external)
                    else {
                        continue;
                    };
                    match by_external
                        .iter_mut()
                        .find(|g| (g.0, g.1) == (kind, partner))
                    {
                        Some(g) => g.2.push(external),
                        None => by_external.push((kind, partner, vec![external])),
                    }
                }
                _ => {}
            }
        }
    }
    for (kind, ids) in &by_id {
        edge_stage::prefetch_records(w, kind.table(), Named::Ids(ids)).await?;
    }
    for (kind, partner, externals) in &by_external {
        let named = Named::External(*partner, externals);
        edge_stage::prefetch_records(w, kind.table(), named).await?;
    }
    // The ends of each edge, now known without asking the database.
    let mut at: Vec<(&'static EdgeTable, Vec<i64>)> = Vec::new();
    for (_, e) in edges {
        let t = e.kind.table();
        let Ok((_, from)) = resolve(w, "from", &e.from, t.source).await else {
            continue;
        };
        let mut ids = vec![from];
        if t.symmetric
            && let Ok((_, to)) = resolve(w, "to", &e.to, Some(t.target)).await
        {
            ids.push(to);
        }
        match at.iter_mut().find(|g| std::ptr::eq(g.0, t)) {
            Some(g) => g.1.extend(ids),
            None => at.push((t, ids)),
        }
    }
    for (t, mut ids) in at {
        ids.sort_unstable();
        ids.dedup();
        edge_stage::prefetch(w, t, &ids).await?;
    }
    Ok(())
}

/// The result of a record, or the error that fails the whole request: a failure that is
/// not the record's fault (the request may be retried).
fn result_of(index: usize, outcome: Result<(Outcome, ID, i64)>) -> Result<SyncRecordResult> {
    let index = index as i32;
    match outcome {
        Ok((outcome, id, version)) => Ok(SyncRecordResult {
            index,
            outcome: Some(outcome),
            id: Some(id),
            version: Some(version),
            error: None,
        }),
        Err(e @ (Error::Database(_) | Error::Internal(_) | Error::Unavailable(_))) => Err(e),
        Err(Error::Restage) => Err(Error::internal("a record was restaged outside a batch")),
        Err(e) => Ok(SyncRecordResult {
            index,
            outcome: None,
            id: None,
            version: None,
            error: Some(error_of(e)),
        }),
    }
}

/// Applies one record at once, in a savepoint: undone alone when it fails.
async fn one(w: &mut Writer, index: usize, record: &SyncRecord) -> Result<SyncRecordResult> {
    let wrote = w.savepoint().await?;
    let outcome = apply(w, record).await;
    let failed = outcome.is_err();
    let result = result_of(index, outcome)?;
    if failed {
        w.rollback_to(wrote).await?;
    } else {
        w.release().await?;
    }
    Ok(result)
}

/// Reads in advance the records that the upserts and deletions `first` name: a statement
/// or two per type and partner, and per type for records named by id.
async fn prefetch(w: &mut Writer, records: &[SyncRecord], first: &[usize]) -> Result<()> {
    // The external ids by type and partner, the ids by type.
    let mut externals: Vec<(NodeType, Option<i64>, Vec<String>)> = Vec::new();
    let mut ids: Vec<(NodeType, Vec<i64>)> = Vec::new();
    for index in first {
        match records[*index].ahead() {
            Ahead::External(kind, external, named) => {
                // A record whose partner or external id is wrong fails on its own when
                // applied.
                let (Ok(partner), Ok(external)) = (
                    partner_for(w, named).await,
                    text_column(node_column::EXTERNAL_ID, "externalId", external),
                ) else {
                    continue;
                };
                match externals.iter_mut().find(|g| (g.0, g.1) == (kind, partner)) {
                    Some((_, _, e)) => e.push(external),
                    None => externals.push((kind, partner, vec![external])),
                }
            }
            Ahead::Id(kind, id) => match ids.iter_mut().find(|g| g.0 == kind) {
                Some((_, i)) => i.push(id),
                None => ids.push((kind, vec![id])),
            },
            Ahead::Nothing => {}
        }
    }
    for (kind, partner, externals) in &externals {
        read(w, *kind, Named::External(*partner, externals)).await?;
    }
    for (kind, ids) in &ids {
        read(w, *kind, Named::Ids(ids)).await?;
    }
    Ok(())
}

/// Reads in advance the records of type `kind` that a batch names.
async fn read(w: &mut Writer, kind: NodeType, named: Named<'_>) -> Result<()> {
    async fn of<N: Writable>(w: &mut Writer, named: Named<'_>) -> Result<()> {
        stage::prefetch::<N::Entity>(w, named).await
    }
    match kind {
        NodeType::Dialogue => of::<Dialogue>(w, named).await,
        NodeType::Workshop => of::<Workshop>(w, named).await,
        NodeType::Report => of::<Report>(w, named).await,
        NodeType::Tool => of::<Tool>(w, named).await,
        NodeType::Organisation => of::<Organisation>(w, named).await,
        NodeType::Person => of::<Person>(w, named).await,
        NodeType::Theme => of::<Theme>(w, named).await,
        NodeType::Source => of::<Source>(w, named).await,
    }
}

/// Writes the records the batch holds. When the database refuses them for a unique
/// value, nothing of them is written, and they are applied again one by one, which says
/// which of them fail. Returns whether what the batch read in advance of the other
/// records still stands (not after records were applied one by one).
async fn flush(
    w: &mut Writer,
    records: &[SyncRecord],
    results: &mut [Option<SyncRecordResult>],
) -> Result<bool> {
    match stage::flush(w).await? {
        Flushed::Written(created) => {
            for (index, kind, id) in created {
                if let Some(Some(r)) = results.get_mut(index) {
                    r.id = Some(encode(kind, id));
                }
            }
            Ok(true)
        }
        Flushed::Refused(held) => {
            w.stop_staging()?;
            for index in held {
                results[index] = Some(one(w, index, &records[index]).await?);
            }
            w.start_staging();
            Ok(false)
        }
    }
}

/// The bulk sync mutation.
#[derive(Default)]
pub struct SyncMutation;

/// The bulk sync mutation.
#[Object]
impl SyncMutation {
    /// Applies up to 5,000 records of mixed types (upserts by external id, edges,
    /// deletions) in one transaction: all or nothing. Records are written and deleted in
    /// the order sent, then edges in the order sent, so that an edge may refer (by
    /// external id) to records anywhere in the batch. Each record gets a result; when any fails, nothing is
    /// written (`applied: false`). A failure of the server itself (not of a record) fails
    /// the whole request with `INTERNAL` instead, so that a retry with the same
    /// idempotency key runs the batch again.
    async fn sync(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The records, at most 5,000.")] records: Vec<SyncRecord>,
    ) -> Result<SyncResult> {
        let mut w = writer(ctx).await?;
        let results = match sync(&mut w, &records).await {
            Ok(r) => r,
            Err(e) => {
                w.rollback().await;
                return Err(e);
            }
        };
        let applied = results.iter().all(|r| r.error.is_none());
        if applied {
            w.commit().await?;
        } else {
            w.rollback().await;
        }
        Ok(SyncResult { applied, results })
    }
}
