//! Writing workshops.

use std::collections::HashMap;

use async_graphql::{InputObject, MaybeUndefined};
use chrono::Datelike;
use entity::workshop;

use super::Workshop;
use crate::{
    error::Result,
    graphql::{
        id::NodeType,
        scalars::Date,
        write::{self as w, NodeRef, RecordInput, TextInput, Writable, writes},
    },
    repo::write::TextMap,
};

/// The values of a workshop. Every field is optional, so that an update changes only what
/// it names (null clears a field); creating a workshop needs `dialogue` and `title`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct WorkshopInput {
    #[graphql(flatten)]
    pub record: RecordInput,
    /// The dialogue the workshop is part of.
    pub dialogue: Option<NodeRef>,
    /// The workshop's number within its dialogue (1 for the first).
    pub position: MaybeUndefined<i32>,
    /// The title, one text per language.
    pub title: Option<Vec<TextInput>>,
    /// What the workshop is about, one text per language.
    pub summary: Option<Vec<TextInput>>,
    /// Where it takes place, one text per language.
    pub venue: Option<Vec<TextInput>>,
    /// The first day.
    pub start_date: MaybeUndefined<Date>,
    /// The last day (not before the first).
    pub end_date: MaybeUndefined<Date>,
    /// The year (that of the first day, when it is known; set from it when left out).
    pub year: MaybeUndefined<i32>,
    /// The city.
    pub city: MaybeUndefined<String>,
    /// The country (ISO 3166-1 alpha-2 code).
    pub country: MaybeUndefined<String>,
}

impl Writable for Workshop {
    type Input = WorkshopInput;
    const KIND: NodeType = NodeType::Workshop;

    fn record_input(input: &WorkshopInput) -> &RecordInput {
        &input.record
    }

    const CONTAINERS: &'static [(&'static str, &'static str)] =
        &[("dialogue", column_name!(workshop.dialogue_id))];

    fn refs(input: &WorkshopInput) -> Vec<(&'static str, NodeType, &NodeRef)> {
        input
            .dialogue
            .iter()
            .map(|r| ("dialogue", NodeType::Dialogue, r))
            .collect()
    }

    fn check_create(input: &WorkshopInput) -> Result<()> {
        w::required("dialogue", &input.dialogue)?;
        w::required("title", &input.title)
    }

    fn apply(
        input: &WorkshopInput,
        row: &mut workshop::Model,
        texts: &mut TextMap,
        refs: &HashMap<&'static str, i64>,
    ) -> Result<()> {
        if input.dialogue.is_some() {
            row.dialogue_id = w::resolved(refs, "dialogue")?;
        }
        w::maybe(&mut row.position, &input.position, |p| {
            w::int_column(column_name!(workshop.position), "position", *p)
        })?;
        w::texts(texts, "title", &input.title, w::MAX_NAME)?;
        w::texts(texts, "summary", &input.summary, w::MAX_TEXT)?;
        w::texts(texts, "venue", &input.venue, w::MAX_NAME)?;
        w::maybe(&mut row.start_date, &input.start_date, w::day)?;
        w::maybe(&mut row.end_date, &input.end_date, w::day)?;
        w::maybe(&mut row.year, &input.year, |y| {
            w::int_column(column_name!(workshop.year), "year", *y)
        })?;
        w::maybe(&mut row.city, &input.city, |c| {
            w::text_column(column_name!(workshop.city), "city", c)
        })?;
        w::maybe(&mut row.country, &input.country, |c| {
            w::text_column(column_name!(workshop.country), "country", c)
        })?;
        if input.year.is_undefined() && row.year.is_none() {
            row.year = row.start_date.map(|d| d.year());
        }
        Ok(())
    }

    fn check(row: &workshop::Model, texts: &TextMap) -> Result<()> {
        w::required_text("title", texts)?;
        w::check_dates(row.start_date, row.end_date, row.year, "startDate")
    }
}

writes!(WorkshopMutation: Workshop {
    /// Creates a workshop (with the `write` scope); the caller's organisation becomes the
    /// partner that supplied it. Its dialogue must be one the caller's organisation
    /// supplied (an admin may name any).
    create_workshop,
    /// Changes a workshop: fields left out keep their values. Only the partner that supplied
    /// it, or an admin, may.
    update_workshop,
    /// Deletes a workshop: reads no longer see it, and the change feed keeps a tombstone.
    /// Only the partner that supplied it, or an admin, may.
    delete_workshop,
    /// Creates or updates the workshop a partner's system knows by `externalId`. Sending the
    /// same values again changes nothing (`UNCHANGED`, same version).
    upsert_workshop,
});
