//! The `Theme` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{enums::ThemeScheme, theme};
use sea_orm::sea_query::Condition;

use super::{ThemeFilter, ThemeOrderField};
use crate::{
    dialogue::{Dialogue, DialogueFilter, DialogueOrderField},
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
    },
    organisation::{Organisation, OrganisationFilter, OrganisationOrderField},
    person::{Person, PersonFilter, PersonOrderField},
    report::{Report, ReportFilter, ReportOrderField},
    tool::{Tool, ToolFilter, ToolOrderField},
    workshop::{Workshop, WorkshopFilter, WorkshopOrderField},
};

/// The GraphQL object of a row of the `theme` table.
#[derive(Clone, Debug)]
pub struct Theme(pub Batched<theme::Model>);

impl Listable for Theme {
    type Entity = theme::Entity;
    type Filter = ThemeFilter;
    type Field = ThemeOrderField;
    fn wrap(row: Batched<theme::Model>) -> Self {
        Theme(row)
    }

    fn condition(filter: &ThemeFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// A term of a controlled vocabulary (an objective of the Global Compact for Migration, a
/// goal or target of the 2030 Agenda) or a free theme such as "partnerships".
#[Object]
impl Theme {
    /// The theme's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Theme, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<theme::Model> {
        RecordFields(self.0.clone())
    }

    /// The theme's code within its vocabulary, such as `GCM` or `partnerships`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The vocabulary the theme belongs to.
    async fn scheme(&self) -> ThemeScheme {
        self.0.scheme
    }

    /// The theme's title.
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

    /// What the theme covers.
    async fn description(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<Option<LocalizedText>> {
        localized(ctx, &self.0, "description", lang).await
    }

    /// The broader theme this one belongs to, if any.
    async fn broader(&self, ctx: &Context<'_>) -> Result<Option<Theme>> {
        one(ctx, &self.0, |m| m.broader_id).await
    }

    /// The narrower themes within this one.
    async fn narrower(
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
        #[graphql(desc = "Keep only the themes that match.")] filter: Option<ThemeFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<ThemeOrderField>,
        >,
    ) -> Result<Connection<Theme, Plain>> {
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
            &super::repo::NARROWER,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }

    /// The dialogues tagged with this theme.
    async fn dialogues(
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
        #[graphql(desc = "Keep only the dialogues that match.")] filter: Option<DialogueFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<DialogueOrderField>,
        >,
    ) -> Result<Connection<Dialogue, Plain>> {
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
            &crate::dialogue::repo::OF_THEME,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }

    /// The workshops tagged with this theme.
    async fn workshops(
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
        #[graphql(desc = "Keep only the workshops that match.")] filter: Option<WorkshopFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<WorkshopOrderField>,
        >,
    ) -> Result<Connection<Workshop, Plain>> {
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
            &crate::workshop::repo::OF_THEME,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }

    /// The reports tagged with this theme.
    async fn reports(
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
        #[graphql(desc = "Keep only the reports that match.")] filter: Option<ReportFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<ReportOrderField>,
        >,
    ) -> Result<Connection<Report, Plain>> {
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
            &crate::report::repo::OF_THEME,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }

    /// The tools tagged with this theme.
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
            &crate::tool::repo::OF_THEME,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }

    /// The organisations tagged with this theme.
    async fn organisations(
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
        let link = &crate::organisation::repo::OF_THEME;
        linked(ctx, link, &self.0, page, args, Condition::all()).await
    }

    /// The people tagged with this theme.
    async fn people(
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
            &crate::person::repo::OF_THEME,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }
}
