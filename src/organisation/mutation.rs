//! Writing organisations.

use std::collections::HashMap;

use async_graphql::{InputObject, MaybeUndefined};
use entity::{enums::OrganisationKind, organisation};

use super::Organisation;
use crate::{
    error::{Error, Result},
    graphql::{
        id::NodeType,
        write::{self as w, NodeRef, RecordInput, TextInput, Writable, writes},
    },
    repo::write::TextMap,
};

/// The values of an organisation. Every field is optional, so that an update changes only
/// what it names (null clears a field); creating one needs `slug`, `kind` and `name`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrganisationInput {
    #[graphql(flatten)]
    pub record: RecordInput,
    /// A short unique name: lower-case letters and digits separated by dashes.
    pub slug: Option<String>,
    /// The kind of organisation.
    pub kind: Option<OrganisationKind>,
    /// The name, one text per language.
    pub name: Option<Vec<TextInput>>,
    /// The acronym, one text per language.
    pub acronym: Option<Vec<TextInput>>,
    /// A short description, one text per language.
    pub summary: Option<Vec<TextInput>>,
    /// The organisation this one is part of.
    pub parent: MaybeUndefined<NodeRef>,
    /// The country of the headquarters (ISO 3166-1 alpha-2 code).
    pub country: MaybeUndefined<String>,
    /// The year of foundation.
    pub founded_year: MaybeUndefined<i32>,
    /// The number of member states.
    pub member_state_count: MaybeUndefined<i32>,
    /// The number of countries the organisation is present in.
    pub country_presence_count: MaybeUndefined<i32>,
    /// The website (http or https).
    pub website: MaybeUndefined<String>,
    /// A contact e-mail address (shown to authenticated partners only).
    pub email: MaybeUndefined<String>,
    /// A contact telephone number (shown to authenticated partners only).
    pub phone: MaybeUndefined<String>,
}

impl Writable for Organisation {
    type Input = OrganisationInput;
    const KIND: NodeType = NodeType::Organisation;

    fn record_input(input: &OrganisationInput) -> &RecordInput {
        &input.record
    }

    const CONTAINERS: &'static [(&'static str, &'static str)] =
        &[("parent", column_name!(organisation.parent_id))];

    fn refs(input: &OrganisationInput) -> Vec<(&'static str, NodeType, &NodeRef)> {
        input
            .parent
            .value()
            .map(|r| ("parent", NodeType::Organisation, r))
            .into_iter()
            .collect()
    }

    fn check_create(input: &OrganisationInput) -> Result<()> {
        w::required("slug", &input.slug)?;
        w::required("kind", &input.kind)?;
        w::required("name", &input.name)
    }

    fn apply(
        input: &OrganisationInput,
        row: &mut organisation::Model,
        texts: &mut TextMap,
        refs: &HashMap<&'static str, i64>,
    ) -> Result<()> {
        if let Some(s) = &input.slug {
            row.slug = w::text_column(column_name!(organisation.slug), "slug", s)?;
        }
        if let Some(kind) = input.kind {
            row.kind = kind;
        }
        w::texts(texts, "name", &input.name, w::MAX_NAME)?;
        w::texts(texts, "acronym", &input.acronym, 32)?;
        w::texts(texts, "summary", &input.summary, w::MAX_TEXT)?;
        w::maybe(&mut row.parent_id, &input.parent, |_| {
            w::resolved(refs, "parent")
        })?;
        w::maybe(&mut row.country, &input.country, |c| {
            w::text_column(column_name!(organisation.country), "country", c)
        })?;
        w::maybe(&mut row.founded_year, &input.founded_year, |y| {
            w::int_column(column_name!(organisation.founded_year), "foundedYear", *y)
        })?;
        w::maybe(
            &mut row.member_state_count,
            &input.member_state_count,
            |n| {
                w::int_column(
                    column_name!(organisation.member_state_count),
                    "memberStateCount",
                    *n,
                )
            },
        )?;
        w::maybe(
            &mut row.country_presence_count,
            &input.country_presence_count,
            |n| {
                w::int_column(
                    column_name!(organisation.country_presence_count),
                    "countryPresenceCount",
                    *n,
                )
            },
        )?;
        w::maybe(&mut row.website, &input.website, |u| {
            w::text_column(column_name!(organisation.website), "website", u)
        })?;
        w::maybe(&mut row.email, &input.email, |e| {
            w::text_column(column_name!(organisation.email), "email", e)
        })?;
        w::maybe(&mut row.phone, &input.phone, |p| {
            w::text_column(column_name!(organisation.phone), "phone", p)
        })
    }

    fn check(row: &organisation::Model, texts: &TextMap) -> Result<()> {
        w::required_text("name", texts)?;
        if row.id != 0 && row.parent_id == Some(row.id) {
            return Err(Error::field(
                "parent",
                "an organisation cannot be its own parent",
            ));
        }
        Ok(())
    }

    fn parent(row: &organisation::Model) -> Option<(&'static str, &'static str, i64)> {
        row.parent_id
            .map(|id| ("parent", column_name!(organisation.parent_id), id))
    }

    fn uniques(row: &organisation::Model) -> Vec<(&'static str, &'static str, String)> {
        vec![("slug", column_name!(organisation.slug), row.slug.clone())]
    }
}

writes!(OrganisationMutation: Organisation {
    /// Creates an organisation (with the `write` scope); the caller's organisation becomes
    /// the partner that supplied it. Its `parent` must be one the caller's organisation
    /// supplied (an admin may name any); a parent that would make it its own ancestor is
    /// refused.
    create_organisation,
    /// Changes an organisation: fields left out keep their values. Only the partner that
    /// supplied it, or an admin, may.
    update_organisation,
    /// Deletes an organisation: reads no longer see it, and the change feed keeps a
    /// tombstone. Only the partner that supplied it, or an admin, may.
    delete_organisation,
    /// Creates or updates the organisation a partner's system knows by `externalId`.
    /// Sending the same values again changes nothing (`UNCHANGED`, same version).
    upsert_organisation,
});
