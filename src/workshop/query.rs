//! Root fields about workshops.

use async_graphql::{Context, Object};

use super::{Workshop, WorkshopFilter, WorkshopOrderField};
use crate::{
    error::Result,
    graphql::{
        connection::{Connection, Plain},
        cursor::PageArgs,
        filter::OrderBy,
        list::{ListArgs, root},
    },
};

/// Root fields about workshops.
#[derive(Default)]
pub struct WorkshopQuery;

#[Object]
impl WorkshopQuery {
    /// All workshops.
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
