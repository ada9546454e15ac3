//! Records in bulk, as exports and imports see them: each record's columns, its texts
//! (with their sources) and the edges that start at it, read in batches of ids (so that an
//! export of any size runs in bounded memory) and written in batches with their ids kept.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::OnceLock,
};

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{OrganisationKind, ReportKind, SourceKind, ThemeScheme, ToolKind};
use entity::translation;
use sea_orm::{
    ActiveEnum,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Iterable,
    QueryResult, Value,
    sea_query::{ColumnType, Condition, Expr, ExprTrait, Order, Query},
};
use serde_json::Value as Json;

use crate::{
    error::{Error, Result},
    graphql::{filter::col, i18n::fold, id::NodeType},
    repo::{
        edges::{self, EdgeTable, column as edge_column},
        node::column as node_column,
        page::in_ids,
        text::column as text_column,
    },
    search::analysis::stems,
};

/// The type of a column's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A 32-bit integer.
    Int,
    /// A 64-bit integer.
    BigInt,
    /// Text.
    Text,
    /// A day (`2018-10-15`).
    Date,
    /// A moment (RFC 3339).
    Time,
}

/// A column of a node table, as exported.
#[derive(Debug)]
pub struct ColumnInfo {
    /// The column's name.
    pub name: &'static str,
    /// The type of its values.
    pub ty: Ty,
    /// Whether it may be null.
    pub nullable: bool,
    /// The node type its values refer to (foreign keys, exported as global ids).
    pub refers: Option<NodeType>,
    /// The values it may take (enum columns).
    pub values: Option<Vec<String>>,
    /// Personal contact data: exported only to authenticated callers.
    pub private: bool,
}

fn ty_of(t: &ColumnType) -> Ty {
    match t {
        ColumnType::Integer | ColumnType::SmallInteger | ColumnType::TinyInteger => Ty::Int,
        ColumnType::BigInteger => Ty::BigInt,
        ColumnType::Date => Ty::Date,
        ColumnType::TimestampWithTimeZone | ColumnType::DateTime | ColumnType::Timestamp => {
            Ty::Time
        }
        _ => Ty::Text,
    }
}

fn stored<T: ActiveEnum<Value = String>>() -> Option<Vec<String>> {
    Some(T::values())
}

fn columns_of<E: EntityTrait>(table: &'static str) -> Vec<ColumnInfo> {
    const SERIES_ID: &str = column_name!(dialogue.series_id);
    const DIALOGUE_ID: &str = column_name!(workshop.dialogue_id);
    const PARENT_ID: &str = column_name!(organisation.parent_id);
    const BROADER_ID: &str = column_name!(theme.broader_id);
    const PUBLISHER_ID: &str = column_name!(source.publisher_id);
    const KIND: &str = column_name!(kind in report, tool, organisation, source);
    const SCHEME: &str = column_name!(theme.scheme);
    const EMAIL: &str = column_name!(email in organisation, person);
    const PHONE: &str = column_name!(phone in organisation, person);
    const REPORT: &str = table!(report);
    const TOOL: &str = table!(tool);
    const ORGANISATION: &str = table!(organisation);
    const THEME: &str = table!(theme);
    const SOURCE: &str = table!(source);
    E::Column::iter()
        .filter_map(|c| {
            let name: &'static str = sea_orm::IdenStatic::as_str(&c);
            if [node_column::ID, node_column::DELETED_AT].contains(&name) {
                return None;
            }
            let def = c.def();
            Some(ColumnInfo {
                name,
                ty: ty_of(def.get_column_type()),
                nullable: def.is_null(),
                refers: match name {
                    SERIES_ID | DIALOGUE_ID => Some(NodeType::Dialogue),
                    PARENT_ID | PUBLISHER_ID | node_column::PARTNER_ID => {
                        Some(NodeType::Organisation)
                    }
                    BROADER_ID => Some(NodeType::Theme),
                    _ => None,
                },
                values: match (table, name) {
                    (REPORT, KIND) => stored::<ReportKind>(),
                    (TOOL, KIND) => stored::<ToolKind>(),
                    (ORGANISATION, KIND) => stored::<OrganisationKind>(),
                    (THEME, SCHEME) => stored::<ThemeScheme>(),
                    (SOURCE, KIND) => stored::<SourceKind>(),
                    _ => None,
                },
                private: matches!(name, EMAIL | PHONE),
            })
        })
        .collect()
}

