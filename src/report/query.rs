//! Root fields about reports.

use async_graphql::{Context, Object};

use super::{Report, repo};
use crate::{
    error::Result,
    graphql::{context::CtxExt, links::roots, loader::Batched},
};

/// Root fields about reports.
#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
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

roots!(ReportLists {
    /// All reports.
    reports -> Report;
});
