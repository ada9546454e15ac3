//! `agora import FILE`: loads records in the export format (JSON Lines or CSV).
//!
//! The file is read in passes, never held in memory whole. The first pass checks every
//! record on its own (types, required columns, enum values, slugs, URLs, languages, dates,
//! edges) and notes what it refers to; then the ids are checked against the database (an
//! id already there is an error: ids are kept, so that references stay valid) and every
//! reference must name a record of the file or of the database. Any problem is reported
//! with its line number, and nothing is written, unless `skip_invalid` is set: then the bad
//! records (and those that refer to them) are left out and the rest is written. Writing
//! takes one transaction: records by type (so that workshops follow their dialogues), then
//! the references between records, texts and edges; each record gets a `CREATE` in the
//! change feed.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    fs::File,
    io::{BufRead, BufReader},
    path::Path,
};

use sea_orm::DatabaseConnection;
use serde_json::Value as Json;

use super::{
    format::{Record, from_csv, to_row},
    stream::Format,
};
use crate::{
    auth::Principal,
    error::{Error, Result},
    export::repo::{
        Row, Ty, columns, edge_tables, existing, insert_rows, insert_texts_and_edges,
        reset_sequences, set_deferred, to_value,
    },
    graphql::{
        i18n::check_language,
        id::{NodeType, decode},
        write::{self as w, MAX_NAME, MAX_TEXT},
    },
    progress::Progress,
    repo::node::column as node_column,
    repo::write::{ChangeRecord, Writer, record_many, snapshots},
    sync::hub::SyncState,
};

/// A record's type and id.
type Key = (NodeType, i64);

/// The order in which types are written: what others refer to first.
pub const ORDER: [NodeType; 8] = [
    NodeType::Organisation,
    NodeType::Source,
    NodeType::Theme,
    NodeType::Person,
    NodeType::Dialogue,
    NodeType::Report,
    NodeType::Tool,
    NodeType::Workshop,
];

/// References written after every record (they may point at records of any type).
const DEFERRED: [&str; 4] = [
    node_column::PARTNER_ID,
    column_name!(organisation.parent_id),
    column_name!(theme.broader_id),
    column_name!(dialogue.series_id),
];

/// How many records are inserted per statement.
const CHUNK: usize = 200;

/// A problem with one line of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The line (1 is the first; in CSV, the header).
    pub line: u64,
    /// What is wrong.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Records read.
    pub records: u64,
    /// Records written.
    pub written: u64,
    /// Problems found, by line.
    pub problems: Vec<Problem>,
}

/// Where records are read from: a file, or text in memory (the seed, built into the
/// binary).
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// A file.
    File(&'a Path),
    /// Text of the format.
    Text(&'a str),
}

impl<'a> Source<'a> {
    /// A new reader from the start.
    fn open(self) -> Result<Box<dyn BufRead + 'a>> {
        match self {
            Source::File(path) => {
                let file = File::open(path).map_err(|e| {
                    Error::bad_input(format!("cannot open {}: {e}", path.display()))
                })?;
                Ok(Box::new(BufReader::new(file)))
            }
            Source::Text(text) => Ok(Box::new(text.as_bytes())),
        }
    }
}

impl std::fmt::Display for Source<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Text(_) => f.write_str("the text"),
        }
    }
}