/// The exported columns of a node type (all but `id` and the deletion mark).
pub fn columns(kind: NodeType) -> &'static [ColumnInfo] {
    static CATALOG: OnceLock<HashMap<NodeType, Vec<ColumnInfo>>> = OnceLock::new();
    let catalog = CATALOG.get_or_init(|| {
        NodeType::ALL
            .into_iter()
            .map(|k| {
                let t = k.table();
                let cols = match k {
                    NodeType::Dialogue => columns_of::<entity::dialogue::Entity>(t),
                    NodeType::Workshop => columns_of::<entity::workshop::Entity>(t),
                    NodeType::Report => columns_of::<entity::report::Entity>(t),
                    NodeType::Tool => columns_of::<entity::tool::Entity>(t),
                    NodeType::Organisation => columns_of::<entity::organisation::Entity>(t),
                    NodeType::Person => columns_of::<entity::person::Entity>(t),
                    NodeType::Theme => columns_of::<entity::theme::Entity>(t),
                    NodeType::Source => columns_of::<entity::source::Entity>(t),
                };
                (k, cols)
            })
            .collect()
    });
    catalog.get(&kind).map(Vec::as_slice).unwrap_or_default()
}

/// The kinds of edge that start at records of `kind`.
pub fn edge_tables(kind: NodeType) -> Vec<&'static EdgeTable> {
    edges::ALL
        .iter()
        .copied()
        .filter(|t| t.source.is_none_or(|source| source == kind))
        .collect()
}

/// A text and the web address it was taken from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcedText {
    /// The text.
    pub text: String,
    /// Its source, if recorded.
    pub source: Option<String>,
}

/// The texts of a record: field, then language.
pub type Texts = BTreeMap<String, BTreeMap<String, SourcedText>>;

/// An edge from a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeRow {
    /// The edge table.
    pub table: &'static str,
    /// The target's type and id.
    pub to: (NodeType, i64),
    /// The role or level (stored form).
    pub role: Option<String>,
    /// Affiliations: when it began.
    pub start_date: Option<NaiveDate>,
    /// Affiliations: when it ended.
    pub end_date: Option<NaiveDate>,
    /// Affiliations: the position, by language.
    pub position: BTreeMap<String, String>,
}

/// One record, whole.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Its type.
    pub kind: NodeType,
    /// Its id.
    pub id: i64,
    /// Its columns (see [`columns`]), values as JSON (foreign keys as ids).
    pub values: BTreeMap<&'static str, Json>,
    /// Its texts.
    pub texts: Texts,
    /// The edges that start at it.
    pub edges: Vec<EdgeRow>,
}

fn read(row: &QueryResult, c: &ColumnInfo) -> Result<Json> {
    Ok(match c.ty {
        Ty::Int => row
            .try_get::<Option<i32>>("", c.name)?
            .map_or(Json::Null, Json::from),
        Ty::BigInt => row
            .try_get::<Option<i64>>("", c.name)?
            .map_or(Json::Null, Json::from),
        Ty::Text => row
            .try_get::<Option<String>>("", c.name)?
            .map_or(Json::Null, Json::from),
        Ty::Date => row
            .try_get::<Option<NaiveDate>>("", c.name)?
            .map_or(Json::Null, |d| Json::from(d.to_string())),
        Ty::Time => row
            .try_get::<Option<DateTime<Utc>>>("", c.name)?
            .map_or(Json::Null, |t| Json::from(t.to_rfc3339())),
    })
}

