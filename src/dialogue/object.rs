//! The `Dialogue` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{
    dialogue,
    enums::{ParticipationRole, PersonRole, ReportRole},
};
use sea_orm::sea_query::Condition;

use super::{DialogueFilter, DialogueOrderField};
use crate::{
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
    workshop::Workshop,
};

/// The GraphQL object of a row of the `dialogue` table.
#[derive(Clone, Debug)]
pub struct Dialogue(pub Batched<dialogue::Model>);

impl Listable for Dialogue {
    type Entity = dialogue::Entity;
    type Filter = DialogueFilter;
    type Field = DialogueOrderField;

    fn wrap(row: Batched<dialogue::Model>) -> Self {
        Dialogue(row)
    }

    fn condition(filter: &DialogueFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// A policy forum or an edition of a meeting series, with its dates and place: the
/// International Dialogue on Migration 2018, say, or the Global Compact stocktaking meeting.
#[Object]
impl Dialogue {
    /// The dialogue's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Dialogue, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<dialogue::Model> {
        RecordFields(self.0.clone())
    }

    /// A short unique name for URLs and lookups, such as `idm-2018`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The dialogue's title.
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

    /// What the dialogue is about.
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

    /// Where the dialogue takes place, such as "United Nations Headquarters".
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

    /// The month (1 to 12), if known (also when the exact dates are not).
    async fn month(&self) -> Option<i32> {
        self.0.month
    }

    /// The city, if known.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }

    /// The country (ISO 3166-1 alpha-2), if known.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }

    /// The dialogue's web page, with its programme and working documents.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// Where the dialogue is broadcast live.
    async fn webcast_url(&self) -> Option<&str> {
        self.0.webcast_url.as_deref()
    }

    /// The series this dialogue is an edition of, if any.
    async fn series(&self, ctx: &Context<'_>) -> Result<Option<Dialogue>> {
        one(ctx, &self.0, |m| m.series_id).await
    }

    #[graphql(flatten)]
    async fn links(&self) -> DialogueLinks {
        DialogueLinks(self.0.clone())
    }
}

/// What the read planner (`crate::plan`) serves of a dialogue: its columns, its texts (and
/// whether every dialogue has one) and its lists. Other fields run on async-graphql's
/// executor.
pub fn planned() -> NodeCat {
    NodeCat::of::<Dialogue>(
        &[
            dialogue::Column::Slug,
            dialogue::Column::StartDate,
            dialogue::Column::EndDate,
            dialogue::Column::Year,
            dialogue::Column::Month,
            dialogue::Column::City,
            dialogue::Column::Country,
            dialogue::Column::Website,
            dialogue::Column::WebcastUrl,
        ],
        vec![],
        &[("title", true), ("summary", false), ("venue", false)],
        DialogueLinks::planned(),
    )
}

links!(DialogueLinks(dialogue::Model) {
    /// The editions of this dialogue, when it is a series.
    editions -> Dialogue, Plain = crate::dialogue::repo::EDITIONS;
    /// The workshops (sessions) of this dialogue.
    workshops -> Workshop, Plain = crate::workshop::repo::OF_DIALOGUE;
    /// The organisations taking part in the dialogue, with the role of each.
    participants [role: ParticipationRole = dialogue_participant.role]
        -> Organisation, Participation = crate::organisation::repo::OF_DIALOGUE;
    /// The people speaking at the dialogue (or named as its contact), with the role of each.
    people [role: PersonRole = dialogue_person.role]
        -> Person, Involvement = crate::person::repo::OF_DIALOGUE;
    /// The reports the dialogue references, with the role of each.
    reports [role: ReportRole = dialogue_report.role]
        -> Report, Reference = crate::report::repo::OF_DIALOGUE;
});
