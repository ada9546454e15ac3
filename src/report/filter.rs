//! Filtering and sorting reports.

use async_graphql::{Enum, InputObject};
use entity::enums::{ReportKind, ReportRole};
use sea_orm::sea_query::{Condition, Expr};

use crate::{
    error::Result,
    graphql::{
        cursor::SortType,
        filter::{
            DateFilter, EnumFilter, IntFilter, RecordFilter, SortField, StringFilter, TextFilter,
            col, combine,
        },
        id::NodeType,
    },
    organisation::OrganisationFilter,
    person::PersonFilter,
    repo::filter::through,
};

/// Conditions on reports. All the given conditions must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ReportFilter {
    #[graphql(flatten)]
    pub record: RecordFilter,
    /// The title, in any language.
    pub title: Option<TextFilter>,
    /// The summary, in any language.
    pub summary: Option<TextFilter>,
    /// The UN document symbol, such as `A/72/643`.
    pub symbol: Option<StringFilter>,
    /// The kind of document.
    pub kind: Option<EnumFilter<ReportKind>>,
    /// The date of publication.
    pub published_on: Option<DateFilter>,
    /// The year of publication.
    pub year: Option<IntFilter>,
    /// The month of publication (1 to 12).
    pub month: Option<IntFilter>,
    /// Reports with at least one publisher that matches.
    pub has_publisher: Option<Box<OrganisationFilter>>,
    /// Reports with at least one author that matches.
    pub has_author: Option<Box<PersonFilter>>,
    /// Every condition of the list holds.
    pub and: Option<Vec<ReportFilter>>,
    /// At least one condition of the list holds.
    pub or: Option<Vec<ReportFilter>>,
    /// The condition does not hold.
    pub not: Option<Box<ReportFilter>>,
}

impl ReportFilter {
    /// The SQL condition on the `report` table.
    pub fn condition(&self) -> Result<Condition> {
        let mut c = self.record.condition(NodeType::Report)?;
        if let Some(f) = &self.title {
            c = c.add(f.condition(NodeType::Report, "title")?);
        }
        if let Some(f) = &self.summary {
            c = c.add(f.condition(NodeType::Report, "summary")?);
        }
        if let Some(f) = &self.symbol {
            c = c.add(f.condition(col!(report.symbol))?);
        }
        if let Some(f) = &self.kind {
            c = c.add(f.condition(col!(report.kind))?);
        }
        if let Some(f) = &self.published_on {
            c = c.add(f.condition(col!(report.published_on))?);
        }
        if let Some(f) = &self.year {
            c = c.add(f.condition(col!(report.year))?);
        }
        if let Some(f) = &self.month {
            c = c.add(f.condition(col!(report.month))?);
        }
        let id = || col!(report.id);
        if let Some(f) = &self.has_publisher {
            let all = Condition::all();
            c = c.add(through(
                id(),
                &crate::repo::edges::REPORT_PUBLISHER,
                all,
                f.condition()?,
            ));
        }
        if let Some(f) = &self.has_author {
            let all = Condition::all();
            c = c.add(through(
                id(),
                &crate::repo::edges::REPORT_AUTHOR,
                all,
                f.condition()?,
            ));
        }
        combine(c, &self.and, &self.or, &self.not, ReportFilter::condition)
    }
}

/// Conditions on the reports a dialogue or workshop references.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ReferenceFilter {
    /// The report's part.
    pub role: Option<EnumFilter<ReportRole>>,
    /// The report.
    pub report: Option<ReportFilter>,
}

impl ReferenceFilter {
    /// Rows whose `id` references a report that matches, in edge table `edge` whose column
    /// `from` holds the row's id.
    pub fn condition(
        &self,
        id: Expr,
        edge: &'static crate::repo::edges::EdgeTable,
    ) -> Result<Condition> {
        let edge_cond = match &self.role {
            Some(r) => r.condition(col(edge.name, crate::repo::edges::column::ROLE))?,
            None => Condition::all(),
        };
        let cond = match &self.report {
            Some(r) => r.condition()?,
            None => Condition::all(),
        };
        Ok(through(id, edge, edge_cond, cond))
    }
}

/// The fields reports can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReportOrderField {
    /// The id: the order of creation.
    Id,
    /// The UN document symbol, alphabetically (reports without one come last).
    Symbol,
    /// The date of publication (reports without one come last).
    PublishedOn,
    /// The year of publication (reports without one come last).
    Year,
    /// When the record was created.
    CreatedAt,
    /// When the record last changed.
    UpdatedAt,
}

impl SortField for ReportOrderField {
    fn column(self) -> &'static str {
        match self {
            Self::Id => column_name!(report.id),
            Self::Symbol => column_name!(report.symbol),
            Self::PublishedOn => column_name!(report.published_on),
            Self::Year => column_name!(report.year),
            Self::CreatedAt => column_name!(report.created_at),
            Self::UpdatedAt => column_name!(report.updated_at),
        }
    }

    fn sort_type(self) -> SortType {
        match self {
            Self::Id | Self::Year => SortType::Int,
            Self::Symbol => SortType::Text,
            Self::PublishedOn => SortType::Date,
            Self::CreatedAt | Self::UpdatedAt => SortType::Time,
        }
    }
}