/// Up to `limit` live records of `kind` under `cond` with ids above `after`, in id order,
/// with their texts and edges: a fixed number of statements per batch.
pub async fn batch(
    db: &DatabaseConnection,
    kind: NodeType,
    cond: Condition,
    after: i64,
    limit: u64,
    private: bool,
) -> Result<Vec<Row>> {
    let table = kind.table();
    let cols: Vec<&ColumnInfo> = columns(kind)
        .iter()
        .filter(|c| private || !c.private)
        .collect();
    let mut q = Query::select();
    q.column((table, node_column::ID));
    for c in &cols {
        q.column((table, c.name));
    }
    q.from(table)
        .cond_where(
            Condition::all()
                .add(col(table, node_column::DELETED_AT).is_null())
                .add(col(table, node_column::ID).gt(after))
                .add(cond),
        )
        .order_by((table, node_column::ID), Order::Asc)
        .limit(limit);
    let mut rows = Vec::new();
    for r in db.query_all(&q).await? {
        let mut values = BTreeMap::new();
        for c in &cols {
            values.insert(c.name, read(&r, c)?);
        }
        rows.push(Row {
            kind,
            id: r.try_get("", node_column::ID)?,
            values,
            texts: Texts::new(),
            edges: Vec::new(),
        });
    }
    if rows.is_empty() {
        return Ok(rows);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let at: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    for (owner, field, lang, value, source) in texts(db, table, &ids).await? {
        if let Some(&i) = at.get(&owner) {
            rows[i].texts.entry(field).or_default().insert(
                lang,
                SourcedText {
                    text: value,
                    source,
                },
            );
        }
    }
    for t in edge_tables(kind) {
        for (from, edge) in edges_from(db, t, kind, &ids).await? {
            if let Some(&i) = at.get(&from) {
                rows[i].edges.push(edge);
            }
        }
    }
    Ok(rows)
}

/// The live records `ids` of `kind`, whole.
pub async fn by_ids(
    db: &DatabaseConnection,
    kind: NodeType,
    ids: &[i64],
    private: bool,
) -> Result<Vec<Row>> {
    let cond = Condition::all().add(in_ids(
        db.get_database_backend(),
        col(kind.table(), node_column::ID),
        ids,
    ));
    batch(db, kind, cond, 0, ids.len() as u64, private).await
}

type TextRow = (i64, String, String, String, Option<String>);

async fn texts(db: &DatabaseConnection, owner: &str, ids: &[i64]) -> Result<Vec<TextRow>> {
    let q = Query::select()
        .columns([
            text_column::OWNER_ID,
            text_column::FIELD,
            text_column::LANG,
            text_column::VALUE,
            text_column::SOURCE_URL,
        ])
        .from(table!(translation))
        .and_where(Expr::col(text_column::OWNER_TYPE).eq(owner))
        .and_where(in_ids(
            db.get_database_backend(),
            Expr::col(text_column::OWNER_ID),
            ids,
        ))
        .order_by(text_column::OWNER_ID, Order::Asc)
        .order_by(text_column::FIELD, Order::Asc)
        .order_by(text_column::LANG, Order::Asc)
        .to_owned();
    let mut out = Vec::new();
    for r in db.query_all(&q).await? {
        out.push((
            r.try_get("", text_column::OWNER_ID)?,
            r.try_get("", text_column::FIELD)?,
            r.try_get("", text_column::LANG)?,
            r.try_get("", text_column::VALUE)?,
            r.try_get("", text_column::SOURCE_URL)?,
        ));
    }
    Ok(out)
}

/// The edges of `t` from the records `ids` of `kind` (to live records only).
async fn edges_from(
    db: &DatabaseConnection,
    t: &'static EdgeTable,
    kind: NodeType,
    ids: &[i64],
) -> Result<Vec<(i64, EdgeRow)>> {
    let backend = db.get_database_backend();
    let mut q = Query::select();
    q.expr_as(col(t.name, edge_column::ID), "edge_id")
        .expr_as(col(t.name, t.from), "from_id")
        .expr_as(col(t.name, t.to), "to_id")
        .from(t.name)
        .inner_join(
            t.target.table(),
            col(t.target.table(), node_column::ID).equals((t.name, t.to)),
        )
        .and_where(in_ids(backend, col(t.name, t.from), ids))
        .and_where(col(t.target.table(), node_column::DELETED_AT).is_null())
        .order_by((t.name, edge_column::ID), Order::Asc);
    if let Some(role) = t.role_column() {
        q.expr_as(col(t.name, role), edge_column::ROLE);
    }
    if t.typed_source() {
        q.and_where(col(t.name, edge_column::NODE_TYPE).eq(kind.table()));
    }
    if t.dated {
        q.expr_as(
            col(t.name, edge_column::START_DATE),
            edge_column::START_DATE,
        )
        .expr_as(col(t.name, edge_column::END_DATE), edge_column::END_DATE);
    }
    let rows = db.query_all(&q).await?;
    let to_type = t.target;
    let mut out = Vec::with_capacity(rows.len());
    let mut dated = Vec::new();
    for r in &rows {
        let edge = EdgeRow {
            table: t.name,
            to: (to_type, r.try_get("", "to_id")?),
            role: match t.role {
                Some(_) => r.try_get("", edge_column::ROLE)?,
                None => None,
            },
            start_date: if t.dated {
                r.try_get("", edge_column::START_DATE)?
            } else {
                None
            },
            end_date: if t.dated {
                r.try_get("", edge_column::END_DATE)?
            } else {
                None
            },
            position: BTreeMap::new(),
        };
        if t.dated {
            dated.push(r.try_get::<i64>("", "edge_id")?);
        }
        out.push((r.try_get("", "from_id")?, edge));
    }
    if !dated.is_empty() {
        let mut positions: HashMap<i64, BTreeMap<String, String>> = HashMap::new();
        for (owner, _, lang, value, _) in texts(db, t.name, &dated).await? {
            positions.entry(owner).or_default().insert(lang, value);
        }
        for (edge, id) in out.iter_mut().zip(&dated) {
            edge.1.position = positions.remove(id).unwrap_or_default();
        }
    }
    Ok(out)
}

/// Of `ids` of `kind`, those a row of the table has (deleted or not).
pub async fn existing(
    db: &impl ConnectionTrait,
    kind: NodeType,
    ids: &[i64],
) -> Result<HashSet<i64>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(5000) {
        let q = Query::select()
            .column(node_column::ID)
            .from(kind.table())
            .and_where(in_ids(
                db.get_database_backend(),
                Expr::col(node_column::ID),
                chunk,
            ))
            .to_owned();
        for r in db.query_all(&q).await? {
            found.insert(r.try_get("", node_column::ID)?);
        }
    }
    Ok(found)
}

