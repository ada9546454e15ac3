//! Facets of connections: counts of the whole list grouped by a field, and counts per year.
//!
//! Each connection of a node type has a `facets` field; each of its fields is one SQL
//! statement over the list's records (all pages, the same filter), grouped in the
//! database. Types declare their facets with [`facets!`].

use std::{borrow::Cow, sync::Arc};

use async_graphql::{Object, OutputType, SimpleObject, TypeName};

use crate::{
    error::Result,
    graphql::connection::Plain,
    repo::facet::{self, Bucket, Dimension, Records},
};

/// The records of a connection, all pages: their table, and which of its records.
#[derive(Clone, Debug)]
pub struct RecordSet {
    /// The node table.
    pub table: &'static str,
    /// The records under the connection's filter.
    pub records: Arc<Records>,
}

impl RecordSet {
    /// The buckets of a facet over these records; enum values in their GraphQL form.
    pub async fn buckets(
        &self,
        db: &sea_orm::DatabaseConnection,
        d: Dimension,
        enum_values: bool,
    ) -> Result<Vec<FacetValue>> {
        let buckets = facet::buckets(db, self.table, &self.records, d).await?;
        Ok(buckets
            .into_iter()
            .map(|Bucket { value, count }| FacetValue {
                value: match enum_values {
                    true => value.map(|v| v.to_uppercase()),
                    false => value,
                },
                count,
            })
            .collect())
    }

    /// Counts per year, from the first year to the last, years without records counted 0.
    pub async fn per_year(&self, db: &sea_orm::DatabaseConnection) -> Result<Vec<YearCount>> {
        let counts = facet::per_year(db, self.table, &self.records).await?;
        let (Some(&(first, _)), Some(&(last, _))) = (counts.first(), counts.last()) else {
            return Ok(Vec::new());
        };
        let mut out: Vec<YearCount> = (first..=last)
            .map(|year| YearCount { year, count: 0 })
            .collect();
        for (year, count) in counts {
            out[(year - first) as usize].count = count;
        }
        Ok(out)
    }
}

/// One value of a facet and how many records of the list have it.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct FacetValue {
    /// The value (an enum value's name, a year, a country code, a theme code, a language
    /// code); null for the records that have none.
    pub value: Option<String>,
    /// How many records of the whole list (all pages) have it.
    pub count: i64,
}

/// How many records of a list fall in one year.
#[derive(SimpleObject, Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearCount {
    /// The year.
    pub year: i32,
    /// How many records of the whole list (all pages) have it.
    pub count: i64,
}

/// What a connection of a node type offers beside its edges: facets for node types, none
/// for lists of changes.
pub trait Extras {
    /// The fields merged into the connection.
    type Extra: async_graphql::ObjectType + Send + Sync + 'static;

    /// The extra fields of the connection over the records `set`.
    fn extra(set: RecordSet) -> Self::Extra;
}

/// The `facets` field of a node type's connections.
pub struct Faceted<F>(pub F);

/// The facets of a connection.
#[Object(name_type)]
impl<F: OutputType> Faceted<F> {
    /// Counts of the whole list (all pages, under the same filter), grouped by the fields
    /// researchers slice by: one SQL statement per facet asked for.
    async fn facets(&self) -> &F {
        &self.0
    }
}

impl<F: OutputType> TypeName for Faceted<F> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Field", F::type_name()).into()
    }
}

impl Extras for crate::sync::feed::Change {
    type Extra = Plain;

    fn extra(_: RecordSet) -> Plain {
        Plain
    }
}

/// Declares the facets object of a node type: one field per facet, each a dimension of
/// [`Dimension`] (`enum` marks the facets whose values are enum values), and optionally
/// `perYear`.
///
/// ```text
/// facets!(DialogueFacets for Dialogue {
///     /// By year.
///     year = Column(column_name!(dialogue.year));
///     /// By the kind of the organisations taking part.
///     participant_kind enum = Through(&edges::DIALOGUE_PARTICIPANT, column_name!(organisation.kind));
/// } per_year);
/// ```
macro_rules! facets {
    ($facets:ident for $node:ty {
        $(
            $(#[doc = $doc:literal])+
            $field:ident $($enum:ident)? = $dim:expr;
        )+
    } $($per_year:ident)?) => {
        /// Counts of a list of records grouped by their fields.
        pub struct $facets(pub $crate::graphql::facet::RecordSet);

        /// Counts of the records of a list (all pages, under its filter), grouped by
        /// their fields; most frequent values first.
        #[async_graphql::Object]
        impl $facets {
            $(
                $(#[doc = $doc])+
                async fn $field(&self, ctx: &async_graphql::Context<'_>) -> $crate::error::Result<Vec<$crate::graphql::facet::FacetValue>> {
                    use $crate::{graphql::context::CtxExt, repo::facet::Dimension::*};
                    self.0.buckets(ctx.loaders().db(), $dim, $crate::graphql::facet::facets!(@enum $($enum)?)).await
                }
            )+
            $(
                /// How many records fall in each year, from the first year to the last
                /// (years without records count 0): a time series.
                async fn $per_year(&self, ctx: &async_graphql::Context<'_>) -> $crate::error::Result<Vec<$crate::graphql::facet::YearCount>> {
                    use $crate::graphql::context::CtxExt;
                    self.0.per_year(ctx.loaders().db()).await
                }
            )?
        }

        impl $crate::graphql::facet::Extras for $node {
            type Extra = $crate::graphql::facet::Faceted<$facets>;

            fn extra(set: $crate::graphql::facet::RecordSet) -> Self::Extra {
                $crate::graphql::facet::Faceted($facets(set))
            }
        }
    };
    (@enum enum) => { true };
    (@enum) => { false };
}

pub(crate) use facets;
