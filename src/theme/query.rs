//! Root fields about themes.

use async_graphql::{Context, Object};

use super::{Theme, ThemeFilter, ThemeOrderField, repo};
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

/// Root fields about themes.
#[derive(Default)]
pub struct ThemeQuery;

#[Object]
impl ThemeQuery {
    /// All themes.
    async fn themes(
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

    /// The theme with this code (such as `GCM`), if there is one.
    async fn theme_by_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The code.")] code: String,
    ) -> Result<Option<Theme>> {
        Ok(repo::by_code(ctx.loaders().db(), &code)
            .await?
            .map(|m| Theme(Batched::single(m))))
    }
}
