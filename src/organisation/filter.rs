//! Filtering and sorting organisations.

use async_graphql::{Enum, InputObject};
use entity::enums::{DeveloperRole, OrganisationKind, ParticipationRole};
use sea_orm::sea_query::{Condition, Expr};

use crate::{
    error::Result,
    graphql::{
        cursor::SortType,
        filter::{
            EnumFilter, IdFilter, IntFilter, RecordFilter, SortField, StringFilter, TextFilter,
            col, combine,
        },
        id::NodeType,
    },
    repo::filter::{related, through},
};

const T: &str = table!(organisation);

/// Conditions on organisations. All the given conditions must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrganisationFilter {
    #[graphql(flatten)]
    pub record: RecordFilter,
    /// The slug, such as `iom`.
    pub slug: Option<StringFilter>,
    /// The kind of organisation.
    pub kind: Option<EnumFilter<OrganisationKind>>,
    /// The name, in any language.
    pub name: Option<TextFilter>,
    /// The acronym, in any language (IOM, OIM...).
    pub acronym: Option<TextFilter>,
    /// The country of the headquarters (ISO 3166-1 alpha-2 code).
    pub country: Option<StringFilter>,
    /// The year of foundation.
    pub founded_year: Option<IntFilter>,
    /// The number of member states.
    pub member_state_count: Option<IntFilter>,
    /// The parent organisation, by id (`isNull: true`: top-level organisations).
    pub parent_id: Option<IdFilter>,
    /// Organisations whose parent matches.
    pub parent: Option<Box<OrganisationFilter>>,
    /// Every condition of the list holds.
    pub and: Option<Vec<OrganisationFilter>>,
    /// At least one condition of the list holds.
    pub or: Option<Vec<OrganisationFilter>>,
    /// The condition does not hold.
    pub not: Option<Box<OrganisationFilter>>,
}

impl OrganisationFilter {
    /// The SQL condition on the `organisation` table.
    pub fn condition(&self) -> Result<Condition> {
        let mut c = self.record.condition(NodeType::Organisation)?;
        if let Some(f) = &self.slug {
            c = c.add(f.condition(col!(organisation.slug))?);
        }
        if let Some(f) = &self.kind {
            c = c.add(f.condition(col!(organisation.kind))?);
        }
        if let Some(f) = &self.name {
            c = c.add(f.condition(NodeType::Organisation, "name")?);
        }
        if let Some(f) = &self.acronym {
            c = c.add(f.condition(NodeType::Organisation, "acronym")?);
        }
        if let Some(f) = &self.country {
            c = c.add(f.condition(col!(organisation.country))?);
        }
        if let Some(f) = &self.founded_year {
            c = c.add(f.condition(col!(organisation.founded_year))?);
        }
        if let Some(f) = &self.member_state_count {
            c = c.add(f.condition(col!(organisation.member_state_count))?);
        }
        if let Some(f) = &self.parent_id {
            c = c.add(f.condition(col!(organisation.parent_id), NodeType::Organisation)?);
        }
        if let Some(f) = &self.parent {
            c = c.add(related(col!(organisation.parent_id), T, f.condition()?));
        }
        combine(
            c,
            &self.and,
            &self.or,
            &self.not,
            OrganisationFilter::condition,
        )
    }
}

/// The fields organisations can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrganisationOrderField {
    /// The id: the order of creation.
    Id,
    /// The slug, alphabetically.
    Slug,
    /// The year of foundation.
    FoundedYear,
    /// The number of member states.
    MemberStateCount,
    /// When the record was created.
    CreatedAt,
    /// When the record last changed.
    UpdatedAt,
}

impl SortField for OrganisationOrderField {
    fn column(self) -> &'static str {
        match self {
            Self::Id => column_name!(organisation.id),
            Self::Slug => column_name!(organisation.slug),
            Self::FoundedYear => column_name!(organisation.founded_year),
            Self::MemberStateCount => column_name!(organisation.member_state_count),
            Self::CreatedAt => column_name!(organisation.created_at),
            Self::UpdatedAt => column_name!(organisation.updated_at),
        }
    }

    fn sort_type(self) -> SortType {
        match self {
            Self::Id | Self::FoundedYear | Self::MemberStateCount => SortType::Int,
            Self::Slug => SortType::Text,
            Self::CreatedAt | Self::UpdatedAt => SortType::Time,
        }
    }
}

/// Conditions on the organisations taking part in a dialogue or workshop.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ParticipantFilter {
    /// The part the organisation plays.
    pub role: Option<EnumFilter<ParticipationRole>>,
    /// The organisation.
    pub organisation: Option<OrganisationFilter>,
}

impl ParticipantFilter {
    /// Rows whose `id` has a participant that matches, in edge table `edge`.
    pub fn condition(
        &self,
        id: Expr,
        edge: &'static crate::repo::edges::EdgeTable,
    ) -> Result<Condition> {
        let edge_cond = match &self.role {
            Some(r) => r.condition(col(edge.name, crate::repo::edges::column::ROLE))?,
            None => Condition::all(),
        };
        let cond = match &self.organisation {
            Some(o) => o.condition()?,
            None => Condition::all(),
        };
        Ok(through(id, edge, edge_cond, cond))
    }
}

/// Conditions on the organisations that developed a tool.
#[derive(InputObject, Clone, Debug, Default)]
pub struct DeveloperFilter {
    /// The part the organisation played.
    pub role: Option<EnumFilter<DeveloperRole>>,
    /// The organisation.
    pub organisation: Option<OrganisationFilter>,
}

impl DeveloperFilter {
    /// Tools with a developer that matches.
    pub fn condition(&self) -> Result<Condition> {
        let edge_cond = match &self.role {
            Some(r) => r.condition(col!(tool_developer.role))?,
            None => Condition::all(),
        };
        let cond = match &self.organisation {
            Some(o) => o.condition()?,
            None => Condition::all(),
        };
        let id = col!(tool.id);
        Ok(through(
            id,
            &crate::repo::edges::TOOL_DEVELOPER,
            edge_cond,
            cond,
        ))
    }
}
