//! The `Tool` GraphQL type.

use async_graphql::{Context, ID, Object};
use entity::{
    enums::{DeveloperRole, ToolKind},
    tool,
};
use sea_orm::sea_query::Condition;

use super::{ToolFilter, ToolOrderField};
use crate::{
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
    },
    organisation::{Organisation, OrganisationFilter, OrganisationOrderField, repo::Development},
    repo::filter::role_in,
    workshop::{Workshop, WorkshopFilter, WorkshopOrderField},
};

/// The GraphQL object of a row of the `tool` table.
#[derive(Clone, Debug)]
pub struct Tool(pub Batched<tool::Model>);

impl Listable for Tool {
    type Entity = tool::Entity;
    type Filter = ToolFilter;
    type Field = ToolOrderField;
    fn wrap(row: Batched<tool::Model>) -> Self {
        Tool(row)
    }

    fn condition(filter: &ToolFilter) -> Result<Condition> {
        filter.condition()
    }
}

/// A cooperation framework, guideline, indicator set, platform or training that partners
/// built together, such as IOM's Migration Governance Framework.
#[Object]
impl Tool {
    /// The tool's global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Tool, self.0.id)
    }

    #[graphql(flatten)]
    async fn record(&self) -> RecordFields<tool::Model> {
        RecordFields(self.0.clone())
    }

    /// The tool's name.
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language wanted (ISO 639-1); defaults to the request's Accept-Language."
        )]
        lang: Option<String>,
    ) -> Result<LocalizedText> {
        required(ctx, &self.0, "name", lang).await
    }

    /// What the tool is for.
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

    /// What kind of tool it is.
    async fn kind(&self) -> ToolKind {
        self.0.kind
    }

    /// The year the tool was launched, if known.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// Where the tool can be found.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// The organisations that developed the tool, with the role of each.
    async fn developers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keep only these roles.")] role: Option<Vec<DeveloperRole>>,
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
    ) -> Result<Connection<Organisation, Development>> {
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
        let edge = role_in("tool_developer", "role", role);
        linked(
            ctx,
            &crate::organisation::repo::OF_TOOL,
            &self.0,
            page,
            args,
            edge,
        )
        .await
    }

    /// The workshops that presented the tool.
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
            &crate::workshop::repo::OF_TOOL,
            &self.0,
            page,
            args,
            Condition::all(),
        )
        .await
    }
}
