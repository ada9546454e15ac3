//! Root fields about tools.

use async_graphql::{Context, Object};

use super::{Tool, ToolFilter, ToolOrderField};
use crate::{
    error::Result,
    graphql::{
        connection::{Connection, Plain},
        cursor::PageArgs,
        filter::OrderBy,
        list::{ListArgs, root},
    },
};

/// Root fields about tools.
#[derive(Default)]
pub struct ToolQuery;

#[Object]
impl ToolQuery {
    /// All tools.
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
}
