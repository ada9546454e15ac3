//! Root fields about organisations.

use async_graphql::{Context, Object};

use super::{Organisation, repo};
use crate::{
    error::Result,
    graphql::{context::CtxExt, links::roots, loader::Batched},
};

/// Root fields about organisations.
#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
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

roots!(OrganisationLists {
    /// All organisations.
    organisations -> Organisation;
});