/// A JSON value as the database value of a column of type `ty` (already checked).
pub fn to_value(ty: Ty, v: &Json) -> Result<Value> {
    let bad = || Error::bad_input(format!("`{v}` is not a value of this column"));
    Ok(match (ty, v) {
        (Ty::Int, Json::Null) => Value::Int(None),
        (Ty::BigInt, Json::Null) => Value::BigInt(None),
        (Ty::Text, Json::Null) => Value::String(None),
        (Ty::Date, Json::Null) => Value::ChronoDate(None),
        (Ty::Time, Json::Null) => Value::ChronoDateTimeUtc(None),
        (Ty::Int, Json::Number(n)) => Value::from(
            n.as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(bad)?,
        ),
        (Ty::BigInt, Json::Number(n)) => Value::from(n.as_i64().ok_or_else(bad)?),
        (Ty::Text, Json::String(s)) => Value::from(s.clone()),
        (Ty::Date, Json::String(s)) => Value::from(s.parse::<NaiveDate>().map_err(|_| bad())?),
        (Ty::Time, Json::String(s)) => Value::from(
            DateTime::parse_from_rfc3339(s)
                .map_err(|_| bad())?
                .with_timezone(&Utc),
        ),
        _ => return Err(bad()),
    })
}

/// Inserts records (their ids kept) without their texts and edges; `deferred` columns
/// (references that may point at records of the same import not yet written) are left
/// null, to be set by [`set_deferred`].
pub async fn insert_rows(
    db: &impl ConnectionTrait,
    kind: NodeType,
    rows: &[Row],
    deferred: &[&str],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let cols: Vec<&ColumnInfo> = columns(kind)
        .iter()
        .filter(|c| !deferred.contains(&c.name))
        .collect();
    let mut q = Query::insert();
    q.into_table(kind.table())
        .columns(std::iter::once(node_column::ID).chain(cols.iter().map(|c| c.name)));
    for row in rows {
        let mut values: Vec<Expr> = vec![Expr::val(row.id)];
        for c in &cols {
            let v = row.values.get(c.name).unwrap_or(&Json::Null);
            values.push(Expr::val(to_value(c.ty, v)?));
        }
        q.values(values)
            .map_err(|e| Error::internal(e.to_string()))?;
    }
    db.execute(&q).await?;
    Ok(())
}

