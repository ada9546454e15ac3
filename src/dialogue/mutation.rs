//! Writing dialogues.

use std::collections::HashMap;

use async_graphql::{InputObject, MaybeUndefined};
use chrono::Datelike;
use entity::dialogue;

use super::Dialogue;
use crate::{
    error::{Error, Result},
    graphql::{
        id::NodeType,
        scalars::Date,
        write::{self as w, NodeRef, RecordInput, TextInput, Writable, writes},
    },
    repo::write::TextMap,
};

/// The values of a dialogue. Every field is optional, so that an update changes only what
/// it names (null clears a field); creating a dialogue needs `slug` and `title`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct DialogueInput {
    #[graphql(flatten)]
    pub record: RecordInput,
    /// A short unique name: lower-case letters and digits separated by dashes.
    pub slug: Option<String>,
    /// The title, one text per language.
    pub title: Option<Vec<TextInput>>,
    /// What the dialogue is about, one text per language.
    pub summary: Option<Vec<TextInput>>,
    /// Where it takes place, one text per language.
    pub venue: Option<Vec<TextInput>>,
    /// The series it is an edition of.
    pub series: MaybeUndefined<NodeRef>,
    /// The first day.
    pub start_date: MaybeUndefined<Date>,
    /// The last day (not before the first).
    pub end_date: MaybeUndefined<Date>,
    /// The year (that of the first day, when it is known; set from it when left out).
    pub year: MaybeUndefined<i32>,
    /// The month (1 to 12).
    pub month: MaybeUndefined<i32>,
    /// The city.
    pub city: MaybeUndefined<String>,
    /// The country (ISO 3166-1 alpha-2 code).
    pub country: MaybeUndefined<String>,
    /// The web page (http or https).
    pub website: MaybeUndefined<String>,
    /// The live webcast (http or https).
    pub webcast_url: MaybeUndefined<String>,
}

impl Writable for Dialogue {
    type Input = DialogueInput;
    const KIND: NodeType = NodeType::Dialogue;

    fn record_input(input: &DialogueInput) -> &RecordInput {
        &input.record
    }

    fn refs(input: &DialogueInput) -> Vec<(&'static str, NodeType, &NodeRef)> {
        input
            .series
            .value()
            .map(|r| ("series", NodeType::Dialogue, r))
            .into_iter()
            .collect()
    }

    fn check_create(input: &DialogueInput) -> Result<()> {
        w::required("slug", &input.slug)?;
        w::required("title", &input.title)
    }

    fn apply(
        input: &DialogueInput,
        row: &mut dialogue::Model,
        texts: &mut TextMap,
        refs: &HashMap<&'static str, i64>,
    ) -> Result<()> {
        if let Some(s) = &input.slug {
            row.slug = w::text_column(column_name!(dialogue.slug), "slug", s)?;
        }
        w::texts(texts, "title", &input.title, w::MAX_NAME)?;
        w::texts(texts, "summary", &input.summary, w::MAX_TEXT)?;
        w::texts(texts, "venue", &input.venue, w::MAX_NAME)?;
        w::maybe(&mut row.series_id, &input.series, |_| {
            w::resolved(refs, "series")
        })?;
        w::maybe(&mut row.start_date, &input.start_date, w::day)?;
        w::maybe(&mut row.end_date, &input.end_date, w::day)?;
        w::maybe(&mut row.year, &input.year, |y| {
            w::int_column(column_name!(dialogue.year), "year", *y)
        })?;
        w::maybe(&mut row.month, &input.month, |m| {
            w::int_column(column_name!(dialogue.month), "month", *m)
        })?;
        w::maybe(&mut row.city, &input.city, |c| {
            w::text_column(column_name!(dialogue.city), "city", c)
        })?;
        w::maybe(&mut row.country, &input.country, |c| {
            w::text_column(column_name!(dialogue.country), "country", c)
        })?;
        w::maybe(&mut row.website, &input.website, |u| {
            w::text_column(column_name!(dialogue.website), "website", u)
        })?;
        w::maybe(&mut row.webcast_url, &input.webcast_url, |u| {
            w::text_column(column_name!(dialogue.webcast_url), "webcastUrl", u)
        })?;
        if input.year.is_undefined() && row.year.is_none() {
            row.year = row.start_date.map(|d| d.year());
        }
        Ok(())
    }

    fn check(row: &dialogue::Model, texts: &TextMap) -> Result<()> {
        w::required_text("title", texts)?;
        w::check_dates(row.start_date, row.end_date, row.year, "startDate")?;
        if row.id != 0 && row.series_id == Some(row.id) {
            return Err(Error::field(
                "series",
                "a dialogue cannot be its own series",
            ));
        }
        Ok(())
    }

    fn parent(row: &dialogue::Model) -> Option<(&'static str, &'static str, i64)> {
        row.series_id
            .map(|id| ("series", column_name!(dialogue.series_id), id))
    }

    fn uniques(row: &dialogue::Model) -> Vec<(&'static str, &'static str, String)> {
        vec![("slug", column_name!(dialogue.slug), row.slug.clone())]
    }
}

writes!(DialogueMutation: Dialogue {
    /// Creates a dialogue (with the `write` scope); the caller's organisation becomes the
    /// partner that supplied it.
    create_dialogue,
    /// Changes a dialogue: fields left out keep their values. Only the partner that supplied
    /// it, or an admin, may.
    update_dialogue,
    /// Deletes a dialogue: reads no longer see it, and the change feed keeps a tombstone.
    /// Only the partner that supplied it, or an admin, may.
    delete_dialogue,
    /// Creates or updates the dialogue a partner's system knows by `externalId`. Sending the
    /// same values again changes nothing (`UNCHANGED`, same version).
    upsert_dialogue,
});
