//! Streaming exports of lists: batches of records read by id and written out as they come,
//! so that memory stays bounded whatever the size of the list.

use async_graphql::InputType;
use futures_util::Stream;
use sea_orm::{DatabaseConnection, sea_query::Condition};
use serde_json::Value as Json;

use super::format::{Record, csv_header, csv_row};
use crate::{
    dialogue::Dialogue,
    error::{Error, Result},
    export::repo::batch,
    graphql::{id::NodeType, list::Listable},
    organisation::Organisation,
    person::Person,
    report::Report,
    source::Source,
    theme::Theme,
    tool::Tool,
    workshop::Workshop,
};

/// How many records are read at a time.
pub const BATCH: u64 = 500;

/// The formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header (one type per file).
    Csv,
}

impl Format {
    /// The format of a file name's extension.
    pub fn of_extension(ext: &str) -> Option<Format> {
        match ext {
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The media type of the format.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Jsonl => "application/jsonl",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The node type of a list's name (`dialogues`, `people`, ...).
pub fn list_type(name: &str) -> Option<NodeType> {
    Some(match name {
        "dialogues" => NodeType::Dialogue,
        "workshops" => NodeType::Workshop,
        "reports" => NodeType::Report,
        "tools" => NodeType::Tool,
        "organisations" => NodeType::Organisation,
        "people" => NodeType::Person,
        "themes" => NodeType::Theme,
        "sources" => NodeType::Source,
        _ => return None,
    })
}

/// Fails on a field that the input type `ty` (a GraphQL type, such as `[DialogueFilter!]`)
/// does not have, at any depth: parsing alone would ignore it, and silently export more
/// than asked.
fn known_fields(
    registry: &async_graphql::registry::Registry,
    ty: &str,
    value: &Json,
    path: &str,
) -> Result<()> {
    use async_graphql::registry::MetaType;
    let name = ty.trim_matches(|c| matches!(c, '[' | ']' | '!'));
    match (registry.types.get(name), value) {
        (_, Json::Array(items)) => items
            .iter()
            .try_for_each(|v| known_fields(registry, name, v, path)),
        (Some(MetaType::InputObject { input_fields, .. }), Json::Object(map)) => {
            for (key, v) in map {
                let Some(field) = input_fields.get(key) else {
                    return Err(Error::bad_input(format!(
                        "the filter has an unknown field `{path}{key}` (of {name})"
                    )));
                };
                known_fields(registry, &field.ty, v, &format!("{path}{key}."))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn parse<N: Listable>(filter: Json) -> Result<Condition> {
    let mut registry = async_graphql::registry::Registry::default();
    let ty = <N::Filter as InputType>::create_type_info(&mut registry);
    known_fields(&registry, &ty, &filter, "")?;
    let value = async_graphql::Value::from_json(filter)
        .map_err(|e| Error::bad_input(format!("the filter is not valid JSON: {e}")))?;
    let parsed = <N::Filter as InputType>::parse(Some(value)).map_err(|e| {
        Error::bad_input(format!(
            "the filter is not a filter of this list: {}",
            e.into_server_error(Default::default()).message
        ))
    })?;
    let cond = N::condition(&parsed)?;
    crate::graphql::filter::check_size(&cond)?;
    Ok(cond)
}

/// The SQL condition of a list's filter, given as in GraphQL (`{"year": {"gte": 2015}}`).
pub fn condition(kind: NodeType, filter: Option<Json>) -> Result<Condition> {
    let Some(filter) = filter.filter(|f| !f.is_null()) else {
        return Ok(Condition::all());
    };
    match kind {
        NodeType::Dialogue => parse::<Dialogue>(filter),
        NodeType::Workshop => parse::<Workshop>(filter),
        NodeType::Report => parse::<Report>(filter),
        NodeType::Tool => parse::<Tool>(filter),
        NodeType::Organisation => parse::<Organisation>(filter),
        NodeType::Person => parse::<Person>(filter),
        NodeType::Theme => parse::<Theme>(filter),
        NodeType::Source => parse::<Source>(filter),
    }
}

/// What to export.
#[derive(Clone, Debug)]
pub struct Export {
    /// The lists, in order (several only in JSON Lines).
    pub kinds: Vec<NodeType>,
    /// The filter of the list (with a single list).
    pub cond: Condition,
    /// The format.
    pub format: Format,
    /// Whether personal contact data is included.
    pub private: bool,
    /// The language of the CSV `label` column.
    pub lang: String,
}

/// The export as a stream of chunks of bytes, one chunk per batch of records.
pub fn stream(db: DatabaseConnection, ex: Export) -> impl Stream<Item = Result<Vec<u8>>> {
    async_stream::try_stream! {
        if ex.format == Format::Csv && ex.kinds.len() != 1 {
            Err(Error::bad_input("a CSV export holds one list"))?;
        }
        for kind in ex.kinds.iter().copied() {
            let header = csv_header(kind, ex.private);
            if ex.format == Format::Csv {
                yield csv_line(&header)?;
            }
            let mut after = 0;
            loop {
                let rows = batch(&db, kind, ex.cond.clone(), after, BATCH, ex.private).await?;
                let Some(last) = rows.last() else { break };
                after = last.id;
                let mut chunk = Vec::new();
                for row in &rows {
                    let record = Record::of(row);
                    match ex.format {
                        Format::Jsonl => {
                            serde_json::to_writer(&mut chunk, &record).map_err(|e| Error::internal(e.to_string()))?;
                            chunk.push(b'\n');
                        }
                        Format::Csv => chunk.extend(csv_line(&csv_row(&record, &header, &ex.lang))?),
                    }
                }
                yield chunk;
                if (rows.len() as u64) < BATCH {
                    break;
                }
            }
        }
    }
}

fn csv_line(cells: &[String]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cells)
        .map_err(|e| Error::internal(e.to_string()))?;
    w.into_inner().map_err(|e| Error::internal(e.to_string()))
}
