//! Filtering and sorting themes, and filtering any node by its themes.

use async_graphql::{Enum, InputObject};
use entity::enums::ThemeScheme;
use sea_orm::sea_query::{Condition, ExprTrait};

use crate::{
    error::Result,
    graphql::{
        cursor::SortType,
        filter::{
            EnumFilter, IdFilter, RecordFilter, SortField, StringFilter, TextFilter, col, combine,
        },
        id::NodeType,
    },
    repo::filter::{related, through, through_or_below},
};

const T: &str = table!(theme);

/// Conditions on themes. All the given conditions must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ThemeFilter {
    #[graphql(flatten)]
    pub record: RecordFilter,
    /// The code, such as `GCM` or `partnerships`.
    pub code: Option<StringFilter>,
    /// The vocabulary.
    pub scheme: Option<EnumFilter<ThemeScheme>>,
    /// The title, in any language.
    pub title: Option<TextFilter>,
    /// The description, in any language.
    pub description: Option<TextFilter>,
    /// The broader theme, by id (`isNull: true`: top-level themes).
    pub broader_id: Option<IdFilter>,
    /// Themes whose broader theme matches.
    pub broader: Option<Box<ThemeFilter>>,
    /// Every condition of the list holds.
    pub and: Option<Vec<ThemeFilter>>,
    /// At least one condition of the list holds.
    pub or: Option<Vec<ThemeFilter>>,
    /// The condition does not hold.
    pub not: Option<Box<ThemeFilter>>,
}

impl ThemeFilter {
    /// The SQL condition on the `theme` table.
    pub fn condition(&self) -> Result<Condition> {
        let mut c = self.record.condition(NodeType::Theme)?;
        if let Some(f) = &self.code {
            c = c.add(f.condition(col!(theme.code))?);
        }
        if let Some(f) = &self.scheme {
            c = c.add(f.condition(col!(theme.scheme))?);
        }
        if let Some(f) = &self.title {
            c = c.add(f.condition(NodeType::Theme, "title")?);
        }
        if let Some(f) = &self.description {
            c = c.add(f.condition(NodeType::Theme, "description")?);
        }
        if let Some(f) = &self.broader_id {
            c = c.add(f.condition(col!(theme.broader_id), NodeType::Theme)?);
        }
        if let Some(f) = &self.broader {
            c = c.add(related(col!(theme.broader_id), T, f.condition()?));
        }
        combine(c, &self.and, &self.or, &self.not, ThemeFilter::condition)
    }
}

/// Nodes of type `kind` tagged with at least one theme that matches `filter`.
pub fn tagged_with(kind: NodeType, filter: &ThemeFilter) -> Result<Condition> {
    let id = col(kind.table(), crate::repo::node::column::ID);
    let edge = Condition::all().add(col!(theme_tag.node_type).eq(kind.table()));
    Ok(through(
        id,
        &crate::repo::edges::THEME_TAG,
        edge,
        filter.condition()?,
    ))
}

/// Nodes of type `kind` tagged with a theme that matches `filter` or with a theme narrower
/// than one that does (at any depth).
pub fn tagged_within(kind: NodeType, filter: &ThemeFilter) -> Result<Condition> {
    let id = col(kind.table(), crate::repo::node::column::ID);
    let edge = Condition::all().add(col!(theme_tag.node_type).eq(kind.table()));
    let up = column_name!(theme.broader_id);
    Ok(through_or_below(
        id,
        &crate::repo::edges::THEME_TAG,
        edge,
        up,
        filter.condition()?,
    ))
}

/// The fields themes can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ThemeOrderField {
    /// The id: the order of creation.
    Id,
    /// The code, alphabetically.
    Code,
    /// When the record was created.
    CreatedAt,
    /// When the record last changed.
    UpdatedAt,
}

impl SortField for ThemeOrderField {
    fn column(self) -> &'static str {
        match self {
            Self::Id => column_name!(theme.id),
            Self::Code => column_name!(theme.code),
            Self::CreatedAt => column_name!(theme.created_at),
            Self::UpdatedAt => column_name!(theme.updated_at),
        }
    }

    fn sort_type(self) -> SortType {
        match self {
            Self::Id => SortType::Int,
            Self::Code => SortType::Text,
            Self::CreatedAt | Self::UpdatedAt => SortType::Time,
        }
    }
}
