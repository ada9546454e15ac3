//! Edges in the database: finding, adding and removing them, and recording the change on
//! their source record.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ConnectionTrait, QueryResult, Value,
    sea_query::{Condition, Expr, ExprTrait, Query},
};

use crate::{
    error::{Error, Result},
    repo::{
        col,
        edge_stage::Found,
        node::{NodeType, column as node_column},
        stage::MAX_PARAMS,
        write::{ChangeRecord, Outcome, TextMap, Writer, load_texts, record},
    },
};

/// The columns edge tables share, by name; each is checked against the tables of the
/// entity crate that have it when Agora compiles.
pub mod column {
    /// The edge's id.
    pub const ID: &str = column_name!(id in dialogue_participant, workshop_participant, dialogue_person, workshop_person, dialogue_report,
        workshop_report, report_publisher, report_author, tool_developer, workshop_tool, partnership,
        affiliation, theme_tag, citation);
    /// The partner organisation that made the edge.
    pub const PARTNER_ID: &str = column_name!(partner_id in dialogue_participant, workshop_participant, dialogue_person, workshop_person, dialogue_report,
        workshop_report, report_publisher, report_author, tool_developer, workshop_tool, partnership,
        affiliation, theme_tag, citation);
    /// When the edge was made.
    pub const CREATED_AT: &str = column_name!(created_at in dialogue_participant, workshop_participant, dialogue_person, workshop_person, dialogue_report,
        workshop_report, report_publisher, report_author, tool_developer, workshop_tool, partnership,
        affiliation, theme_tag, citation);
    /// The role of an edge with roles.
    pub const ROLE: &str = column_name!(role in dialogue_participant, workshop_participant, dialogue_person,
        workshop_person, dialogue_report, workshop_report, tool_developer);
    /// The type of the source record of an edge from any type (theme tags, citations).
    pub const NODE_TYPE: &str = column_name!(node_type in theme_tag, citation);
    /// When a dated edge began (affiliations).
    pub const START_DATE: &str = column_name!(affiliation.start_date);
    /// When a dated edge ended (affiliations).
    pub const END_DATE: &str = column_name!(affiliation.end_date);
}

/// The one description of an edge table, which paging (`page::EdgeWalk`), writes, the
/// edge mutations, the change feed, exports and imports read.
#[derive(Debug)]
pub struct EdgeTable {
    /// The table, which is also the edge kind's name in the change feed.
    pub name: &'static str,
    /// The column of the source record's id.
    pub from: &'static str,
    /// The column of the target record's id.
    pub to: &'static str,
    /// The source record's type; `None`: any type, named in `node_type` (theme tags).
    pub source: Option<NodeType>,
    /// The target record's type.
    pub target: NodeType,
    /// The role or level, if the kind has one.
    pub role: Option<Role>,
    /// An edge and its reverse are the same (partnerships).
    pub symmetric: bool,
    /// The edge has a period and a position (affiliations).
    pub dated: bool,
}

/// The role (or level) column of an edge table, and which values it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Role {
    /// The column.
    pub column: &'static str,
    /// Its values.
    pub kind: RoleKind,
}

/// The enumerations an edge's role takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleKind {
    /// What an organisation does in a dialogue or workshop.
    Participation,
    /// What a person does in a dialogue or workshop.
    Person,
    /// Why a dialogue or workshop cites a report.
    Report,
    /// What an organisation did in developing a tool.
    Developer,
    /// The level of a partnership.
    Level,
}

impl RoleKind {
    /// The values, as stored.
    pub fn values(self) -> Vec<String> {
        use entity::enums::*;
        use sea_orm::ActiveEnum;
        match self {
            RoleKind::Participation => ParticipationRole::values(),
            RoleKind::Person => PersonRole::values(),
            RoleKind::Report => ReportRole::values(),
            RoleKind::Developer => DeveloperRole::values(),
            RoleKind::Level => PartnershipLevel::values(),
        }
    }
}

