//! Filtering and sorting people.

use async_graphql::{Enum, InputObject};
use entity::enums::PersonRole;
use sea_orm::sea_query::{Condition, Expr};

use crate::{
    error::Result,
    graphql::{
        cursor::SortType,
        filter::{EnumFilter, RecordFilter, SortField, StringFilter, TextFilter, col, combine},
        id::NodeType,
    },
    organisation::OrganisationFilter,
    repo::filter::through,
};

/// Conditions on people. All the given conditions must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PersonFilter {
    #[graphql(flatten)]
    pub record: RecordFilter,
    /// The name.
    pub name: Option<StringFilter>,
    /// The summary, in any language.
    pub summary: Option<TextFilter>,
    /// People affiliated with at least one organisation that matches.
    pub has_affiliation: Option<Box<OrganisationFilter>>,
    /// Every condition of the list holds.
    pub and: Option<Vec<PersonFilter>>,
    /// At least one condition of the list holds.
    pub or: Option<Vec<PersonFilter>>,
    /// The condition does not hold.
    pub not: Option<Box<PersonFilter>>,
}

impl PersonFilter {
    /// The SQL condition on the `person` table.
    pub fn condition(&self) -> Result<Condition> {
        let mut c = self.record.condition(NodeType::Person)?;
        if let Some(f) = &self.name {
            c = c.add(f.condition(col!(person.name))?);
        }
        if let Some(f) = &self.summary {
            c = c.add(f.condition(NodeType::Person, "summary")?);
        }
        if let Some(f) = &self.has_affiliation {
            let all = Condition::all();
            c = c.add(through(
                col!(person.id),
                &crate::repo::edges::AFFILIATION,
                all,
                f.condition()?,
            ));
        }
        combine(c, &self.and, &self.or, &self.not, PersonFilter::condition)
    }
}

/// Conditions on the people of a dialogue or workshop.
#[derive(InputObject, Clone, Debug, Default)]
pub struct InvolvementFilter {
    /// The part the person plays.
    pub role: Option<EnumFilter<PersonRole>>,
    /// The person.
    pub person: Option<PersonFilter>,
}

impl InvolvementFilter {
    /// Rows whose `id` has a person that matches, in edge table `edge` whose column `from`
    /// holds the row's id.
    pub fn condition(
        &self,
        id: Expr,
        edge: &'static crate::repo::edges::EdgeTable,
    ) -> Result<Condition> {
        let edge_cond = match &self.role {
            Some(r) => r.condition(col(edge.name, crate::repo::edges::column::ROLE))?,
            None => Condition::all(),
        };
        let cond = match &self.person {
            Some(p) => p.condition()?,
            None => Condition::all(),
        };
        Ok(through(id, edge, edge_cond, cond))
    }
}

/// The fields people can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PersonOrderField {
    /// The id: the order of creation.
    Id,
    /// The name, alphabetically.
    Name,
    /// When the record was created.
    CreatedAt,
    /// When the record last changed.
    UpdatedAt,
}

impl SortField for PersonOrderField {
    fn column(self) -> &'static str {
        match self {
            Self::Id => column_name!(person.id),
            Self::Name => column_name!(person.name),
            Self::CreatedAt => column_name!(person.created_at),
            Self::UpdatedAt => column_name!(person.updated_at),
        }
    }

    fn sort_type(self) -> SortType {
        match self {
            Self::Id => SortType::Int,
            Self::Name => SortType::Text,
            Self::CreatedAt | Self::UpdatedAt => SortType::Time,
        }
    }
}
