//! The `Report` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{
    enums::{ReportKind, ReportRole},
    report,
};
use sea_orm::sea_query::Condition;

use super::{ReportFilter, ReportOrderField, repo::Reference};
use crate::{
    dialogue::{Dialogue, DialogueFilter, DialogueOrderField},
    error::Result,
    graphql::{
        connection::{Connection, Plain},
        cursor::PageArgs,
        filter::OrderBy,
        i18n::LocalizedText,
        id::{NodeType, encode},
        list::{ListArgs, Listable, linked},
        loader::Batched,
        record::{RecordFields, localized, required},
        scalars::Date,
    },
    organisation::{Organisation, OrganisationFilter, OrganisationOrderField},
    person::{Person, PersonFilter, PersonOrderField},
    repo::filter::role_in,
    workshop::{Workshop, WorkshopFilter, WorkshopOrderField},
};

/// The GraphQL object of a row of the `report` table.
#[derive(Clone, Debug)]
pub struct Report(pub Batched<report::Model>);

impl Listable for Report {
    type Entity = report::Entity;
    type Filter = ReportFilter;
    type Field = ReportOrderField;
    fn wrap(row: Batched<report::Model>) -> Self {
        Report(row)
    }

    fn condition(filter: &ReportFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// A document: a UN report (such as the Secretary-General's "Making Migration Work for
/// All", A/72/643), a background paper or an outcome document.
#[Object]
impl Report {
    /// The report's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Report, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<report::Model> {
        RecordFields(self.0.clone())
    }

    /// The report's title.
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

    /// What the report says.
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

    /// The UN document symbol, such as `A/72/643`, for UN documents.
    async fn symbol(&self) -> Option<&str> {
        self.0.symbol.as_deref()
    }

    /// What kind of document the report is.
    async fn kind(&self) -> ReportKind {
        self.0.kind
    }

    /// The date of publication, if known.
    async fn published_on(&self) -> Option<Date> {
        self.0.published_on.map(Date)
    }

    /// The year of publication, if known (also when the exact date is not).
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The month of publication (1 to 12), if known (also when the exact date is not).
    async fn month(&self) -> Option<i32> {
        self.0.month
    }

    /// Where the report can be read.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// The organisations that published the report.
    async fn publishers(
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
        #[graphql(desc = "Keep only the organisations that match.")] filter: Option<
            OrganisationFilter,
        >,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<OrganisationOrderField>,
        >,
    ) -> Result<Connection<Organisation, Plain>> {
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
        let link = &crate::organisation::repo::OF_REPORT;
        linked(ctx, link, &self.0, page, args, Condition::all()).await
    }

    /// The people who wrote the report.
    async fn authors(
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
        #[graphql(desc = "Keep only the people that match.")] filter: Option<PersonFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<PersonOrderField>,
        >,
    ) -> Result<Connection<Person, Plain>> {
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
            &crate::person::repo::OF_REPORT,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }

    /// The dialogues that reference the report, with the report's role in each.
    async fn dialogues(
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
        #[graphql(desc = "Keep only the dialogues that match.")] filter: Option<DialogueFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<DialogueOrderField>,
        >,
    ) -> Result<Connection<Dialogue, Reference>> {
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
        let edge = role_in("dialogue_report", "role", role);
        linked(
            ctx,
            &crate::dialogue::repo::OF_REPORT,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }

    /// The workshops that reference the report, with the report's role in each.
    async fn workshops(
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
        #[graphql(desc = "Keep only the workshops that match.")] filter: Option<WorkshopFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<WorkshopOrderField>,
        >,
    ) -> Result<Connection<Workshop, Reference>> {
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
            &crate::workshop::repo::OF_REPORT,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }
}
