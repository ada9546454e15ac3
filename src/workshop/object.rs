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
        connection::{Connection, Plain},
        cursor::PageArgs,
        filter::OrderBy,
        i18n::LocalizedText,
        id::{NodeType, encode},
        list::{ListArgs, Listable, linked, one},
        loader::Batched,
        record::{RecordFields, localized, required},
        scalars::Date,
    },
    organisation::{Organisation, OrganisationFilter, OrganisationOrderField, repo::Participation},
    person::{Person, PersonFilter, PersonOrderField, repo::Involvement},
    repo::filter::role_in,
    report::{Report, ReportFilter, ReportOrderField, repo::Reference},
    tool::{Tool, ToolFilter, ToolOrderField},
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

    /// The organisations taking part in the workshop, with the role of each.
    async fn participants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keep only these roles.")] role: Option<Vec<ParticipationRole>>,
        #[graphql(
            desc = "Return the first n edges (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the edges after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n edges (at most the page-size limit).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return the edges before this cursor.")] before: Option<String>,
        #[graphql(desc = "Keep only the organisations that match.")] filter: Option<
            OrganisationFilter,
        >,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<OrganisationOrderField>,
        >,
    ) -> Result<Connection<Organisation, Participation>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        let args = ListArgs {
            filter,
            order: order_by,
        };
        let edge = role_in("workshop_participant", "role", role);
        linked(
            ctx,
            &crate::organisation::repo::OF_WORKSHOP,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }

    /// The people speaking at the workshop (or named as its contact), with the role of each.
    async fn people(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keep only these roles.")] role: Option<Vec<PersonRole>>,
        #[graphql(
            desc = "Return the first n edges (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the edges after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n edges (at most the page-size limit).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return the edges before this cursor.")] before: Option<String>,
        #[graphql(desc = "Keep only the people that match.")] filter: Option<PersonFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<PersonOrderField>,
        >,
    ) -> Result<Connection<Person, Involvement>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        let args = ListArgs {
            filter,
            order: order_by,
        };
        let edge = role_in("workshop_person", "role", role);
        linked(
            ctx,
            &crate::person::repo::OF_WORKSHOP,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }

    /// The reports the workshop references, with the role of each.
    async fn reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keep only these roles.")] role: Option<Vec<ReportRole>>,
        #[graphql(
            desc = "Return the first n edges (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the edges after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n edges (at most the page-size limit).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return the edges before this cursor.")] before: Option<String>,
        #[graphql(desc = "Keep only the reports that match.")] filter: Option<ReportFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<ReportOrderField>,
        >,
    ) -> Result<Connection<Report, Reference>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        let args = ListArgs {
            filter,
            order: order_by,
        };
        let edge = role_in("workshop_report", "role", role);
        linked(
            ctx,
            &crate::report::repo::OF_WORKSHOP,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }

    /// The tools presented at the workshop.
    async fn tools(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n edges (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the edges after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n edges (at most the page-size limit).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return the edges before this cursor.")] before: Option<String>,
        #[graphql(desc = "Keep only the tools that match.")] filter: Option<ToolFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<ToolOrderField>,
        >,
    ) -> Result<Connection<Tool, Plain>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        let args = ListArgs {
            filter,
            order: order_by,
        };
        linked(
            ctx,
            &crate::tool::repo::OF_WORKSHOP,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }
}
