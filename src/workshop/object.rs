//! The `Workshop` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{
    enums::{ParticipationRole, PersonRole, ReportRole},
    workshop,
};
use sea_orm::sea_query::Condition;

use super::{WorkshopFilter, WorkshopOrderField};
use crate::{
    dialogue::Dialogue,
    error::Result,
    graphql::{
        connection::Plain,
        i18n::LocalizedText,
        id::{NodeType, encode},
        links::links,
        list::{Listable, one},
        loader::Batched,
        record::{RecordFields, localized, required},
        scalars::Date,
    },
    organisation::{Organisation, repo::Participation},
    person::{Person, repo::Involvement},
    plan::catalogue::NodeCat,
    report::{Report, repo::Reference},
    tool::Tool,
};

/// The GraphQL object of a row of the `workshop` table.
#[derive(Clone, Debug)]
pub struct Workshop(pub Batched<workshop::Model>);

impl Listable for Workshop {
    type Entity = workshop::Entity;
    type Filter = WorkshopFilter;
    type Field = WorkshopOrderField;

    fn wrap(row: Batched<workshop::Model>) -> Self {
        Workshop(row)
    }

    fn condition(filter: &WorkshopFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// A session of a dialogue, with its own theme, dates and venue.
#[Object]
impl Workshop {
    /// The workshop's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Workshop, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<workshop::Model> {
        RecordFields(self.0.clone())
    }

    /// The workshop's title.
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<LocalizedText> {
        required(ctx, &self.0, "title", lang).await
    }

    /// What the workshop is about.
    async fn summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<Option<LocalizedText>> {
        localized(ctx, &self.0, "summary", lang).await
    }

    /// Where the workshop takes place, such as "United Nations Headquarters".
    async fn venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<Option<LocalizedText>> {
        localized(ctx, &self.0, "venue", lang).await
    }

    /// The workshop's number within its dialogue (1 for the first), if known.
    async fn position(&self) -> Option<i32> {
        self.0.position
    }

    /// The first day, if known.
    async fn start_date(&self) -> Option<Date> {
        self.0.start_date.map(Date)
    }

    /// The last day, if known.
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }

    /// The year, if known (also when the exact dates are not).
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The city, if known.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }

    /// The country (ISO 3166-1 alpha-2), if known.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }

    /// The dialogue this workshop is part of (null only if that dialogue was deleted).
    async fn dialogue(&self, ctx: &Context<'_>) -> Result<Option<Dialogue>> {
        one(ctx, &self.0, |m| Some(m.dialogue_id)).await
    }

    #[graphql(flatten)]
    async fn links(&self) -> WorkshopLinks {
        WorkshopLinks(self.0.clone())
    }
}

/// What the read planner (`crate::plan`) serves of a workshop: its columns, its texts (and
/// whether every workshop has one) and its lists. Other fields run on async-graphql's
/// executor.
pub fn planned() -> NodeCat {
    NodeCat::of::<Workshop>(
        &[
            workshop::Column::Position,
            workshop::Column::StartDate,
            workshop::Column::EndDate,
            workshop::Column::Year,
            workshop::Column::City,
            workshop::Column::Country,
        ],
        vec![],
        &[("title", true), ("summary", false), ("venue", false)],
        WorkshopLinks::planned(),
    )
}

links!(WorkshopLinks(workshop::Model) {
    /// The organisations taking part in the workshop, with the role of each.
    participants [role: ParticipationRole = workshop_participant.role]
        -> Organisation, Participation = crate::organisation::repo::OF_WORKSHOP;
    /// The people speaking at the workshop (or named as its contact), with the role of each.
    people [role: PersonRole = workshop_person.role]
        -> Person, Involvement = crate::person::repo::OF_WORKSHOP;
    /// The reports the workshop references, with the role of each.
    reports [role: ReportRole = workshop_report.role]
        -> Report, Reference = crate::report::repo::OF_WORKSHOP;
    /// The tools presented at the workshop.
    tools -> Tool, Plain = crate::tool::repo::OF_WORKSHOP;
});