/// The records of a source, each with its line number (a record that cannot be read is an
/// error on its line).
fn read<'a>(
    source: Source<'a>,
    format: Format,
) -> Result<Box<dyn Iterator<Item = (u64, Result<Record>)> + 'a>> {
    let file = source.open()?;
    match format {
        Format::Jsonl => {
            let lines = file.lines().enumerate().filter_map(|(i, line)| {
                let n = i as u64 + 1;
                match line {
                    Ok(l) if l.trim().is_empty() => None,
                    Ok(l) => Some((
                        n,
                        serde_json::from_str::<Record>(&l)
                            .map_err(|e| Error::bad_input(format!("not a record: {e}"))),
                    )),
                    Err(e) => Some((
                        n,
                        Err(Error::bad_input(format!("cannot read the line: {e}"))),
                    )),
                }
            });
            Ok(Box::new(lines))
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
            let header: Vec<String> = reader
                .headers()
                .map_err(|e| Error::bad_input(format!("line 1: not a CSV header: {e}")))?
                .iter()
                .map(str::to_string)
                .collect();
            let rows = reader.into_records().map(move |r| match r {
                Ok(row) => {
                    let line = row.position().map_or(0, |p| p.line());
                    let cells: Vec<String> = row.iter().map(str::to_string).collect();
                    (line, from_csv(&header, &cells))
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    (line, Err(Error::bad_input(format!("not a CSV row: {e}"))))
                }
            });
            Ok(Box::new(rows))
        }
    }
}

