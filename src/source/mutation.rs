//! Writing sources.

use std::collections::HashMap;

use async_graphql::{InputObject, MaybeUndefined};
use chrono::Datelike;
use entity::{enums::SourceKind, source};

use super::Source;
use crate::{
    error::{Error, Result},
    graphql::{
        i18n::check_language,
        id::NodeType,
        scalars::Date,
        write::{self as w, NodeRef, RecordInput, TextInput, Writable, writes},
    },
    repo::write::TextMap,
};

/// The values of a source. Every field is optional, so that an update changes only what it
/// names (null clears a field); creating a source needs `kind` and `title`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct SourceInput {
    #[graphql(flatten)]
    pub record: RecordInput,
    /// The kind of source.
    pub kind: Option<SourceKind>,
    /// The title, one text per language (each the title of that language's version).
    pub title: Option<Vec<TextInput>>,
    /// The document symbol, such as `A/72/643` (unique).
    pub symbol: MaybeUndefined<String>,
    /// The organisation that published it.
    pub publisher: MaybeUndefined<NodeRef>,
    /// The date of publication.
    pub published_on: MaybeUndefined<Date>,
    /// The year of publication (set from the date when left out).
    pub year: MaybeUndefined<i32>,
    /// The month of publication (1 to 12).
    pub month: MaybeUndefined<i32>,
    /// Where it can be read (http or https).
    pub url: MaybeUndefined<String>,
    /// The languages it was issued in (ISO 639-1).
    pub languages: MaybeUndefined<Vec<String>>,
    /// The day the web address was consulted.
    pub consulted_on: MaybeUndefined<Date>,
}

/// At most this many language versions.
const MAX_LANGUAGES: usize = 12;

impl Writable for Source {
    type Input = SourceInput;
    const KIND: NodeType = NodeType::Source;

    fn record_input(input: &SourceInput) -> &RecordInput {
        &input.record
    }

    fn refs(input: &SourceInput) -> Vec<(&'static str, NodeType, &NodeRef)> {
        input
            .publisher
            .value()
            .map(|r| ("publisher", NodeType::Organisation, r))
            .into_iter()
            .collect()
    }

    fn check_create(input: &SourceInput) -> Result<()> {
        w::required("kind", &input.kind)?;
        w::required("title", &input.title)
    }

    fn apply(
        input: &SourceInput,
        row: &mut source::Model,
        texts: &mut TextMap,
        refs: &HashMap<&'static str, i64>,
    ) -> Result<()> {
        if let Some(kind) = input.kind {
            row.kind = kind;
        }
        w::texts(texts, "title", &input.title, w::MAX_NAME)?;
        w::maybe(&mut row.symbol, &input.symbol, |s| {
            w::text_column(column_name!(source.symbol), "symbol", s)
        })?;
        w::maybe(&mut row.publisher_id, &input.publisher, |_| {
            w::resolved(refs, "publisher")
        })?;
        w::maybe(&mut row.published_on, &input.published_on, w::day)?;
        w::maybe(&mut row.year, &input.year, |y| {
            w::int_column(column_name!(source.year), "year", *y)
        })?;
        w::maybe(&mut row.month, &input.month, |m| {
            w::int_column(column_name!(source.month), "month", *m)
        })?;
        w::maybe(&mut row.url, &input.url, |u| {
            w::text_column(column_name!(source.url), "url", u)
        })?;
        w::maybe(&mut row.languages, &input.languages, |ls| {
            stored_languages(ls)
        })?;
        w::maybe(&mut row.consulted_on, &input.consulted_on, w::day)?;
        if input.year.is_undefined() && row.year.is_none() {
            row.year = row.published_on.map(|d| d.year());
        }
        Ok(())
    }

    fn check(row: &source::Model, texts: &TextMap) -> Result<()> {
        w::required_text("title", texts)?;
        w::check_dates(row.published_on, None, row.year, "publishedOn")?;
        if let Some(stored) = &row.languages {
            // As the API would store them (an import is held to the same).
            let list: Vec<String> = stored.split(',').map(str::to_string).collect();
            if stored_languages(&list)? != *stored {
                return Err(Error::field(
                    "languages",
                    "must be ISO 639-1 codes, sorted, each once, comma-separated",
                ));
            }
        }
        Ok(())
    }

    fn uniques(row: &source::Model) -> Vec<(&'static str, &'static str, String)> {
        row.symbol
            .iter()
            .map(|s| ("symbol", column_name!(source.symbol), s.clone()))
            .collect()
    }
}

/// A list of languages as stored: checked, sorted, each once, comma-separated.
fn stored_languages(list: &[String]) -> Result<String> {
    if list.len() > MAX_LANGUAGES {
        return Err(Error::field(
            "languages",
            format!("lists at most {MAX_LANGUAGES} languages"),
        ));
    }
    let mut codes = list
        .iter()
        .map(|l| check_language(l).map_err(|e| Error::field("languages", e.to_string())))
        .collect::<Result<Vec<String>>>()?;
    codes.sort();
    codes.dedup();
    Ok(codes.join(","))
}

writes!(SourceMutation: Source {
    /// Creates a source (with the `write` scope); the caller's organisation becomes the
    /// partner that supplied it. Cite it from a record with `addEdge` (kind `CITATION`).
    create_source,
    /// Changes a source: fields left out keep their values. Only the partner that supplied
    /// it, or an admin, may.
    update_source,
    /// Deletes a source: reads no longer see it, and the change feed keeps a tombstone.
    /// Only the partner that supplied it, or an admin, may.
    delete_source,
    /// Creates or updates the source a partner's system knows by `externalId`. Sending the
    /// same values again changes nothing (`UNCHANGED`, same version).
    upsert_source,
});
