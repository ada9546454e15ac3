//! Root fields about reports.

use async_graphql::{Context, Object};

use super::{Report, ReportFilter, ReportOrderField, repo};
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

/// Root fields about reports.
#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// All reports.
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

    /// The report with this UN document symbol (such as `A/72/643`), if there is one.
    async fn report_by_symbol(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The UN document symbol.")] symbol: String,
    ) -> Result<Option<Report>> {
        Ok(repo::by_symbol(ctx.loaders().db(), &symbol)
            .await?
            .map(|m| Report(Batched::single(m))))
    }
}