fn reason(e: &Error) -> String {
    match e {
        Error::InvalidField { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    }
}

/// The number of lines of a file (the records of a JSON Lines file; about those of a CSV
/// file), for the progress of the first pass.
fn count_lines(source: Source) -> Result<u64> {
    let mut n = 0;
    for line in source.open()?.split(b'\n') {
        line.map_err(|e| Error::bad_input(format!("cannot read {source}: {e}")))?;
        n += 1;
    }
    Ok(n)
}

/// Checks one record on its own; returns its type and id and the records it refers to.
/// A record's parent in its type's hierarchy: the field, and the parent (of the same type).
type Parent = (&'static str, Key);

fn check(record: &Record) -> Result<(Key, Vec<Key>, Option<Parent>)> {
    let key = record.key()?;
    let kind = key.0;
    let cols = columns(kind);
    let mut refs = Vec::new();
    for name in record.fields.keys() {
        if !cols.iter().any(|c| c.name == name) {
            return Err(Error::field(
                name,
                format!("a {} has no such column", kind.name()),
            ));
        }
    }
    for c in cols {
        let v = record.fields.get(c.name).unwrap_or(&Json::Null);
        if v.is_null() {
            if !c.nullable
                && !matches!(
                    c.name,
                    node_column::VERSION
                        | node_column::CREATED_AT
                        | node_column::UPDATED_AT
                        | node_column::ORIGINAL_LANG
                )
            {
                return Err(Error::field(c.name, "is required"));
            }
            continue;
        }
        if let Some(target) = c.refers {
            let gid = v
                .as_str()
                .ok_or_else(|| Error::field(c.name, "must be a global id"))?;
            let (t, id) = decode(gid)
                .map_err(|_| Error::field(c.name, format!("`{gid}` is not a global id")))?;
            if t != target {
                return Err(Error::field(
                    c.name,
                    format!("must be the id of a {}", target.name()),
                ));
            }
            refs.push((t, id));
            continue;
        }
        to_value(c.ty, v)
            .map_err(|_| Error::field(c.name, format!("`{v}` is not a value of this column")))?;
        if let Some(values) = &c.values
            && !v.as_str().is_some_and(|s| values.iter().any(|x| x == s))
        {
            return Err(Error::field(
                c.name,
                format!("must be one of {}", values.join(", ")),
            ));
        }
        // The API's rule of each column (`text_column`, `int_column`); the value must be
        // as the API would store it.
        match (c.name, c.ty, v) {
            (node_column::ORIGINAL_LANG, _, Json::String(s)) => {
                drop(check_language(s).map_err(|e| Error::field(c.name, reason(&e)))?)
            }
            (_, Ty::Text, Json::String(s)) if c.values.is_none() => {
                let stored = w::text_column(c.name, c.name, s)?;
                if stored != *s {
                    return Err(Error::field(
                        c.name,
                        format!("must be written as the API stores it: `{stored}`"),
                    ));
                }
            }
            (_, Ty::Int, Json::Number(n)) => {
                let n = n.as_i64().and_then(|n| i32::try_from(n).ok()).unwrap_or(-1);
                w::int_column(c.name, c.name, n)?;
            }
            (node_column::VERSION, _, Json::Number(n)) if n.as_i64().is_none_or(|n| n < 1) => {
                return Err(Error::field(c.name, "must be at least 1"));
            }
            _ => {}
        }
    }
    for (field, langs) in &record.texts {
        for (lang, t) in langs {
            let name = format!("texts.{field}.{lang}");
            if check_language(lang)? != *lang {
                return Err(Error::field(
                    &name,
                    "the language must be a lower-case ISO 639-1 code",
                ));
            }
            let max = if field == "summary" || field == "description" {
                MAX_TEXT
            } else {
                MAX_NAME
            };
            if w::short(&name, &t.text, max.max(MAX_NAME))? != t.text {
                return Err(Error::field(
                    &name,
                    "must be written as the API stores it (trimmed, in Unicode's NFC)",
                ));
            }
            if let Some(s) = &t.source {
                w::url(&format!("{name}.source"), s)?;
            }
        }
    }
    let required = match kind {
        NodeType::Dialogue
        | NodeType::Workshop
        | NodeType::Report
        | NodeType::Theme
        | NodeType::Source => Some("title"),
        NodeType::Organisation | NodeType::Tool => Some("name"),
        NodeType::Person => None,
    };
    if let Some(field) = required
        && record.texts.get(field).is_none_or(|l| l.is_empty())
    {
        return Err(Error::field(format!("texts.{field}"), "is required"));
    }
    let tables = edge_tables(kind);
    for e in &record.edges {
        let Some(t) = tables.iter().find(|t| t.name == e.kind) else {
            return Err(Error::field(
                "edges",
                format!("`{}` is not a kind of edge from a {}", e.kind, kind.name()),
            ));
        };
        let (to_type, to_id) = decode(&e.to)
            .map_err(|_| Error::field("edges", format!("`{}` is not a global id", e.to)))?;
        if to_type != t.target {
            return Err(Error::field(
                "edges",
                format!(
                    "a {} edge goes to a {}, not to a {}",
                    t.name,
                    t.target.name(),
                    to_type.name()
                ),
            ));
        }
        match (t.role, &e.role, t.role.map(|r| r.kind.values())) {
            (Some(_), Some(r), Some(values)) if !values.contains(r) => {
                return Err(Error::field(
                    "edges",
                    format!("role `{r}` must be one of {}", values.join(", ")),
                ));
            }
            (Some(_), None, _) => {
                return Err(Error::field(
                    "edges",
                    format!("a {} edge needs a role", t.name),
                ));
            }
            (None, Some(_), _) => {
                return Err(Error::field(
                    "edges",
                    format!("a {} edge has no role", t.name),
                ));
            }
            _ => {}
        }
        if !t.dated && (e.start_date.is_some() || e.end_date.is_some() || !e.position.is_empty()) {
            return Err(Error::field(
                "edges",
                format!("a {} edge has no dates or position", t.name),
            ));
        }
        refs.push((to_type, to_id));
    }
    // Dates and edge values parse as the database will read them; the record as a whole
    // passes its type's rules, the API's.
    let row = to_row(record)?;
    let texts = record
        .texts
        .iter()
        .map(|(field, langs)| {
            let langs = langs.iter().map(|(l, t)| (l.clone(), t.text.clone()));
            (field.clone(), langs.collect())
        })
        .collect();
    let parent = w::check_record(kind, row.id, &row.values, &texts)?
        .map(|(field, parent)| (field, (kind, parent)));
    for e in &row.edges {
        if let (Some(s), Some(end)) = (e.start_date, e.end_date)
            && s > end
        {
            return Err(Error::field(
                "edges",
                "an affiliation cannot end before it starts",
            ));
        }
    }
    Ok((key, refs, parent))
}

/// Imports the file at `path` into `db`.
pub async fn import(
    db: &DatabaseConnection,
    path: &Path,
    format: Format,
    skip_invalid: bool,
    progress: &mut dyn Progress,
) -> Result<Outcome> {
    import_from(db, Source::File(path), format, skip_invalid, progress).await
}

/// Imports the records of `source` into `db`.
pub async fn import_from(
    db: &DatabaseConnection,
    source: Source<'_>,
    format: Format,
    skip_invalid: bool,
    progress: &mut dyn Progress,
) -> Result<Outcome> {
    let mut out = Outcome::default();
    progress.phase("checking", count_lines(source)?, "records");
    // Pass 1: each record on its own.
    let mut lines: HashMap<(NodeType, i64), u64> = HashMap::new();
    let mut refs: Vec<(u64, (NodeType, i64))> = Vec::new();
    let mut parents: HashMap<Key, Parent> = HashMap::new();
    let mut bad: HashSet<u64> = HashSet::new();
    let problem = |out: &mut Outcome, bad: &mut HashSet<u64>, line: u64, reason: String| {
        out.problems.push(Problem { line, reason });
        bad.insert(line);
    };
    for (line, parsed) in read(source, format)? {
        out.records += 1;
        progress.advance(1);
        let checked = parsed.and_then(|r| check(&r));
        match checked {
            Ok((key, to, parent)) => {
                if let Some(first) = lines.get(&key) {
                    problem(
                        &mut out,
                        &mut bad,
                        line,
                        format!(
                            "{} {} appears twice (first on line {first})",
                            key.0.name(),
                            key.1
                        ),
                    );
                    continue;
                }
                lines.insert(key, line);
                refs.extend(to.into_iter().map(|r| (line, r)));
                parents.extend(parent.map(|p| (key, p)));
            }
            Err(e) => problem(&mut out, &mut bad, line, reason(&e)),
        }
    }
    progress.finish();
    // Ids already in the database.
    for kind in NodeType::ALL {
        let ids: Vec<i64> = lines.keys().filter(|k| k.0 == kind).map(|k| k.1).collect();
        for id in existing(db, kind, &ids).await? {
            let line = lines[&(kind, id)];
            problem(
                &mut out,
                &mut bad,
                line,
                format!("{} {id} is already in the database", kind.name()),
            );
        }
    }
    // References: to a record of the file, or of the database.
    let outside: HashSet<(NodeType, i64)> = refs
        .iter()
        .map(|r| r.1)
        .filter(|r| !lines.contains_key(r))
        .collect();
    let mut in_db: HashSet<(NodeType, i64)> = HashSet::new();
    for kind in NodeType::ALL {
        let ids: Vec<i64> = outside
            .iter()
            .filter(|r| r.0 == kind)
            .map(|r| r.1)
            .collect();
        in_db.extend(
            existing(db, kind, &ids)
                .await?
                .into_iter()
                .map(|id| (kind, id)),
        );
    }
    // A hierarchy never loops, as the API's writes keep it. The file's records are new, so
    // that no record of the database has one of them above it: a loop would be among the
    // file's records alone.
    for (key, (field, _)) in &parents {
        let mut at = *key;
        for _ in 0..=parents.len() {
            match parents.get(&at) {
                Some((_, up)) if up == key => {
                    let kind = key.0.name().to_lowercase();
                    let why = format!("{field}: this would make the {kind} its own ancestor");
                    problem(&mut out, &mut bad, lines[key], why);
                    break;
                }
                Some((_, up)) => at = *up,
                None => break,
            }
        }
    }
    // A record that refers to a bad one is bad too (it could not be written without it).
    loop {
        let mut more = false;
        for (line, target) in &refs {
            if bad.contains(line) {
                continue;
            }
            let ok = match lines.get(target) {
                Some(l) => !bad.contains(l),
                None => in_db.contains(target),
            };
            if !ok {
                let why = match lines.get(target) {
                    Some(l) => format!(
                        "refers to {} {}, which is not imported (line {l})",
                        target.0.name(),
                        target.1
                    ),
                    None => format!(
                        "refers to {} {}, which is neither in the file nor in the database",
                        target.0.name(),
                        target.1
                    ),
                };
                problem(&mut out, &mut bad, *line, why);
                more = true;
            }
        }
        if !more {
            break;
        }
    }
    out.problems.sort_by_key(|p| p.line);
    if !out.problems.is_empty() && !skip_invalid {
        return Ok(out);
    }
    let good = lines.values().filter(|l| !bad.contains(l)).count() as u64;
    write(db, source, format, &bad, good, progress).await?;
    out.written = good;
    Ok(out)
}

/// The records of the file that passed the checks.
fn good_rows<'a>(
    source: Source<'a>,
    format: Format,
    bad: &HashSet<u64>,
) -> Result<impl Iterator<Item = Result<Row>> + 'a> {
    let bad = bad.clone();
    Ok(read(source, format)?
        .filter(move |(line, _)| !bad.contains(line))
        .map(|(_, r)| r.and_then(|r| to_row(&r))))
}

