//! Writing reports.

use std::collections::HashMap;

use async_graphql::{InputObject, MaybeUndefined};
use chrono::Datelike;
use entity::{enums::ReportKind, report};

use super::Report;
use crate::{
    error::Result,
    graphql::{
        id::NodeType,
        scalars::Date,
        write::{self as w, NodeRef, RecordInput, TextInput, Writable, writes},
    },
    repo::write::TextMap,
};

/// The values of a report. Every field is optional, so that an update changes only what it
/// names (null clears a field); creating a report needs `kind` and `title`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ReportInput {
    #[graphql(flatten)]
    pub record: RecordInput,
    /// The kind of document.
    pub kind: Option<ReportKind>,
    /// The UN document symbol, such as `A/72/643` (unique).
    pub symbol: MaybeUndefined<String>,
    /// The title, one text per language.
    pub title: Option<Vec<TextInput>>,
    /// What the report says, one text per language.
    pub summary: Option<Vec<TextInput>>,
    /// The date of publication.
    pub published_on: MaybeUndefined<Date>,
    /// The year of publication (set from the date when left out).
    pub year: MaybeUndefined<i32>,
    /// The month of publication (1 to 12).
    pub month: MaybeUndefined<i32>,
    /// Where the report can be read (http or https).
    pub url: MaybeUndefined<String>,
}

impl Writable for Report {
    type Input = ReportInput;
    const KIND: NodeType = NodeType::Report;

    fn record_input(input: &ReportInput) -> &RecordInput {
        &input.record
    }

    fn refs(_input: &ReportInput) -> Vec<(&'static str, NodeType, &NodeRef)> {
        Vec::new()
    }

    fn check_create(input: &ReportInput) -> Result<()> {
        w::required("kind", &input.kind)?;
        w::required("title", &input.title)
    }

    fn apply(
        input: &ReportInput,
        row: &mut report::Model,
        texts: &mut TextMap,
        _refs: &HashMap<&'static str, i64>,
    ) -> Result<()> {
        if let Some(kind) = input.kind {
            row.kind = kind;
        }
        w::maybe(&mut row.symbol, &input.symbol, |s| {
            w::text_column(column_name!(report.symbol), "symbol", s)
        })?;
        w::texts(texts, "title", &input.title, w::MAX_NAME)?;
        w::texts(texts, "summary", &input.summary, w::MAX_TEXT)?;
        w::maybe(&mut row.published_on, &input.published_on, w::day)?;
        w::maybe(&mut row.year, &input.year, |y| {
            w::int_column(column_name!(report.year), "year", *y)
        })?;
        w::maybe(&mut row.month, &input.month, |m| {
            w::int_column(column_name!(report.month), "month", *m)
        })?;
        w::maybe(&mut row.url, &input.url, |u| {
            w::text_column(column_name!(report.url), "url", u)
        })?;
        if input.year.is_undefined() && row.year.is_none() {
            row.year = row.published_on.map(|d| d.year());
        }
        Ok(())
    }

    fn check(row: &report::Model, texts: &TextMap) -> Result<()> {
        w::required_text("title", texts)?;
        w::check_dates(row.published_on, None, row.year, "publishedOn")
    }

    fn uniques(row: &report::Model) -> Vec<(&'static str, &'static str, String)> {
        row.symbol
            .iter()
            .map(|s| ("symbol", column_name!(report.symbol), s.clone()))
            .collect()
    }
}

writes!(ReportMutation: Report {
    /// Creates a report (with the `write` scope); the caller's organisation becomes the
    /// partner that supplied it.
    create_report,
    /// Changes a report: fields left out keep their values. Only the partner that supplied
    /// it, or an admin, may.
    update_report,
    /// Deletes a report: reads no longer see it, and the change feed keeps a tombstone. Only
    /// the partner that supplied it, or an admin, may.
    delete_report,
    /// Creates or updates the report a partner's system knows by `externalId`. Sending the
    /// same values again changes nothing (`UNCHANGED`, same version).
    upsert_report,
});
