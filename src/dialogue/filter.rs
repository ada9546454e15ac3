//! Filtering and sorting dialogues.

use async_graphql::{Enum, InputObject};
use sea_orm::sea_query::Condition;

use crate::{
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
    repo::filter::{having, related},
    report::ReferenceFilter,
    workshop::WorkshopFilter,
};

const T: &str = table!(dialogue);

/// Conditions on dialogues. All the given conditions must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct DialogueFilter {
    #[graphql(flatten)]
    pub record: RecordFilter,
    /// The slug, such as `idm-2018`.
    pub slug: Option<StringFilter>,
    /// The title, in any language.
    pub title: Option<TextFilter>,
    /// The summary, in any language.
    pub summary: Option<TextFilter>,
    /// The first day.
    pub start_date: Option<DateFilter>,
    /// The last day.
    pub end_date: Option<DateFilter>,
    /// The year.
    pub year: Option<IntFilter>,
    /// The month (1 to 12).
    pub month: Option<IntFilter>,
    /// The city.
    pub city: Option<StringFilter>,
    /// The country (ISO 3166-1 alpha-2 code, such as `US`).
    pub country: Option<StringFilter>,
    /// The series, by id (`isNull: true`: dialogues outside any series).
    pub series_id: Option<IdFilter>,
    /// Dialogues whose series matches.
    pub series: Option<Box<DialogueFilter>>,
    /// Dialogues with at least one workshop that matches.
    pub has_workshop: Option<Box<WorkshopFilter>>,
    /// Dialogues with at least one participating organisation that matches.
    pub has_participant: Option<Box<ParticipantFilter>>,
    /// Dialogues with at least one speaker or contact that matches.
    pub has_person: Option<Box<InvolvementFilter>>,
    /// Dialogues that reference at least one report that matches.
    pub has_report: Option<Box<ReferenceFilter>>,
    /// Every condition of the list holds.
    pub and: Option<Vec<DialogueFilter>>,
    /// At least one condition of the list holds.
    pub or: Option<Vec<DialogueFilter>>,
    /// The condition does not hold.
    pub not: Option<Box<DialogueFilter>>,
}

impl DialogueFilter {
    /// The SQL condition on the `dialogue` table.
    pub fn condition(&self) -> Result<Condition> {
        let mut c = self.record.condition(NodeType::Dialogue)?;
        if let Some(f) = &self.slug {
            c = c.add(f.condition(col!(dialogue.slug))?);
        }
        if let Some(f) = &self.title {
            c = c.add(f.condition(NodeType::Dialogue, "title")?);
        }
        if let Some(f) = &self.summary {
            c = c.add(f.condition(NodeType::Dialogue, "summary")?);
        }
        if let Some(f) = &self.start_date {
            c = c.add(f.condition(col!(dialogue.start_date))?);
        }
        if let Some(f) = &self.end_date {
            c = c.add(f.condition(col!(dialogue.end_date))?);
        }
        if let Some(f) = &self.year {
            c = c.add(f.condition(col!(dialogue.year))?);
        }
        if let Some(f) = &self.month {
            c = c.add(f.condition(col!(dialogue.month))?);
        }
        if let Some(f) = &self.city {
            c = c.add(f.condition(col!(dialogue.city))?);
        }
        if let Some(f) = &self.country {
            c = c.add(f.condition(col!(dialogue.country))?);
        }
        if let Some(f) = &self.series_id {
            c = c.add(f.condition(col!(dialogue.series_id), NodeType::Dialogue)?);
        }
        if let Some(f) = &self.series {
            c = c.add(related(col!(dialogue.series_id), T, f.condition()?));
        }
        if let Some(f) = &self.has_workshop {
            c = c.add(having(
                col!(dialogue.id),
                table!(workshop),
                column_name!(workshop.dialogue_id),
                f.condition()?,
            ));
        }
        if let Some(f) = &self.has_participant {
            c = c.add(f.condition(col!(dialogue.id), &crate::repo::edges::DIALOGUE_PARTICIPANT)?);
        }
        if let Some(f) = &self.has_person {
            c = c.add(f.condition(col!(dialogue.id), &crate::repo::edges::DIALOGUE_PERSON)?);
        }
        if let Some(f) = &self.has_report {
            c = c.add(f.condition(col!(dialogue.id), &crate::repo::edges::DIALOGUE_REPORT)?);
        }
        combine(c, &self.and, &self.or, &self.not, DialogueFilter::condition)
    }
}

/// The fields dialogues can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DialogueOrderField {
    /// The id: the order of creation.
    Id,
    /// The slug, alphabetically.
    Slug,
    /// The first day (dialogues without a date come last).
    StartDate,
    /// The year (dialogues without a year come last).
    Year,
    /// When the record was created.
    CreatedAt,
    /// When the record last changed.
    UpdatedAt,
}

impl SortField for DialogueOrderField {
    fn column(self) -> &'static str {
        match self {
            Self::Id => column_name!(dialogue.id),
            Self::Slug => column_name!(dialogue.slug),
            Self::StartDate => column_name!(dialogue.start_date),
            Self::Year => column_name!(dialogue.year),
            Self::CreatedAt => column_name!(dialogue.created_at),
            Self::UpdatedAt => column_name!(dialogue.updated_at),
        }
    }

    fn sort_type(self) -> SortType {
        match self {
            Self::Id | Self::Year => SortType::Int,
            Self::Slug => SortType::Text,
            Self::StartDate => SortType::Date,
            Self::CreatedAt | Self::UpdatedAt => SortType::Time,
        }
    }
}
