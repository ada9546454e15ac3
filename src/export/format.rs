//! The export format, line by line: a JSON Lines line or a CSV row per record, holding its
//! type and global id, its columns, its texts (each with its source) and the edges that
//! start at it. `agora import` reads the same format back.
//!
//! ```text
//! {"type":"Dialogue","id":"RGlhbG9ndWU6Mw","fields":{"slug":"idm-2018","year":2018,...},
//!  "texts":{"title":{"en":{"text":"International Dialogue on Migration 2018"},...}},
//!  "edges":[{"kind":"dialogue_participant","to":"T3JnYW5pc2F0aW9uOjI","role":"organiser"}]}
//! ```
//!
//! Columns keep their database names and stored values (enum values in lower case);
//! references (`series_id`, `parent_id`, ...) and edge targets are global ids. A CSV file
//! holds one type: `type`, `id`, `label` (the title or name in one language, for people
//! reading the file; import ignores it), a column per field, then `texts` and `edges` as
//! JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::{
    error::{Error, Result},
    export::repo::{EdgeRow, Row, SourcedText, Ty, columns},
    graphql::id::{NodeType, decode, encode},
    repo::node::column as node_column,
};

/// A text in the export format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// The text.
    pub text: String,
    /// The web address it was taken from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// An edge in the export format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Edge {
    /// The edge table (`dialogue_participant`, `theme_tag`, ...).
    pub kind: String,
    /// The target's global id.
    pub to: String,
    /// The role or level (stored form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Affiliations: when it began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Affiliations: when it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Affiliations: the position, by language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub position: BTreeMap<String, String>,
}

/// One record in the export format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The node type (`Dialogue`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The global id.
    pub id: String,
    /// The columns.
    pub fields: BTreeMap<String, Json>,
    /// The texts: field, then language.
    #[serde(default)]
    pub texts: BTreeMap<String, BTreeMap<String, Text>>,
    /// The edges from the record.
    #[serde(default)]
    pub edges: Vec<Edge>,
}

impl Record {
    /// A record as exported.
    pub fn of(row: &Row) -> Record {
        let cols = columns(row.kind);
        let fields = row
            .values
            .iter()
            .map(|(name, v)| {
                let refers = cols.iter().find(|c| c.name == *name).and_then(|c| c.refers);
                let v = match (refers, v.as_i64()) {
                    (Some(kind), Some(id)) => Json::from(encode(kind, id).0),
                    _ => v.clone(),
                };
                (name.to_string(), v)
            })
            .collect();
        let texts = row
            .texts
            .iter()
            .map(|(field, langs)| {
                let langs = langs
                    .iter()
                    .map(|(l, t)| {
                        (
                            l.clone(),
                            Text {
                                text: t.text.clone(),
                                source: t.source.clone(),
                            },
                        )
                    })
                    .collect();
                (field.clone(), langs)
            })
            .collect();
        let edges = row
            .edges
            .iter()
            .map(|e| Edge {
                kind: e.table.to_string(),
                to: encode(e.to.0, e.to.1).0,
                role: e.role.clone(),
                start_date: e.start_date.map(|d| d.to_string()),
                end_date: e.end_date.map(|d| d.to_string()),
                position: e.position.clone(),
            })
            .collect();
        Record {
            kind: row.kind.name().to_string(),
            id: encode(row.kind, row.id).0,
            fields,
            texts,
            edges,
        }
    }

    /// The record's node type and id.
    pub fn key(&self) -> Result<(NodeType, i64)> {
        let (kind, id) = decode(&self.id)
            .map_err(|_| Error::field("id", format!("`{}` is not a global id", self.id)))?;
        if kind.name() != self.kind {
            return Err(Error::field(
                "id",
                format!(
                    "`{}` is the id of a {}, not of a {}",
                    self.id,
                    kind.name(),
                    self.kind
                ),
            ));
        }
        Ok((kind, id))
    }

    /// The record's title or name in `lang` (else English, else any language).
    pub fn label(&self, lang: &str) -> String {
        let texts = self.texts.get("title").or_else(|| self.texts.get("name"));
        let from_texts = texts.and_then(|t| {
            t.get(lang)
                .or_else(|| t.get("en"))
                .or_else(|| t.values().next())
        });
        match from_texts {
            Some(t) => t.text.clone(),
            None => self
                .fields
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string(),
        }
    }
}

/// The CSV header of a type.
pub fn csv_header(kind: NodeType, private: bool) -> Vec<String> {
    let mut h = vec!["type".to_string(), "id".to_string(), "label".to_string()];
    h.extend(
        columns(kind)
            .iter()
            .filter(|c| private || !c.private)
            .map(|c| c.name.to_string()),
    );
    h.extend(["texts".to_string(), "edges".to_string()]);
    h
}