impl EdgeTable {
    /// The source can be of any type, named in `node_type` (theme tags).
    pub fn typed_source(&self) -> bool {
        self.source.is_none()
    }

    /// The role column, if the kind has one.
    pub fn role_column(&self) -> Option<&'static str> {
        self.role.map(|r| r.column)
    }
}

/// Options of an edge table beyond its ends.
#[derive(Clone, Copy)]
struct Shape {
    role: Option<Role>,
    symmetric: bool,
    dated: bool,
}

const PLAIN: Shape = Shape {
    role: None,
    symmetric: false,
    dated: false,
};

const fn role(kind: RoleKind) -> Shape {
    Shape {
        role: Some(Role {
            column: column::ROLE,
            kind,
        }),
        ..PLAIN
    }
}

const fn edge(
    name: &'static str,
    (from, source): (&'static str, Option<NodeType>),
    (to, target): (&'static str, NodeType),
    shape: Shape,
) -> EdgeTable {
    EdgeTable {
        name,
        from,
        to,
        source,
        target,
        role: shape.role,
        symmetric: shape.symmetric,
        dated: shape.dated,
    }
}

use NodeType as N;

/// Organisations taking part in dialogues.
pub static DIALOGUE_PARTICIPANT: EdgeTable = edge(
    table!(dialogue_participant),
    (
        column_name!(dialogue_participant.dialogue_id),
        Some(N::Dialogue),
    ),
    (
        column_name!(dialogue_participant.organisation_id),
        N::Organisation,
    ),
    role(RoleKind::Participation),
);
/// Organisations taking part in workshops.
pub static WORKSHOP_PARTICIPANT: EdgeTable = edge(
    table!(workshop_participant),
    (
        column_name!(workshop_participant.workshop_id),
        Some(N::Workshop),
    ),
    (
        column_name!(workshop_participant.organisation_id),
        N::Organisation,
    ),
    role(RoleKind::Participation),
);
/// People of dialogues.
pub static DIALOGUE_PERSON: EdgeTable = edge(
    table!(dialogue_person),
    (column_name!(dialogue_person.dialogue_id), Some(N::Dialogue)),
    (column_name!(dialogue_person.person_id), N::Person),
    role(RoleKind::Person),
);
/// People of workshops.
pub static WORKSHOP_PERSON: EdgeTable = edge(
    table!(workshop_person),
    (column_name!(workshop_person.workshop_id), Some(N::Workshop)),
    (column_name!(workshop_person.person_id), N::Person),
    role(RoleKind::Person),
);
/// Reports referenced by dialogues.
pub static DIALOGUE_REPORT: EdgeTable = edge(
    table!(dialogue_report),
    (column_name!(dialogue_report.dialogue_id), Some(N::Dialogue)),
    (column_name!(dialogue_report.report_id), N::Report),
    role(RoleKind::Report),
);
/// Reports referenced by workshops.
pub static WORKSHOP_REPORT: EdgeTable = edge(
    table!(workshop_report),
    (column_name!(workshop_report.workshop_id), Some(N::Workshop)),
    (column_name!(workshop_report.report_id), N::Report),
    role(RoleKind::Report),
);
/// Publishers of reports.
pub static REPORT_PUBLISHER: EdgeTable = edge(
    table!(report_publisher),
    (column_name!(report_publisher.report_id), Some(N::Report)),
    (
        column_name!(report_publisher.organisation_id),
        N::Organisation,
    ),
    PLAIN,
);
/// Authors of reports.
pub static REPORT_AUTHOR: EdgeTable = edge(
    table!(report_author),
    (column_name!(report_author.report_id), Some(N::Report)),
    (column_name!(report_author.person_id), N::Person),
    PLAIN,
);
/// Developers of tools.
pub static TOOL_DEVELOPER: EdgeTable = edge(
    table!(tool_developer),
    (column_name!(tool_developer.tool_id), Some(N::Tool)),
    (
        column_name!(tool_developer.organisation_id),
        N::Organisation,
    ),
    role(RoleKind::Developer),
);
/// Tools presented at workshops.
pub static WORKSHOP_TOOL: EdgeTable = edge(
    table!(workshop_tool),
    (column_name!(workshop_tool.workshop_id), Some(N::Workshop)),
    (column_name!(workshop_tool.tool_id), N::Tool),
    PLAIN,
);
/// Partnerships between organisations.
pub static PARTNERSHIP: EdgeTable = edge(
    table!(partnership),
    (
        column_name!(partnership.organisation_id),
        Some(N::Organisation),
    ),
    (column_name!(partnership.peer_id), N::Organisation),
    Shape {
        role: Some(Role {
            column: column_name!(partnership.level),
            kind: RoleKind::Level,
        }),
        symmetric: true,
        ..PLAIN
    },
);
/// Affiliations of people with organisations.
pub static AFFILIATION: EdgeTable = edge(
    table!(affiliation),
    (column_name!(affiliation.person_id), Some(N::Person)),
    (column_name!(affiliation.organisation_id), N::Organisation),
    Shape {
        dated: true,
        ..PLAIN
    },
);
/// Themes of records of any type.
pub static THEME_TAG: EdgeTable = edge(
    table!(theme_tag),
    (column_name!(theme_tag.node_id), None),
    (column_name!(theme_tag.theme_id), N::Theme),
    PLAIN,
);
/// Sources cited by records of any type.
pub static CITATION: EdgeTable = edge(
    table!(citation),
    (column_name!(citation.node_id), None),
    (column_name!(citation.source_id), N::Source),
    PLAIN,
);

/// Every edge table.
pub static ALL: [&EdgeTable; 14] = [
    &DIALOGUE_PARTICIPANT,
    &WORKSHOP_PARTICIPANT,
    &DIALOGUE_PERSON,
    &WORKSHOP_PERSON,
    &DIALOGUE_REPORT,
    &WORKSHOP_REPORT,
    &REPORT_PUBLISHER,
    &REPORT_AUTHOR,
    &TOOL_DEVELOPER,
    &WORKSHOP_TOOL,
    &PARTNERSHIP,
    &AFFILIATION,
    &THEME_TAG,
    &CITATION,
];

/// One edge, as a write names it.
#[derive(Clone)]
pub struct EdgeRow {
    /// The source record's table.
    pub from_type: &'static str,
    /// The source record's id.
    pub from: i64,
    /// The target record's id.
    pub to: i64,
    /// The role or level, stored form.
    pub role: Option<String>,
    /// For affiliations: when it began.
    pub start_date: Option<NaiveDate>,
    /// For affiliations: when it ended.
    pub end_date: Option<NaiveDate>,
}

/// What an edge write needs to know of its source record.
#[derive(Clone)]
pub struct Source {
    /// Its partner.
    pub partner_id: Option<i64>,
    /// Its external id.
    pub external_id: Option<String>,
    /// Its version.
    pub version: i64,
}

impl Source {
    /// Read from a row that selects the partner, external id and version of a record.
    pub fn read(row: &QueryResult) -> Result<Source> {
        Ok(Source {
            partner_id: row.try_get("", node_column::PARTNER_ID)?,
            external_id: row.try_get("", node_column::EXTERNAL_ID)?,
            version: row.try_get("", node_column::VERSION)?,
        })
    }
}

/// The source record of an edge.
pub async fn source(w: &mut Writer, table: &'static str, id: i64) -> Result<Source> {
    if let Some(stage) = w.stage()
        && let Some(s) = stage.source(table, id)?
    {
        return Ok(s);
    }
    let q = Query::select()
        .columns([
            (table, node_column::PARTNER_ID),
            (table, node_column::EXTERNAL_ID),
            (table, node_column::VERSION),
        ])
        .from(table)
        .and_where(col(table, node_column::ID).eq(id))
        .to_owned();
    let row = w
        .txn()
        .query_one(&q)
        .await?
        .ok_or_else(|| Error::field("from", "refers to no live record"))?;
    let s = Source::read(&row)?;
    if let Some(stage) = w.stage_mut() {
        stage.note_source(table, id, &s);
    }
    Ok(s)
}

/// The rows of `t` that are the edge `row` (in either direction, for symmetric kinds).
fn matching(t: &EdgeTable, row: &EdgeRow) -> Condition {
    let one_way = |from: &'static str, to: &'static str| {
        let mut c = Condition::all()
            .add(col(t.name, from).eq(row.from))
            .add(col(t.name, to).eq(row.to));
        if let (Some(role_col), Some(role)) = (t.role_column(), &row.role) {
            c = c.add(col(t.name, role_col).eq(role.as_str()));
        }
        if t.typed_source() {
            c = c.add(col(t.name, column::NODE_TYPE).eq(row.from_type));
        }
        if t.dated {
            // An affiliation is known by its start date; one without is another.
            c = c.add(match row.start_date {
                Some(d) => col(t.name, column::START_DATE).eq(d),
                None => col(t.name, column::START_DATE).is_null(),
            });
        }
        c
    };
    if t.symmetric {
        Condition::any()
            .add(one_way(t.from, t.to))
            .add(one_way(t.to, t.from))
    } else {
        one_way(t.from, t.to)
    }
}

/// While a batch holds its edges: the edges of `t` that are `row` (their places among
/// those the batch knows, and the partners that made them), or `None` when the edges at
/// its source were not read and the database is asked. That fails with
/// `Restage` when edges are held, which the database does not know yet.
fn staged(w: &Writer, t: &EdgeTable, row: &EdgeRow) -> Result<Option<Found>> {
    let Some(stage) = w.stage() else {
        return Ok(None);
    };
    match stage.edges.find(t, row) {
        Some(found) => Ok(Some(found)),
        None if stage.edges.is_empty() => Ok(None),
        None => Err(Error::Restage),
    }
}

/// Fails unless the caller may remove an edge made by `partner`: an edge belongs to the
/// partner that made it (whichever way it is named).
fn made_by(w: &Writer, partner: Option<i64>) -> Result<()> {
    w.principal.may_change(partner).map_err(|_| {
        Error::Forbidden(
            "this edge was made by another partner: only that partner or an admin may remove \
             it"
            .into(),
        )
    })
}

/// The rows of `t` that are the edge `row`: their ids and the partners that made them.
async fn find_owned(w: &Writer, t: &EdgeTable, row: &EdgeRow) -> Result<Vec<(i64, Option<i64>)>> {
    let q = Query::select()
        .expr_as(col(t.name, column::ID), column::ID)
        .expr_as(col(t.name, column::PARTNER_ID), column::PARTNER_ID)
        .from(t.name)
        .cond_where(matching(t, row))
        .to_owned();
    let mut rows = Vec::new();
    for r in w.txn().query_all(&q).await? {
        rows.push((
            r.try_get("", column::ID)?,
            r.try_get("", column::PARTNER_ID)?,
        ));
    }
    Ok(rows)
}

/// The ids of the rows of `t` that are the edge `row`.
async fn find(w: &Writer, t: &EdgeTable, row: &EdgeRow) -> Result<Vec<i64>> {
    Ok(find_owned(w, t, row)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

/// The columns and values of the stored row of the edge `row` of `t`, made by `partner`
/// at `now`.
pub fn stored(
    t: &EdgeTable,
    row: &EdgeRow,
    partner: Option<i64>,
    now: DateTime<Utc>,
) -> (Vec<&'static str>, Vec<Expr>) {
    let mut columns = vec![t.from, t.to, column::PARTNER_ID, column::CREATED_AT];
    let mut values: Vec<Expr> = vec![
        row.from.into(),
        row.to.into(),
        Value::from(partner).into(),
        now.into(),
    ];
    if let (Some(role_col), Some(role)) = (t.role_column(), &row.role) {
        columns.push(role_col);
        values.push(role.as_str().into());
    }
    if t.typed_source() {
        columns.push(column::NODE_TYPE);
        values.push(row.from_type.into());
    }
    if t.dated {
        columns.extend([column::START_DATE, column::END_DATE]);
        values.extend([
            Value::from(row.start_date).into(),
            Value::from(row.end_date).into(),
        ]);
    }
    (columns, values)
}

/// The change in the feed of an edge added (`link`) or removed (`unlink`): its source
/// record `source` at `version`.
pub fn change<'a>(
    t: &EdgeTable,
    row: &'a EdgeRow,
    source: &'a Source,
    version: i64,
    added: bool,
) -> ChangeRecord<'a> {
    ChangeRecord {
        op: if added { "link" } else { "unlink" },
        kind: row.from_type,
        id: row.from,
        external_id: source.external_id.as_deref(),
        partner_id: source.partner_id,
        version,
        edge: Some((t.name, t.target.table(), row.to, row.role.clone())),
        before: None,
        after: None,
    }
}

/// Adds the edge, or (for affiliations, which carry an end date and a position) sets
/// those of the one there; returns `Created`, `Updated` or `Unchanged`.
pub async fn add(
    w: &mut Writer,
    t: &'static EdgeTable,
    row: &EdgeRow,
    position: &TextMap,
) -> Result<Outcome> {
    let partner = w.principal.organisation();
    if let Some(found) = staged(w, t, row)? {
        let stage = w.stage_mut().ok_or(Error::Restage)?;
        return Ok(match found.first() {
            None => {
                stage.edges.hold_add(t, row, partner, position);
                Outcome::Created
            }
            Some(&(place, _)) if t.dated => stage.edges.hold_update(t, place, row, position),
            Some(_) => Outcome::Unchanged,
        });
    }
    if let Some(&id) = find(w, t, row).await?.first() {
        return match t.dated {
            true => update_dated(w, t, id, row, position).await,
            false => Ok(Outcome::Unchanged),
        };
    }
    let (columns, values) = stored(t, row, partner, w.now);
    let insert = Query::insert()
        .into_table(t.name)
        .columns(columns)
        .values(values)
        .map_err(|e| Error::internal(e.to_string()))?
        .to_owned();
    w.txn().execute(&insert).await?;
    if t.dated && !position.is_empty() {
        let ids = find(w, t, row).await?;
        if let Some(&id) = ids.first() {
            write_position(w, t, id, position).await?;
        }
    }
    Ok(Outcome::Created)
}

/// Sets the end date and position of the dated edge `id` to those of `row` and
/// `position` (absent meaning none), unless they are so already.
async fn update_dated(
    w: &mut Writer,
    t: &EdgeTable,
    id: i64,
    row: &EdgeRow,
    position: &TextMap,
) -> Result<Outcome> {
    let q = Query::select()
        .column(column::END_DATE)
        .from(t.name)
        .and_where(Expr::col(column::ID).eq(id))
        .to_owned();
    let end_date: Option<NaiveDate> = match w.txn().query_one(&q).await? {
        Some(r) => r.try_get("", column::END_DATE)?,
        None => None,
    };
    let texts = load_texts(w.txn(), t.name, id).await?;
    if end_date == row.end_date && texts == *position {
        return Ok(Outcome::Unchanged);
    }
    set_dated(w, t, &[(id, row.end_date, position)]).await?;
    Ok(Outcome::Updated)
}

/// Sets the end dates and positions of stored dated edges of `t`, given as (id, end
/// date, position), each id once: an update per end date, and the positions removed and
/// written again.
pub async fn set_dated(
    w: &Writer,
    t: &EdgeTable,
    changes: &[(i64, Option<NaiveDate>, &TextMap)],
) -> Result<()> {
    let mut by_end: HashMap<Option<NaiveDate>, Vec<i64>> = HashMap::new();
    let mut positions = Vec::new();
    for (id, end, position) in changes {
        by_end.entry(*end).or_default().push(*id);
        positions.extend(position_rows(t, *id, position));
    }
    for (end, ids) in by_end {
        for chunk in ids.chunks(MAX_PARAMS) {
            let update = Query::update()
                .table(t.name)
                .value(column::END_DATE, end)
                .and_where(Expr::col(column::ID).is_in(chunk.iter().copied()))
                .to_owned();
            w.txn().execute(&update).await?;
        }
    }
    let ids: Vec<i64> = changes.iter().map(|(id, ..)| *id).collect();
    for chunk in ids.chunks(MAX_PARAMS) {
        delete_positions(w, t, chunk).await?;
    }
    super::text::write_rows(w.txn(), positions).await
}

/// Writes the position texts of the dated edge `id`.
async fn write_position(w: &Writer, t: &EdgeTable, id: i64, position: &TextMap) -> Result<()> {
    super::text::write_rows(w.txn(), position_rows(t, id, position)).await
}

/// The texts of a dated edge's position, to write.
pub fn position_rows(
    t: &EdgeTable,
    id: i64,
    position: &TextMap,
) -> Vec<entity::translation::ActiveModel> {
    position
        .iter()
        .flat_map(|(field, langs)| {
            langs
                .iter()
                .map(move |(lang, value)| super::text::row(t.name, id, field, lang, value, None))
        })
        .collect()
}

/// Removes the positions of the dated edges `ids` of `t`.
pub async fn delete_positions(w: &Writer, t: &EdgeTable, ids: &[i64]) -> Result<()> {
    let delete = Query::delete()
        .from_table(table!(translation))
        .and_where(Expr::col(column_name!(translation.owner_type)).eq(t.name))
        .and_where(Expr::col(column_name!(translation.owner_id)).is_in(ids.iter().copied()))
        .to_owned();
    w.txn().execute(&delete).await?;
    Ok(())
}

/// Removes the edge; returns whether there was one.
pub async fn remove(w: &mut Writer, t: &'static EdgeTable, row: &EdgeRow) -> Result<bool> {
    if let Some(found) = staged(w, t, row)? {
        for (_, partner) in &found {
            made_by(w, *partner)?;
        }
        let places: Vec<usize> = found.into_iter().map(|(place, _)| place).collect();
        let stage = w.stage_mut().ok_or(Error::Restage)?;
        stage.edges.hold_remove(t, &places);
        return Ok(!places.is_empty());
    }
    let mut ids = Vec::new();
    for (id, partner) in find_owned(w, t, row).await? {
        made_by(w, partner)?;
        ids.push(id);
    }
    if ids.is_empty() {
        return Ok(false);
    }
    if t.dated {
        delete_positions(w, t, &ids).await?;
    }
    let delete = Query::delete()
        .from_table(t.name)
        .and_where(Expr::col(column::ID).is_in(ids))
        .to_owned();
    w.txn().execute(&delete).await?;
    Ok(true)
}

/// Gives the source record a new version and records the edge change; returns the version.
pub async fn touch(
    w: &mut Writer,
    t: &'static EdgeTable,
    row: &EdgeRow,
    source: &Source,
    added: bool,
) -> Result<i64> {
    let version = source.version + 1;
    if let Some(stage) = w.stage_mut() {
        stage.edges.hold_touch(t, row, source, version, added);
        let now = Source {
            version,
            ..source.clone()
        };
        stage.note_source(row.from_type, row.from, &now);
        return Ok(version);
    }
    let update = Query::update()
        .table(row.from_type)
        .value(node_column::VERSION, version)
        .value(node_column::UPDATED_AT, w.now)
        .and_where(Expr::col(node_column::ID).eq(row.from))
        .to_owned();
    w.txn().execute(&update).await?;
    record(w, change(t, row, source, version, added)).await?;
    Ok(version)
}