async fn write(
    db: &DatabaseConnection,
    source: Source<'_>,
    format: Format,
    bad: &HashSet<u64>,
    good: u64,
    progress: &mut dyn Progress,
) -> Result<()> {
    let sync = SyncState::detached();
    let mut w = Writer::begin(db, &sync, Principal::Anonymous).await?;
    let result = async {
        // Two passes over the records: the records themselves, then their texts and
        // links (which may point to records written later in the file).
        progress.phase("writing", good, "records");
        for kind in ORDER {
            let mut chunk = Vec::with_capacity(CHUNK);
            for row in good_rows(source, format, bad)? {
                let row = row?;
                if row.kind != kind {
                    continue;
                }
                chunk.push(row);
                if chunk.len() == CHUNK {
                    insert_rows(w.txn(), kind, &chunk, &DEFERRED).await?;
                    progress.advance(chunk.len() as u64);
                    chunk.clear();
                }
            }
            insert_rows(w.txn(), kind, &chunk, &DEFERRED).await?;
            progress.advance(chunk.len() as u64);
        }
        progress.finish();
        progress.phase("linking", good, "records");
        let mut chunk: Vec<Row> = Vec::with_capacity(CHUNK);
        let mut rows = good_rows(source, format, bad)?;
        loop {
            let next = rows.next().transpose()?;
            let done = next.is_none();
            chunk.extend(next);
            if chunk.len() < CHUNK && !done {
                continue;
            }
            for row in &chunk {
                set_deferred(w.txn(), row, &DEFERRED).await?;
            }
            insert_texts_and_edges(w.txn(), &chunk).await?;
            // Each record's creation carries its values, as the API's do, so that a
            // partner that replays the feed from the start holds every record.
            let mut values = BTreeMap::new();
            for kind in ORDER {
                let ids: Vec<i64> = chunk
                    .iter()
                    .filter(|r| r.kind == kind)
                    .map(|r| r.id)
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                crate::search::repo::refresh_keys(w.txn(), kind, &ids).await?;
                for (id, v) in snapshots(w.txn(), kind, &ids).await? {
                    values.insert((kind.table(), id), v);
                }
            }
            let changes = chunk
                .iter()
                .map(|row| ChangeRecord {
                    after: values.remove(&(row.kind.table(), row.id)),
                    external_id: row
                        .values
                        .get(node_column::EXTERNAL_ID)
                        .and_then(Json::as_str),
                    partner_id: row
                        .values
                        .get(node_column::PARTNER_ID)
                        .and_then(Json::as_i64),
                    version: row
                        .values
                        .get(node_column::VERSION)
                        .and_then(Json::as_i64)
                        .unwrap_or(1),
                    ..ChangeRecord::created(row.kind.table(), row.id)
                })
                .collect();
            record_many(&mut w, changes).await?;
            progress.advance(chunk.len() as u64);
            chunk.clear();
            if done {
                break;
            }
        }
        reset_sequences(w.txn()).await?;
        progress.finish();
        Ok::<(), Error>(())
    }
    .await;
    match result {
        Ok(()) => {
            w.commit().await?;
            crate::search::repo::optimize(db).await;
            Ok(())
        }
        Err(e) => {
            w.rollback().await;
            Err(e)
        }
    }
}
