//! Filtering and sorting workshops.

use async_graphql::{Enum, InputObject};
use sea_orm::sea_query::Condition;

use crate::{
    dialogue::DialogueFilter,
    error::Result,
    graphql::{
        cursor::SortType,
        filter::{
            DateFilter, IdFilter, IntFilter, RecordFilter, SortField, StringFilter, TextFilter,
            combine,
        },
        id::NodeType,
    },
    organisation::ParticipantFilter,
    person::InvolvementFilter,
    repo::filter::{related, through},
    report::ReferenceFilter,
    tool::ToolFilter,
};

/// Conditions on workshops. All the given conditions must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct WorkshopFilter {
    #[graphql(flatten)]
    pub record: RecordFilter,
    /// The title, in any language.
    pub title: Option<TextFilter>,
    /// The summary, in any language.
    pub summary: Option<TextFilter>,
    /// The workshop's number within its dialogue.
    pub position: Option<IntFilter>,
    /// The first day.
    pub start_date: Option<DateFilter>,
    /// The last day.
    pub end_date: Option<DateFilter>,
    /// The year.
    pub year: Option<IntFilter>,
    /// The city.
    pub city: Option<StringFilter>,
    /// The country (ISO 3166-1 alpha-2 code).
    pub country: Option<StringFilter>,
    /// The dialogue, by id.
    pub dialogue_id: Option<IdFilter>,
    /// Workshops whose dialogue matches.
    pub dialogue: Option<Box<DialogueFilter>>,
    /// Workshops with at least one participating organisation that matches.
    pub has_participant: Option<Box<ParticipantFilter>>,
    /// Workshops with at least one speaker or contact that matches.
    pub has_person: Option<Box<InvolvementFilter>>,
    /// Workshops that reference at least one report that matches.
    pub has_report: Option<Box<ReferenceFilter>>,
    /// Workshops that present at least one tool that matches.
    pub has_tool: Option<Box<ToolFilter>>,
    /// Every condition of the list holds.
    pub and: Option<Vec<WorkshopFilter>>,
    /// At least one condition of the list holds.
    pub or: Option<Vec<WorkshopFilter>>,
    /// The condition does not hold.
    pub not: Option<Box<WorkshopFilter>>,
}

impl WorkshopFilter {
    /// The SQL condition on the `workshop` table.
    pub fn condition(&self) -> Result<Condition> {
        let mut c = self.record.condition(NodeType::Workshop)?;
        if let Some(f) = &self.title {
            c = c.add(f.condition(NodeType::Workshop, "title")?);
        }
        if let Some(f) = &self.summary {
            c = c.add(f.condition(NodeType::Workshop, "summary")?);
        }
        if let Some(f) = &self.position {
            c = c.add(f.condition(col!(workshop.position))?);
        }
        if let Some(f) = &self.start_date {
            c = c.add(f.condition(col!(workshop.start_date))?);
        }
        if let Some(f) = &self.end_date {
            c = c.add(f.condition(col!(workshop.end_date))?);
        }
        if let Some(f) = &self.year {
            c = c.add(f.condition(col!(workshop.year))?);
        }
        if let Some(f) = &self.city {
            c = c.add(f.condition(col!(workshop.city))?);
        }
        if let Some(f) = &self.country {
            c = c.add(f.condition(col!(workshop.country))?);
        }
        if let Some(f) = &self.dialogue_id {
            c = c.add(f.condition(col!(workshop.dialogue_id), NodeType::Dialogue)?);
        }
        if let Some(f) = &self.dialogue {
            c = c.add(related(
                col!(workshop.dialogue_id),
                table!(dialogue),
                f.condition()?,
            ));
        }
        if let Some(f) = &self.has_participant {
            c = c.add(f.condition(col!(workshop.id), &crate::repo::edges::WORKSHOP_PARTICIPANT)?);
        }
        if let Some(f) = &self.has_person {
            c = c.add(f.condition(col!(workshop.id), &crate::repo::edges::WORKSHOP_PERSON)?);
        }
        if let Some(f) = &self.has_report {
            c = c.add(f.condition(col!(workshop.id), &crate::repo::edges::WORKSHOP_REPORT)?);
        }
        if let Some(f) = &self.has_tool {
            let all = Condition::all();
            c = c.add(through(
                col!(workshop.id),
                &crate::repo::edges::WORKSHOP_TOOL,
                all,
                f.condition()?,
            ));
        }
        combine(c, &self.and, &self.or, &self.not, WorkshopFilter::condition)
    }
}

/// The fields workshops can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WorkshopOrderField {
    /// The id: the order of creation.
    Id,
    /// The workshop's number within its dialogue.
    Position,
    /// The first day (workshops without a date come last).
    StartDate,
    /// The year (workshops without a year come last).
    Year,
    /// When the record was created.
    CreatedAt,
    /// When the record last changed.
    UpdatedAt,
}

impl SortField for WorkshopOrderField {
    fn column(self) -> &'static str {
        match self {
            Self::Id => column_name!(workshop.id),
            Self::Position => column_name!(workshop.position),
            Self::StartDate => column_name!(workshop.start_date),
            Self::Year => column_name!(workshop.year),
            Self::CreatedAt => column_name!(workshop.created_at),
            Self::UpdatedAt => column_name!(workshop.updated_at),
        }
    }

    fn sort_type(self) -> SortType {
        match self {
            Self::Id | Self::Position | Self::Year => SortType::Int,
            Self::StartDate => SortType::Date,
            Self::CreatedAt | Self::UpdatedAt => SortType::Time,
        }
    }
}
