//! Writing people.

use std::collections::HashMap;

use async_graphql::{InputObject, MaybeUndefined};
use entity::person;

use super::Person;
use crate::{
    error::Result,
    graphql::{
        id::NodeType,
        write::{self as w, NodeRef, RecordInput, TextInput, Writable, writes},
    },
    repo::write::TextMap,
};

/// The values of a person. Every field is optional, so that an update changes only what it
/// names (null clears a field); creating a person needs `name`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PersonInput {
    #[graphql(flatten)]
    pub record: RecordInput,
    /// The name, as the person writes it.
    pub name: Option<String>,
    /// The given names (`António`), where known: citations name authors by them.
    pub given_name: MaybeUndefined<String>,
    /// The family name (`Guterres`), where known.
    pub family_name: MaybeUndefined<String>,
    /// A short biography, one text per language.
    pub summary: Option<Vec<TextInput>>,
    /// An e-mail address (shown to authenticated partners only).
    pub email: MaybeUndefined<String>,
    /// A telephone number (shown to authenticated partners only).
    pub phone: MaybeUndefined<String>,
}

impl Writable for Person {
    type Input = PersonInput;
    const KIND: NodeType = NodeType::Person;

    fn record_input(input: &PersonInput) -> &RecordInput {
        &input.record
    }

    fn refs(_input: &PersonInput) -> Vec<(&'static str, NodeType, &NodeRef)> {
        Vec::new()
    }

    fn check_create(input: &PersonInput) -> Result<()> {
        w::required("name", &input.name)
    }

    fn apply(
        input: &PersonInput,
        row: &mut person::Model,
        texts: &mut TextMap,
        _refs: &HashMap<&'static str, i64>,
    ) -> Result<()> {
        if let Some(n) = &input.name {
            row.name = w::text_column(column_name!(person.name), "name", n)?;
        }
        w::maybe(&mut row.given_name, &input.given_name, |n| {
            w::text_column(column_name!(person.given_name), "givenName", n)
        })?;
        w::maybe(&mut row.family_name, &input.family_name, |n| {
            w::text_column(column_name!(person.family_name), "familyName", n)
        })?;
        w::texts(texts, "summary", &input.summary, w::MAX_TEXT)?;
        w::maybe(&mut row.email, &input.email, |e| {
            w::text_column(column_name!(person.email), "email", e)
        })?;
        w::maybe(&mut row.phone, &input.phone, |p| {
            w::text_column(column_name!(person.phone), "phone", p)
        })
    }
}

writes!(PersonMutation: Person {
    /// Creates a person (with the `write` scope); the caller's organisation becomes the
    /// partner that supplied the record.
    create_person,
    /// Changes a person: fields left out keep their values. Only the partner that supplied
    /// the record, or an admin, may.
    update_person,
    /// Deletes a person: reads no longer see them, and the change feed keeps a tombstone.
    /// Only the partner that supplied the record, or an admin, may.
    delete_person,
    /// Creates or updates the person a partner's system knows by `externalId`. Sending the
    /// same values again changes nothing (`UNCHANGED`, same version).
    upsert_person,
});
