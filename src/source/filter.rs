//! Filtering and sorting sources.

use async_graphql::{Enum, InputObject};
use entity::enums::SourceKind;
use sea_orm::sea_query::{Condition, ExprTrait};

use crate::{
    error::Result,
    graphql::{
        cursor::SortType,
        filter::{
            DateFilter, DateTimeFilter, EnumFilter, IdFilter, IntFilter, RecordFilter, SortField,
            StringFilter, TextFilter, col, combine,
        },
        id::NodeType,
    },
    repo::filter::through,
};

/// Conditions on sources. All the given conditions must hold.
///
/// Unlike other types' filters, it does not take every record condition (themes,
/// sources): every record filter takes `hasSource`, and async-graphql cannot flatten the
/// record conditions into a type that they themselves contain.
#[derive(InputObject, Clone, Debug, Default)]
pub struct SourceFilter {
    /// The source's id.
    pub id: Option<IdFilter>,
    /// The id of the partner organisation that supplied the record.
    pub partner: Option<IdFilter>,
    /// The record's id in the supplying partner's own system.
    pub external_id: Option<StringFilter>,
    /// When the record was created.
    pub created_at: Option<DateTimeFilter>,
    /// When the record last changed.
    pub updated_at: Option<DateTimeFilter>,
    /// The title, in any language.
    pub title: Option<TextFilter>,
    /// The kind of source.
    pub kind: Option<EnumFilter<SourceKind>>,
    /// The document symbol, such as `A/72/643`.
    pub symbol: Option<StringFilter>,
    /// The web address.
    pub url: Option<StringFilter>,
    /// The date of publication.
    pub published_on: Option<DateFilter>,
    /// The year of publication.
    pub year: Option<IntFilter>,
    /// The publisher's id.
    pub publisher_id: Option<IdFilter>,
    /// Every condition of the list holds.
    pub and: Option<Vec<SourceFilter>>,
    /// At least one condition of the list holds.
    pub or: Option<Vec<SourceFilter>>,
    /// The condition does not hold.
    pub not: Option<Box<SourceFilter>>,
}

impl SourceFilter {
    /// The SQL condition on the `source` table.
    pub fn condition(&self) -> Result<Condition> {
        let record = RecordFilter {
            id: self.id.clone(),
            partner: self.partner.clone(),
            external_id: self.external_id.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            ..Default::default()
        };
        let mut c = record.condition(NodeType::Source)?;
        if let Some(f) = &self.title {
            c = c.add(f.condition(NodeType::Source, "title")?);
        }
        if let Some(f) = &self.kind {
            c = c.add(f.condition(col!(source.kind))?);
        }
        if let Some(f) = &self.symbol {
            c = c.add(f.condition(col!(source.symbol))?);
        }
        if let Some(f) = &self.url {
            c = c.add(f.condition(col!(source.url))?);
        }
        if let Some(f) = &self.published_on {
            c = c.add(f.condition(col!(source.published_on))?);
        }
        if let Some(f) = &self.year {
            c = c.add(f.condition(col!(source.year))?);
        }
        if let Some(f) = &self.publisher_id {
            c = c.add(f.condition(col!(source.publisher_id), NodeType::Organisation)?);
        }
        combine(c, &self.and, &self.or, &self.not, SourceFilter::condition)
    }
}

/// Nodes of type `kind` that cite a source that matches `filter`.
pub fn citing(kind: NodeType, filter: &SourceFilter) -> Result<Condition> {
    let id = col(kind.table(), crate::repo::node::column::ID);
    let edge = Condition::all().add(col!(citation.node_type).eq(kind.table()));
    Ok(through(
        id,
        &crate::repo::edges::CITATION,
        edge,
        filter.condition()?,
    ))
}

/// The fields sources can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SourceOrderField {
    /// The id: the order of creation.
    Id,
    /// The date of publication (sources without one come last).
    PublishedOn,
    /// The year of publication (sources without one come last).
    Year,
    /// When the record was created.
    CreatedAt,
    /// When the record last changed.
    UpdatedAt,
}

impl SortField for SourceOrderField {
    fn column(self) -> &'static str {
        match self {
            Self::Id => column_name!(source.id),
            Self::PublishedOn => column_name!(source.published_on),
            Self::Year => column_name!(source.year),
            Self::CreatedAt => column_name!(source.created_at),
            Self::UpdatedAt => column_name!(source.updated_at),
        }
    }

    fn sort_type(self) -> SortType {
        match self {
            Self::Id | Self::Year => SortType::Int,
            Self::PublishedOn => SortType::Date,
            Self::CreatedAt | Self::UpdatedAt => SortType::Time,
        }
    }
}
