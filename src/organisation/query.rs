//! Root fields about organisations.

use async_graphql::{Context, Object};

use super::{Organisation, OrganisationFilter, OrganisationOrderField, repo};
use crate::{
    error::Result,
    graphql::{
        connection::{Connection, Plain},
        context::CtxExt,
        cursor::PageArgs,
        filter::OrderBy,
        list::{ListArgs, root},
        loader::Batched,
    },
};

/// Root fields about organisations.
#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// All organisations.
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
        root(
            ctx,
            page,
            ListArgs {
                filter,
                order: order_by,
            },
        )
        .await
    }

    /// The organisation with this slug (such as `iom`), if there is one.
    async fn organisation_by_slug(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The slug.")] slug: String,
    ) -> Result<Option<Organisation>> {
        Ok(repo::by_slug(ctx.loaders().db(), &slug)
            .await?
            .map(|m| Organisation(Batched::single(m))))
    }
}
