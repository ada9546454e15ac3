//! Filtering and sorting tools.

use async_graphql::{Enum, InputObject};
use entity::enums::ToolKind;
use sea_orm::sea_query::Condition;

use crate::{
    error::Result,
    graphql::{
        cursor::SortType,
        filter::{EnumFilter, IntFilter, RecordFilter, SortField, TextFilter, combine},
        id::NodeType,
    },
    organisation::DeveloperFilter,
};

/// Conditions on tools. All the given conditions must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ToolFilter {
    #[graphql(flatten)]
    pub record: RecordFilter,
    /// The name, in any language.
    pub name: Option<TextFilter>,
    /// The summary, in any language.
    pub summary: Option<TextFilter>,
    /// The kind of tool.
    pub kind: Option<EnumFilter<ToolKind>>,
    /// The year the tool was launched.
    pub year: Option<IntFilter>,
    /// Tools with at least one developer that matches.
    pub has_developer: Option<Box<DeveloperFilter>>,
    /// Every condition of the list holds.
    pub and: Option<Vec<ToolFilter>>,
    /// At least one condition of the list holds.
    pub or: Option<Vec<ToolFilter>>,
    /// The condition does not hold.
    pub not: Option<Box<ToolFilter>>,
}

impl ToolFilter {
    /// The SQL condition on the `tool` table.
    pub fn condition(&self) -> Result<Condition> {
        let mut c = self.record.condition(NodeType::Tool)?;
        if let Some(f) = &self.name {
            c = c.add(f.condition(NodeType::Tool, "name")?);
        }
        if let Some(f) = &self.summary {
            c = c.add(f.condition(NodeType::Tool, "summary")?);
        }
        if let Some(f) = &self.kind {
            c = c.add(f.condition(col!(tool.kind))?);
        }
        if let Some(f) = &self.year {
            c = c.add(f.condition(col!(tool.year))?);
        }
        if let Some(f) = &self.has_developer {
            c = c.add(f.condition()?);
        }
        combine(c, &self.and, &self.or, &self.not, ToolFilter::condition)
    }
}

/// The fields tools can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ToolOrderField {
    /// The id: the order of creation.
    Id,
    /// The year the tool was launched (tools without one come last).
    Year,
    /// When the record was created.
    CreatedAt,
    /// When the record last changed.
    UpdatedAt,
}

impl SortField for ToolOrderField {
    fn column(self) -> &'static str {
        match self {
            Self::Id => column_name!(tool.id),
            Self::Year => column_name!(tool.year),
            Self::CreatedAt => column_name!(tool.created_at),
            Self::UpdatedAt => column_name!(tool.updated_at),
        }
    }

    fn sort_type(self) -> SortType {
        match self {
            Self::Id | Self::Year => SortType::Int,
            Self::CreatedAt | Self::UpdatedAt => SortType::Time,
        }
    }
}