/// Sets the `deferred` columns of records inserted by [`insert_rows`].
pub async fn set_deferred(db: &impl ConnectionTrait, row: &Row, deferred: &[&str]) -> Result<()> {
    let mut q = Query::update();
    q.table(row.kind.table())
        .and_where(Expr::col(node_column::ID).eq(row.id));
    let mut any = false;
    for c in columns(row.kind)
        .iter()
        .filter(|c| deferred.contains(&c.name))
    {
        if let Some(v) = row.values.get(c.name).filter(|v| !v.is_null()) {
            q.value(c.name, to_value(c.ty, v)?);
            any = true;
        }
    }
    if any {
        db.execute(&q).await?;
    }
    Ok(())
}

/// Inserts the texts and edges of records: a few statements per batch (one per edge
/// with a position).
pub async fn insert_texts_and_edges(db: &impl ConnectionTrait, rows: &[Row]) -> Result<()> {
    let now = Utc::now();
    let mut texts = Vec::new();
    for row in rows {
        for (field, langs) in &row.texts {
            for (lang, t) in langs {
                texts.push(translation::ActiveModel {
                    owner_type: Set(row.kind.table().to_string()),
                    owner_id: Set(row.id),
                    field: Set(field.clone()),
                    lang: Set(lang.clone()),
                    value: Set(t.text.clone()),
                    folded: Set(fold(&t.text)),
                    stems: Set(Some(stems(lang, &t.text))),
                    source_url: Set(t.source.clone()),
                    ..Default::default()
                });
            }
        }
    }
    for chunk in texts.chunks(500) {
        translation::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    for t in edges::ALL {
        let mut columns = vec![
            t.from,
            t.to,
            edge_column::PARTNER_ID,
            edge_column::CREATED_AT,
        ];
        columns.extend(t.role_column());
        if t.typed_source() {
            columns.push(edge_column::NODE_TYPE);
        }
        if t.dated {
            columns.extend([edge_column::START_DATE, edge_column::END_DATE]);
        }
        let mut insert = Query::insert();
        insert.into_table(t.name).columns(columns.clone());
        let mut any = false;
        for row in rows {
            let partner = row
                .values
                .get(node_column::PARTNER_ID)
                .and_then(Json::as_i64);
            for e in row.edges.iter().filter(|e| e.table == t.name) {
                let mut values: Vec<Expr> =
                    vec![row.id.into(), e.to.1.into(), partner.into(), now.into()];
                if t.role.is_some() {
                    values.push(e.role.clone().into());
                }
                if t.typed_source() {
                    values.push(row.kind.table().into());
                }
                if t.dated {
                    values.extend([
                        Value::from(e.start_date).into(),
                        Value::from(e.end_date).into(),
                    ]);
                }
                if e.position.is_empty() {
                    insert
                        .values(values)
                        .map_err(|e| Error::internal(e.to_string()))?;
                    any = true;
                } else {
                    // An edge with texts: its id is needed.
                    let mut one = Query::insert();
                    one.into_table(t.name)
                        .columns(columns.clone())
                        .values(values)
                        .map_err(|e| Error::internal(e.to_string()))?
                        .returning_col(edge_column::ID);
                    let id: i64 = match db.query_one(&one).await? {
                        Some(r) => r.try_get("", edge_column::ID)?,
                        None => return Err(Error::internal("an inserted edge has no id")),
                    };
                    let texts: Vec<(&str, &str)> = e
                        .position
                        .iter()
                        .map(|(l, v)| (l.as_str(), v.as_str()))
                        .collect();
                    crate::repo::text::write(db, t.name, id, "position", &texts).await?;
                }
            }
        }
        if any {
            db.execute(&insert).await?;
        }
    }
    Ok(())
}

/// After records were inserted with their ids: moves PostgreSQL's id sequences past them
/// (SQLite needs nothing).
pub async fn reset_sequences(db: &impl ConnectionTrait) -> Result<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for kind in NodeType::ALL {
        let (t, id) = (kind.table(), node_column::ID);
        db.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{t}', '{id}'), GREATEST((SELECT COALESCE(MAX(\"{id}\"), 0) FROM \"{t}\"), 1))"
        ))
        .await?;
    }
    Ok(())
}