/// What a cell may start with that makes a spreadsheet read it as a formula (OWASP, "CSV
/// Injection"), and the quote that neutralises it.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell that is safe to open in a spreadsheet. A text that starts like a formula,
/// or with a single quote, gets a single quote in front: spreadsheets show the cell as
/// text, and [`from_csv`] takes the quote off again, so every text travels unchanged.
/// Numbers and JSON cells are never formulas and stay as they are.
fn neutralised(text: &str) -> String {
    if text.starts_with(FORMULA_START) || text.starts_with('\'') {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// A text cell as [`neutralised`] wrote it, back to the text.
fn restored(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// A record as a CSV row under [`csv_header`], its texts [`neutralised`].
pub fn csv_row(record: &Record, header: &[String], lang: &str) -> Vec<String> {
    header
        .iter()
        .map(|h| match h.as_str() {
            "type" => record.kind.clone(),
            "id" => record.id.clone(),
            "label" => neutralised(&record.label(lang)),
            "texts" => serde_json::to_string(&record.texts).unwrap_or_default(),
            "edges" => serde_json::to_string(&record.edges).unwrap_or_default(),
            column => match record.fields.get(column) {
                None | Some(Json::Null) => String::new(),
                Some(Json::String(s)) => neutralised(s),
                Some(other) => other.to_string(),
            },
        })
        .collect()
}

/// A CSV row (under `header`) as a record; cells are text, so each column's value is read
/// as its type says (an empty cell is null).
pub fn from_csv(header: &[String], cells: &[String]) -> Result<Record> {
    let cell = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|i| cells.get(i))
    };
    let kind_name = cell("type").cloned().unwrap_or_default();
    let kind = NodeType::ALL
        .into_iter()
        .find(|k| k.name() == kind_name)
        .ok_or_else(|| Error::field("type", format!("`{kind_name}` is not a node type")))?;
    let mut fields = BTreeMap::new();
    for (name, value) in header.iter().zip(cells) {
        if matches!(name.as_str(), "type" | "id" | "label" | "texts" | "edges") {
            continue;
        }
        let Some(c) = columns(kind).iter().find(|c| c.name == name) else {
            return Err(Error::field(
                name,
                format!("a {} has no column `{name}`", kind.name()),
            ));
        };
        let v = if value.is_empty() {
            Json::Null
        } else {
            match c.ty {
                Ty::Int | Ty::BigInt if c.refers.is_none() => value
                    .parse::<i64>()
                    .map(Json::from)
                    .map_err(|_| Error::field(name, format!("`{value}` is not a whole number")))?,
                _ => Json::from(restored(value)),
            }
        };
        fields.insert(name.clone(), v);
    }
    let json = |name: &str| -> Result<Json> {
        match cell(name).filter(|c| !c.is_empty()) {
            Some(c) => serde_json::from_str(c)
                .map_err(|e| Error::field(name, format!("not valid JSON: {e}"))),
            None => Ok(Json::Null),
        }
    };
    let texts = match json("texts")? {
        Json::Null => BTreeMap::new(),
        v => serde_json::from_value(v).map_err(|e| Error::field("texts", e.to_string()))?,
    };
    let edges = match json("edges")? {
        Json::Null => Vec::new(),
        v => serde_json::from_value(v).map_err(|e| Error::field("edges", e.to_string()))?,
    };
    Ok(Record {
        kind: kind_name,
        id: cell("id").cloned().unwrap_or_default(),
        fields,
        texts,
        edges,
    })
}

/// Converts a record (checked by `import::check`) back into the row it describes.
pub fn to_row(record: &Record) -> Result<Row> {
    let (kind, id) = record.key()?;
    let mut values = BTreeMap::new();
    for c in columns(kind) {
        let v = record.fields.get(c.name).cloned().unwrap_or(Json::Null);
        let v = match (c.refers, &v, c.name) {
            (Some(_), Json::String(gid), _) => Json::from(decode(gid)?.1),
            // Hand-made files may leave out what the server would set.
            (_, Json::Null, node_column::VERSION) => Json::from(1),
            (_, Json::Null, node_column::ORIGINAL_LANG) => {
                let first = ["title", "name"]
                    .iter()
                    .find_map(|f| record.texts.get(*f)?.keys().next().cloned());
                Json::from(first.unwrap_or_else(|| "en".into()))
            }
            (_, Json::Null, node_column::CREATED_AT | node_column::UPDATED_AT) => {
                Json::from(chrono::Utc::now().to_rfc3339())
            }
            _ => v,
        };
        values.insert(c.name, v);
    }
    let texts = record
        .texts
        .iter()
        .map(|(f, langs)| {
            let langs = langs
                .iter()
                .map(|(l, t)| {
                    (
                        l.clone(),
                        SourcedText {
                            text: t.text.clone(),
                            source: t.source.clone(),
                        },
                    )
                })
                .collect();
            (f.clone(), langs)
        })
        .collect();
    let mut edges = Vec::new();
    for e in &record.edges {
        let table = crate::repo::edges::ALL
            .iter()
            .find(|t| t.name == e.kind)
            .map(|t| t.name)
            .ok_or_else(|| Error::field("edges", format!("`{}` is not a kind of edge", e.kind)))?;
        let date = |d: &Option<String>| -> Result<Option<chrono::NaiveDate>> {
            d.as_deref()
                .map(|s| {
                    s.parse()
                        .map_err(|_| Error::field("edges", format!("`{s}` is not a date")))
                })
                .transpose()
        };
        edges.push(EdgeRow {
            table,
            to: decode(&e.to)?,
            role: e.role.clone(),
            start_date: date(&e.start_date)?,
            end_date: date(&e.end_date)?,
            position: e.position.clone(),
        });
    }
    Ok(Row {
        kind,
        id,
        values,
        texts,
        edges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_like_formulas_are_neutralised_and_restored() {
        for text in ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "'=1", "'"] {
            let cell = neutralised(text);
            assert_eq!(cell, format!("'{text}"));
            assert_eq!(restored(&cell), text);
        }
        for text in ["Plain", "1-2", "", "a=b"] {
            assert_eq!(neutralised(text), text);
            assert_eq!(restored(text), text);
        }
    }
}