/// The nodes below each of `ids` (of `kind`): a dialogue's workshops and editions, an
/// organisation's units, a theme's narrower themes.
pub async fn children(
    db: &DatabaseConnection,
    kind: NodeType,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<(NodeType, i64)>>> {
    let below: &[(NodeType, &str)] = match kind {
        NodeType::Dialogue => &[
            (NodeType::Workshop, column_name!(workshop.dialogue_id)),
            (NodeType::Dialogue, column_name!(dialogue.series_id)),
        ],
        NodeType::Organisation => &[(NodeType::Organisation, column_name!(organisation.parent_id))],
        NodeType::Theme => &[(NodeType::Theme, column_name!(theme.broader_id))],
        _ => &[],
    };
    let mut out: HashMap<i64, Vec<(NodeType, i64)>> = HashMap::new();
    for (child, fk) in below {
        let t = child.table();
        let q = Query::select()
            .expr_as(col(t, node_column::ID), node_column::ID)
            .expr_as(col(t, fk), "parent_of")
            .from(t)
            .and_where(in_ids(db.get_database_backend(), col(t, fk), ids))
            .and_where(col(t, node_column::DELETED_AT).is_null())
            .order_by((t, node_column::ID), Order::Asc)
            .to_owned();
        for r in db.query_all(&q).await? {
            out.entry(r.try_get("", "parent_of")?)
                .or_default()
                .push((*child, r.try_get("", node_column::ID)?));
        }
    }
    Ok(out)
}

/// What a citation names beside the report itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CitationParts {
    /// The authors, in the order they were added.
    pub authors: Vec<Author>,
    /// The publishers' names, by language.
    pub publishers: Vec<BTreeMap<String, String>>,
}

/// An author of a cited work: the name as written, and its parts where known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Author {
    /// The name as the person writes it.
    pub name: String,
    /// The given names.
    pub given: Option<String>,
    /// The family name.
    pub family: Option<String>,
}

/// The authors and publishers of reports `ids`.
pub async fn citation_parts(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<HashMap<i64, CitationParts>> {
    let backend = db.get_database_backend();
    let mut out: HashMap<i64, CitationParts> = HashMap::new();
    let authors = Query::select()
        .expr_as(col!(report_author.report_id), "cited")
        .expr_as(col!(person.name), "author")
        .expr_as(col!(person.given_name), "author_given")
        .expr_as(col!(person.family_name), "author_family")
        .from(table!(report_author))
        .inner_join(
            table!(person),
            col!(person.id).equals((table!(report_author), column_name!(report_author.person_id))),
        )
        .and_where(in_ids(backend, col!(report_author.report_id), ids))
        .and_where(col!(person.deleted_at).is_null())
        .order_by(
            (table!(report_author), column_name!(report_author.id)),
            Order::Asc,
        )
        .to_owned();
    for r in db.query_all(&authors).await? {
        out.entry(r.try_get("", "cited")?)
            .or_default()
            .authors
            .push(Author {
                name: r.try_get("", "author")?,
                given: r.try_get("", "author_given")?,
                family: r.try_get("", "author_family")?,
            });
    }
    let publishers = Query::select()
        .expr_as(col!(report_publisher.report_id), "cited")
        .expr_as(col!(report_publisher.organisation_id), "publisher")
        .expr_as(col!(translation.lang), "name_lang")
        .expr_as(col!(translation.value), "name_text")
        .from(table!(report_publisher))
        .inner_join(
            table!(organisation),
            col!(organisation.id).equals((
                table!(report_publisher),
                column_name!(report_publisher.organisation_id),
            )),
        )
        .inner_join(
            table!(translation),
            Condition::all()
                .add(col!(translation.owner_id).equals((
                    table!(report_publisher),
                    column_name!(report_publisher.organisation_id),
                )))
                .add(col!(translation.owner_type).eq(table!(organisation)))
                .add(col!(translation.field).eq("name")),
        )
        .and_where(in_ids(backend, col!(report_publisher.report_id), ids))
        .and_where(col!(organisation.deleted_at).is_null())
        .order_by(
            (table!(report_publisher), column_name!(report_publisher.id)),
            Order::Asc,
        )
        .to_owned();
    let mut seen: HashMap<(i64, i64), usize> = HashMap::new();
    for r in db.query_all(&publishers).await? {
        let (report, org): (i64, i64) = (r.try_get("", "cited")?, r.try_get("", "publisher")?);
        let parts = out.entry(report).or_default();
        let at = *seen.entry((report, org)).or_insert_with(|| {
            parts.publishers.push(BTreeMap::new());
            parts.publishers.len() - 1
        });
        parts.publishers[at].insert(r.try_get("", "name_lang")?, r.try_get("", "name_text")?);
    }
    Ok(out)
}
